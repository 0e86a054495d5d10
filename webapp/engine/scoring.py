"""BM25F: how a word found in several fields of a document scores, as one word.

A query word is looked for in several fields (title, body, quotations), each with a weight.
Scoring each field with BM25 of its own and adding the scores (what Whoosh's BM25F does)
rewards a word for the number of fields it is in, and a document long in one field pays
twice. BM25F (Robertson, Zaragoza and Taylor 2004; Lucene's `combined_fields`) first adds
the word's frequencies across fields, each weighted and normalised by its field's length,
then saturates the sum once: `idf * tf' * (k1 + 1) / (tf' + k1)` with
`tf' = sum over fields of weight * tf / ((1 - b) + b * length / average length)`, with a b per
field where one is given (`field_b`: the title's).

The idf is Robertson and Spärck Jones's in the form Lucene uses,
`log(1 + (N - n + 0.5) / (n + 0.5))`, over the documents that have the word in any of the
fields: a word in most documents counts for little (where Whoosh's `log(N / (n + 1)) + 1`
gives even "the" a weight of about 1), yet always for something, so a document with more of
the query's words still ranks above one with fewer, also in a small or filtered collection
where every word is common (FTS5's form floors such words at 1e-6). A word the query repeats
weighs more (`repeats`, repeats.py), as a paragraph pasted as a query names its subject more
than once. The constants are chosen in docs/benchmarks.md ("Ranking across collections").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bm25f:
    """The saturation of term frequency in a document (k1), the strength of length
    normalisation (b), and the saturation of a word's frequency in the query (k3)."""

    k1: float
    b: float
    k3: float = 0.0
    field_b: tuple[tuple[str, float], ...] = ()  # fields normalised with a b of their own

    def b_of(self, fieldname: str) -> float:
        """The strength of length normalisation in a field: a title's few words vary in
        length for other reasons than a body's (BM25F has a b per field)."""
        return dict(self.field_b).get(fieldname, self.b)

    def repeats(self, times: int) -> float:
        """The weight of a word the query says `times` times: Robertson's
        `(k3 + 1) * qtf / (k3 + qtf)`, 1 for a word said once; k3 0 counts a word once
        however often it is said, and a large k3 counts every time (FTS5's and Lucene's
        sum over repeated clauses)."""
        return (self.k3 + 1) * times / (self.k3 + times)

    def idf(self, documents: int, having: int) -> float:
        """How rare a word is: `having` of `documents` contain it."""
        return math.log(1 + (documents - having + 0.5) / (having + 0.5))

    def length_norm(self, lengths: np.ndarray, average: float, fieldname: str = "") -> np.ndarray:
        """Each document's normalisation of frequencies in a field of these lengths."""
        b = self.b_of(fieldname)
        return (1 - b) + b * lengths / (average or 1.0)

    def word(self, weighted: np.ndarray, documents: int, having: int, times: int = 1) -> np.ndarray:
        """A word's scores: its documents' weighted, normalised frequencies saturated, times
        its idf (`having` of `documents` have it) and the weight of the times the query
        says it."""
        return self.idf(documents, having) * self.repeats(times) * self.saturate(weighted)

    def saturate(self, weighted: np.ndarray) -> np.ndarray:
        """Weighted, normalised frequencies to scores before idf: 0 stays 0, ones tend to k1+1."""
        return weighted * (self.k1 + 1) / (weighted + self.k1)
