"""Evaluating a parsed Whoosh query tree over the engine's arrays, and BM25F scoring.

Whoosh finds the documents of a query by walking a tree of pure-Python matchers, one posting
at a time, and again to score them. Here And is an intersection, Or a union summing the
scores, Not a difference (sets.py), over each term's postings read once (postings.py). Each word
is scored once over the fields it is looked for in, by BM25F (scoring.py), with Whoosh's
quantised field lengths (tests/test_engine.py checks the scores against the formula).
Query nodes without an array form here (ranges, wildcards, phrases with slop: their matching
needs positions or term expansion) are run by Whoosh's own matcher, scored by it, and combined
with the rest as arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from whoosh.query import And, AndMaybe, AndNot, Not, NullQuery, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from indexer.storage.codec import ArrayPositions
from indexer.storage.leaves import DOCNUM
from webapp.engine.postings import Engine
from webapp.engine.repeats import times
from webapp.engine.sets import (
    EMPTY,
    Found,
    boosted,
    common_docs,
    contains,
    distinct,
    intersect,
    maybe,
    minus,
    union,
)
from webapp.limits import seconds_left

CHECK_EVERY = 4096  # documents a Whoosh-run node matches between looks at the clock
_NULL = type(NullQuery)  # Whoosh's query that matches nothing (NullQuery is its instance)


class Evaluation:
    """One evaluation of a query tree through one searcher."""

    def __init__(self, engine: Engine, searcher: Searcher) -> None:
        self.engine = engine
        self.searcher = searcher

    def eval(self, q: Query) -> Found:
        seconds_left()  # QueryTooSlow once the request's time budget is spent
        if isinstance(q, Term):
            return self._word([q])
        if isinstance(q, _NULL):
            return EMPTY
        if isinstance(q, And):
            return boosted(self._and(q.subqueries), q.boost)
        if isinstance(q, Or) and not q.minmatch and not q.scale:
            return boosted(union(self._alternatives(q.subqueries)), q.boost)
        if isinstance(q, AndNot):
            return boosted(minus(self.eval(q.a), self.eval(q.b).docs), q.boost)
        if isinstance(q, AndMaybe):
            return boosted(maybe(self.eval(q.a), self.eval(q.b)), q.boost)
        if isinstance(q, Phrase) and q.slop == 1 and len(q.words) > 1:
            return boosted(self._kept(q, lambda: self._phrase(q.fieldname, q.words)), q.boost)
        if isinstance(q, Not):  # Whoosh's InverseMatcher scores 1 for each document it keeps
            return boosted(minus(self.engine.every(), self.eval(q.query).docs), q.boost)
        return self._whoosh(q)

    def _alternatives(self, subs: Iterable[Query]) -> list[Found]:
        """The parts of an Or: its terms grouped by word, each word scored once over the
        fields it is looked for in (a multifield query gives each word a Term per field),
        and every other part on its own."""
        words: dict[Any, list[Term]] = {}
        found = []
        for sub in subs:
            if isinstance(sub, Term):
                words.setdefault(sub.text, []).append(sub)
            else:
                found.append(self.eval(sub))
        return [self._word(terms) for terms in words.values()] + found

    def _word(self, terms: list[Term]) -> Found:
        """The documents having a word in any of the fields of `terms` (one Term per field,
        its boost the field's weight), scored by BM25F (scoring.py), once for each time the
        query says the word (repeats.py)."""
        seconds_left()  # a query of many words is looked at the clock between words
        docs, weighted, plain = [], [], []
        for term in terms:
            btext = _btext(self.searcher, term.fieldname, term.text)
            if btext is None:
                continue
            found, tf = self.engine.postings(self.searcher, term.fieldname, btext)
            if not len(found):
                continue
            if not self.searcher.schema[term.fieldname].scorable:  # an ID: its count
                plain.append(Found(found, tf.astype(np.float64) * term.boost))
                continue
            norms = self.engine.norms(self.searcher, term.fieldname)[found]
            docs.append(found)
            weighted.append(term.boost * tf.astype(np.float64) / norms)
        if not docs:
            return union(plain)
        summed = union([Found(d, w) for d, w in zip(docs, weighted, strict=True)])
        scores = self.engine.model.word(
            summed.scores, self.engine.documents, len(summed), times(terms[0])
        )
        return union([Found(summed.docs, scores), *plain])

    def _and(self, subs: Iterable[Query]) -> Found:
        subs = list(subs)
        positive = [sub for sub in subs if not isinstance(sub, Not)]
        negative = [sub.query for sub in subs if isinstance(sub, Not)]
        if positive:
            parts = sorted((self.eval(sub) for sub in positive), key=len)
            found = parts[0]
            for part in parts[1:]:
                if not len(found):
                    break
                found = intersect(found, part)
        else:
            every = self.engine.every()
            found = Found(every.docs, np.zeros(len(every.docs)))
        for sub in negative:  # each adds its InverseMatcher's score of 1
            if not len(found):
                break
            kept = minus(found, self.eval(sub).docs)
            found = Found(kept.docs, kept.scores + 1.0)
        return found

    def _phrase(self, fieldname: str, words: list[Any]) -> Found:
        """Documents with the words one after the other (Whoosh's SpanNear2 with slop 1),
        scored as the sum of its words' scores. The documents having
        every word are found as an And; then each word's positions there, less its place in
        the phrase, are intersected as (document, position) keys."""
        phrase = Phrase(fieldname, words)
        schema = self.searcher.schema
        field = schema[fieldname] if fieldname in schema.names() else None
        if field is None or not isinstance(field.format, ArrayPositions):
            return self._whoosh_run(phrase)
        texts = [text for word in words if (text := _btext(self.searcher, fieldname, word))]
        if len(texts) < len(words):
            return EMPTY
        found = self._and(Term(fieldname, text) for text in texts)
        if not len(found):
            return found
        keys: np.ndarray | None = None
        for place, text in enumerate(texts):
            got = self.engine.positions(self.searcher, fieldname, text, found.docs)
            if got is None:
                return self._whoosh_run(phrase)
            docs, positions = got
            # a position before the phrase's start becomes the previous document's 2**32 - k:
            # never a position, so it matches nothing
            # in order: blocks by document, and a posting's positions ascending
            at = (docs << 32) + (positions - place)
            keys = at if keys is None else common_docs(keys, at)
            if not len(keys):
                return EMPTY
        assert keys is not None
        keep = contains(distinct(keys >> 32), found.docs)
        return Found(found.docs[keep], found.scores[keep])

    def _whoosh(self, q: Query) -> Found:
        """A node with no array form here: Whoosh's own matcher finds and scores it."""
        return self._kept(q, lambda: self._whoosh_run(q))

    def _kept(self, q: Query, compute: Callable[[], Found]) -> Found:
        """A costly node's result, computed once while the engine keeps it."""
        found = self.engine.node(q)
        if found is None:
            found = compute()
            self.engine.keep_node(q, found)
        return found

    def _whoosh_run(self, q: Query) -> Found:
        matcher = q.matcher(self.searcher, self.searcher.context())
        docs, scores = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
            if not len(docs) % CHECK_EVERY:
                seconds_left()
        if not docs:
            return EMPTY
        return Found(np.array(docs, DOCNUM), np.array(scores, np.float64))


def leaf_terms(query: Query) -> Iterator[tuple[Query, list[tuple[str, Any]]]]:
    """The query's positive leaves (Terms, and nodes run by Whoosh) with their terms."""
    if isinstance(query, Not):
        return
    if isinstance(query, Term):
        yield query, [(query.fieldname, query.text)]
        return
    if isinstance(query, AndNot):
        yield from leaf_terms(query.a)
        return
    if isinstance(query, (And, Or, AndMaybe)):
        for sub in query.children():
            yield from leaf_terms(sub)
        return
    terms = list(query.terms(phrases=True))
    if terms:
        yield query, terms


def _btext(searcher: Searcher, fieldname: str, text: Any) -> bytes | None:
    if fieldname not in searcher.schema:
        return None
    if isinstance(text, bytes):
        return text
    try:
        return searcher.schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def matched_terms(
    engine: Engine, searcher: Searcher, query: Query, docnums: Iterable[int]
) -> dict[int, set[tuple[str, bytes]]]:
    """For each of `docnums`, the query's terms (field, text) that the document contains;
    the words of phrases and other Whoosh-run nodes count when the document matches them."""
    wanted = np.array(sorted(set(docnums)), DOCNUM)
    found: dict[int, set[tuple[str, bytes]]] = {int(d): set() for d in wanted}
    run = Evaluation(engine, searcher)
    for node, terms in leaf_terms(query):
        docs = run.eval(node).docs if not isinstance(node, Term) else None
        for fieldname, text in terms:
            btext = _btext(searcher, fieldname, text)
            if btext is None:
                continue
            has = engine.postings(searcher, fieldname, btext)[0]
            if docs is not None:
                has = common_docs(has, docs)
            if len(has):
                for docnum in wanted[contains(has, wanted)]:
                    found[int(docnum)].add((fieldname, btext))
    return found
