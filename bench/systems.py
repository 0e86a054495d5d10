"""The two systems of the scale benchmark, Newsdesk and Datasette: each built from the corpus,
updated after the same edits, then served and queried (bench/measure.py)."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.corpus import REPO, change_files, restore_files
from bench.measure import Server, free_port, measured, serve_and_query, size_on_disk
from bench.queries import BenchQuery

VENV = REPO / ".venv" / "bin"
PEER = REPO / "bench" / ".venv-peer" / "bin"
CHANGED_FILES = 100


def newsdesk_side(n: int, root: Path, queries: list[BenchQuery]) -> dict[str, Any]:
    index = root / "index"
    corpus = root / "corpus"
    shutil.rmtree(index, ignore_errors=True)
    newsdesk = str(VENV / "newsdesk")
    full = measured([newsdesk, "reindex", str(corpus), "--index", str(index), "--full"])
    print(f"  newsdesk full reindex: {full.seconds:.1f}s ({full.output.splitlines()[-1]})")
    size = size_on_disk(index)
    changed = change_files(corpus, root / "backup", CHANGED_FILES)
    incr = measured([newsdesk, "reindex", "--index", str(index)])
    print(f"  newsdesk incremental: {incr.seconds:.2f}s ({incr.output.splitlines()[-1]})")
    change_files(corpus, root / "backup", CHANGED_FILES, whole=True)  # every article changes
    whole = measured([newsdesk, "reindex", "--index", str(index)])
    print(f"  newsdesk, same files whole: {whole.seconds:.2f}s ({whole.output.splitlines()[-1]})")
    port = free_port()
    server = Server(
        [newsdesk, "serve", "--index", str(index), "--port", str(port), "--workers", "2"],
        port,
        "/api/search?q=oil",
        root / "newsdesk-serve.log",
    )
    paths = ["/api/search?" + urlencode(q.newsdesk_params()) for q in queries]
    served = serve_and_query(server, paths, lambda d: d.get("total"))
    return {
        "build": {"seconds": full.seconds, "peak_rss": full.peak_rss, "summary": full.output},
        "size": size,
        "incremental": {
            "seconds": incr.seconds,
            "peak_rss": incr.peak_rss,
            "summary": incr.output.splitlines()[-1],
            "files": len(changed),
            "whole": {"seconds": whole.seconds, "summary": whole.output.splitlines()[-1]},
        },
        "served": asdict(served),
        "changed": [str(p) for p in changed],
    }


def peer_side(n: int, root: Path, queries: list[BenchQuery], changed: list[str]) -> dict[str, Any]:
    """Datasette: build (sqlite-utils + FTS5), upsert of the changed files, then serve."""
    peer_dir = root / "peer"
    peer_dir.mkdir(exist_ok=True)
    db = peer_dir / "db.db"
    build_script = str(REPO / "bench" / "peer_build.py")
    backup = root / "backup"
    restored = restore_files(root / "corpus", backup)  # build from the original corpus
    build = measured([str(PEER / "python"), build_script, "build", str(root / "corpus"), str(db)])
    print(f"  datasette build: {build.seconds:.1f}s {build.output}")
    size = size_on_disk(db)
    if restored:
        change_files(root / "corpus", backup, CHANGED_FILES, whole=True)  # as Newsdesk serves
    update = measured([str(PEER / "python"), build_script, "update", str(db), *changed])
    print(f"  datasette upsert of {len(changed)} files: {update.seconds:.2f}s")
    server = datasette_server(db, root / "datasette-serve.log")
    paths = ["/db/articles.json?" + urlencode(q.datasette_params()) for q in queries]
    served = serve_and_query(server, paths, lambda d: d.get("filtered_table_rows_count"))
    return {
        "build": {"seconds": build.seconds, "peak_rss": build.peak_rss, "detail": build.output},
        "size": size,
        "incremental": {"seconds": update.seconds, "peak_rss": update.peak_rss},
        "served": asdict(served),
        "settings": dict(DATASETTE_SETTINGS),
    }


DATASETTE_SETTINGS = [
    ("sql_time_limit_ms", "120000"),  # complete answers, never a time-out
    ("facet_time_limit_ms", "120000"),
    ("suggest_facets", "off"),  # work a search page does not need
]


def datasette_server(db: Path, log: Path) -> Server:
    """`datasette serve` of the peer's database on a free loopback port, started and up."""
    port = free_port()
    cmd = [str(PEER / "datasette"), "serve", str(db), "-h", "127.0.0.1", "-p", str(port)]
    for name, value in DATASETTE_SETTINGS:
        cmd += ["--setting", name, value]
    return Server(cmd, port, "/db/articles.json?_size=1", log)
