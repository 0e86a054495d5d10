"""Concurrent writers and readers (issue 8): two reindexes at once, a reindex killed with its
parse workers running, and searches over HTTP while a reindex commits."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.load import serving
from helpers.processes import descendants, named, newsdesk_popen, snapshot, write_article
from indexer.children import LOCK_FILE
from indexer.writer import reindex

pytestmark = pytest.mark.slow

FILES = 240  # a reindex of a second or two, parsed by every core


NEWSDESK = str(Path(sys.executable).with_name("newsdesk"))


def newsdesk_run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSDESK, *args], capture_output=True, text=True, timeout=timeout)


def newsdesk_popen_text(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [NEWSDESK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def make_corpus(root: Path, count: int = FILES, version: int = 0) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for n in range(count):
        write_article(corpus, n, version)
    return corpus


def clean_build(tmp_path: Path, corpus: Path) -> dict[str, str]:
    clean = tmp_path / "clean"
    reindex([str(corpus)], str(clean), workers=1)
    return snapshot(clean)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("start", ["empty", "update"])
def test_two_reindexes_at_once_one_runs_the_other_exits_clearly(tmp_path: Path, start: str) -> None:
    corpus, index_dir = make_corpus(tmp_path), tmp_path / "index"
    if start == "update":
        reindex([str(corpus)], str(index_dir), workers=1)
        make_corpus(tmp_path, version=1)
    procs = [newsdesk_popen_text("reindex", str(corpus), "--index", str(index_dir)) for _ in (1, 2)]
    outcomes = [(p.returncode, err) for p in procs for _, err in [p.communicate(timeout=180)]]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 1], outcomes
    busy = next(err for code, err in outcomes if code == 1)
    assert "another reindex (pid " in busy and "is running" in busy, busy
    assert "Traceback" not in busy
    assert snapshot(index_dir) == clean_build(tmp_path, corpus)


def test_second_reindex_waits_with_wait(tmp_path: Path) -> None:
    corpus, index_dir = make_corpus(tmp_path), tmp_path / "index"
    procs = [
        newsdesk_popen_text("reindex", str(corpus), "--index", str(index_dir), "--wait", "120")
        for _ in (1, 2)
    ]
    outcomes = [(p.returncode, err) for p in procs for _, err in [p.communicate(timeout=240)]]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert snapshot(index_dir) == clean_build(tmp_path, corpus)


def kill_once_helping(helpers: dict[str, int], *args: str) -> tuple[subprocess.Popen, set[int]]:
    """Start `newsdesk reindex ARGS`, SIGKILL it once `helpers` processes of each name run
    (`wait_for`); returns it (ended) and all its descendants then (the fork server and
    resource tracker too)."""
    proc = newsdesk_popen("reindex", *args)
    found = wait_for(proc, helpers)
    proc.kill()
    proc.wait()
    return proc, found


def wait_for(proc: subprocess.Popen, helpers: dict[str, int]) -> set[int]:
    """Wait until `proc` has `helpers` descendants of each name (`newsdesk-parse`,
    `newsdesk-index`); returns all its descendants."""
    deadline = time.monotonic() + 60
    while any(len(named(proc.pid, name)) < count for name, count in helpers.items()):
        assert proc.poll() is None and time.monotonic() < deadline, f"no {helpers} seen"
        time.sleep(0.02)
    return descendants(proc.pid)


def assert_gone(helpers: set[int]) -> None:
    deadline = time.monotonic() + 10
    while any(alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in helpers), "helper processes outlived their reindex"


def test_reindex_killed_while_parsing_leaves_no_lock_and_no_process(tmp_path: Path) -> None:
    corpus, index_dir = make_corpus(tmp_path, count=600), tmp_path / "index"
    # Killed once the parse workers run.
    proc, helpers = kill_once_helping({"newsdesk-parse": 2}, str(corpus), "--index", str(index_dir))
    # Right away: the OS released the killed run's lock, and no orphaned worker holds it.
    result = newsdesk_run("reindex", str(corpus), "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert f"an earlier reindex (pid {proc.pid}) was killed" in result.stderr
    assert (index_dir / LOCK_FILE).read_text() == ""  # a finished run leaves no pid behind
    assert snapshot(index_dir) == clean_build(tmp_path, corpus)
    assert_gone(helpers)


def test_build_killed_while_writing_leaves_no_lock_and_no_process(tmp_path: Path) -> None:
    """The same for the indexing processes of a full build (and of an update of many files),
    the fork server that starts them and multiprocessing's resource tracker."""
    corpus, index_dir = make_corpus(tmp_path, count=600), tmp_path / "index"
    # Killed once 2 parse workers and 2 indexing processes run.
    _, helpers = kill_once_helping(
        {"newsdesk-parse": 2, "newsdesk-index": 2}, str(corpus), "--index", str(index_dir), "--full"
    )
    result = newsdesk_run("reindex", str(corpus), "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert snapshot(index_dir) == clean_build(tmp_path, corpus)
    assert_gone(helpers)


def test_ctrl_c_during_a_build_stops_every_process_with_one_message(tmp_path: Path) -> None:
    """Ctrl-C in a terminal sends SIGINT to the whole process group: the reindex, its parse
    workers, the fork server and the indexing processes. One message says what the index
    keeps, no process prints a traceback or outlives the run, and the next run finishes."""
    corpus, index_dir = make_corpus(tmp_path, count=600), tmp_path / "index"
    exe = Path(sys.executable).with_name("newsdesk")
    proc = subprocess.Popen(
        [str(exe), "reindex", str(corpus), "--index", str(index_dir), "--full"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    helpers = wait_for(proc, {"newsdesk-parse": 2, "newsdesk-index": 2})
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: the index keeps its last committed state" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert_gone(helpers)
    result = newsdesk_run("reindex", str(corpus), "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert snapshot(index_dir) == clean_build(tmp_path, corpus)


# ---------------------------------------------------------------- searches during a reindex

SEARCHES = ["/api/search?q=story", "/api/search", "/api/search?q=paragraph&sort=newest"]


def hammer(port: int, stop: threading.Event, seen: list[tuple[str, int, int | None]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = 0
    while not stop.is_set():
        path = SEARCHES[n % len(SEARCHES)]
        n += 1
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            seen.append((f"{path}: {exc!r}", 0, None))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        total = json.loads(body).get("total") if response.status == 200 else None
        seen.append((path, response.status, total))
    conn.close()


def test_searches_during_a_reindex_answer_from_the_old_or_the_new_index(tmp_path: Path) -> None:
    corpus, index_dir = make_corpus(tmp_path, count=200), tmp_path / "index"
    reindex([str(corpus)], str(index_dir), workers=1)
    with serving(index_dir, workers=2) as port:
        old = 200
        for step, (count, version, full) in enumerate([(320, 1, False), (260, 2, True)]):
            for n in range(count, old):  # fewer files: delete the rest
                (corpus / f"story-{n:04d}.txt").unlink()
            make_corpus(tmp_path, count=count, version=version)
            seen: list[tuple[str, int, int | None]] = []
            stop = threading.Event()
            threads = [threading.Thread(target=hammer, args=(port, stop, seen)) for _ in range(6)]
            for t in threads:
                t.start()
            time.sleep(0.3)
            args = ["reindex", str(corpus), "--index", str(index_dir)] + (
                ["--full"] if full else []
            )
            result = newsdesk_run(*args)
            time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join(30)
            assert result.returncode == 0, result.stderr
            bad = [s for s in seen if s[1] != 200 or s[2] not in (old, count)]
            assert not bad, f"step {step}: {bad[:5]} of {len(seen)}"
            assert len(seen) > 50, "too few searches overlapped the reindex"
            assert seen[-1][2] == count  # the last answers come from the new index
            old = count
