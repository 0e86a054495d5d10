"""The compact block layout: a block of postings as bytes, and back as numpy arrays.

Whoosh 3 pickles each block of postings as tuples of Python ints (document number deltas) and
floats (weights); reading a long posting list then builds one Python object per posting. A
compact block keeps ids and weights as little-endian integers and float32 that numpy reads
without a copy, and positions (ArrayPositions) after them, compressed on their own, so that a
term's documents are read without its positions and a phrase reads a block's positions as two
arrays. This module is pure bytes and numpy: no Whoosh. The codec (codec.py) writes these
blocks into Whoosh's postings files; docs/storage.md draws the layout.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from itertools import accumulate, chain
from typing import Any

import numpy as np

IDS = np.dtype("<u4")  # document number deltas (the first from 0)
LENGTHS = np.dtype("<u4")  # of each variable-size value (positions)
POSITIONS = np.dtype("<u4")  # a posting's positions, as ArrayPositions encodes them
WEIGHTS = np.dtype("<f4")
# Under this many postings a block is encoded in Python: numpy's fixed cost per call is more
# than a short loop's, and most blocks of an update are that short.
SMALL_BLOCK = 128
COMPRESS_FROM = 80  # bytes of positions: shorter ones are kept as they are (as Whoosh 3 does)
SWAP = sys.byteorder != "little"  # array("I")/array("f") are native; blocks little-endian
assert array("I").itemsize == 4 and array("f").itemsize == 4
COMPACT = -1  # the compression level a compact block's info records (Whoosh's are >= 0)
_TYPECODES = {1: "B", 2: "H", 4: "I"}

# The kinds of values a compact block keeps
NO_VALUES = 0  # a field without values (Existence)
FREQUENCIES = 1  # each posting's weight, as Whoosh's Frequency packs it (not kept: derived)
ARRAY_POSITIONS = 2  # each posting's positions (ArrayPositions), kept after the weights

# A block as stored: its number of postings, ids and weights (see block_arrays), and its
# position in the postings file (None when not known)
RawBlock = tuple[int, Any, Any, int | None]


def _little(values: array) -> bytes:
    if SWAP:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def pack_positions(positions: list[int]) -> bytes:
    """A posting's value in ArrayPositions: its positions (ascending) as little-endian uint32."""
    return _little(array("I", positions))


def encode_block(
    ids: Any, weights: Any, values: list[bytes], value_kind: int, level: int
) -> bytes | None:
    """A block (ids ascending, as array("I"); weights as array("f"); values, one per posting,
    of the kind `value_kind`) as 3 bytes (id width, weights' kind, values' kind), the id
    deltas as little-endian unsigned ints of that width, then the weights: none (all 1), one
    float32 (all equal), a byte each (whole numbers under 256) or a float32 each, then the
    values (see `_positions_part`; frequencies are not kept, the weights are them). None
    when the values are frequencies that the weights do not give back: Whoosh's layout then.
    No pickling, and zlib for positions only: smaller than Whoosh's compressed pickle."""
    count = len(ids)
    if count < SMALL_BLOCK:
        deltas = [b - a for a, b in zip(chain((0,), ids), ids, strict=False)]
        widest = max(deltas)
        floats = list(weights)
        whole = all(w == int(w) and 0 <= w < 256 for w in floats)
        if value_kind == FREQUENCIES and (
            not whole or b"".join(values) != _FREQ(count).pack(*map(int, floats))
        ):
            return None
        width = _width(widest)
        head, body = _weights_part(floats, whole)
        idpart = _little(array(_TYPECODES[width], deltas))
    else:
        idarr = np.frombuffer(ids, dtype=np.uint32)
        deltas_a = np.diff(idarr, prepend=np.uint32(0))
        warr = np.frombuffer(weights, dtype=np.float32)
        whole = bool(((warr == np.floor(warr)) & (warr >= 0) & (warr < 256)).all())
        if value_kind == FREQUENCIES and (
            not whole or b"".join(values) != warr.astype(">u4").tobytes()
        ):
            return None
        width = _width(int(deltas_a.max()))
        head, body = _weights_part(warr, whole)
        idpart = deltas_a.astype(f"<u{width}").tobytes()
    block = bytes((width, head, value_kind)) + idpart + body
    if value_kind == ARRAY_POSITIONS:
        block += _positions_part(values, level)
    return block


def id_deltas(ids: Any) -> bytes:
    """Ascending ids (array("I")) as the little-endian deltas an array block keeps."""
    if len(ids) < SMALL_BLOCK:
        return _little(array("I", [b - a for a, b in zip(chain((0,), ids), ids, strict=False)]))
    deltas = np.diff(np.frombuffer(ids, dtype=np.uint32), prepend=np.uint32(0))
    return deltas.astype(IDS).tobytes()


