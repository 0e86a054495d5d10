"""The index's codec: Whoosh 3's files and blocks, with postings the engine reads as arrays.

Whoosh 3 pickles each block of postings as tuples of Python ints (document number deltas) and
floats (weights); reading a long posting list then builds and converts one Python object per
posting: at 200k articles, unpickling, zlib and `np.asarray` were 0.42 us of every posting
read (docs/benchmarks.md). Here a block keeps the same tuple (ids, weights, values) with ids
and weights as little-endian uint32 deltas and float32 bytes, which numpy reads without a
copy, and variable-size values (positions) as one bytes object: their lengths, then them.

Positions (ArrayPositions) are each posting's positions as uint32, and a block keeps them
after its ids and weights, compressed on their own: reading a term's documents leaves them
alone, and a phrase reads a block's positions as two arrays (`block_positions`) instead of
unpickling a list for each posting (at 200k articles, phrases were 15% of the bench queries
and all of the slowest 5%).

Blocks hold LONG_BLOCK postings instead of Whoosh's 128 (but those of Whoosh's own position
formats): the engine reads a term's postings whole, or a phrase the blocks of its
candidates, and each block costs a read and a header.

Every segment records its codec (pickled in the index's table of contents), so an index
written by Newsdesk needs this module to be read, by Whoosh's matchers (phrases, merges,
deletions) as by the engine (`block_arrays`).
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import struct
import sys
import zlib
from array import array
from collections.abc import Callable
from itertools import accumulate, chain
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.formats import Frequency, Positions
from whoosh.util.numeric import length_to_byte

IDS = np.dtype("<u4")  # document number deltas (the first from 0)
LENGTHS = np.dtype("<u4")  # of each variable-size value (positions)
POSITIONS = np.dtype("<u4")  # a posting's positions, as ArrayPositions encodes them
WEIGHTS = np.dtype("<f4")
LONG_BLOCK = 1024  # postings per block (Whoosh: 128)
# Under this many postings a block is encoded in Python: numpy's fixed cost per call
# (about 15 us) is more than a short loop's, and most blocks of an update are that short.
SMALL_BLOCK = 128
COMPRESS_FROM = 80  # bytes of positions: shorter ones are kept as they are (as Whoosh 3 does)
SWAP = sys.byteorder != "little"  # array("I")/array("f") are native; blocks little-endian
assert array("I").itemsize == 4 and array("f").itemsize == 4


def _little(values: array) -> bytes:
    if SWAP:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def pack_positions(positions: list[int]) -> bytes:
    """A posting's value in ArrayPositions: its positions (ascending) as little-endian uint32."""
    return _little(array("I", positions))


