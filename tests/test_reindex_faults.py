"""Nothing lost, nothing hung (issue 18): real processes of a reindex killed at several moments,
and the index compared with a clean build; every reindex ends, and says what it did.

The processes are told apart by the names a reindex gives them (`newsdesk-parse`,
`newsdesk-index`; indexer/children.py), as `ps` shows them to a user.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

import indexer.parsing
from helpers.processes import named
from indexer.errors import IndexingFailed
from indexer.manifest import INDEX_NAME, open_index
from indexer.schema import document_to_article
from indexer.writer import reindex

pytestmark = pytest.mark.slow

ARTICLES = 2_400  # enough that a full build runs its indexing processes for a few seconds


def newsdesk_popen(*args: str) -> subprocess.Popen[str]:
    exe = Path(sys.executable).with_name("newsdesk")
    return subprocess.Popen(
        [str(exe), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def newsdesk(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("newsdesk")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def story(n: int, version: int, paragraphs: int = 12) -> str:
    body = " ".join(
        f"Paragraph {p} of story {n} (version {version}) on harbour works, said the mayor."
        for p in range(paragraphs)
    )
    return f"Story {n} v{version}\n\n{body}\n"


def write_corpus(corpus: Path, versions: dict[int, int], paragraphs: int = 12) -> None:
    corpus.mkdir(exist_ok=True)
    for n, version in versions.items():
        (corpus / f"story-{n:05d}.txt").write_text(story(n, version, paragraphs))


def snapshot(index_dir: Path) -> dict[str, str]:
    """Article id -> title of every article the index serves."""
    with open_index(str(index_dir)).searcher() as searcher:
        docs = [document_to_article(d) for d in searcher.all_stored_fields()]
    return {a.id: a.title or "" for a in docs if a.format}


def counts(stdout: str) -> dict[str, int]:
    """{'added': 3, 'updated': 0, ...} from the summary line."""
    words = stdout.strip().splitlines()[-1].split(" in ")[0].split(", ")
    return {word: int(n) for n, word in (part.split()[:2] for part in words)}


def kill_child(proc: subprocess.Popen[str], name: str, delay: float) -> int:
    """SIGKILL one child of `proc` named `name`, `delay` seconds after it first shows."""
    deadline = time.monotonic() + 120
    while not named(proc.pid, name):
        assert proc.poll() is None, f"the reindex ended before a {name} process showed"
        assert time.monotonic() < deadline, f"no {name} process showed"
        time.sleep(0.02)
    time.sleep(delay)
    for pid in named(proc.pid, name):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended this very moment: another one
            continue
        return pid
    raise AssertionError(f"the {name} processes ended within {delay} s: kill sooner")


def reindex_killing(name: str, delay: float, *args: str) -> tuple[int, int, str, str]:
    """`newsdesk reindex ARGS`, one of whose `name` children is SIGKILLed `delay` seconds
    after it shows: the killed pid, and the run's exit status, stdout and stderr."""
    proc = newsdesk_popen("reindex", *args)
    killed = kill_child(proc, name, delay)
    out, err = proc.communicate(timeout=300)
    return killed, proc.returncode, out, err


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A corpus and its index built in one process, nothing killed: the reference."""
    root = tmp_path_factory.mktemp("faults")
    corpus = root / "corpus"
    write_corpus(corpus, dict.fromkeys(range(ARTICLES), 0))
    reindex([str(corpus)], str(root / "clean"), workers=1)
    return corpus, snapshot(root / "clean")


@pytest.mark.parametrize("delay", [0.0, 0.8])
def test_an_indexing_process_killed_during_a_full_build_fails_it_loudly(
    clean: tuple[Path, dict[str, str]], tmp_path: Path, delay: float
) -> None:
    corpus, reference = clean
    index_dir = tmp_path / "ix"
    killed, code, out, err = reindex_killing(
        "newsdesk-index", delay, str(corpus), "--index", str(index_dir), "--full"
    )
    assert code == 1, (out, err)
    assert "added" not in out  # no summary of work that was not done
    assert f"an indexing process (pid {killed}) was killed by SIGKILL" in err
    assert "keeps its last committed state" in err
    assert "Traceback" not in err
    # The next run finishes the job: the same index as a clean build, and says so.
    done = newsdesk("reindex", str(corpus), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    assert snapshot(index_dir) == reference
    summary = counts(done.stdout)
    assert summary["added"] + summary["updated"] + summary["unchanged"] == len(reference)


@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_an_indexing_process_killed_during_an_update_loses_nothing(
    tmp_path: Path, delay: float
) -> None:
    mine = tmp_path / "corpus"
    versions = dict.fromkeys(range(1600), 0)
    write_corpus(mine, versions, paragraphs=80)  # long: the update's indexing takes a while
    index_dir = tmp_path / "ix"
    reindex([str(mine)], str(index_dir), workers=1)
    before = snapshot(index_dir)
    for n in range(0, 1600, 2):  # 800 changed files: written by a process per core
        versions[n] = 1
    write_corpus(mine, versions, paragraphs=80)
    _, code, out, err = reindex_killing("newsdesk-index", delay, "--index", str(index_dir))
    assert code == 1, (out, err)
    assert "updated" not in out and "was killed by SIGKILL" in err
    assert snapshot(index_dir) == before  # the last commit, whole
    done = newsdesk("reindex", "--index", str(index_dir))  # not "800 unchanged": redone
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout) == {
        "added": 0,
        "updated": 800,
        "removed": 0,
        "failed": 0,
        "unchanged": 800,
    }
    reference = tmp_path / "clean"
    reindex([str(mine)], str(reference), workers=1)
    assert snapshot(index_dir) == snapshot(reference)


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.6])
def test_a_parsing_process_killed_is_replaced_and_nothing_is_lost(
    clean: tuple[Path, dict[str, str]], tmp_path: Path, delay: float
) -> None:
    corpus, reference = clean
    index_dir = tmp_path / "ix"
    _, code, out, err = reindex_killing(
        "newsdesk-parse", delay, str(corpus), "--index", str(index_dir), "--full"
    )
    assert code == 0, err  # its files were parsed again by a new process
    assert "Traceback" not in err
    assert counts(out)["added"] == len(reference)
    assert snapshot(index_dir) == reference


def parsing_fails_on(monkeypatch: pytest.MonkeyPatch, name: str, fail: Callable[[], None]) -> None:
    """Parsing the file called `name` runs `fail` first, in whichever process parses it (the
    parsing processes are forked from this one, and so call the patched function)."""
    real = indexer.parsing.parse_for_index

    def parse(path: str) -> indexer.parsing.ParsedFile:
        if path.endswith(name):
            fail()
        return real(path)

    monkeypatch.setattr(indexer.parsing, "parse_for_index", parse)


def test_a_file_that_kills_its_parser_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose parsing kills the process (the kernel's OOM killer, a crash in C) is
    named with the reason and skipped; every other file is indexed, and the run ends."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, dict.fromkeys(range(40), 0))
    (corpus / "killer.txt").write_text(story(999, 0))
    parsing_fails_on(monkeypatch, "killer.txt", lambda: os.kill(os.getpid(), signal.SIGKILL))
    summary = reindex([str(corpus)], str(tmp_path / "ix"), workers=2)
    assert [str(e) for e in summary.errors] == [
        f"{corpus / 'killer.txt'}: the process parsing it was killed by SIGKILL "
        "(out of memory, or killed by hand?), skipped"
    ]
    assert summary.added == 40 == len(snapshot(tmp_path / "ix"))


def test_a_file_that_exhausts_memory_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a memory limit a parsing process meets MemoryError, in the parser or while it
    sends its batch back: the file fails alone, named, and the run ends (it hung before).
    Seen for real with `ulimit -v 850000` on a 200 MB export, README, Reliability."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, dict.fromkeys(range(30), 0))
    (corpus / "greedy.txt").write_text(story(999, 0))

    def exhausted() -> None:
        raise MemoryError  # as pickling a batch's articles to send them back did

    parsing_fails_on(monkeypatch, "greedy.txt", exhausted)
    summary = reindex([str(corpus)], str(tmp_path / "ix"), workers=2)
    assert [str(e) for e in summary.errors] == [
        f"{corpus / 'greedy.txt'}: out of memory in the process parsing it, skipped"
    ]
    assert summary.added == 30 == len(snapshot(tmp_path / "ix"))


def test_a_file_that_hangs_its_parser_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the time limit a file fails: in Python code by the process's own timer, in C code
    (here: the timer's signal blocked) by the parent, which replaces the process."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, dict.fromkeys(range(20), 0))
    (corpus / "slow.txt").write_text(story(998, 0))
    (corpus / "stuck.txt").write_text(story(999, 0))
    real = indexer.parsing.parse_for_index

    def parse(path: str) -> indexer.parsing.ParsedFile:
        if path.endswith(("slow.txt", "stuck.txt")):
            with indexer.parsing.time_limit(1):
                if path.endswith("stuck.txt"):
                    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
                try:
                    time.sleep(600)
                except indexer.parsing.ParseTimeout:
                    return indexer.parsing.ParsedFile(
                        path, path, None, [], [indexer.parsing.ParseError(path, "timed out")]
                    )
        return real(path)

    monkeypatch.setattr(indexer.parsing, "parse_for_index", parse)
    monkeypatch.setattr(indexer.parsing, "PARSE_SECONDS", 1)
    monkeypatch.setattr(indexer.parsing, "PARSE_GRACE", 4)  # room for a new process to start
    started = time.monotonic()
    summary = reindex([str(corpus)], str(tmp_path / "ix"), workers=2)
    assert time.monotonic() - started < 60
    assert sorted(str(e) for e in summary.errors) == [
        f"{corpus / 'slow.txt'}: timed out",
        f"{corpus / 'stuck.txt'}: parsing took longer than 1 s, skipped",
    ]
    assert summary.added == 20 == len(snapshot(tmp_path / "ix"))


def test_a_full_disk_leaves_the_last_commit_and_no_orphan_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills as a commit writes its table of contents, after its segments: the run
    fails with a message (no traceback), the segments it wrote are deleted, and the next run
    finishes."""
    import errno

    corpus = tmp_path / "corpus"
    versions = dict.fromkeys(range(30), 0)
    write_corpus(corpus, versions)
    index_dir = tmp_path / "ix"
    reindex([str(corpus)], str(index_dir), workers=1)
    files_before = sorted(p.name for p in index_dir.iterdir())
    before = snapshot(index_dir)
    for n in range(10):
        versions[n] = 1
    write_corpus(corpus, versions)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(index_dir / "x.toc"))

    monkeypatch.setattr(TOC, "write", full)
    with pytest.raises(IndexingFailed, match="the disk is full") as failed:
        reindex([str(corpus)], str(index_dir), workers=1)
    assert "keeps its last committed state" in str(failed.value)
    assert sorted(p.name for p in index_dir.iterdir()) == files_before
    assert snapshot(index_dir) == before
    monkeypatch.undo()
    assert reindex([], str(index_dir), workers=1).updated == 10