def weight_bytes(weights: Any) -> Any:
    """Weights (array("f")) as an array block keeps them: None (all 1), one float (all
    equal), or little-endian float32 bytes."""
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


def packed_values(values: list[bytes]) -> bytes:
    """Variable-size values (positions) as one bytes object: their lengths as uint32, then the
    values, so a block's ids and weights unpickle without a bytes object per posting."""
    return _little(array("I", map(len, values))) + b"".join(values)


def _width(largest: int) -> int:
    return 1 if largest < 256 else 2 if largest < 65536 else 4


def _positions_part(values: list[bytes], level: int) -> bytes:
    """A block's positions (ArrayPositions values, none empty): 3 bytes (the counts' width,
    the deltas' width, 1 if zlib-compressed), then how many each posting has and every
    position as the distance from the one before in its posting (the first from 0), as
    little-endian unsigned ints of those widths. Smaller than Whoosh's pickled deltas once
    compressed (docs/benchmarks.md, "Measurements behind the design")."""
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
    return counts, _restarting_sums(deltas, counts)


def blocks_positions(blocks: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Several compact blocks' postings at once (each block's number of postings and data,
    in the order of their documents): the document numbers (in the segment), how many
    positions each posting has, and all the positions in posting order (int64 arrays). The
    same as `block_arrays`' ids and `block_positions` block by block, with the running sums
    taken once over all of them: a common word's phrase reads hundreds of blocks."""
    id_deltas, counts, deltas = [], [], []
    for count, data in blocks:
        width, kind = data[0], data[1]
        id_deltas.append(np.frombuffer(data, f"<u{width}", count, 3))
        at = 3 + width * count + (0, 4, count, 4 * count)[kind]  # past the ids and weights
        cw, dw, packed = data[at], data[at + 1], data[at + 2]
        body = zlib.decompress(data[at + 3 :]) if packed else data[at + 3 :]
        counts.append(np.frombuffer(body, f"<u{cw}", count))
        deltas.append(np.frombuffer(body, f"<u{dw}", offset=cw * count))
    if not blocks:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    ids = _restarting_sums(
        np.concatenate(id_deltas).astype(np.int64), np.array([c for c, _ in blocks], np.int64)
    )
    every_count = np.concatenate(counts).astype(np.int64)
    positions = _restarting_sums(np.concatenate(deltas).astype(np.int64), every_count)
    return ids, every_count, positions


def _restarting_sums(deltas: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """The running sums of `deltas` started again at each run (`runs`: their lengths, the
    first delta of each run being its first value)."""
    running = np.cumsum(deltas)
    starts = np.cumsum(runs) - runs
    before = running[starts] - deltas[starts]  # the running sum before each run's first
    return running - np.repeat(before, runs)


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


def compact_tuple(data: bytes, count: int) -> tuple[Any, Any, Any]:
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
    deltas = native_array(_TYPECODES[width], data[3:end])
    weights: Any = None
    after = end
    if kind == 1:
        weights, after = struct.unpack_from("<f", data, end)[0], end + 4
    elif kind == 2:
        weights, after = array("f", list(data[end : end + count])), end + count
    elif kind == 3:
        weights, after = native_array("f", data[end : end + 4 * count]), end + 4 * count
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
        counts = native_array(_TYPECODES[cw], body[: cw * count])
        steps = native_array(_TYPECODES[dw], body[cw * count :])
        found, at = [], 0
        for number in counts:
            found.append(pack_positions(list(accumulate(steps[at : at + number]))))
            at += number
        values = tuple(found)
    return deltas, weights, values


def native_array(typecode: str, raw: bytes) -> array:
    """Little-endian numbers as an array of the machine's own."""
    found = array(typecode)
    found.frombytes(raw)
    if SWAP:
        found.byteswap()
    return found


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


def decode_blocks(
    raw: list[RawBlock], offsets: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks (of one term, in document order) as one array of document numbers, each
    block's plus its offset (its segment's first document number), one of frequencies, and
    the first document number of each block, every block's deltas summed in one pass
    (numpy's fixed cost per call, paid for each block, was a large part of reading a term's
    postings)."""
    counts = np.array([b[0] for b in raw], dtype=np.int64)
    running = np.cumsum(np.concatenate([_id_deltas(b[1]) for b in raw]), dtype=np.int64)
    ends = np.cumsum(counts)
    before = np.zeros(len(raw), dtype=np.int64)  # the running sum where each block starts
    before[1:] = running[ends[:-1] - 1]
    docs = running + np.repeat(np.array(offsets, dtype=np.int64) - before, counts)
    tf = np.concatenate([_weight_array(b[2], b[0]) for b in raw])
    return docs, tf, docs[ends - counts]
