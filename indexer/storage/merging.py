"""Merging segments into one without holding their postings: a term at a time.

Whoosh merges segments through a writer's pool (`add_reader`): every posting of the merged
segments is read into memory, sorted, then written, so a merge needs memory in proportion to
the segments it merges. A reindex that commits every window of articles (indexer/writer.py)
would then need, to keep the number of segments in check, memory growing with the index.

`merge_segments` writes the merged segment as Lucene merges: the documents' stored fields,
lengths and columns are copied one document at a time (Whoosh's `write_per_doc`, as its own
merge does), then each field's terms are read from every segment's term table in order,
merged (`heapq.merge`), and each term's postings copied a block at a time, renumbered past
deleted documents, straight into the new segment's postings file. What a merge holds is one
term's block from each segment and each document's length in the field being written.
The files are the ones any Whoosh writer writes for the same documents (tests/test_merging.py).
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.formats import Existence
from whoosh.reading import SegmentReader
from whoosh.system import emptybytes

from indexer.storage.leaves import matcher_postings, pool_lengths
from indexer.storage.pool import NewsdeskWriter


class MergingWriter(NewsdeskWriter):
    """A writer of one new segment made of other segments (`add_reader`), written at
    `_finalize_segment` term by term from theirs; it takes no lock (the writer whose commit
    runs the merge holds it) and its segment is not committed by itself."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, _lk=False, **kwargs)
        self.sources: list[tuple[Any, int, dict[int, int] | None]] = []

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        self.sources.append((reader, startdoc, docmap))

    def _finish(self) -> None:
        # Whoosh's _finish also deletes the index's temporary directory, which the writer
        # running the merge shares (its column files are there)
        self.is_closed = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            write_merged(self.fieldwriter, self.schema, lengths, self.sources)
        finally:
            lengths.close()
        self.fieldwriter.close()


def streamable(reader: Any) -> bool:
    """Whether a segment's terms can be read a field at a time from its term table (a
    Whoosh 3 segment)."""
    terms = getattr(reader, "_terms", None)
    return all(hasattr(terms, name) for name in ("items_from", "_fieldmap", "_codec"))


def merge_segments(writer: Any, segments: list[Any]) -> Any:
    """One new segment holding the live documents of `segments` (in their order), written
    to the index's storage; `writer` is the writer whose commit will list it instead of
    them (its schema, codec and storage). None when a segment's terms cannot be read a field
    at a time (not a Whoosh 3 segment): nothing is written."""
    readers = [SegmentReader(writer.storage, writer.schema, seg) for seg in segments]
    if not all(map(streamable, readers)):
        for reader in readers:
            reader.close()
        return None
    ix = writer.storage.open_index(writer.indexname, schema=writer.schema)
    # Not compound: Whoosh reads each file of a compound segment into memory (a BytesIO
    # copy of the mapped file) whenever a reader opens it, so every searcher and writer over
    # an index with a merged segment held its postings whole (docs/storage.md, "Segments").
    merged = MergingWriter(ix, codec=writer.codec, compound=False)
    try:
        for reader in readers:
            merged.add_reader(reader)
        segment = merged._finalize_segment()
        merged._finish()
        return segment
    except BaseException:
        merged.cancel()
        raise
    finally:
        for reader in readers:
            reader.close()


def write_merged(
    fieldwriter: Any, schema: Any, lengths: Any, sources: list[tuple[Any, int, Any]]
) -> None:
    """Every term of the `sources` (reader, first new document number, map of old to new
    numbers or None), field by field in name order, term by term in byte order."""
    fieldnames = sorted(
        {name for reader, _, _ in sources for name in reader._terms._fieldmap} & set(schema.names())
    )
    runs = hasattr(fieldwriter, "add_run")
    for fieldname in fieldnames:
        field = schema[fieldname]
        postings = _merged_postings(fieldname, field, sources)
        if not runs:  # Whoosh's own field writer: one posting at a time
            fieldwriter.add_postings(schema, lengths, _one_by_one(fieldname, postings))
            continue
        fieldwriter.start_field(fieldname, field)
        doc_lengths = pool_lengths(lengths, fieldname)
        for btext, blocks in postings:
            started = False
            for docs, weights, values in blocks:
                if not started:
                    fieldwriter.start_term(btext)
                    started = True
                fieldwriter.add_run(docs, weights, values, doc_lengths)
            if started:  # a term whose every posting was deleted is not written
                fieldwriter.finish_term()
        fieldwriter.finish_field()


Block = tuple[array, array, list[bytes]]


def _merged_postings(
    fieldname: str, field: Any, sources: list[tuple[Any, int, Any]]
) -> Iterator[tuple[bytes, Iterator[Block]]]:
    """Each term of the field across the sources, in byte order, with its postings' blocks
    renumbered (ascending: sources are in document order)."""
    with_values = not isinstance(field.format, Existence)

    def field_terms(i: int) -> Iterator[tuple[bytes, int, Any]]:
        terms = sources[i][0]._terms
        if fieldname not in terms._fieldmap:
            return
        for (name, btext), info in terms.items_from(fieldname, b""):
            if name != fieldname:
                return
            yield btext, i, info

    merged = heapq.merge(*(field_terms(i) for i in range(len(sources))))
    for btext, group in groupby(merged, key=itemgetter(0)):
        yield btext, _term_blocks(fieldname, field, btext, list(group), sources, with_values)


def _term_blocks(
    fieldname: str,
    field: Any,
    btext: bytes,
    found: list[tuple[bytes, int, Any]],
    sources: list[tuple[Any, int, Any]],
    with_values: bool,
) -> Iterator[Block]:
    for _, i, info in found:
        reader, startdoc, docmap = sources[i]
        terms = reader._terms
        matcher = terms._codec.postings_reader(
            terms._postfile, info, field.format, term=(fieldname, btext)
        )
        for ids, weights, values in matcher_postings(matcher):
            if docmap is None:
                docs = array("I", [startdoc + docnum for docnum in ids])
                kept_weights = array("f", weights)
                kept_values = [v or emptybytes for v in values] if with_values else []
            else:
                keep = [n for n, docnum in enumerate(ids) if docnum in docmap]
                if not keep:
                    continue
                docs = array("I", [docmap[ids[n]] for n in keep])
                kept_weights = array("f", [weights[n] for n in keep])
                kept_values = [values[n] or emptybytes for n in keep] if with_values else []
            yield docs, kept_weights, kept_values


def _one_by_one(
    fieldname: str, postings: Iterator[tuple[bytes, Iterator[Block]]]
) -> Iterator[tuple[str, bytes, int, float, bytes]]:
    for btext, blocks in postings:
        for docs, weights, values in blocks:
            padded = values or [emptybytes] * len(docs)
            for docnum, weight, value in zip(docs, weights, padded, strict=True):
                yield fieldname, btext, docnum, weight, value
