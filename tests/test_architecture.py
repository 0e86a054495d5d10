"""The shape of the code: which way imports point, where Whoosh's internals may be touched,
and how long a module may grow (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys

from helpers.code import (
    PACKAGES,
    STORAGE,
    imported_modules,
    modules,
    tree_of,
    whoosh_private_names,
    whoosh_private_uses,
)
from helpers.paths import REPO

MAX_LINES = 600
DATA_ONLY: set[str] = set()  # modules that only declare data (tables, patterns) may be longer


def test_indexer_never_imports_webapp() -> None:
    wrong = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in modules("indexer")
        for line, name in imported_modules(tree_of(path))
        if name == "webapp" or name.startswith("webapp.")
    ]
    assert not wrong, "the write side must not depend on the read side:\n" + "\n".join(wrong)


def test_only_storage_touches_whoosh_private_names() -> None:
    assert len(whoosh_private_names()) > 100  # the scan found Whoosh's sources
    wrong = [
        use
        for path in modules(*PACKAGES, "bench")
        if STORAGE not in path.parents
        for use in whoosh_private_uses(path)
    ]
    assert not wrong, "Whoosh internals belong in indexer/storage/:\n" + "\n".join(wrong)


def test_modules_stay_short() -> None:
    long = {
        str(path.relative_to(REPO)): lines
        for path in modules(*PACKAGES, "tests", "bench")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and str(path.relative_to(REPO)) not in DATA_ONLY
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_web_app_loads_no_part_of_the_write_side() -> None:
    """Serving needs the index contract, the schema and storage, never the readers (lxml,
    trafilatura), the quote finder, the writer or its process pools."""
    code = (
        "import sys, webapp; webapp.create_app({'INDEX_DIR': 'nowhere'}); "
        "print(' '.join(sorted(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(run.stdout.split())
    heavy = {
        "lxml",
        "trafilatura",
        "indexer.readers",
        "indexer.quotes",
        "indexer.writer",
        "indexer.parsing",
        "indexer.dedupe",
        "multiprocessing",
    }
    assert not heavy & loaded, sorted(heavy & loaded)


PEER_ONLY = {"peer_build"}  # runs in bench/.venv-peer (sqlite-utils), not in the project's venv


def test_every_bench_module_imports() -> None:
    """The benchmarks are not run by the suite; a moved name must still not break them."""
    names = [p.stem for p in modules("bench") if p.stem != "__init__" and p.stem not in PEER_ONLY]
    code = "import importlib, sys\nfor n in sys.argv[1:]: importlib.import_module(f'bench.{n}')"
    run = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
