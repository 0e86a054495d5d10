"""Relevance feedback: the best matches say what else the query is about (RM3).

A query names its subject in a few words; the articles that match it best use many more
words about the same subject. Pseudo-relevance feedback (Lavrenko and Croft's relevance
model, "RM3" as Anserini and Terrier run it beside BM25) reads the FEEDBACK_DOCS best
matches, weighs each word of their title and body by how often it occurs there, by the
match's score and by how rare the word is in the index (so "said" and "the" weigh nothing
without a stop list), and keeps the FEEDBACK_WORDS heaviest. The best RERANKED matches are
then ordered again by their BM25F score plus, in the share FEEDBACK_WEIGHT, how much of those
words their title and body have (BM25F again, each word weighted by the model).

Only the order of the best RERANKED matches changes: a match is never added or lost, the
totals, facets and histogram stay as they were, and every reordered match keeps a score at
least its own, so the pages after them are unchanged. `feedback=0` asks for BM25F alone.
The constants are chosen by leaving one judged collection out (bench/ranking_loo.py;
docs/benchmarks.md, "Ranking across collections").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from whoosh.searching import Searcher

from indexer.analysis import term_function, words
from webapp.engine import Engine, Found

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle

FEEDBACK_DOCS = 10  # the best matches read for words
FEEDBACK_WORDS = 20  # the words kept from them
FEEDBACK_WEIGHT = 0.5  # their share in the score of a reordered match
RERANKED = 100  # the best matches reordered
CANDIDATES = 100  # words looked up in the index (the most frequent in the best matches)
TEXT_FIELDS = ("title", "body")  # the text the words are read from, and scored in


def with_feedback(
    handle: IndexHandle,
    searcher: Searcher,
    found: Found,
    scored: Found,
    fields: Mapping[str, float],
    weight: float | None = None,
) -> Found:
    """`found` with the best RERANKED of `scored` (its documents within the search's scope)
    scored again with the words of the best FEEDBACK_DOCS, in the share `weight`
    (FEEDBACK_WEIGHT by default, between 0 and 1); the other scores unchanged."""
    weight = FEEDBACK_WEIGHT if weight is None else weight
    best = scored.best(RERANKED)
    if len(best) < 2 or not 0 < weight < 1:
        return found
    words = feedback_words(handle, searcher, best[:FEEDBACK_DOCS])
    if not words:
        return found
    reranked = np.array(sorted(d for _, d in best), dtype=found.docs.dtype)
    scored_fields = {name: fields[name] for name in TEXT_FIELDS if name in fields}
    extra = _word_scores(handle, searcher, reranked, words, scored_fields)
    top = max(extra.max(), 0.0)
    if top <= 0:
        return found
    at = np.searchsorted(found.docs, reranked)
    scores = found.scores.copy()
    ceiling = best[0][0]
    scores[at] += weight / (1 - weight) * ceiling / top * extra
    return Found(found.docs, scores)


def feedback_words(
    handle: IndexHandle, searcher: Searcher, best: list[tuple[float, int]]
) -> dict[str, float]:
    """The relevance model of the best matches ((score, docnum), best first): its
    FEEDBACK_WORDS heaviest stems, each with its weight."""
    reader = searcher.reader()
    top = best[0][0]
    weights: dict[str, float] = {}
    for score, docnum in best:
        stored = reader.stored_fields(docnum)
        term = term_function(stored.get("language") or None)
        found = Counter(t for name in TEXT_FIELDS for t in map(term, words(stored.get(name) or "")))
        found.pop("", None)  # stop words
        length = sum(found.values())
        if not length:
            continue
        share = math.exp(score - top) / length  # p(document) * p(word | document)
        for stemmed, count in found.items():
            weights[stemmed] = weights.get(stemmed, 0.0) + share * count
    engine = handle.engine(searcher)
    frequent = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:CANDIDATES]
    rare = [
        (weight * engine.model.idf(engine.documents, _having(engine, searcher, word)), word)
        for word, weight in frequent
    ]
    return {
        word: weight for weight, word in sorted(rare, key=lambda r: (-r[0], r[1]))[:FEEDBACK_WORDS]
    }


def _having(engine: Engine, searcher: Searcher, word: str) -> int:
    """The documents with the word in their body (the field every article has)."""
    return engine.document_frequency(searcher, "body", word.encode("utf-8"))


def _word_scores(
    handle: IndexHandle,
    searcher: Searcher,
    docs: np.ndarray,
    words: Mapping[str, float],
    fields: Mapping[str, float],
) -> np.ndarray:
    """Each of `docs` (sorted)'s BM25F score for `words`, each word's score times its weight:
    postings are looked up at these documents only."""
    engine = handle.engine(searcher)
    model = engine.model
    total = np.zeros(len(docs))
    for word, weight in words.items():
        text = word.encode("utf-8")
        summed = np.zeros(len(docs))
        having = 0
        for name, boost in fields.items():
            if name not in searcher.schema:
                continue
            posted, tf = engine.postings(searcher, name, text)
            having = max(having, len(posted))
            if not len(posted):
                continue
            at = np.minimum(np.searchsorted(posted, docs), len(posted) - 1)
            hit = posted[at] == docs
            norms = engine.norms(searcher, name)[docs[hit]]
            summed[hit] += boost * tf[at[hit]] / norms
        if having:
            total += weight * model.word(summed, engine.documents, having)
    return total