class ArrayPositions(Positions):
    """Whoosh's Positions format with a posting's positions as little-endian uint32 (their
    count is its frequency) instead of a count and a pickled list of deltas: the writer packs
    them without pickling, and Newsdesk's blocks keep them as arrays (`block_positions`)."""

    def encode(self, poslist: Any) -> bytes:
        return pack_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return _native("I", valuestring).tolist()

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
    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        postings: Any = self._postwriter
        format_ = fieldobj.format
        if not format_.supports("positions") or isinstance(format_, ArrayPositions):
            postings._blocklimit = LONG_BLOCK

    def add_run(self, ids: array, weights: array, values: list, lengths: list[int]) -> None:
        """A term's postings at once (after start_term): see indexer/segment.py."""
        postings: Any = self._postwriter
        postings.add_run(ids, weights, values, lengths)


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
        ids: Any = self._ids  # an array("I") of ascending ids
        if len(ids) < SMALL_BLOCK:
            return _little(array("I", [b - a for a, b in zip(chain((0,), ids), ids, strict=False)]))
        deltas = np.diff(np.frombuffer(ids, dtype=np.uint32), prepend=np.uint32(0))
        return deltas.astype(IDS).tobytes()

    def _mini_weights(self) -> Any:
        weights: Any = self._weights  # an array("f")
        if len(weights) < SMALL_BLOCK:
            if weights.count(1.0) == len(weights):
                return None
            if weights.count(weights[0]) == len(weights):
                return float(weights[0])
            return _little(weights)
        values = np.frombuffer(weights, dtype=np.float32)
        if (values == 1.0).all():
            return None
        if (values == values[0]).all():
            return float(values[0])
        return values.astype(WEIGHTS).tobytes()

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
        """The block as 3 bytes (id width, weights' kind, values' kind), the id deltas as
        little-endian unsigned ints of that width, then the weights: none (all 1), one
        float32 (all equal), a byte each (whole numbers under 256) or a float32 each, then
        the values. A field's values must be none (Existence: kind 0), each posting's weight
        as Whoosh's Frequency packs it (kind 1, not kept), or ArrayPositions' (kind 2, kept
        as `_positions_part` says); otherwise None (Whoosh's layout). No pickling, and zlib
        for positions only: reading a term's postings at 200k articles spent a third of its
        time there, and the layout is smaller than the compressed pickle."""
        format_: Any = self._format
        fixedsize = format_.fixed_value_size()
        ids: Any = self._ids
        weights: Any = self._weights
        values: list[bytes] = self._values
        count = len(ids)
        if fixedsize == 0:
            value_kind = 0
        elif fixedsize == 4 and isinstance(format_, Frequency) and len(values) == count:
            value_kind = 1
        elif isinstance(format_, ArrayPositions) and len(values) == count and all(values):
            value_kind = 2
        else:
            return None
        if count < SMALL_BLOCK:
            deltas = [b - a for a, b in zip(chain((0,), ids), ids, strict=False)]
            widest = max(deltas)
            floats = list(weights)
            whole = all(w == int(w) and 0 <= w < 256 for w in floats)
            if value_kind == 1 and (
                not whole or b"".join(values) != _FREQ(count).pack(*map(int, floats))
            ):
                return None
            width = 1 if widest < 256 else 2 if widest < 65536 else 4
            head, body = _weights_part(floats, whole)
            idpart = _little(array(_TYPECODES[width], deltas))
        else:
            idarr = np.frombuffer(ids, dtype=np.uint32)
            deltas_a = np.diff(idarr, prepend=np.uint32(0))
            widest = int(deltas_a.max())
            warr = np.frombuffer(weights, dtype=np.float32)
            whole = bool(((warr == np.floor(warr)) & (warr >= 0) & (warr < 256)).all())
            if value_kind == 1 and (not whole or b"".join(values) != warr.astype(">u4").tobytes()):
                return None
            width = 1 if widest < 256 else 2 if widest < 65536 else 4
            head, body = _weights_part(warr, whole)
            idpart = deltas_a.astype(f"<u{width}").tobytes()
        block = bytes((width, head, value_kind)) + idpart + body
        if value_kind == 2:
            block += _positions_part(values, self._compression)
        return block

    def _mini_values(self) -> Any:
        format_: Any = self._format
        fixedsize = format_.fixed_value_size()
        if fixedsize is not None and fixedsize >= 0:
            return super()._mini_values()
        # Variable-size values (positions): their lengths as uint32, then the values, as one
        # bytes object, so a block's ids and weights unpickle without a bytes object per
        # posting; ArrayLeafMatcher cuts them apart only when asked for values.
        values = self._values
        return _little(array("I", map(len, values))) + b"".join(values)


COMPACT = -1  # the compression level a compact block's info records (Whoosh's are >= 0)
_TYPECODES = {1: "B", 2: "H", 4: "I"}


def _width(largest: int) -> int:
    return 1 if largest < 256 else 2 if largest < 65536 else 4


