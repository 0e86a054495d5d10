"""Matching and BM25F scoring of parsed Whoosh queries over numpy postings arrays.

Whoosh finds the documents of a query by walking a tree of pure-Python matchers, one posting at
a time, and does it again to score them: at 20k articles that was 55 of the 70 ms of a search
(docs/benchmarks.md). This module reads each term's postings once into arrays (document
numbers and term frequencies), keeps the recently used ones, and evaluates the query tree with
array operations: And is an intersection, Or a union summing the scores, Not a difference.
Scores are Whoosh's own BM25F, computed with the same formula, statistics (idf, average field
length) and quantised field lengths, so rankings are Whoosh's (tests/test_engine.py compares
them). Query nodes without an array form here (phrases, ranges, wildcards: their matching needs
positions or term expansion) are run by Whoosh's own matcher, scored by it, and combined with
the rest as arrays.

    engine = Engine(searcher.reader(), B=0.3, K1=1.2)  # once per index generation
    found = engine.run(searcher, query)   # Found: sorted document numbers and their scores
    engine.matched_terms(searcher, query, [12])  # {12: {("body", b"grain"), ...}}

An engine is shared by the threads serving one generation (its arrays are read-only once made);
each call reads through the calling thread's own searcher, as Whoosh readers are not meant to be
shared between threads.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import FilterMatcher
from whoosh.query import And, AndMaybe, AndNot, Not, NullQuery, Or, Phrase, Query, Term
from whoosh.query.qcore import _NullQuery
from whoosh.reading import TermNotFound
from whoosh.scoring import WeightingModel
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from indexer.codec import (
    ArrayPositions,
    RawBlock,
    block_arrays,
    block_positions,
    compact_arrays,
    decode_blocks,
    positions_block_at,
    term_raw_blocks,
)
from webapp.limits import seconds_left

DOCNUM = np.int32
POSTINGS_BUDGET = 64 * 2**20  # bytes of decoded postings kept per index generation
CHECK_EVERY = 4096  # documents a Whoosh-run node matches between looks at the clock
IDF_KEPT = 200_000  # terms whose idf is kept (about 30 MB at most)
NODES_KEPT = 64  # results of Whoosh-run nodes kept (highlighting asks for them again)
SCORE_DECIMALS = 9  # scores are rounded: summing in another order must not reorder equal scores
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


@dataclass(frozen=True)
class _Postings:
    """A term's live postings, and where each of its blocks starts (leaf, file position)."""

    docs: np.ndarray
    tf: np.ndarray
    blocks: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # first docnum, leaf, position

    @property
    def nbytes(self) -> int:
        extra = sum(a.nbytes for a in self.blocks) if self.blocks is not None else 0
        return self.docs.nbytes + self.tf.nbytes + extra


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


EMPTY_DOCS = np.zeros(0, DOCNUM)
EMPTY = Found(EMPTY_DOCS, np.zeros(0, np.float64))


