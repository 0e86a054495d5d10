"""What the search side reads from each segment ("leaf") of an index, as numpy arrays.

One copy each of: the live-document mask, a term's postings (blocks), a field's lengths, a
term's document frequency, the words a wildcard stands for, and the `date` column's day
numbers. Each reads Whoosh 3's segments the fast way (files.py, the compact blocks of
blocks.py) and any other segment (Whoosh 2.7's, a compound file, postings kept in the term
table) through Whoosh's public readers, giving the same answer.

A reader here is a Whoosh `IndexReader` (`searcher.reader()`); a leaf is one of its
`leaf_readers()`, a segment's reader, with the document number its segment starts at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from indexer.storage.blocks import RawBlock, block_arrays, blocks_positions
from indexer.storage.files import positions_blocks_at, term_doc_frequency, term_raw_blocks

DOCNUM = np.int32
EMPTY_DOCS = np.zeros(0, DOCNUM)
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
# Field lengths are kept in one byte per document: `LENGTH_OF_BYTE[code]` is the length Whoosh
# scores with (BM25's length normalisation), lossy above 8.


def lenfield(fieldname: str) -> str:
    """The name of the column holding a field's lengths (whoosh.codec.whoosh3's naming)."""
    return f"_{fieldname}_len"


# ---------------------------------------------------------------- documents


def deleted_docs(leaf: Any) -> Iterable[int]:
    """A segment's deleted document numbers (Whoosh 3 caches them as a set; 2.7 walks them)."""
    cached = getattr(leaf, "deleted_docs_set", None)
    if cached is not None:
        return cached
    return leaf._perdoc.deleted_docs()


def live_mask(reader: Any) -> np.ndarray:
    """Which document numbers are live (not deleted): each segment's deleted documents
    cleared, where a walk over every live id is a Python call per document."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            dead = np.fromiter(deleted_docs(leaf), DOCNUM)
            live[dead + offset] = False
    return live


# ---------------------------------------------------------------- postings


def leaf_matcher(leaf: Any, fieldname: str, text: bytes) -> Any:
    """A segment's matcher over the term's postings, deleted documents included (callers
    mask them): Whoosh's `postings()` wraps it in a filter of the deleted documents whose
    creation decodes the first block's ids. TermNotFound when the segment lacks the term."""
    terms: Any = getattr(leaf, "_terms", None)
    if not hasattr(terms, "matcher"):  # not a Whoosh 3 segment
        return _unwrapped(leaf.postings(fieldname, text))
    return terms.matcher(fieldname, text, leaf.schema[fieldname].format)


def term_blocks(leaf: Any, fieldname: str, text: bytes) -> list[RawBlock]:
    """A segment's blocks of the term's postings: as stored, read from the files in one go,
    or for a segment that cannot be read so (compound files, inlined postings) decoded by
    Whoosh's matcher and given back as deltas."""
    terms = getattr(leaf, "_terms", None)
    found = term_raw_blocks(terms, fieldname, text) if terms is not None else None
    if found is not None:
        return found[1]
    try:
        matcher = leaf_matcher(leaf, fieldname, text)
    except TermNotFound:
        return []
    return [
        (len(ids), np.diff(ids, prepend=0), tf, start)
        for ids, tf, start in matcher_arrays(matcher)
        if len(ids)
    ]


def matcher_arrays(matcher: Any) -> Iterator[tuple[np.ndarray, np.ndarray, int | None]]:
    """A leaf's postings as arrays, a block at a time: document numbers (in the segment),
    term frequencies, and the block's position in the postings file (None if unknown).
    Deleted documents are left in (the caller masks them)."""
    matcher = _unwrapped(matcher)
    if not _walks_blocks(matcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield np.array(ids, np.int64), np.array(weights, np.float32), None
        return
    for start in _each_block(matcher):
        if matcher._data is None:
            matcher._read_data()
        docs, tf = block_arrays(matcher._data, matcher._blocklength, bool(matcher._byteids))
        yield docs, tf, start


def matcher_postings(matcher: Any) -> Iterator[tuple[Any, Any, Any]]:
    """A term's postings as Python sequences (ids, weights, values) a block at a time: Whoosh
    3's blocks as its matcher decodes them, or the one posting of a term kept in the term
    table, for a merge to copy them."""
    if not _walks_blocks(matcher):  # a ListMatcher
        while matcher.is_active():
            yield (matcher.id(),), (matcher.weight(),), (matcher.value(),)
            matcher.next()
        return
    for _ in _each_block(matcher):
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        yield matcher._ids, matcher._weights, matcher._values


def _walks_blocks(matcher: Any) -> bool:
    return isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "_next_block")


def _each_block(matcher: Any) -> Iterator[int]:
    """Steps a Whoosh 3 matcher from block to block, yielding where each starts in the
    postings file (the first at the list's base offset, each next where the last said)."""
    start = matcher._baseoffset
    while matcher.is_active():
        yield start
        start = matcher._nextoffset
        matcher._next_block()