def _positions_part(values: list[bytes], level: int) -> bytes:
    """A block's positions (ArrayPositions values, none empty): 3 bytes (the counts' width,
    the deltas' width, 1 if zlib-compressed), then how many each posting has and every
    position as the distance from the one before in its posting (the first from 0), as
    little-endian unsigned ints of those widths. Smaller than Whoosh's pickled deltas by
    a third once compressed (measured on the 200k bench index)."""
    joined = b"".join(values)
    if len(values) < SMALL_BLOCK:
        counts = [len(value) >> 2 for value in values]
        flat = array("I")
        flat.frombytes(joined)
        if SWAP:
            flat.byteswap()
        deltas = [b - a for a, b in zip(chain((0,), flat), flat, strict=False)]
        at = 0
        for count in counts:
            deltas[at] = flat[at]
            at += count
        cw, dw = _width(max(counts)), _width(max(deltas))
        body = _little(array(_TYPECODES[cw], counts)) + _little(array(_TYPECODES[dw], deltas))
    else:
        counts_a = np.fromiter(map(len, values), np.int64, len(values)) >> 2
        positions = np.frombuffer(joined, POSITIONS).astype(np.int64)
        deltas_a = np.diff(positions, prepend=0)
        starts = np.cumsum(counts_a) - counts_a
        deltas_a[starts] = positions[starts]
        cw, dw = _width(int(counts_a.max())), _width(int(deltas_a.max()))
        body = counts_a.astype(f"<u{cw}").tobytes() + deltas_a.astype(f"<u{dw}").tobytes()
    packed = bool(level) and len(body) >= COMPRESS_FROM
    return bytes((cw, dw, packed)) + (zlib.compress(body, level) if packed else body)