def test_summary_counts_equal_what_the_index_holds(tmp_path: Path) -> None:
    """Over edits, additions, removals and bad records, added + updated + unchanged is the
    number of articles the index serves after each run."""
    corpus = tmp_path / "corpus"
    versions = dict.fromkeys(range(50), 0)
    write_corpus(corpus, versions)
    records = [{"title": f"Wire {i}", "body": f"Wire story {i} text."} for i in range(5)]
    lines = [json.dumps(r) for r in records] + ['{"quotes": [5], "title": "bad"}', "{broken"]
    (corpus / "wire.jsonl").write_text("\n".join(lines) + "\n")
    index_dir = tmp_path / "ix"
    for step in range(3):
        proc = newsdesk("reindex", str(corpus), "--index", str(index_dir))
        summary = counts(proc.stdout)
        assert summary["added"] + summary["updated"] + summary["unchanged"] == len(
            snapshot(index_dir)
        ), (step, proc.stdout)
        for n in range(step * 10, step * 10 + 5):
            versions[n] += 1
        write_corpus(corpus, versions)
        (corpus / f"story-{step:05d}.txt").unlink()
        del versions[step]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, grown later by the test (`mount -o remount,size=`): a real full disk."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs here ({mounted.stderr.strip()}); the full disk is "
            "still simulated in test_a_full_disk_leaves_the_last_commit_and_no_orphan_files"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_really_full_disk_fails_the_build_cleanly_and_the_next_run_finishes(
    clean: tuple[Path, dict[str, str]], small_disk: Path
) -> None:
    corpus, reference = clean
    index_dir = small_disk / "ix"
    proc = newsdesk("reindex", str(corpus), "--index", str(index_dir), "--full")
    assert proc.returncode == 1
    assert "the disk is full" in proc.stderr and "Traceback" not in proc.stderr
    assert "added" not in proc.stdout
    toc = TOC.read(FileStorage(str(index_dir)), INDEX_NAME)
    kept = {segment.segment_id() for segment in toc.segments}
    written = {p.name.split(".")[0] for p in index_dir.iterdir() if p.name.startswith("newsdesk_v")}
    assert written <= kept | {f"{INDEX_NAME}_WRITELOCK"}  # no orphan keeps the disk full
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    done = newsdesk("reindex", str(corpus), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    assert snapshot(index_dir) == reference


def test_a_files_time_limit_holds_off_the_main_thread() -> None:
    # A Dask worker parses in threads (indexer/cluster.py), where no SIGALRM arrives: the
    # limit still interrupts Python code there, and never fires once its block is left.
    outcome: list[str] = []

    def parse_forever() -> None:
        try:
            with indexer.parsing.time_limit(0.5):
                while True:
                    sum(range(1000))
        except indexer.parsing.ParseTimeout:
            outcome.append("timed out")

    def parse_quickly() -> None:
        with indexer.parsing.time_limit(0.2):
            pass
        time.sleep(0.6)  # past the limit, outside its block
        outcome.append("finished")

    started = time.monotonic()
    threads = [threading.Thread(target=parse_forever), threading.Thread(target=parse_quickly)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcome) == ["finished", "timed out"]
    assert time.monotonic() - started < 5


def test_a_parse_abandoned_with_files_queued_ends_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C abandons the parse with chunks still queued for the parsing processes, which
    the reindex then kills. Cancelling those chunks first made Python 3.11's pool thread fail
    on them as it found the processes dead (InvalidStateError: a traceback after the run's
    own message, about every other Ctrl-C on a real corpus)."""
    paths = []
    for n in range(200):
        path = tmp_path / f"{n:03}.txt"
        path.write_text(f"Title number {n}\n\nThe body of article {n}, a sentence or two.\n")
        paths.append(str(path))
    original = indexer.parsing.parse_for_index

    def slow(path: str) -> object:  # the parsing processes are forked with it
        time.sleep(0.05)
        return original(path)

    monkeypatch.setattr(indexer.parsing, "parse_for_index", slow)
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    parsers = indexer.parsing.Parsers(2)
    try:
        work = indexer.parsing.jobs(paths, [os.path.getsize(p) for p in paths], {})
        stream = cast(Generator[Any, None, None], parsers.parse(work))
        first = next(stream)
        assert first.path == paths[0]
        stream.close()  # as an interrupt leaves it, with most chunks not yet taken
    finally:
        parsers.close()
    assert failures == []
