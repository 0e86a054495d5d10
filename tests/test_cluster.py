"""Parsing on a real Dask distributed cluster (indexer/cluster.py): a scheduler and two worker
processes started on loopback with Dask's own commands, as README "A cluster" starts them.

The index a cluster builds is the index this machine builds (the same ids, stored fields and
search answers), for whole files and for container files cut into byte ranges; a worker
killed in the middle loses nothing; an unreachable scheduler is an error before anything is
written; a file a worker cannot read is reported by its path."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from distributed import Client, KilledWorker  # `make test` installs the extra: not a skip
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from whoosh import index as whoosh_index

from bench.dask_cluster import dask_cluster
from indexer import cluster as cluster_module
from indexer import streams
from indexer.manifest import INDEX_NAME
from indexer.readers import MAX_RECORD_BYTES
from indexer.writer import reindex
from tests.helpers.answers import answers
from tests.helpers.paths import SAMPLES, shared_path
from webapp.cli import main

pytestmark = pytest.mark.slow

WORKERS = 2


@dataclass
class Cluster:
    address: str

    def worker_pids(self) -> dict[str, int]:
        with Client(self.address, timeout=10, set_as_default=False) as client:
            client.wait_for_workers(WORKERS, timeout=60)
            return client.run(os.getpid)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """`dask scheduler` and two `dask worker` processes (one thread each) on loopback."""
    with dask_cluster(WORKERS, tmp_path_factory.mktemp("dask")) as address:
        yield Cluster(address)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Container files of a few kilobytes read in parts (each a byte range of the file)."""
    monkeypatch.setattr(streams, "STREAM_BYTES", 4_000)
    monkeypatch.setattr(streams, "PART_BYTES", 3_000)


def _pages(count: int) -> list[Path]:
    """Real news pages (../shared/corpora/html-big9)."""
    root = shared_path("corpora", "html-big9")
    return sorted(p for p in root.rglob("*") if p.suffix in (".htm", ".html"))[:count]


def _records(n: int) -> Iterator[dict[str, Any]]:
    for k in range(n):
        yield {
            "title": f"Grain corridor talks, day {k}",
            "url": f"https://example.com/grain/{k}",
            "date": f"2024-03-{1 + k % 28:02d}",
            "author": "Olena Kovalenko",
            "body": f'Ships left Odesa on day {k}. "The corridor holds," the minister said. '
            + "Wheat exports rose again as insurers returned to the route. " * (k % 5 + 1),
        }