def block_positions(data: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    """A compact block's positions (its values' kind is 2): how many each posting has, and
    all of them in posting order (int64 arrays)."""
    width, kind = data[0], data[1]
    at = 3 + width * count + (0, 4, count, 4 * count)[kind]  # past the ids and weights
    cw, dw, packed = data[at], data[at + 1], data[at + 2]
    body = zlib.decompress(data[at + 3 :]) if packed else data[at + 3 :]
    counts = np.frombuffer(body, f"<u{cw}", count).astype(np.int64)
    deltas = np.frombuffer(body, f"<u{dw}", offset=cw * count).astype(np.int64)
    running = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    before = running[starts] - deltas[starts]  # the running sum before each posting's first
    return counts, running - np.repeat(before, counts)


def _FREQ(count: int) -> struct.Struct:
    return struct.Struct(f">{count}I")


def _weights_part(weights: Any, whole: bool) -> tuple[int, bytes]:
    """The weights' kind (0: all 1, none kept; 1: all equal, one float32; 2: whole numbers
    under 256, a byte each; 3: a float32 each) and their bytes."""
    if isinstance(weights, np.ndarray):
        if (weights == 1.0).all():
            return 0, b""
        if (weights == weights[0]).all():
            return 1, struct.pack("<f", float(weights[0]))
        if whole:
            return 2, weights.astype(np.uint8).tobytes()
        return 3, weights.astype(WEIGHTS).tobytes()
    if all(w == 1.0 for w in weights):
        return 0, b""
    if all(w == weights[0] for w in weights):
        return 1, struct.pack("<f", weights[0])
    if whole:
        return 2, bytes(int(w) for w in weights)
    return 3, _little(array("f", weights))


def compact_arrays(data: bytes, count: int) -> tuple[np.ndarray, Any]:
    """A compact block's id deltas (an unsigned array) and weights (None: all 1; a float:
    all equal; else a float32 array)."""
    width, kind = data[0], data[1]
    end = 3 + width * count
    deltas = np.frombuffer(data, f"<u{width}", count, 3)
    if kind == 0:
        return deltas, None
    if kind == 1:
        return deltas, struct.unpack_from("<f", data, end)[0]
    if kind == 2:
        return deltas, np.frombuffer(data, np.uint8, count, end).astype(np.float32)
    return deltas, np.frombuffer(data, WEIGHTS, count, end).astype(np.float32)


def _compact_tuple(data: bytes, count: int) -> tuple[Any, Any, Any]:
    """A compact block as the (ids, weights, values) of an array block; a short one as
    Whoosh 3's own tuple (see `_short_tuple`)."""
    if count < SMALL_BLOCK:
        return _short_tuple(data, count)
    deltas, weights = compact_arrays(data, count)
    ids = deltas.astype(IDS).tobytes()
    if isinstance(weights, np.ndarray):
        floats = weights
        weights = weights.astype(WEIGHTS).tobytes()
    else:
        floats = np.full(count, 1.0 if weights is None else weights, np.float32)
    values: bytes | None = None
    if data[2] == 1:
        values = floats.astype(">u4").tobytes()
    elif data[2] == 2:  # as _mini_values packs variable-size values
        counts, positions = block_positions(data, count)
        values = (counts * 4).astype(LENGTHS).tobytes() + positions.astype(POSITIONS).tobytes()
    return ids, weights, values


def _short_tuple(data: bytes, count: int) -> tuple[Any, Any, Any]:
    """A short compact block as Whoosh 3's matcher keeps a block it unpickled: id deltas,
    weights (None: all 1; a float: all equal; else an array), values (a frequency's packed
    counts, or a tuple of each posting's positions packed), in Python: numpy's cost per
    call was most of a merge, whose terms are mostly in a posting or two."""
    width, kind, value_kind = data[0], data[1], data[2]
    end = 3 + width * count
    deltas = _native(_TYPECODES[width], data[3:end])
    weights: Any = None
    after = end
    if kind == 1:
        weights, after = struct.unpack_from("<f", data, end)[0], end + 4
    elif kind == 2:
        weights, after = array("f", list(data[end : end + count])), end + count
    elif kind == 3:
        weights, after = _native("f", data[end : end + 4 * count]), end + 4 * count
    values: Any = None
    if value_kind == 1:
        if weights is None or isinstance(weights, float):
            floats: Any = [1.0 if weights is None else weights] * count
        else:
            floats = weights
        values = _FREQ(count).pack(*map(int, floats))
    elif value_kind == 2:
        cw, dw, packed = data[after], data[after + 1], data[after + 2]
        body = zlib.decompress(data[after + 3 :]) if packed else data[after + 3 :]
        counts = _native(_TYPECODES[cw], body[: cw * count])
        steps = _native(_TYPECODES[dw], body[cw * count :])
        found, at = [], 0
        for number in counts:
            found.append(pack_positions(list(accumulate(steps[at : at + number]))))
            at += number
        values = tuple(found)
    return deltas, weights, values


def _native(typecode: str, raw: bytes) -> array:
    """Little-endian numbers as an array of the machine's own."""
    found = array(typecode)
    found.frombytes(raw)
    if SWAP:
        found.byteswap()
    return found


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's matcher over array blocks (and over Whoosh's own, should a block be one)."""

    def _read_data(self) -> None:
        if self._compression != COMPACT:
            super()._read_data()
            return
        length = self._nextoffset - self._dataoffset
        count: Any = self._blocklength
        self._data = _compact_tuple(self._postfile.get(self._dataoffset, length), count)

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


def block_arrays(data: tuple[Any, Any, Any], count: int, byteids: bool) -> tuple[Any, np.ndarray]:
    """A block's (ids, weights, values) as stored, to document numbers within the segment
    (int64; the stored ids themselves when they are not numbers) and term frequencies
    (float32), whichever codec wrote it."""
    docs = data[0] if byteids else np.cumsum(_id_deltas(data[0]), dtype=np.int64)
    return docs, _weight_array(data[1], count)


def _id_deltas(ids: Any) -> np.ndarray:
    """A block's stored ids as document number deltas (the first from 0): an array block's
    little-endian bytes, a compact block's array, or Whoosh 3's tuple."""
    if isinstance(ids, bytes):
        return np.frombuffer(ids, IDS)
    return ids if isinstance(ids, np.ndarray) else np.asarray(ids, dtype=np.int64)


def _weight_array(weights: Any, count: int) -> np.ndarray:
    """A block's stored weights as float32: None (all 1), one float (all equal), an array
    block's bytes, a compact block's array, or Whoosh 3's tuple."""
    if weights is None:
        return np.ones(count, np.float32)
    if isinstance(weights, float):
        return np.full(count, weights, np.float32)
    if isinstance(weights, bytes):
        return np.frombuffer(weights, WEIGHTS).astype(np.float32)
    return np.asarray(weights, np.float32)


