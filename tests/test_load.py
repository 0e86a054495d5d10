"""A bounded load test (issue 8): `newsdesk serve` on loopback, 8 concurrent clients for ~10 s
(NEWSDESK_LOAD_SECONDS) with a mix of searches, facet clicks, article pages and quote searches:
no answer but 200. The 60 s figures are in docs/benchmarks.md (python -m bench.load)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.load import mixed_paths, report, run_timed_load, serving
from helpers.paths import SAMPLES
from indexer.writer import reindex

pytestmark = pytest.mark.slow

CLIENTS = 8
SECONDS = float(os.environ.get("NEWSDESK_LOAD_SECONDS", "10"))


def test_eight_clients_get_no_errors(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    reindex([str(SAMPLES)], str(index_dir), workers=1)
    with serving(index_dir, workers=2) as port:
        paths = mixed_paths(port, 500)
        kinds = {p.split("?")[0] for p in paths}
        for kind in ("/api/search", "/search", "/api/quotes", "/articles/", "/api/articles/"):
            assert any(k.startswith(kind) for k in kinds), kind
        result = run_timed_load(port, paths, CLIENTS, SECONDS)
    figures = report(result)
    print(f"\nload, {CLIENTS} clients, {SECONDS:g} s: {figures}")
    bad = [(s.path, s.status) for s in result.samples if s.status != 200]
    assert not bad, bad[:10]
    assert figures["requests"] >= 10 * CLIENTS