class Engine:
    """The arrays of one index generation (live documents, postings read so far, field
    lengths) and the query evaluator over them. Safe to share between threads."""

    def __init__(self, reader: Any, B: float, K1: float) -> None:
        self.B, self.K1 = B, K1
        self.size = reader.doc_count_all()
        self.live = live_mask(reader)
        self._postings: OrderedDict[tuple[str, bytes], _Postings] = OrderedDict()
        self._held = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._norms: dict[str, np.ndarray] = {}
        self._idf: dict[tuple[str, bytes], float] = {}
        self._doc_frequency: dict[tuple[str, bytes], int] = {}  # as read with postings
        self._nodes: OrderedDict[Query, Found] = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ reading

    def postings(
        self, searcher: Searcher, fieldname: str, text: bytes
    ) -> tuple[np.ndarray, np.ndarray]:
        """Live documents containing the term, sorted, and the term's frequency in each."""
        got = self._postings_of(searcher, fieldname, text)
        return got.docs, got.tf

    def _postings_of(self, searcher: Searcher, fieldname: str, text: bytes) -> _Postings:
        key = (fieldname, text)
        with self._lock:
            got = self._postings.get(key)
            if got is not None:
                self._postings.move_to_end(key)
                return got
        got = self._read_postings(searcher, fieldname, text)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = got
                self._held += got.nbytes
            while self._held > POSTINGS_BUDGET and len(self._postings) > 1:
                _, dropped = self._postings.popitem(last=False)
                self._held -= dropped.nbytes
        return got

    def _read_postings(self, searcher: Searcher, fieldname: str, text: bytes) -> _Postings:
        blocks: list[RawBlock] = []
        offsets: list[int] = []
        leaves: list[int] = []
        doc_frequency: int | None = 0
        for number, (leaf, offset) in enumerate(searcher.reader().leaf_readers()):
            frequency, found = _segment_blocks(leaf, fieldname, text)
            if frequency is None or doc_frequency is None:
                doc_frequency = None  # not counted here: Whoosh's idf counts it
            else:
                doc_frequency += frequency
            blocks += found
            offsets += [offset] * len(found)
            leaves += [number] * len(found)
        if doc_frequency is not None:
            self._doc_frequency[(fieldname, text)] = doc_frequency
        if not blocks:
            return _Postings(EMPTY_DOCS, np.zeros(0, np.float32), None)
        ids, tf, firsts = decode_blocks(blocks, offsets)
        ids = ids.astype(DOCNUM)
        keep = self.live[ids]
        starts = [block[3] for block in blocks]
        index = None
        if all(start is not None for start in starts):
            index = (firsts, np.array(leaves), np.array(starts, dtype=np.int64))
        return _Postings(ids[keep], tf[keep], index)

    def positions(
        self, searcher: Searcher, fieldname: str, text: bytes, docs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's positions in `docs` (sorted live documents containing it) as two arrays,
        the document of each position and the position, in document order: only the blocks
        holding them are read, each once. None when a block has no array positions (a
        segment that is not Newsdesk's, or postings kept in the term table)."""
        postings = self._postings_of(searcher, fieldname, text)
        if postings.blocks is None:
            return None
        firsts, leaf_numbers, starts = postings.blocks
        leaves = searcher.reader().leaf_readers()
        wanted = _distinct(np.searchsorted(firsts, docs, side="right") - 1)
        ids, counts, positions = [], [], []
        for block in wanted[wanted >= 0].tolist():
            seconds_left()  # a phrase of two common words reads every block of both
            leaf, offset = leaves[int(leaf_numbers[block])]
            postfile = getattr(getattr(leaf, "_terms", None), "_postfile", None)
            found = positions_block_at(postfile, int(starts[block]))
            if found is None:
                return None
            count, data = found
            ids.append(np.cumsum(compact_arrays(data, count)[0], dtype=np.int64) + offset)
            got = block_positions(data, count)
            counts.append(got[0])
            positions.append(got[1])
        if not ids:
            return EMPTY_DOCS.astype(np.int64), EMPTY_DOCS.astype(np.int64)
        every_id, every_count = np.concatenate(ids), np.concatenate(counts)
        keep = np.repeat(_contains(docs, every_id), every_count)
        return np.repeat(every_id, every_count)[keep], np.concatenate(positions)[keep]

    def lengths(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """Every document's length in the field as Whoosh scores it (quantised to a byte)."""
        got = self._lengths.get(fieldname)
        if got is None:
            leaves = searcher.reader().leaf_readers()
            parts = [_field_length_bytes(leaf, fieldname) for leaf, _ in leaves]
            codes = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
            got = self._lengths[fieldname] = _BYTE_LENGTHS[codes]
        return got

    def norms(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """Every document's BM25 length normalisation in the field, k1 * ((1 - b) + b * length
        / average length), computed once: a term's scores then take 3 array operations over
        its documents instead of 7 (whoosh.scoring.bm25's, element by element the same)."""
        got = self._norms.get(fieldname)
        if got is None:
            b, k1 = self.B, self.K1
            avgfl = searcher.avg_field_length(fieldname) or 1
            fl = self.lengths(searcher, fieldname)
            got = self._norms[fieldname] = k1 * ((1 - b) + b * fl / avgfl)
        return got

    def idf(self, searcher: Searcher, fieldname: str, text: bytes) -> float:
        """The term's idf as Whoosh's BM25F has it (WeightingModel.idf), kept: Whoosh looks
        the term up in every segment again (23 lookups at 200k articles), where reading the
        postings has already counted its documents."""
        key = (fieldname, text)
        got = self._idf.get(key)
        if got is None:
            if len(self._idf) >= IDF_KEPT:
                self._idf.clear()
                self._doc_frequency.clear()
            counted = self._doc_frequency.get(key)
            if counted is not None and type(searcher.weighting).idf is WeightingModel.idf:
                got = math.log(self.size / (counted + 1)) + 1
            else:
                got = searcher.idf(fieldname, text)
            self._idf[key] = got
        return got

    # ------------------------------------------------------------ evaluating

    def run(self, searcher: Searcher, query: Query) -> Found:
        """Every live document matching `query`, with its score (BM25F, as Whoosh scores it,
        rounded to SCORE_DECIMALS)."""
        found = _Run(self, searcher).eval(query)
        return Found(found.docs, np.round(found.scores, SCORE_DECIMALS))

    def node(self, query: Query) -> Found | None:
        """A Whoosh-run node's result, if kept."""
        with self._lock:
            return self._nodes.get(query)

    def keep_node(self, query: Query, found: Found) -> None:
        with self._lock:
            self._nodes[query] = found
            while len(self._nodes) > NODES_KEPT:
                self._nodes.popitem(last=False)

    def every(self) -> Found:
        docs = np.flatnonzero(self.live).astype(DOCNUM)
        return Found(docs, np.ones(len(docs)))

    # ------------------------------------------------------------ highlighting

    def matched_terms(
        self, searcher: Searcher, query: Query, docnums: Iterable[int]
    ) -> dict[int, set[tuple[str, bytes]]]:
        """For each of `docnums`, the query's terms (field, text) that the document contains;
        the words of phrases and other Whoosh-run nodes count when the document matches them."""
        wanted = np.array(sorted(set(docnums)), DOCNUM)
        found: dict[int, set[tuple[str, bytes]]] = {int(d): set() for d in wanted}
        run = _Run(self, searcher)
        for node, terms in _leaf_terms(query):
            docs = run.eval(node).docs if not isinstance(node, Term) else None
            for fieldname, text in terms:
                btext = _btext(searcher, fieldname, text)
                if btext is None:
                    continue
                has = self.postings(searcher, fieldname, btext)[0]
                if docs is not None:
                    has = common_docs(has, docs)
                if len(has):
                    for docnum in wanted[_contains(has, wanted)]:
                        found[int(docnum)].add((fieldname, btext))
        return found


class _Run:
    """One evaluation of a query tree through one searcher."""

    def __init__(self, engine: Engine, searcher: Searcher) -> None:
        self.engine = engine
        self.searcher = searcher

    def eval(self, q: Query) -> Found:
        seconds_left()  # QueryTooSlow once the request's time budget is spent
        if isinstance(q, Term):
            return _boosted(self._term(q.fieldname, q.text), q.boost)
        if isinstance(q, _NullQuery) or q is NullQuery:
            return EMPTY
        if isinstance(q, And):
            return _boosted(self._and(q.subqueries), q.boost)
        if isinstance(q, Or) and not q.minmatch and not q.scale:
            return _boosted(_union([self.eval(sub) for sub in q.subqueries]), q.boost)
        if isinstance(q, AndNot):
            return _boosted(_minus(self.eval(q.a), self.eval(q.b).docs), q.boost)
        if isinstance(q, AndMaybe):
            return _boosted(_maybe(self.eval(q.a), self.eval(q.b)), q.boost)
        if isinstance(q, Phrase) and q.slop == 1 and len(q.words) > 1:
            return _boosted(self._kept(q, lambda: self._phrase(q.fieldname, q.words)), q.boost)
        if isinstance(q, Not):  # Whoosh's InverseMatcher scores 1 for each document it keeps
            return _boosted(_minus(self.engine.every(), self.eval(q.query).docs), q.boost)
        return self._whoosh(q)

    def _term(self, fieldname: str, text: Any) -> Found:
        btext = _btext(self.searcher, fieldname, text)
        if btext is None:
            return EMPTY
        docs, tf = self.engine.postings(self.searcher, fieldname, btext)
        if not len(docs):
            return EMPTY
        weight = tf.astype(np.float64)
        if not self.searcher.schema[fieldname].scorable:
            return Found(docs, weight)
        idf = self.engine.idf(self.searcher, fieldname, btext)
        norms = self.engine.norms(self.searcher, fieldname)[docs]
        k1 = self.engine.K1
        # whoosh.scoring.bm25, element by element with the same order of operations
        scores = idf * ((weight * (k1 + 1)) / (weight + norms))
        return Found(docs, scores)

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
                found = _intersect(found, part)
        else:
            every = self.engine.every()
            found = Found(every.docs, np.zeros(len(every.docs)))
        for sub in negative:  # each adds its InverseMatcher's score of 1
            if not len(found):
                break
            kept = _minus(found, self.eval(sub).docs)
            found = Found(kept.docs, kept.scores + 1.0)
        return found

    def _phrase(self, fieldname: str, words: list[Any]) -> Found:
        """Documents with the words one after the other (Whoosh's SpanNear2 with slop 1),
        scored as Whoosh scores a phrase: the sum of its words' scores. The documents having
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
        keep = _contains(_distinct(keys >> 32), found.docs)
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


# ---------------------------------------------------------------- array helpers


def live_mask(reader: Any) -> np.ndarray:
    """Which document numbers are live (not deleted): each segment's deleted documents
    cleared (a walk over every live id took a second at 343k documents)."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            dead = np.fromiter(leaf.deleted_docs_set, DOCNUM, len(leaf.deleted_docs_set))
            live[dead + offset] = False
    return live


def docs_array(docs: Collection[int]) -> np.ndarray:
    """Document numbers as a sorted array without repeats (arrays are taken as they are)."""
    if isinstance(docs, np.ndarray):
        return docs
    return np.unique(np.fromiter(docs, DOCNUM, len(docs)))


def term_docs(reader: Any, fieldname: str, text: bytes) -> np.ndarray:
    """Every document (deleted ones too) containing the term, sorted; not cached."""
    parts: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf_matcher(leaf, fieldname, text)
        except TermNotFound:
            continue
        parts.extend(ids + offset for ids, _, _ in _blocks(matcher))
    return np.concatenate(parts).astype(DOCNUM) if parts else EMPTY.docs


def field_docs(reader: Any, fieldname: str) -> dict[bytes, np.ndarray]:
    """Every term of a field with the documents containing it (deleted ones too; sorted),
    by term. Each segment's term table is read in order, once, where looking each term up
    in each segment took 10 s for the facet values of 200k articles (22 segments)."""
    found: dict[bytes, list[np.ndarray]] = {}
    for leaf, offset in reader.leaf_readers():
        terms: Any = getattr(leaf, "_terms", None)
        if not hasattr(terms, "items_from"):  # not a Whoosh 3 segment: a lookup per term
            for text in leaf.lexicon(fieldname):
                found.setdefault(text, []).append(term_docs(leaf, fieldname, text) + offset)
            continue
        form = leaf.schema[fieldname].format
        for (name, text), info in terms.items_from(fieldname, b""):
            if name != fieldname:
                break
            matcher = terms._codec.postings_reader(terms._postfile, info, form, term=(name, text))
            found.setdefault(text, []).extend(ids + offset for ids, _, _ in _blocks(matcher))
    return {text: np.concatenate(parts).astype(DOCNUM) for text, parts in sorted(found.items())}


def common_docs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The documents in both sorted arrays of unique document numbers, sorted."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not len(short) or not len(long):
        return EMPTY_DOCS
    return short[_contains(long, short)]


def _distinct(ordered: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array (np.unique sorts or hashes them again)."""
    if not len(ordered):
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def contains(sorted_docs: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of `docs`, whether it is in `sorted_docs` (sorted, unique)."""
    return _contains(sorted_docs, docs)


def _boosted(found: Found, boost: float) -> Found:
    return found if boost == 1.0 else Found(found.docs, found.scores * boost)


def _union(parts: list[Found]) -> Found:
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


def _intersect(a: Found, b: Found) -> Found:
    """The documents of both, scores summed: the shorter looked up in the longer (a binary
    search each), where np.intersect1d sorts both together."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not len(short):
        return EMPTY
    at, both = _lookup(long.docs, short.docs)
    return Found(short.docs[both], short.scores[both] + long.scores[at[both]])


def _minus(a: Found, docs: np.ndarray) -> Found:
    if not len(docs):
        return a
    keep = ~_contains(docs, a.docs)
    return Found(a.docs[keep], a.scores[keep])


def _maybe(a: Found, b: Found) -> Found:
    if not len(b):
        return a
    at, both = _lookup(a.docs, b.docs)
    scores = a.scores.copy()
    scores[at[both]] += b.scores[both]
    return Found(a.docs, scores)


def _contains(sorted_docs: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of `docs`, whether it is in `sorted_docs` (sorted, unique)."""
    return _lookup(sorted_docs, docs)[1]


def _lookup(sorted_docs: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `docs`, its place in `sorted_docs` (sorted, unique) and whether it is
    there (where it is not, the place means nothing)."""
    if not len(sorted_docs):
        return np.zeros(len(docs), np.intp), np.zeros(len(docs), bool)
    at = np.searchsorted(sorted_docs, docs)
    at[at == len(sorted_docs)] = 0
    return at, sorted_docs[at] == docs


def _btext(searcher: Searcher, fieldname: str, text: Any) -> bytes | None:
    if fieldname not in searcher.schema:
        return None
    if isinstance(text, bytes):
        return text
    try:
        return searcher.schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def _unwrapped(matcher: Any) -> Any:
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def leaf_matcher(leaf: Any, fieldname: str, text: bytes) -> Any:
    """A segment's matcher over the term's postings, deleted documents included (the engine
    masks them): Whoosh's `postings()` wraps it in a filter of the deleted documents whose
    creation decodes the first block's ids, 0.75 of 4.1 s of reading the postings of 300
    bench queries at 200k (23 segments). TermNotFound when the segment lacks the term."""
    terms: Any = getattr(leaf, "_terms", None)
    if not hasattr(terms, "matcher"):  # not a Whoosh 3 segment
        return _unwrapped(leaf.postings(fieldname, text))
    return terms.matcher(fieldname, text, leaf.schema[fieldname].format)


def _segment_blocks(leaf: Any, fieldname: str, text: bytes) -> tuple[int | None, list[RawBlock]]:
    """A segment's document frequency of the term (None: not counted) and its blocks: as
    stored, read by the codec in one go, or for a segment it cannot read (compound files)
    decoded by Whoosh's matcher and given back as deltas."""
    terms = getattr(leaf, "_terms", None)
    found = term_raw_blocks(terms, fieldname, text) if terms is not None else None
    if found is not None:
        return found
    try:
        matcher = leaf_matcher(leaf, fieldname, text)
    except TermNotFound:
        return None, []
    return None, [
        (len(ids), np.diff(ids, prepend=0), tf, start)
        for ids, tf, start in _blocks(matcher)
        if len(ids)
    ]


def _blocks(matcher: Any) -> Iterator[tuple[np.ndarray, np.ndarray, int | None]]:
    """A leaf's postings as arrays, a block at a time: document numbers (in the segment),
    term frequencies, and the block's position in the postings file (None if unknown).
    Deleted documents are left in (the caller masks them)."""
    matcher = _unwrapped(matcher)
    if isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "_read_data"):
        yield from _w3_blocks(matcher)
        return
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    yield np.array(ids, np.int64), np.array(weights, np.float32), None


def _w3_blocks(matcher: W3LeafMatcher) -> Iterator[tuple[np.ndarray, np.ndarray, int | None]]:
    # Each block's (ids, weights, values) as stored, to arrays by indexer.codec.block_arrays
    # (Newsdesk's array blocks, or Whoosh 3's tuples). A block starts where the previous one
    # said the next one would (the first at the list's base offset).
    start = matcher._baseoffset
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        data: Any = matcher._data
        count: Any = matcher._blocklength
        docs, tf = block_arrays(data, count, bool(matcher._byteids))
        yield docs, tf, start
        start = matcher._nextoffset
        matcher._next_block()


def _field_length_bytes(leaf: Any, fieldname: str) -> np.ndarray:
    """A segment's per-document length bytes of a field (0: the document has none)."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    lenfield = _lenfield(fieldname)
    if perdoc is not None and perdoc.has_column(lenfield):
        column = perdoc.column_reader(lenfield, LENGTHS_COLUMN)
        raw = getattr(column, "_dbfile", None)
        if raw is not None and getattr(column, "_fixedlen", None) == 1:
            # One byte per document, stored contiguously; documents past the column's end
            # (none written) have length 0, as the column's default says.
            codes = np.zeros(count, dtype=np.uint8)
            stored = min(count, column._count)
            codes[:stored] = np.frombuffer(raw.get(column._basepos, stored), dtype=np.uint8)
            return codes
        return np.frombuffer(column.load(), dtype=np.uint8)[:count]
    return np.zeros(count, np.uint8)


def _leaf_terms(query: Query) -> Iterator[tuple[Query, list[tuple[str, Any]]]]:
    """The query's positive leaves (Terms, and nodes run by Whoosh) with their terms."""
    if isinstance(query, Not):
        return
    if isinstance(query, Term):
        yield query, [(query.fieldname, query.text)]
        return
    if isinstance(query, AndNot):
        yield from _leaf_terms(query.a)
        return
    if isinstance(query, (And, Or, AndMaybe)):
        for sub in query.children():
            yield from _leaf_terms(sub)
        return
    terms = list(query.terms(phrases=True))
    if terms:
        yield query, terms