# ---------------------------------------------------------------- reading a term at once

_TERMINFO = struct.Struct("!BfIBBfII")  # W3TermInfo: flags ... maxid, then offset, length
_EXTENT = struct.Struct("!qi")
_SLOT = struct.Struct("!Iq")  # a hash table slot: key hash, item position
_LENGTHS = struct.Struct("!ii")  # an item's key and value lengths
_BLOCK_LENGTH = struct.Struct("!i")
SLOTS_READ = 8  # hash slots read at once (a probe rarely passes the first)
INFO_READ = 64  # bytes read past a key for its value (a term's info is 33)


# A block as stored: its number of postings, ids and weights (see block_arrays), and its
# position in the postings file (None when not known)
RawBlock = tuple[int, Any, Any, int | None]


def decode_blocks(
    raw: list[RawBlock], offsets: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks (of one term, in document order) as one array of document numbers, each
    block's plus its offset (its segment's first document number), one of frequencies, and
    the first document number of each block, every block's deltas summed in one pass
    (numpy's cost per call, ~1 us, times 4 calls a block was a fifth of reading a term's
    postings)."""
    counts = np.array([b[0] for b in raw], dtype=np.int64)
    running = np.cumsum(np.concatenate([_id_deltas(b[1]) for b in raw]), dtype=np.int64)
    ends = np.cumsum(counts)
    before = np.zeros(len(raw), dtype=np.int64)  # the running sum where each block starts
    before[1:] = running[ends[:-1] - 1]
    docs = running + np.repeat(np.array(offsets, dtype=np.int64) - before, counts)
    tf = np.concatenate([_weight_array(b[2], b[0]) for b in raw])
    return docs, tf, docs[ends - counts]


def term_raw_blocks(terms: Any, fieldname: str, text: bytes) -> tuple[int, list[RawBlock]] | None:
    """A segment's document frequency of a term (deleted documents included, as Whoosh
    counts it) and its blocks as stored; (0, []) when the segment lacks the term; None when
    this reader cannot (not a Whoosh 3 segment on disk, or postings inlined in the term
    table): the caller reads them through Whoosh's matcher.

    Whoosh's lookup reads the term table through several file objects' seek and read calls
    and its matcher each block's header the same way: 16 and 8 us of the 25 us a segment cost
    per term on the 200k bench, most terms being in all 23 segments. Here the slots, the key
    and its info are read with one `os.pread` each, and the term's postings with one."""
    postfile = getattr(terms, "_postfile", None)
    if postfile is None or not getattr(postfile, "is_real", False):
        return None
    readable, info = _term_info(terms, fieldname, text)
    if not readable:
        return None
    if info is None:
        return 0, []
    flags, _, doc_frequency = _TERMINFO.unpack_from(info)[:3]
    if flags:  # inlined
        return None
    offset, length = _EXTENT.unpack_from(info, _TERMINFO.size)
    data = os.pread(postfile.fileno(), length, offset)
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        return None
    return doc_frequency, _parse_blocks(data, offset)


def term_doc_frequency(terms: Any, fieldname: str, text: bytes) -> int | None:
    """A segment's document frequency of a term (0 when it lacks the term) from one read of
    its term table; None when this reader cannot (see term_raw_blocks)."""
    readable, info = _term_info(terms, fieldname, text)
    if not readable:
        return None
    if info is None:
        return 0
    doc_frequency: int = _TERMINFO.unpack_from(info)[2]
    return doc_frequency


