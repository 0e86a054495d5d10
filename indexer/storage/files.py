"""Reading a term's entry and postings straight from Whoosh 3's files on disk.

Whoosh's lookup reads the term table through several file objects' seek and read calls, and
its matcher each block's header the same way. Here a term's hash slots, key and info are read
with one `os.pread` each, and its postings with one more, then cut into blocks
(`blocks.decode_blocks` turns them into arrays). The layouts read here are Whoosh 3's own
(filedb/filetables.py's hash file, codec/whoosh3.py's term info and postings blocks); each is
checked against the installed Whoosh when this module is imported, and where one differs the
fast path is off (`LAYOUT_OK` false: every caller falls back to Whoosh's own readers), so a
changed layout is never misread. docs/storage.md describes them.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import struct
import zlib
from collections.abc import Callable
from typing import Any

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb import filetables

from indexer.storage.blocks import COMPACT, RawBlock, compact_arrays

_TERMINFO = struct.Struct("!BfIBBfII")  # W3TermInfo: flags ... maxid, then offset, length
_EXTENT = struct.Struct("!qi")
_SLOT = struct.Struct("!Iq")  # a hash table slot: key hash, item position
_LENGTHS = struct.Struct("!ii")  # an item's key and value lengths
_BLOCK_LENGTH = struct.Struct("!i")
SLOTS_READ = 8  # hash slots read at once (a probe rarely passes the first)
INFO_READ = 64  # bytes read past a key for its value (a term's info is 33)
BLOCK_HEAD = 4096  # bytes read at once for a block (its length, info and most data)
READ_AT_ONCE = 1 << 20  # blocks starting within this many bytes of the first are read with it


def layout_differences() -> list[str]:
    """How the installed Whoosh's file layouts differ from the ones read here (none: equal)."""
    expected = {
        "whoosh.codec.whoosh3.W3TermInfo._struct": (
            _TERMINFO.format,
            _struct_of(whoosh3, "W3TermInfo", "_struct"),
        ),
        "whoosh.codec.whoosh3._LONG_SIZE + _INT_SIZE": (
            _EXTENT.size,
            _sizes(whoosh3, "_LONG_SIZE", "_INT_SIZE"),
        ),
        "whoosh.filedb.filetables._pointer": (
            _SLOT.format,
            _struct_of(filetables, None, "_pointer"),
        ),
        "whoosh.filedb.filetables._lengths": (
            _LENGTHS.format,
            _struct_of(filetables, None, "_lengths"),
        ),
    }
    return [
        f"{name}: Newsdesk reads {want!r}, the installed Whoosh has {got!r}"
        for name, (want, got) in expected.items()
        if want != got
    ]


def _struct_of(module: Any, owner: str | None, name: str) -> str | None:
    holder = getattr(module, owner, None) if owner else module
    found = getattr(holder, name, None)
    return found.format if isinstance(found, struct.Struct) else None


def _sizes(module: Any, *names: str) -> int | None:
    sizes = [getattr(module, name, None) for name in names]
    if not all(isinstance(size, int) for size in sizes):
        return None
    return sum(size for size in sizes if isinstance(size, int))


LAYOUT_OK = not layout_differences()


def term_raw_blocks(terms: Any, fieldname: str, text: bytes) -> tuple[int, list[RawBlock]] | None:
    """A segment's document frequency of a term (deleted documents included, as Whoosh
    counts it) and its blocks as stored; (0, []) when the segment lacks the term; None when
    this reader cannot (not a Whoosh 3 segment on disk, or postings inlined in the term
    table): the caller reads them through Whoosh's matcher.

    Whoosh's lookup reads the term table through several file objects' seek and read calls
    and its matcher each block's header the same way: most of what a term cost per segment,
    paid again in every segment that holds the term. Here the slots, the key and its info
    are read with one `os.pread` each, and the term's postings with one."""
    postfile = getattr(terms, "_postfile", None)
    if not LAYOUT_OK or postfile is None or not getattr(postfile, "is_real", False):
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
    if not LAYOUT_OK or tindex is None or not hasattr(terms, "_keycoder"):
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


def positions_block_at(postfile: Any, position: int) -> tuple[int, bytes] | None:
    """The block of postings at `position` in a postings file on disk, if it is a compact
    block that keeps positions: its number of postings and its data (for `block_positions`);
    else None (the caller asks Whoosh's matchers instead)."""
    found = positions_blocks_at(postfile, [position])
    return found[0] if found else None


def positions_blocks_at(postfile: Any, positions: list[int]) -> list[tuple[int, bytes]] | None:
    """`positions_block_at` for several blocks (ascending positions in one postings file):
    blocks near each other, as a term's are, are read together with one `os.pread`. None
    when one of them is not a compact block with positions."""
    if not LAYOUT_OK or not getattr(postfile, "is_real", False):
        return None
    fd = postfile.fileno()
    found: list[tuple[int, bytes]] = []
    buffer, base = b"", 0
    stream = io.BytesIO(buffer)
    for number, position in enumerate(positions):
        if not base <= position <= base + len(buffer) - BLOCK_HEAD:
            # read on to the last block within reach (a term's blocks follow each other)
            last = number
            while last + 1 < len(positions) and positions[last + 1] - position < READ_AT_ONCE:
                last += 1
            base, buffer = position, os.pread(fd, positions[last] - position + BLOCK_HEAD, position)
            stream = io.BytesIO(buffer)
        block = _positions_block(fd, buffer, stream, base, position - base)
        if block is None:
            return None
        found.append(block)
    return found


def _positions_block(
    fd: int, buffer: bytes, stream: io.BytesIO, base: int, at: int
) -> tuple[int, bytes] | None:
    """The compact block with positions at `buffer[at:]` (`buffer` read from the file at
    `base`, `stream` reading it), read on from the file where it runs past the buffer; None
    if it is another kind of block."""
    (length,) = _BLOCK_LENGTH.unpack_from(buffer, at)
    stream.seek(at + 4)
    count, _, _, compression, _, _ = pickle.load(stream)
    if compression != COMPACT:
        return None
    start, end = stream.tell(), at + 4 + abs(length)
    data = buffer[start:end]
    if end > len(buffer):
        data += os.pread(fd, end - len(buffer), base + len(buffer))
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
