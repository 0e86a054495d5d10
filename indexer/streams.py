"""Container files read as streams: parts of whole records, in bounded memory, with no cap.

A research tool's export is one large file of many records: a JSON Lines or CSV export of
200,000 articles, a crawler's web archive, a mailbox. Read whole, such a file holds its every
record in memory at once (and the file size cap refused it). A container file larger than
STREAM_BYTES on disk is instead read a part at a time: PART_BYTES of whole records (whole
lines, CSV rows, WARC records, mbox messages), each part parsed by a parsing process as a
file of its own (the readers read a part as they read a file: `Source.first_line` and
`Source.offset` keep their messages' line numbers and offsets those of the file), and written
as it comes (indexer/writer.py). Memory is bounded whatever the file's size: by the parts
out (PARSE_AHEAD_PARTS for each parsing process, indexer/parsing.py) and the postings each
indexing process holds before it spills them to disk (indexer/storage/termpool.py); a record
larger than MAX_RECORD_BYTES is cut there and reported by its reader.

    fmt = stream_format(path)            # "jsonl", "csv", "warc", "mail", or None
    for part in file_parts(path, fmt):   # Part(data, first_line, offset, number, last)
        ...
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from indexer.errors import ParseError
from indexer.readers import MAX_RECORD_BYTES, Source, detect, unpack

MIB = 1024 * 1024
STREAM_BYTES = 8 * MIB  # a container file larger than this (on disk) is read as a stream
PART_BYTES = 2 * MIB  # the records of one part, about
HEAD_BYTES = 64 * 1024  # the opening read to tell a file's format
STREAMED = ("jsonl", "csv", "warc", "mail")  # the container formats read as streams


@dataclass
class Part:
    """Whole records of a file (a CSV's header first), and where they start in it."""

    data: bytes
    first_line: int  # the number of its first line (a mailbox: its first message's)
    offset: int  # its first byte's offset in the file (a WARC.gz: in the compressed file)
    number: int  # 0, 1, ... in the file
    last: bool = False
    head: int = 0  # bytes of `data` from elsewhere in the file (a CSV's header), before `offset`
    # whether `data` after `head` is the file's bytes from `offset`: not in a gzipped JSON
    # Lines, CSV or mailbox (offsets in the uncompressed stream), nor where a record was cut
    # at MAX_RECORD_BYTES; a Dask worker reads such a part from the file (indexer/cluster.py)
    in_file: bool = True


class _Cut(bytes):
    """A line cut at MAX_RECORD_BYTES + 1 bytes (and a line break); `size`: its length in
    the file, so that the parts after it keep their offsets in the file."""

    size: int


def is_gzip(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _opened(path: str) -> BinaryIO:
    """The file's bytes, gunzipped as they are read when it is gzip data."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def stream_format(path: str, size: int) -> str | None:
    """The container format of a file to read as a stream (one larger than STREAM_BYTES),
    by its content; None for a file read whole."""
    if size <= STREAM_BYTES:
        return None
    try:
        with _opened(path) as fh:
            head = fh.read(HEAD_BYTES)
        if is_gzip(path) and head[:4] == b"WARC" and not _member_per_record(path):
            return None  # a WARC gzipped whole has no record offsets to part it at
        reader = detect(Source(path, unpack(path, head), os.path.abspath(path)))
    except (OSError, EOFError, ParseError):
        return None
    if reader.name == "mail" and not head.startswith(b"From "):
        return None  # one message
    return reader.name if reader.name in STREAMED else None


def _member_per_record(path: str) -> bool:
    """Whether a WARC.gz compresses each record apart (the format's rule), as its first
    gzip member ending at its first record's end shows."""
    with open(path, "rb") as fh:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflater.decompress(fh.read(HEAD_BYTES))
        return inflater.eof


def file_sha1(path: str) -> str:
    """The SHA-1 of a file's bytes, read a block at a time."""
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        while block := fh.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def file_parts(path: str, fmt: str) -> Iterator[Part]:
    """The parts of a file of container format `fmt`, in order, the last marked."""
    parts = {"jsonl": _line_parts, "csv": _csv_parts, "warc": _warc_parts, "mail": _mbox_parts}
    uncompressed = fmt != "warc" and is_gzip(path)  # a WARC.gz's offsets are the file's
    previous: Part | None = None
    for part in parts[fmt](path):
        part.in_file = part.in_file and not uncompressed
        if previous is not None:
            yield previous
        previous = part
    if previous is None:
        previous = Part(b"", 1, 0, 0)
    previous.last = True
    yield previous


def _capped_lines(fh: BinaryIO) -> Iterator[bytes]:
    """The lines of a stream, each cut at MAX_RECORD_BYTES + 1 bytes (its reader reports a
    line that long as too large) so that a file with no line breaks is never read whole."""
    while True:
        line = fh.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            size = len(line)
            while (rest := fh.readline(MIB)) and not rest.endswith(b"\n"):
                size += len(rest)
            cut = _Cut(line + b"\n")
            cut.size = size + len(rest)
            line = cut
        yield line


def _in_file(line: bytes) -> int:
    """A line's length in the file (a cut line's whole length)."""
    return line.size if isinstance(line, _Cut) else len(line)


def _line_parts(path: str) -> Iterator[Part]:
    """JSON Lines: whole lines."""
    with _opened(path) as fh:
        yield from _grouped(_capped_lines(fh))


def _mbox_parts(path: str) -> Iterator[Part]:
    """A mailbox: whole messages, each opening with a "From " line after a blank one."""
    with _opened(path) as fh:
        yield from _grouped(_capped_lines(fh), messages=True)


def _grouped(lines: Iterator[bytes], messages: bool = False) -> Iterator[Part]:
    """Lines gathered into parts of about PART_BYTES, cut where a record starts: at any line,
    or (`messages`) at a "From " line after a blank one."""
    buffer: list[bytes] = []
    size = offset = part_offset = 0
    line_number = first_line = 1
    count = first_count = 0  # messages started, and the part's first one's number
    blank = True
    number = 0
    for line in lines:
        opens = not messages or (blank and line.startswith(b"From "))
        if opens and messages:
            count += 1
        if opens and size >= PART_BYTES:
            first = first_count if messages else first_line
            exact = offset - part_offset == size  # no line of it cut
            yield Part(b"".join(buffer), first, part_offset, number, in_file=exact)
            number += 1
            buffer, size, part_offset, first_line = [], 0, offset, line_number
        if not buffer:
            first_count = count
        buffer.append(line)
        size += len(line)
        offset += _in_file(line)
        line_number += 1
        blank = not line.strip()
    if buffer:
        first = first_count if messages else first_line
        exact = offset - part_offset == size
        yield Part(b"".join(buffer), first, part_offset, number, in_file=exact)


def _csv_parts(path: str) -> Iterator[Part]:
    """CSV: the header, then whole rows (a quoted field may hold line breaks: a row ends at a
    line break outside quotes)."""
    with _opened(path) as fh:
        lines = _capped_lines(fh)
        header = b""
        offset = 0
        for line in lines:
            header += line
            offset += _in_file(line)
            if header.count(b'"') % 2 == 0:
                break
        header_lines = header.count(b"\n")
        header_exact = offset == len(header)  # no line of it cut
        buffer: list[bytes] = []
        row: list[bytes] = []
        size, number, line_number = 0, 0, header_lines + 1
        first_line = line_number
        part_offset = offset
        quotes = 0

        def part() -> Part:
            exact = header_exact and offset - part_offset == size  # no line of it cut
            data = header + b"".join(buffer)
            first = first_line - header_lines
            return Part(data, first, part_offset, number, head=len(header), in_file=exact)

        for line in lines:
            row.append(line)
            quotes += line.count(b'"')
            if quotes % 2:
                continue  # inside a quoted field
            if size >= PART_BYTES:
                yield part()
                number += 1
                buffer, size, part_offset, first_line = [], 0, offset, line_number
            buffer.extend(row)
            size += sum(map(len, row))
            offset += sum(map(_in_file, row))
            line_number += len(row)
            row, quotes = [], 0
        buffer.extend(row)  # a quoted field the file leaves open
        size += sum(map(len, row))
        offset += sum(map(_in_file, row))
        if buffer or number == 0:
            yield part()


def _warc_parts(path: str) -> Iterator[Part]:
    """A web archive: whole records, as the file holds them (each gzip member of a WARC.gz
    is one record), with their offsets in the file."""
    with open(path, "rb") as records_fh, open(path, "rb") as data_fh:
        records = ArchiveIterator(records_fh)
        start = end = 0
        number = 0
        for record in records:
            records.read_to_end(record)
            offset = records.get_record_offset()
            length = records.get_record_length()
            if offset - start >= PART_BYTES:
                data_fh.seek(start)
                yield Part(data_fh.read(offset - start), 1, start, number)
                number += 1
                start = offset
            end = offset + length
        data_fh.seek(start)
        yield Part(data_fh.read(max(0, end - start)), 1, start, number)


def part_source(path: str, part: Part, fmt: str) -> Source:
    """A part as a Source its reader reads like a file (a WARC.gz part stays compressed:
    warcio reads it so, with the file's offsets)."""
    data = part.data if fmt == "warc" else unpack(path, part.data)
    return Source(path, data, os.path.abspath(path), part.first_line, part.offset)