def _term_info(terms: Any, fieldname: str, text: bytes) -> tuple[bool, bytes | None]:
    """Whether the segment's term table is a Whoosh 3 hash file on disk, and if so the
    term's entry in it (None: not there)."""
    tindex = getattr(terms, "_tindex", None)
    if tindex is None or not hasattr(terms, "_keycoder"):
        return False, None
    tfile = tindex.dbfile
    if not getattr(tfile, "is_real", False):
        return False, None
    return True, _hash_lookup(tindex, tfile.fileno(), terms._keycoder(fieldname, text))


@functools.lru_cache(maxsize=65_536)
def _key_hash(hashfn: Callable[[bytes], int], key: bytes) -> int:
    """A term's key hashed (an MD5) once for every segment and every lookup of it."""
    return hashfn(key)


def _hash_lookup(tindex: Any, fd: int, key: bytes) -> bytes | None:
    """The value of `key` in a Whoosh hash file (filetables.HashReader.ranges_for_key)."""
    keyhash = _key_hash(tindex.hashfn, key)
    tablestart, numslots = tindex.tables[keyhash & 255]
    if not numslots:
        return None
    slot = (keyhash >> 8) % numslots
    seen = 0
    while seen < numslots:
        count = min(SLOTS_READ, numslots - slot, numslots - seen)
        chunk = os.pread(fd, count * _SLOT.size, tablestart + slot * _SLOT.size)
        for slothash, itempos in _SLOT.iter_unpack(chunk):
            if not itempos:
                return None
            if slothash == keyhash:
                want = _LENGTHS.size + len(key) + INFO_READ
                item = os.pread(fd, want, itempos)
                keylen, datalen = _LENGTHS.unpack_from(item)
                start = _LENGTHS.size + keylen
                if keylen == len(key) and item[_LENGTHS.size : start] == key:
                    if start + datalen > len(item):
                        item = os.pread(fd, start + datalen, itempos)
                    return item[start : start + datalen]
        seen += count
        slot = (slot + count) % numslots
    return None


BLOCK_HEAD = 4096  # bytes read at once for a block (its length, info and most data)


def positions_block_at(postfile: Any, position: int) -> tuple[int, bytes] | None:
    """The block of postings at `position` in a postings file on disk, if it is a compact
    block that keeps positions: its number of postings and its data (for `block_positions`);
    else None (the caller asks Whoosh's matchers instead)."""
    if not getattr(postfile, "is_real", False):
        return None
    fd = postfile.fileno()
    head = os.pread(fd, BLOCK_HEAD, position)
    (length,) = _BLOCK_LENGTH.unpack_from(head)
    stream = io.BytesIO(head)
    stream.seek(4)
    count, _, _, compression, _, _ = pickle.load(stream)
    start, end = stream.tell(), 4 + abs(length)
    if compression != COMPACT:
        return None
    data = head[start:end]
    if end > len(head):
        data += os.pread(fd, end - len(head), position + len(head))
    return (count, data) if data[2] == 2 else None


def _parse_blocks(data: bytes, offset: int) -> list[RawBlock]:
    """The blocks of one term's postings (`data`, read from `offset`): W3LeafMatcher's
    layout, each block's length (negative for the last), pickled info, then its data."""
    found: list[RawBlock] = []
    stream = io.BytesIO(data)
    at = 4
    while at < len(data):
        (length,) = _BLOCK_LENGTH.unpack_from(data, at)
        stream.seek(at + 4)
        count, _, _, compression, _, _ = pickle.load(stream)
        end = at + 4 + abs(length)
        raw = data[stream.tell() : end]
        if compression == COMPACT:
            found.append((count, *compact_arrays(raw, count), offset + at))
        else:
            block = pickle.loads(zlib.decompress(raw) if compression else raw)
            found.append((count, block[0], block[1], offset + at))
        if length < 0:
            break
        at = end
    return found
