"""Reader registry: every input format registers here, built-ins included.

A Reader looks at a Source (the decoded bytes of one file) and yields Articles, or
ParseErrors for records it must skip. The format is detected from content first;
the file name only breaks ties.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from indexer.errors import ParseError
from indexer.model import Article, make_id
from indexer.quotes import extract_quotes
from indexer.readers.encoding import decode

# Suffixes a directory walk picks up; files named explicitly are always read.
CORPUS_SUFFIXES = (".txt", ".text", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".json")
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class Source:
    """One input file, read and decompressed. `path` is the path as the user gave it."""

    path: str
    data: bytes
    key: str  # absolute path: the base of stable article ids

    @property
    def name(self) -> str:
        """File name without a trailing .gz."""
        base = os.path.basename(self.path)
        return base[:-3] if base.endswith(".gz") else base

    def text(self, declared: str | None = None) -> str:
        """The content as text (BOM, declared charset, UTF-8, then cp1252 fallback)."""
        return decode(self.data, declared)


class Reader(Protocol):
    name: str

    def sniff(self, source: Source) -> float:
        """Confidence in [0, 1] that this reader understands the source."""
        ...

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Yield the articles in the source; a ParseError for a record that must be skipped."""
        ...


_READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a reader (a later registration of the same name replaces the earlier one)."""
    _READERS[reader.name] = reader
    return reader


def readers() -> list[Reader]:
    return list(_READERS.values())


def get_reader(name: str) -> Reader:
    return _READERS[name]


def load_source(path: str) -> Source:
    """Read a file (transparently gunzipped); raise ParseError with a reason on failure."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ParseError(path, f"file too large ({size} bytes)")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ParseError(path, exc.strerror or str(exc)) from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ParseError(path, f"broken gzip data ({exc})") from exc
    return Source(path=path, data=data, key=os.path.abspath(path))


def detect(source: Source) -> Reader:
    """The registered reader most confident about this source."""
    if not source.data.strip():
        raise ParseError(source.path, "empty file")
    if _looks_binary(source.data):
        raise ParseError(source.path, "binary file, not an article")
    best, score = None, 0.0
    for reader in _READERS.values():
        s = reader.sniff(source)
        if s > score:
            best, score = reader, s
    if best is None:
        raise ParseError(source.path, "unrecognised format")
    return best


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with BOM
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


def parse_source(source: Source) -> Iterator[Article | ParseError]:
    """Articles of one source, with ids and paths filled in."""
    reader = detect(source)
    records = list(reader.read(source))
    many = len(records) > 1 or reader.name == "jsonl"
    for n, item in enumerate(records, start=1):
        if isinstance(item, ParseError):
            yield item
            continue
        item.path = item.path or source.path
        item.format = item.format or reader.name
        if not item.id:
            item.id = make_id(f"{source.key}#{n}" if many else source.key)
        if not item.quotes and item.body:
            item.quotes = extract_quotes(item.body)
        yield item


def parse_file(path: str) -> Iterator[Article | ParseError]:
    """Articles of one file; a ParseError for the whole file or for each bad record."""
    try:
        source = load_source(path)
        yield from parse_source(source)
    except ParseError as exc:
        yield exc


def iter_corpus(paths: Iterable[str]) -> Iterator[str]:
    """Files under the given paths, in a stable order; missing paths raise ParseError.

    Directories are walked (not following symlinks, so loops cannot trap us) for files with
    known suffixes; hidden files and folders are skipped.
    """
    for top in paths:
        if os.path.isdir(top):
            for root, dirs, files in os.walk(top):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    base = name[:-3] if name.endswith(".gz") else name
                    if base.lower().endswith(CORPUS_SUFFIXES):
                        yield os.path.join(root, name)
        elif os.path.exists(top):
            yield top
        else:
            raise ParseError(top, "no such file or directory")


def _register_builtins() -> None:
    from indexer.readers import html, jsonl, text

    for module in (text, html, jsonl):
        register(module.READER)


_register_builtins()
