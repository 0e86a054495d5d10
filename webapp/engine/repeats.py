"""A word the query says twice counts twice: query term frequency.

A long query, such as a pasted paragraph, names its subject several times ("retrieval ...
retrieval systems ... retrieval"), and that repetition is what tells its subject from the words
around it. BM25 weighs each query word by how often the query says it, and Lucene and SQLite
FTS5 do so by adding the word's score once per occurrence. Whoosh's `normalize()` drops
repeated subqueries, so the parsed query is folded first: each repeated part is kept once, its
terms marked `Repeated` with the count, and the evaluator multiplies the word's score by it
(evaluate.py). Marking the terms rather than boosting them keeps the boost for the field's
weight, which BM25F applies before saturation.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from whoosh.query import CompoundQuery, Query, Term


class Repeated(Term):
    """A term of a query word that the query says `times` times."""

    def __init__(self, fieldname: str, text: Any, boost: float = 1.0, times: int = 1) -> None:
        super().__init__(fieldname, text, boost=boost)
        self.times = times

    def __repr__(self) -> str:
        field, text = self.fieldname, self.text
        return f"Repeated({field!r}, {text!r}, boost={self.boost}, times={self.times})"


def times(term: Term) -> int:
    """How many times the query says the word of `term` (1 unless it was folded)."""
    return getattr(term, "times", 1)


def fold_repeats(query: Query) -> Query:
    """`query` with each repeated subquery of an And or Or kept once, its terms counted."""
    if not isinstance(query, CompoundQuery):
        return query
    counts = Counter(fold_repeats(sub) for sub in query.subqueries)
    if len(counts) == len(query.subqueries) and all(
        a is b for a, b in zip(counts, query.subqueries, strict=True)
    ):
        return query
    subs = [_repeat(sub, n) if n > 1 else sub for sub, n in counts.items()]
    folded = query.copy()
    assert isinstance(folded, CompoundQuery)
    folded.subqueries = subs
    return folded


def _repeat(query: Query, n: int) -> Query:
    def mark(node: Query) -> Query:
        if type(node) is Term or isinstance(node, Repeated):
            return Repeated(node.fieldname, node.text, node.boost, times(node) * n)
        return node

    return query.accept(mark)
