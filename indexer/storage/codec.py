"""The index's codec: Whoosh 3's files, with postings in the compact block layout.

`NewsdeskCodec` is Whoosh 3's codec whose postings writer keeps each block in the layout of
blocks.py (ids and weights the engine reads as arrays, positions as arrays after them) and
whose matcher (`ArrayLeafMatcher`) reads those blocks for Whoosh's own matchers (phrases,
merges, deletions). `ArrayPositions` is Whoosh's Positions format with a posting's positions as
little-endian uint32, packed without pickling.

Blocks hold LONG_BLOCK postings instead of Whoosh's 128 (except for Whoosh's own position
formats): the engine reads a term's postings whole, or a phrase the blocks of its candidates,
and each block costs a read and a header.

Every segment records its codec (pickled in the index's table of contents) and the schema
its field formats, so an index written by Newsdesk needs these classes to be read; an index
written before they moved here names them `indexer.codec.*`, which still imports them.
"""

from __future__ import annotations

import pickle
from array import array
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.filedb.filetables import OrderedHashWriter, _lengths, _pointer
from whoosh.formats import Frequency, Positions
from whoosh.util.numeric import length_to_byte

from indexer.storage.blocks import (
    ARRAY_POSITIONS,
    COMPACT,
    FREQUENCIES,
    IDS,
    LENGTHS,
    NO_VALUES,
    WEIGHTS,
    compact_tuple,
    encode_block,
    id_deltas,
    native_array,
    pack_positions,
    packed_values,
    weight_bytes,
)

LONG_BLOCK = 1024  # postings per block (Whoosh: 128)


class ArrayPositions(Positions):
    """Whoosh's Positions format with a posting's positions as little-endian uint32 (their
    count is its frequency) instead of a count and a pickled list of deltas: the writer packs
    them without pickling, and Newsdesk's blocks keep them as arrays (`block_positions`)."""

    def encode(self, poslist: Any) -> bytes:
        return pack_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return native_array("I", valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4


class NewsdeskCodec(W3Codec):
    """Whoosh 3's codec with array blocks (see the module's docstring)."""

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return _FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        if terminfo.is_inlined():  # a single posting, kept in the term table as Whoosh does
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        # Abstract to mypy as W3LeafMatcher is: neither implements Matcher.copy().
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)  # type: ignore[abstract]


class _FieldWriter(W3FieldWriter):
    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        compact_term_table(self._tindex)

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        postings: Any = self._postwriter
        format_ = fieldobj.format
        if not format_.supports("positions") or isinstance(format_, ArrayPositions):
            postings._blocklimit = LONG_BLOCK

    def add_run(self, ids: array, weights: array, values: list, lengths: list[int]) -> None:
        """A term's postings at once (after start_term): see storage/pool.py."""
        postings: Any = self._postwriter
        postings.add_run(ids, weights, values, lengths)


class CompactTermTable(OrderedHashWriter):
    """Whoosh's writer of a segment's term table (an ordered hash file) that keeps each of
    its 256 buckets' (hash, position) pairs in an array of integers, not a list of tuples:
    16 bytes a term instead of about 110, for the 240,000 terms of a 40,000-article segment
    held until the file is closed. It writes the same file (tests/test_segment.py)."""

    def add(self, key: bytes, value: bytes) -> None:
        # OrderedHashWriter.add and HashWriter.add
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        dbfile = self.dbfile
        position = dbfile.tell()
        self.index.append(position)
        dbfile.write(_lengths.pack(len(key), len(value)))
        dbfile.write(key)
        dbfile.write(value)
        hashed = self.hashfn(key)
        bucket = self.buckets[hashed & 255]
        bucket.append(hashed)
        bucket.append(position)
        self.lastkey = key

    def _write_hashes(self) -> None:
        # HashWriter._write_hashes: each bucket an open-addressing table twice its size
        dbfile = self.dbfile
        for entries in self.buckets:
            numslots = len(entries)  # two numbers an entry: twice the entries
            self.directory.append((dbfile.tell(), numslots))
            table = [(0, 0)] * numslots
            for n in range(0, len(entries), 2):
                hashed = entries[n]
                slot = (hashed >> 8) % numslots
                while table[slot] != (0, 0):
                    slot = (slot + 1) % numslots
                table[slot] = (hashed, entries[n + 1])
            for hashed, position in table:
                dbfile.write(_pointer.pack(hashed, position))