def _warc(path: Path, pages: list[Path]) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for page in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://example.org/{page.name.replace(' ', '-')}",
            "response",
            payload=io.BytesIO(page.read_bytes()),
            http_headers=headers,
        )
        writer.write_record(record)
    path.write_bytes(buffer.getvalue())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples (every format), 40 real pages, and container files in several parts: JSON
    Lines exports (plain, gzipped, one with a line too long), a CSV story list, a web archive
    of real pages."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SAMPLES, root / "samples", ignore=shutil.ignore_patterns("*.md"))
    pages = root / "pages"
    pages.mkdir()
    for n, page in enumerate(_pages(48)[:40]):
        shutil.copy(page, pages / f"{n:02d}{page.suffix}")
    lines = [json.dumps(r) for r in _records(60)]
    lines[31] = '{"title": "broken", "body": '  # line 32: not JSON
    (root / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(root / "export2.jsonl.gz", "wt", encoding="utf-8") as fh:
        for r in _records(40):  # with words gzip cannot shrink: over STREAM_BYTES compressed
            noise = " ".join(
                hashlib.sha256(f"{r['url']}{n}".encode()).hexdigest() for n in range(4)
            )
            fh.write(json.dumps(r | {"url": r["url"] + "/gz", "body": r["body"] + noise}) + "\n")
    assert (root / "export2.jsonl.gz").stat().st_size > 4_000  # STREAM_BYTES below
    lines = [json.dumps(r | {"url": r["url"] + "/3"}) for r in _records(30)]
    lines[9] = json.dumps({"title": "Too long", "body": "word " * (MAX_RECORD_BYTES // 4)})
    (root / "export3.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["title,url,publish_date,media_name"] + [
        f'"Story {k}, with a comma",https://example.net/{k},2024-05-{1 + k % 28:02d},Example News'
        for k in range(150)
    ]
    (root / "stories.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _warc(root / "crawl.warc.gz", _pages(48)[40:48])
    return root


def stored(index_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every document's stored fields, by kind and id."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        docs = {(d["kind"], d["id"]): d for d in searcher.all_stored_fields()}
    ix.close()
    return docs


QUERIES = ["grain", "corridor minister", '"the minister said"', "Kyiv OR Москва", "Story"]


def errors_of(summary: Any) -> list[str]:
    return sorted(str(e) for e in summary.errors)


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The corpus built by this machine's own parsing processes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streams, "STREAM_BYTES", 4_000)
        patch.setattr(streams, "PART_BYTES", 3_000)
        index_dir = tmp_path_factory.mktemp("local") / "index"
        summary = reindex([str(corpus)], str(index_dir), workers=2)
    return index_dir, summary


def test_a_cluster_builds_the_index_this_machine_builds(
    cluster: Cluster,
    corpus: Path,
    local_build: tuple[Path, Any],
    tmp_path: Path,
    small_parts: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ranges: list[tuple[str, bool]] = []  # (file, sent as a byte range) for each part
    make_task = cluster_module.ClusterParsers._task

    def spied(self: Any, job: Any) -> Any:
        task = make_task(self, job)
        if task is not None and task.part is not None:
            as_range = task.function is cluster_module._parse_range
            ranges.append((os.path.basename(job.part[0]), as_range))
        return task

    monkeypatch.setattr(cluster_module.ClusterParsers, "_task", spied)
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(
        main, ["reindex", str(corpus), "--index", str(index_dir), "--scheduler", cluster.address]
    )
    local_dir, local = local_build
    assert result.exit_code == 1, result.output  # line 32 of the export is not JSON
    assert result.stdout.startswith(f"{local.added} added, 0 updated"), result.stdout
    assert local.added > 200
    assert "export.jsonl:32: invalid JSON" in result.stderr
    assert result.stderr.count("export.jsonl:32") == 1
    assert stored(index_dir) == stored(local_dir)
    assert answers(index_dir, QUERIES) == answers(local_dir, QUERIES)
    # One large file spread over the workers: the plain files' parts went out as byte
    # ranges, the gzipped export's (offsets in the uncompressed stream) with their bytes.
    sent = {name: {r for n, r in ranges if n == name} for name, _ in ranges}
    assert sent["export.jsonl"] == sent["stories.csv"] == sent["crawl.warc.gz"] == {True}
    assert sent["export2.jsonl.gz"] == {False}
    # A line cut at MAX_RECORD_BYTES: its part goes with its bytes, the parts after it as
    # ranges at their offsets in the file (a wrong offset fails its SHA-1 check, an error).
    assert sent["export3.jsonl"] == {True, False}
    assert "export3.jsonl:10: " in result.stderr
    assert sum(1 for name, _ in ranges if name == "export.jsonl") >= 3

    # Incremental on the cluster: the manifest holds this machine's view of the files.
    again = CliRunner().invoke(
        main, ["reindex", str(corpus), "--index", str(index_dir), "--scheduler", cluster.address]
    )
    unchanged = f"0 removed, 0 failed, {local.added} unchanged"
    assert again.stdout.startswith(f"0 added, 0 updated, {unchanged}"), again.stdout
    edited = corpus / "samples" / "text" / "2023-02-09-kirby-bakhmut-price.txt"
    original = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(original + "\nThe talks resume on Monday.\n", encoding="utf-8")
        third = CliRunner().invoke(
            main,
            ["reindex", str(corpus), "--index", str(index_dir), "--scheduler", cluster.address],
        )
        line = f"0 added, 1 updated, 0 removed, 0 failed, {local.added - 1} unchanged"
        assert third.stdout.startswith(line), third.stdout
    finally:
        edited.write_text(original, encoding="utf-8")


def test_a_killed_worker_loses_nothing(
    cluster: Cluster, corpus: Path, local_build: tuple[Path, Any], tmp_path: Path, small_parts: None
) -> None:
    pids = cluster.worker_pids()
    victim = sorted(pids.values())[0]
    killed: list[int] = []

    def progress(n: int) -> None:
        if not killed:  # the first file written: the others are out on the workers
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    index_dir = tmp_path / "index"
    summary = reindex([str(corpus)], str(index_dir), progress=progress, scheduler=cluster.address)
    local_dir, local = local_build
    assert killed
    assert (summary.added, errors_of(summary)) == (local.added, errors_of(local))
    assert stored(index_dir) == stored(local_dir)
    assert victim not in cluster.worker_pids().values()  # it was killed; its nanny replaced it


def test_a_task_whose_workers_died_is_sent_again_alone(
    cluster: Cluster,
    corpus: Path,
    local_build: tuple[Path, Any],
    tmp_path: Path,
    small_parts: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Dask gives up on a task that killed its allowed number of workers (KilledWorker): here
    # every task is made to, once. Its files are sent again one at a time, its part as the
    # same range, and the index is still the one this machine builds.
    retrying: list[Any] = []
    one_by_one = cluster_module.ClusterParsers._one_by_one
    result = cluster_module.ClusterParsers._result

    def again(self: Any, task: Any, reason: str) -> Any:
        retrying.append(task)
        try:
            return one_by_one(self, task, reason)
        finally:
            retrying.remove(task)

    def died(self: Any, future: Any, seconds: float) -> Any:
        if retrying:
            return result(self, future, seconds)
        result(self, future, seconds)
        raise KilledWorker(future.key, "tcp://127.0.0.1:1", 3)

    sent: list[str] = []
    submit = cluster_module.ClusterParsers._submit

    def counted(self: Any, task: Any) -> Any:
        if task is not None and retrying:
            sent.append(task.function.__name__)
        return submit(self, task)

    monkeypatch.setattr(cluster_module.ClusterParsers, "_one_by_one", again)
    monkeypatch.setattr(cluster_module.ClusterParsers, "_result", died)
    monkeypatch.setattr(cluster_module.ClusterParsers, "_submit", counted)
    index_dir = tmp_path / "index"
    summary = reindex([str(corpus)], str(index_dir), scheduler=cluster.address)
    local_dir, local = local_build
    assert (summary.added, errors_of(summary)) == (local.added, errors_of(local))
    assert stored(index_dir) == stored(local_dir)
    assert sent.count("_parse_range") > 10 and sent.count("_parse_part") > 3
    assert sent.count("_parse_files") > 50  # a file a task


def test_a_lost_scheduler_keeps_the_last_commit_and_the_next_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, page in enumerate(_pages(48)):
        shutil.copy(page, corpus / f"{n:02d}.html")
    local = reindex([str(corpus)], str(tmp_path / "local"))
    monkeypatch.setattr(cluster_module, "CONNECT_SECONDS", 2.0)
    index_dir = tmp_path / "index"
    with dask_cluster(1, tmp_path / "dask") as address:
        with Client(address, timeout=10, set_as_default=False) as client:
            scheduler = client.run_on_scheduler(os.getpid)

        def progress(n: int) -> None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(scheduler, signal.SIGKILL)

        with pytest.raises(cluster_module.ClusterUnavailable, match="lost the Dask scheduler"):
            reindex([str(corpus)], str(index_dir), progress=progress, scheduler=address)
    result = CliRunner().invoke(main, ["reindex", str(corpus), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert stored(index_dir) == stored(tmp_path / "local")
    assert local.added == 48


def test_an_unreachable_scheduler_is_an_error_before_anything_is_written(
    corpus: Path, local_build: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_SECONDS", 1.0)
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    fresh = tmp_path / "fresh"
    result = CliRunner().invoke(main, ["reindex", str(corpus), "--index", str(fresh)],
                                env={"NEWSDESK_SCHEDULER": address})  # fmt: skip
    assert result.exit_code == 1
    assert f"cannot reach the Dask scheduler at {address}: Connection refused" in result.stderr
    assert not fresh.exists()
    # An index built before: not a file of it touched.
    built = tmp_path / "built"
    shutil.copytree(local_build[0], built)
    before = {p.name: p.stat().st_mtime_ns for p in built.iterdir()}
    result = CliRunner().invoke(
        main, ["reindex", str(corpus), "--index", str(built), "--scheduler", address]
    )
    assert result.exit_code == 1 and "cannot reach the Dask scheduler" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in built.iterdir()} == before
    wrong = CliRunner().invoke(
        main, ["reindex", str(corpus), "--index", str(fresh), "--scheduler", "localhost"]
    )
    assert wrong.exit_code == 1
    assert "localhost: not a Dask scheduler address, tcp://HOST:PORT" in wrong.stderr


def test_a_file_a_worker_cannot_read_is_reported_by_its_path(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # paths as the user gives them, relative: the workers are
    corpus = Path("corpus")  # elsewhere, and read the absolute ones
    corpus.mkdir()
    pages = _pages(60)
    for n, page in enumerate(pages):
        shutil.copy(page, corpus / f"{n:02d}.html")
    last = corpus / f"{len(pages) - 1:02d}.html"

    def progress(n: int) -> None:
        # After the plan, before its turn: the worker finds the file gone.
        with contextlib.suppress(FileNotFoundError):
            last.unlink()

    summary = reindex([str(corpus)], str(tmp_path / "index"), progress=progress,
                      scheduler=cluster.address)  # fmt: skip
    assert [str(e) for e in summary.errors] == [f"corpus/{last.name}: No such file or directory"]
    assert summary.added == len(pages) - 1
    paths = {d["path"] for d in stored(tmp_path / "index").values() if d["kind"] == "article"}
    assert paths == {f"corpus/{n:02d}.html" for n in range(len(pages) - 1)}
    # The next run, with the file back, finds it to add.
    shutil.copy(pages[-1], last)
    again = reindex([str(corpus)], str(tmp_path / "index"), scheduler=cluster.address)
    assert (again.added, again.unchanged, again.failed) == (1, len(pages) - 1, 0)


def test_ctrl_c_keeps_the_last_commit_and_the_next_run_finishes(
    cluster: Cluster, corpus: Path, local_build: tuple[Path, Any], tmp_path: Path
) -> None:
    # A real Ctrl-C (SIGINT) to `newsdesk reindex --scheduler` while the workers parse: the
    # index keeps its last commit, nothing is left running on the cluster, and the next run
    # finishes the work.
    index_dir = tmp_path / "index"
    first = reindex([str(corpus / "samples")], str(index_dir), scheduler=cluster.address)
    committed = stored(index_dir)
    assert first.added > 10 and len(committed) > first.added
    newsdesk = str(Path(sys.executable).parent / "newsdesk")
    command = [newsdesk, "reindex", str(corpus), "--index", str(index_dir)]

    def _tasks_held(dask_scheduler: Any) -> int:  # run on the scheduler (sent by value)
        return len(dask_scheduler.tasks)

    run = subprocess.Popen(
        [*command, "--scheduler", cluster.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with Client(cluster.address, timeout=10, set_as_default=False) as client:
        deadline = time.monotonic() + 60
        while not client.run_on_scheduler(_tasks_held) and run.poll() is None:
            assert time.monotonic() < deadline, "no task reached the scheduler"
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
        assert run.returncode == 130, (out, err)
        assert "interrupted: the index keeps its last committed state" in err
        assert "Traceback" not in err
        assert stored(index_dir) == committed
        deadline = time.monotonic() + 30  # the run's tasks were released with its client
        while client.run_on_scheduler(_tasks_held):
            assert time.monotonic() < deadline, "the interrupted run left tasks on the cluster"
            time.sleep(0.1)
    again = subprocess.run([*command, "--scheduler", cluster.address], capture_output=True,
                           text=True, timeout=300)  # fmt: skip
    local_dir, local = local_build
    added = local.added - first.added
    assert again.stdout.startswith(f"{added} added, 0 updated"), (again.stdout, again.stderr)
    assert stored(index_dir) == stored(local_dir)
