"""The array query engine (webapp/engine/) finds exactly what Whoosh finds, and scores it by
BM25F (webapp/engine/scoring.py).

Every query form of the query language, on the demo corpus and on real Reuters articles, is
run both ways, Whoosh's own `searcher.search(limit=None)` and `Engine.run`: the documents must
be the same. The scores of plain words are computed again here, one document at a time from
Whoosh's public readers, and must be the engine's.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers.paths import SAMPLES, shared_path
from indexer.analysis import ENGLISH, WORD, term_function
from indexer.schema import FACETS
from indexer.storage.leaves import field_docs, live_mask, term_docs
from indexer.writer import reindex
from webapp.engine import Engine
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

stem = term_function(ENGLISH)  # the English term of a word


def whoosh_docs(searcher, query) -> list[int]:
    return sorted(hit.docnum for hit in searcher.search(query, limit=None))


def assert_same_matches(handle: IndexHandle, text: str, kind: SearchKind, mode: str) -> int:
    parsed = read_query(handle, text, kind, mode)
    if parsed is None:
        return 0
    searcher = handle.searcher()
    expected = whoosh_docs(searcher, parsed.query)
    found = handle.engine(searcher).run(searcher, parsed.query)
    assert found.docs.tolist() == expected, (text, mode, parsed.query)
    return len(expected)


def bm25f_by_hand(handle: IndexHandle, query: Any, text: str = "") -> dict[int, float]:
    """BM25F of a query of plain words (Terms under And/Or), one document at a time, from
    Whoosh's public readers: per word, the field frequencies weighted (the Term's boost) and
    length-normalised, summed, saturated once, times the word's idf over the documents that
    have it in any field, times Robertson's weight of the times `text` says the word."""
    said = Counter(stem(word.lower()) for word in WORD.findall(text))
    searcher = handle.searcher()
    reader = searcher.reader()
    model = handle.ranking
    live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
    words: dict[Any, list[Any]] = {}
    for leaf in query.leaves():
        words.setdefault(leaf.text, []).append(leaf)
    scores: dict[int, float] = {}
    for terms in words.values():
        weighted: dict[int, float] = {}
        for term in terms:
            lengths = [reader.doc_field_length(d, term.fieldname, 0) or 0 for d in live]
            having = [n for n in lengths if n > 0]
            average = sum(having) / len(having)
            if (term.fieldname, term.text) not in reader:
                continue
            matcher = reader.postings(term.fieldname, term.text)
            for docnum, tf in matcher.items_as("weight"):
                b = dict(model.field_b).get(term.fieldname, model.b)
                norm = (1 - b) + b * reader.doc_field_length(docnum, term.fieldname, 0) / average
                weighted[docnum] = weighted.get(docnum, 0.0) + term.boost * tf / norm
        idf = math.log(1 + (len(live) - len(weighted) + 0.5) / (len(weighted) + 0.5))
        times = said.get(terms[0].text, 1)
        idf *= (model.k3 + 1) * times / (model.k3 + times)
        for docnum, w in weighted.items():
            scores[docnum] = scores.get(docnum, 0.0) + idf * w * (model.k1 + 1) / (w + model.k1)
    return scores


@pytest.fixture(scope="module")
def samples_handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexHandle]:
    index = tmp_path_factory.mktemp("engine") / "index"
    reindex([str(SAMPLES)], str(index))
    handle = IndexHandle(str(index))
    yield handle
    handle.close()


@pytest.mark.parametrize(("text", "mode"), list(itertools.product(QUERIES, ["all", "any"])))
@pytest.mark.parametrize("kind", [ARTICLES, QUOTES], ids=["articles", "quotes"])
def test_engine_finds_what_whoosh_finds(
    samples_handle: IndexHandle, text: str, mode: str, kind: SearchKind
) -> None:
    assert_same_matches(samples_handle, text, kind, mode)


WORD_QUERIES = [
    "grain",
    "zelensky",
    "grain prices",
    "odesa port grain",
    "said",
    "title:grain",
    "grain prices grain",  # a word said twice weighs more
    "port odesa port grain port",
]


@pytest.mark.parametrize("text", WORD_QUERIES)
@pytest.mark.parametrize("mode", ["all", "any"])
def test_words_score_as_bm25f_says(samples_handle: IndexHandle, text: str, mode: str) -> None:
    parsed = read_query(samples_handle, text, ARTICLES, mode)
    assert parsed is not None
    searcher = samples_handle.searcher()
    found = samples_handle.engine(searcher).run(searcher, parsed.query)
    by_hand = bm25f_by_hand(samples_handle, parsed.query, text)
    engine = dict(zip(found.docs.tolist(), found.scores.tolist(), strict=True))
    assert engine and set(engine) <= set(by_hand)
    assert [engine[d] for d in engine] == pytest.approx([by_hand[d] for d in engine], rel=1e-9)


def test_a_word_in_two_fields_is_saturated_once(samples_handle: IndexHandle) -> None:
    """BM25F, not a sum of per-field BM25: a word in the title and the body scores less than
    twice a word in one field with the same frequencies, and never above idf * (k1 + 1)."""
    parsed = read_query(samples_handle, "grain", ARTICLES, "all")
    assert parsed is not None
    searcher = samples_handle.searcher()
    found = samples_handle.engine(searcher).run(searcher, parsed.query)
    model = samples_handle.ranking
    engine = samples_handle.engine(searcher)
    having = len(found.docs)
    ceiling = model.idf(engine.documents, having) * (model.k1 + 1)
    assert len(found) and float(found.scores.max()) < ceiling


def test_queries_find_something(samples_handle: IndexHandle) -> None:
    """The comparison above is not between two empty lists."""
    found = [assert_same_matches(samples_handle, text, ARTICLES, "all") for text in QUERIES]
    assert sum(1 for n in found if n) == len(QUERIES) - 1  # all but nosuchwordanywhere


@pytest.mark.slow
def test_deleted_documents_are_left_out(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLES, corpus)
    index = tmp_path / "index"
    reindex([str(corpus)], str(index))
    changed = corpus / "jsonl" / "wire-export.jsonl"
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
            assert assert_same_matches(handle, text, ARTICLES, "all")
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
def test_reuters_bench_queries_find_what_whoosh_finds(tmp_path: Path) -> None:
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
                matched += assert_same_matches(handle, query.q, ARTICLES, mode) > 0
        assert matched > 200
    finally:
        handle.close()


def test_engine_is_one_per_generation(samples_handle: IndexHandle) -> None:
    searcher = samples_handle.searcher()
    engine = samples_handle.engine(searcher)
    assert isinstance(engine, Engine) and samples_handle.engine(searcher) is engine
