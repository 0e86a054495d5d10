"""The array query engine (webapp/engine/) finds and ranks exactly what Whoosh would.

Every query form of the query language, on the demo corpus and on real Reuters articles, is
run both ways: Whoosh's own `searcher.search(limit=None)` and `Engine.run`. The documents, the
scores and the order (best first, ties by document number) must be the same.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from helpers.paths import SAMPLES, shared_path
from indexer.schema import FACETS
from indexer.storage.leaves import field_docs, live_mask, term_docs
from indexer.writer import reindex
from webapp.engine import SCORE_DECIMALS, Engine
from webapp.search import ARTICLES, QUOTES, IndexHandle, SearchKind, read_query

QUERIES = [
    "grain",
    "zelensky",
    "grain prices",
    "odesa port grain",
    '"grain corridor"',
    '"black sea" drones',
    "grain AND NOT wheat",
    "grain OR wheat",
    "grain -wheat",
    "NOT grain",
    "title:grain",
    "author:petrenko",
    "source:baltic title:grain",
    "harb*",
    "grain ANDMAYBE export",
    "(grain OR oil) AND price",
    "date:2024",
    "date:2024-08 grain",
    '"the city council"',
    "nosuchwordanywhere",
    "said",
]


def whoosh_ranking(searcher, query) -> list[tuple[float, int]]:
    results = searcher.search(query, limit=None)
    return sorted(
        ((round(hit.score or 0.0, SCORE_DECIMALS), hit.docnum) for hit in results),
        key=lambda pair: (-pair[0], pair[1]),
    )


def assert_same_ranking(handle: IndexHandle, text: str, kind: SearchKind, mode: str) -> int:
    parsed = read_query(handle, text, kind, mode)
    if parsed is None:
        return 0
    searcher = handle.searcher()
    expected = whoosh_ranking(searcher, parsed.query)
    found = handle.engine(searcher).run(searcher, parsed.query)
    ranked = found.ranked()
    assert [d for _, d in ranked] == [d for _, d in expected], (text, mode, parsed.query)
    assert [s for s, _ in ranked] == pytest.approx([s for s, _ in expected], rel=1e-12)
    return len(expected)


@pytest.fixture(scope="module")
def samples_handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexHandle]:
    index = tmp_path_factory.mktemp("engine") / "index"
    reindex([str(SAMPLES)], str(index))
    handle = IndexHandle(str(index))
    yield handle
    handle.close()


@pytest.mark.parametrize(("text", "mode"), list(itertools.product(QUERIES, ["all", "any"])))
@pytest.mark.parametrize("kind", [ARTICLES, QUOTES], ids=["articles", "quotes"])
def test_engine_ranks_as_whoosh_does(
    samples_handle: IndexHandle, text: str, mode: str, kind: SearchKind
) -> None:
    assert_same_ranking(samples_handle, text, kind, mode)


def test_queries_find_something(samples_handle: IndexHandle) -> None:
    """The comparison above is not between two empty lists."""
    found = [assert_same_ranking(samples_handle, text, ARTICLES, "all") for text in QUERIES]
    assert sum(1 for n in found if n) == len(QUERIES) - 1  # all but nosuchwordanywhere


@pytest.mark.slow
def test_deleted_documents_are_left_out(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLES, corpus)
    index = tmp_path / "index"
    reindex([str(corpus)], str(index))
    changed = next(p for p in sorted(corpus.rglob("*.jsonl")))
    lines = changed.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    records[0]["body"] = "Grain prices fell sharply at the river port. " + records[0]["body"]
    changed.write_text("\n".join(json.dumps(r) for r in records[1:] + records[:1]) + "\n")
    reindex([str(corpus)], str(index))
    handle = IndexHandle(str(index))
    try:
        searcher = handle.searcher()
        assert searcher.reader().has_deletions()
        for text in ("grain", "river port", '"grain prices"', "NOT grain"):
            assert assert_same_ranking(handle, text, ARTICLES, "all")
        reader = searcher.reader()
        live = set(reader.all_doc_ids())
        parsed = read_query(handle, "grain", ARTICLES)
        assert parsed is not None
        found = handle.engine(searcher).run(searcher, parsed.query)
        assert set(found.docs.tolist()) <= live
        # The arrays facets are counted from, read a segment's term table at a time, are
        # the ones a lookup of every term finds.
        mask = live_mask(reader)
        assert set(np.flatnonzero(mask).tolist()) == live
        for name in FACETS:
            by_term = field_docs(reader, f"f_{name}")
            assert list(by_term) == list(reader.lexicon(f"f_{name}"))
            for term, docs in by_term.items():
                looked_up = term_docs(reader, f"f_{name}", term)
                assert docs[mask[docs]].tolist() == looked_up[mask[looked_up]].tolist()
    finally:
        handle.close()


@pytest.mark.slow
def test_reuters_bench_queries_rank_as_whoosh_does(tmp_path: Path) -> None:
    """3,000 real Reuters articles and 150 of the benchmark's queries (bench/queries.py)."""
    shared_path("corpora", "reuters21578")
    from bench.corpus import reuters_records
    from bench.queries import build_queries

    corpus = tmp_path / "reuters.jsonl"
    records = itertools.islice(reuters_records(), 3000)
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index = tmp_path / "index"
    reindex([str(corpus)], str(index))
    handle = IndexHandle(str(index))
    try:
        matched = 0
        for query in build_queries(150):
            for mode in ("all", "any"):
                matched += assert_same_ranking(handle, query.q, ARTICLES, mode) > 0
        assert matched > 200
    finally:
        handle.close()


def test_engine_is_one_per_generation(samples_handle: IndexHandle) -> None:
    searcher = samples_handle.searcher()
    engine = samples_handle.engine(searcher)
    assert isinstance(engine, Engine) and samples_handle.engine(searcher) is engine
