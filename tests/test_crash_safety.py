"""Reindex killed with SIGKILL at random moments: the index stays searchable and complete, and
the next reindex finishes the job so that the result equals a clean build."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from helpers.processes import newsdesk_popen, snapshot, write_article
from indexer.writer import reindex

pytestmark = pytest.mark.slow

KILLS = 20


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