def compact_term_table(tindex: Any) -> None:
    """Make a new term table writer (nothing added yet) a CompactTermTable."""
    if type(tindex) is not OrderedHashWriter or any(tindex.buckets):
        return
    writer: Any = tindex  # mypy: the buckets' type changes with the class
    writer.__class__ = CompactTermTable
    writer.buckets = [array("Q") for _ in range(256)]


class _PostingsWriter(W3PostingsWriter):
    def add_run(self, ids: array, weights: array, values: list, lengths: list[int]) -> None:
        """Buffer a term's postings as add_posting would one by one (ids ascending; values
        one for each posting, or none at all), writing every full block; `lengths` has each
        document's length in the field."""
        if values and not all(values):  # some postings without a value: Whoosh's own way
            for docnum, weight, value in zip(ids, weights, values, strict=True):
                self.add_posting(docnum, weight, value, lengths[docnum])
            return
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if start or len(self._ids):
                self._write_block()
            end = start + limit
            block = ids[start:end] if start or end < len(ids) else ids
            self._ids = block
            self._weights = weights[start:end] if block is not ids else weights
            self._values = values[start:end] if values else []
            self._maxweight = max(0.0, max(self._weights))
            found = [lengths[docnum] for docnum in block]
            self._maxlength = max(found)
            nonzero = [n for n in found if n] if not all(found) else found
            self._minlength = min(nonzero) if nonzero else None  # type: ignore[assignment]

    def _mini_ids(self) -> Any:
        if self._byteids:
            return super()._mini_ids()
        return id_deltas(self._ids)

    def _mini_weights(self) -> Any:
        return weight_bytes(self._weights)

    def _write_block(self, last: bool = False) -> None:
        """A block of a field without positions in the compact layout (see `_compact`), any
        other as Whoosh 3 writes it (pickled, compressed)."""
        data = None if self._byteids else self._compact()
        if data is None:
            super()._write_block(last)
            return
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        terminfo: Any = self._terminfo
        terminfo.add_block(self)
        ids: Any = self._ids
        info = (
            len(ids),
            ids[-1],
            self._maxweight,
            COMPACT,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = pickle.dumps(info, 2)
        length = len(infobytes) + len(data)
        postfile.write_int(-length if last else length)
        postfile.write(infobytes)
        postfile.write(data)
        self._blockcount += 1
        self._new_block()

    def _compact(self) -> bytes | None:
        """The block in the compact layout (blocks.encode_block), or None where its values
        have no place there (Whoosh's layout then)."""
        format_: Any = self._format
        fixedsize = format_.fixed_value_size()
        values: list[bytes] = self._values
        count = len(self._ids)
        if fixedsize == 0:
            kind = NO_VALUES
        elif fixedsize == 4 and isinstance(format_, Frequency) and len(values) == count:
            kind = FREQUENCIES
        elif isinstance(format_, ArrayPositions) and len(values) == count and all(values):
            kind = ARRAY_POSITIONS
        else:
            return None
        return encode_block(self._ids, self._weights, values, kind, self._compression)

    def _mini_values(self) -> Any:
        format_: Any = self._format
        fixedsize = format_.fixed_value_size()
        if fixedsize is not None and fixedsize >= 0:
            return super()._mini_values()
        # Variable-size values (positions): ArrayLeafMatcher cuts them apart only when asked.
        return packed_values(self._values)


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's matcher over array blocks (and over Whoosh's own, should a block be one)."""

    def _read_data(self) -> None:
        if self._compression != COMPACT:
            super()._read_data()
            return
        length = self._nextoffset - self._dataoffset
        count: Any = self._blocklength
        self._data = compact_tuple(self._postfile.get(self._dataoffset, length), count)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        data: Any = self._data
        ids = data[0]
        if isinstance(ids, bytes) and not self._byteids:
            self._ids = np.cumsum(np.frombuffer(ids, IDS), dtype=np.int64).tolist()
        else:
            super()._read_ids()

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        data: Any = self._data
        weights = data[1]
        if isinstance(weights, bytes):
            self._weights = array("f", np.frombuffer(weights, WEIGHTS).astype("=f4").tobytes())
        else:
            super()._read_weights()

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        data: Any = self._data
        packed = data[2]
        if isinstance(packed, bytes) and (self._fixedsize is None or self._fixedsize < 0):
            count: Any = self._blocklength
            lengths = np.frombuffer(packed, LENGTHS, count=count).astype(np.int64)
            ends = np.cumsum(lengths) + 4 * count
            starts = (ends - lengths).tolist()
            self._values = tuple(map(packed.__getitem__, map(slice, starts, ends.tolist())))
        else:
            super()._read_values()
