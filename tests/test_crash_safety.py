"""Reindex killed with SIGKILL at random moments: the index stays searchable and complete, and
the next reindex finishes the job so that the result equals a clean build."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from indexer.manifest import open_index
from indexer.schema import document_to_article
from indexer.writer import reindex

KILLS = 20


def newsdesk_popen(*args: str) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("newsdesk")
    return subprocess.Popen([str(exe), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_article(corpus: Path, n: int, version: int) -> None:
    body = " ".join(f"Paragraph {p} of story {n}, version {version}." for p in range(40))
    (corpus / f"story-{n:04d}.txt").write_text(f"Story {n} v{version}\n\n{body}\n")


def snapshot(index_dir: Path) -> dict[str, str]:
    """Article id -> title of every article the index serves (opening it must not fail)."""
    with open_index(str(index_dir)).searcher() as searcher:
        docs = [document_to_article(d) for d in searcher.all_stored_fields()]
    return {a.id: a.title or "" for a in docs if a.format}


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(20)
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    versions = {n: 0 for n in range(240)}
    for n in versions:
        write_article(corpus, n, 0)
    reindex([str(corpus)], str(index_dir), workers=1)
    states = [snapshot(index_dir)]
    for _ in range(KILLS):
        for n in rng.sample(sorted(versions), 30):  # change, add and delete files
            versions[n] += 1
            write_article(corpus, n, versions[n])
        new = max(versions) + 1
        versions[new] = 0
        write_article(corpus, new, 0)
        gone = rng.choice(sorted(versions))
        (corpus / f"story-{gone:04d}.txt").unlink()
        del versions[gone]
        proc = newsdesk_popen("reindex", str(corpus), "--index", str(index_dir))
        time.sleep(rng.uniform(0.05, 1.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = snapshot(index_dir)  # searchable after every kill
        assert now, "the index lost its articles"
        states.append(now)
    summary = reindex([], str(index_dir))
    assert summary.failed == 0
    clean = tmp_path / "clean"
    reindex([str(corpus)], str(clean), workers=1)
    assert snapshot(index_dir) == snapshot(clean)
    assert len(snapshot(clean)) == len(versions)