def _unwrapped(matcher: Any) -> Any:
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def blocks_positions_at(
    leaf: Any, starts: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The compact blocks at `starts` (ascending) in a segment's postings file: their
    document numbers (in the segment), how many positions each posting has, and every
    position in posting order. None when one is not a compact block with positions (the
    caller asks Whoosh's matchers)."""
    postfile = getattr(getattr(leaf, "_terms", None), "_postfile", None)
    found = positions_blocks_at(postfile, starts)
    if found is None:
        return None
    return blocks_positions(found)


def term_docs(reader: Any, fieldname: str, text: bytes) -> np.ndarray:
    """Every document (deleted ones too) containing the term, sorted; not cached."""
    parts: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf_matcher(leaf, fieldname, text)
        except TermNotFound:
            continue
        parts.extend(ids + offset for ids, _, _ in matcher_arrays(matcher))
    return np.concatenate(parts).astype(DOCNUM) if parts else EMPTY_DOCS


def field_docs(reader: Any, fieldname: str) -> dict[bytes, np.ndarray]:
    """Every term of a field with the documents containing it (deleted ones too; sorted),
    by term. Each segment's term table is read in order, once, where looking each term up
    in each segment is a lookup per term and segment."""
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
            found.setdefault(text, []).extend(ids + offset for ids, _, _ in matcher_arrays(matcher))
    return {text: np.concatenate(parts).astype(DOCNUM) for text, parts in sorted(found.items())}


def segment_frequencies(reader: Any, fieldname: str, text: bytes) -> Iterator[int]:
    """Each segment's document frequency of a term (deleted documents counted, as Whoosh
    counts them), through one read of its term table where the segment allows."""
    for leaf, _ in reader.leaf_readers():
        found = term_doc_frequency(getattr(leaf, "_terms", None), fieldname, text)
        yield found if found is not None else leaf.doc_frequency(fieldname, text)


def expanded_words(leaf: Any, reader: Any) -> Iterable[Any]:
    """The index words a wildcard or range query (a Whoosh `MultiTerm`) stands for, without
    building a query of each (Whoosh 3 has them as `_btexts`; 2.7 through expanded_terms)."""
    texts = getattr(leaf, "_btexts", None)
    return texts(reader) if texts else (t for _, t in leaf.expanded_terms(reader))


# ---------------------------------------------------------------- per-document columns


def length_codes(leaf: Any, fieldname: str) -> np.ndarray:
    """A segment's per-document length bytes of a field (0: the document has none);
    `LENGTH_OF_BYTE` turns them into lengths."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    name = lenfield(fieldname)
    if perdoc is None or not perdoc.has_column(name):
        return np.zeros(count, np.uint8)
    return column_codes(perdoc.column_reader(name, LENGTHS_COLUMN), count)


def column_codes(column: Any, count: int) -> np.ndarray:
    """A one-byte numeric column's values for `count` documents, read at once where it is
    stored contiguously; documents past its end (none written) are 0, its default."""
    raw = getattr(column, "_dbfile", None)
    if raw is not None and getattr(column, "_fixedlen", None) == 1:
        codes = np.zeros(count, dtype=np.uint8)
        stored = min(count, column._count)
        codes[:stored] = np.frombuffer(raw.get(column._basepos, stored), dtype=np.uint8)
        return codes
    return np.frombuffer(column.load(), dtype=np.uint8)[:count]


def pool_lengths(perdoc: Any, fieldname: str) -> list[int]:
    """Every document's length in the field (0 when it has none) from a segment being
    written (its per-document reader), as Whoosh's postings writer sees them."""
    count = perdoc.doc_count_all()
    column = perdoc._cached_reader(lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return [0] * count
    if getattr(column, "_dbfile", None) is None or getattr(column, "_fixedlen", None) != 1:
        get = perdoc.doc_field_length_reader(fieldname)
        return [get(docnum) or 0 for docnum in range(count)]
    return LENGTH_OF_BYTE[column_codes(column, count)].astype(np.int64).tolist()


NO_DAY = np.iinfo(np.int64).min  # the day number of an undated document
_MISSING = 2**64 - 1  # a DATETIME column's value for a document without one
_DAY_MICROSECONDS = 86_400 * 10**6
_DAYS_TO_EPOCH = (date(1970, 1, 1) - date(1, 1, 1)).days


@dataclass(frozen=True)
class DateColumn:
    """A DATETIME field's value for every document: `keys` order them (larger is later),
    `missing` marks undated documents (their key is 0), `days` counts days since 1970-01-01
    (NO_DAY when undated)."""

    keys: np.ndarray
    missing: np.ndarray
    days: np.ndarray


def date_column(reader: Any, fieldname: str) -> DateColumn:
    """Read a sortable DATETIME field's column of every document. Whoosh keeps a datetime as
    microseconds since 0001-01-01 (an unsigned 64-bit number, all ones when missing)."""
    keys = np.array(
        [key for leaf, _ in reader.leaf_readers() for key in _raw_column(leaf, fieldname)],
        dtype=np.uint64,
    )
    missing = keys == _MISSING
    known = np.where(missing, 0, keys).astype(np.int64)
    days = np.where(missing, NO_DAY, known // _DAY_MICROSECONDS - _DAYS_TO_EPOCH)
    return DateColumn(known, missing, days)


def _raw_column(leaf: Any, fieldname: str) -> list[int]:
    if leaf.has_column(fieldname):
        return list(leaf.column_reader(fieldname, translate=False))
    return [_MISSING] * leaf.doc_count_all()
