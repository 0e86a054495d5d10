"""Sets of documents as sorted numpy arrays, with a score for each: the algebra of queries.

A `Found` is the documents a query matches (sorted document numbers, no repeats) and their
scores; And is an intersection summing scores, Or a union summing them, Not a difference.
Nothing here knows Whoosh.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from indexer.storage.leaves import DOCNUM, EMPTY_DOCS


@dataclass(frozen=True)
class Found:
    """Matching documents (sorted, unique) and the score of each."""

    docs: np.ndarray  # DOCNUM
    scores: np.ndarray  # float64, one per document

    def __len__(self) -> int:
        return len(self.docs)

    def within(self, mask: np.ndarray) -> Found:
        """The documents for which `mask` (indexed by document number) is true."""
        keep = mask[self.docs]
        return Found(self.docs[keep], self.scores[keep])

    def best(self, count: int) -> list[tuple[float, int]]:
        """The `count` best (score, docnum): highest score first, ties by document number
        (Whoosh's order)."""
        scores, docs = self.scores, self.docs
        if count < len(docs):
            threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
            keep = scores >= threshold
            scores, docs = scores[keep], docs[keep]
        order = np.lexsort((docs, -scores))[:count]
        return [(float(scores[i]), int(docs[i])) for i in order]

    def ranked(self) -> list[tuple[float, int]]:
        """Every (score, docnum), in the order of `best`."""
        return self.best(len(self.docs))


EMPTY = Found(EMPTY_DOCS, np.zeros(0, np.float64))


def docs_array(docs: Collection[int]) -> np.ndarray:
    """Document numbers as a sorted array without repeats (arrays are taken as they are)."""
    if isinstance(docs, np.ndarray):
        return docs
    return np.unique(np.fromiter(docs, DOCNUM, len(docs)))


def common_docs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The documents in both sorted arrays of unique document numbers, sorted."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not len(short) or not len(long):
        return EMPTY_DOCS
    return short[contains(long, short)]


def distinct(ordered: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array (np.unique sorts or hashes them again)."""
    if not len(ordered):
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def boosted(found: Found, boost: float) -> Found:
    return found if boost == 1.0 else Found(found.docs, found.scores * boost)


def union(parts: list[Found]) -> Found:
    parts = [part for part in parts if len(part)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate([part.docs for part in parts])
    scores = np.concatenate([part.scores for part in parts])
    order = np.argsort(docs, kind="stable")
    docs, scores = docs[order], scores[order]
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    return Found(docs[starts], np.add.reduceat(scores, starts))


def intersect(a: Found, b: Found) -> Found:
    """The documents of both, scores summed: the shorter looked up in the longer (a binary
    search each), where np.intersect1d sorts both together."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not len(short):
        return EMPTY
    at, both = lookup(long.docs, short.docs)
    return Found(short.docs[both], short.scores[both] + long.scores[at[both]])


def minus(a: Found, docs: np.ndarray) -> Found:
    if not len(docs):
        return a
    keep = ~contains(docs, a.docs)
    return Found(a.docs[keep], a.scores[keep])


def maybe(a: Found, b: Found) -> Found:
    if not len(b):
        return a
    at, both = lookup(a.docs, b.docs)
    scores = a.scores.copy()
    scores[at[both]] += b.scores[both]
    return Found(a.docs, scores)


def contains(sorted_docs: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of `docs`, whether it is in `sorted_docs` (sorted, unique)."""
    return lookup(sorted_docs, docs)[1]


def lookup(sorted_docs: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `docs`, its place in `sorted_docs` (sorted, unique) and whether it is
    there (where it is not, the place means nothing)."""
    if not len(sorted_docs):
        return np.zeros(len(docs), np.intp), np.zeros(len(docs), bool)
    at = np.searchsorted(sorted_docs, docs)
    at[at == len(sorted_docs)] = 0
    return at, sorted_docs[at] == docs
