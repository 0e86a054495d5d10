"""Reader registry: every input format registers here, built-ins included.

A Reader looks at a Source (the decoded bytes of one file) and yields Articles, or
ParseErrors for records it must skip. The format is detected from content first;
the file name only breaks ties.
"""

from __future__ import annotations

import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from indexer.errors import ParseError, Skipped, Unlisted
from indexer.language import article_language
from indexer.manifest import MANIFEST, holds_index
from indexer.model import SPEAKER_KINDS, Article, clean_article, make_id
from indexer.quotes import extract_quotes
from indexer.quotes.kinds import speaker_kind
from indexer.readers.encoding import decode
from indexer.readers.html_dates import dateline_date

# Suffixes a directory walk picks up; files named explicitly are always read.
CORPUS_SUFFIXES = (
    ".txt", ".text", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".json", ".rss", ".atom",
    ".xml", ".csv", ".tsv", ".warc", ".eml", ".mbox",
)  # fmt: skip
MIB = 1024 * 1024
# The bounds every input is read under (README, Reliability): a file is read, and a gzipped one
# decompressed, up to MAX_FILE_BYTES (decompression stops there: a 1.4 MB gzip bomb that
# expands to 1 GB is refused after 200 MiB, not read whole); each reader says how large a
# file it takes (`max_bytes`: HTML MAX_ARTICLE_BYTES, text MAX_TEXT_BYTES, JSON Lines
# MAX_FILE_BYTES); a JSON Lines record up to MAX_RECORD_BYTES.
MAX_FILE_BYTES = 200 * MIB
MAX_ARTICLE_BYTES = 64 * MIB  # an HTML page: markup, scripts and inline images beside the text
MAX_TEXT_BYTES = 16 * MIB  # a text file: a 4 Mi-character article in UTF-32, with room
MAX_RECORD_BYTES = 4 * MIB
# One article's text (title and body), whatever its format: indexing holds every word of an
# article at once, which takes many times the article's size in memory.
MAX_ARTICLE_CHARS = 4 * MIB


@dataclass
class Source:
    """One input file, read and decompressed. `path` is the path as the user gave it."""

    path: str
    data: bytes
    key: str  # absolute path: the base of stable article ids
    # Where `data` starts in its file, when it is one part of a file read as a stream
    # (indexer/streams.py): its first line's number, its first byte's offset (decompressed)
    first_line: int = 1
    offset: int = 0

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
    # Readers of a format with many records a file (JSON Lines) say so: their records get ids
    # of their own content, and the file may be as large as MAX_FILE_BYTES.
    many_records: bool
    # The largest file (decompressed) the reader reads; MAX_ARTICLE_BYTES when it says none.
    max_bytes: int

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
    """Read a regular file (transparently gunzipped) within MAX_FILE_BYTES; ParseError with a
    reason on failure. A FIFO, socket or device is refused without being opened for long: it
    is opened non-blocking and checked before anything is read."""
    return Source(path=path, data=unpack(path, read_regular_file(path)), key=os.path.abspath(path))


def read_regular_file(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; ParseError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ParseError(path, exc.strerror or str(exc)) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Skipped(path, f"not a regular file ({file_kind(st.st_mode)}), skipped")
        if st.st_size > limit:
            raise ParseError(path, f"file too large ({st.st_size} bytes; the limit is {limit})")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ParseError(path, exc.strerror or str(exc)) from exc
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while we read it
        raise ParseError(path, f"file too large (over {limit} bytes)")
    return data


def unpack(path: str, data: bytes) -> bytes:
    """A file's content: its bytes, gunzipped when they are gzip data (from content, not
    from the name)."""
    return gunzip(path, data) if data[:2] == b"\x1f\x8b" else data


def gunzip(path: str, data: bytes, limit: int = MAX_FILE_BYTES) -> bytes:
    """Decompress gzip data (several members allowed) up to `limit` bytes of output."""
    out: list[bytes] = []
    size = 0
    try:
        while data:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while data:
                chunk = inflater.decompress(data, limit + 1 - size)
                size += len(chunk)
                out.append(chunk)
                if size > limit:
                    raise ParseError(
                        path, f"gzip data expands past the limit of {limit} bytes, skipped"
                    )
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if not inflater.eof:
                raise ParseError(path, "broken gzip data (truncated)")
            data = inflater.unused_data.lstrip(b"\x00")  # trailing zero padding is allowed
    except zlib.error as exc:
        raise ParseError(path, f"broken gzip data ({exc})") from exc
    return b"".join(out)


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for messages."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a regular file"


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
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control > len(head) * 0.05


# Control characters other than tab, newlines, form feed and carriage return.
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def parse_source(source: Source, reader: Reader | None = None) -> Iterator[Article | ParseError]:
    """Articles of one source, with ids and paths filled in, their text cleaned
    (`model.clean_article`). A reader that fails on the source stops with a ParseError for
    the file after the articles it gave; each record of a many-record format fails alone.
    `reader`: the file's, when the source is one part of it (its format told from its head)."""
    reader = reader or detect(source)
    many = getattr(reader, "many_records", False)
    limit = getattr(reader, "max_bytes", MAX_ARTICLE_BYTES)
    if len(source.data) > limit:
        yield ParseError(
            source.path, f"too large for one article ({len(source.data)} bytes; limit {limit})"
        )
        return
    names: dict[str, int] = {}  # record identities seen in this file, for ids
    records = reader.read(source)
    while True:
        try:
            item = next(records)
        except StopIteration:
            return
        except RecursionError:
            yield ParseError(source.path, "nested too deeply to be read")
            return
        except MemoryError:
            yield ParseError(source.path, "out of memory reading the file")
            return
        except Exception as exc:  # a reader's bug or an input it did not foresee: this file only
            yield ParseError(source.path, f"cannot be read ({type(exc).__name__}: {exc})")
            return
        if isinstance(item, ParseError):
            yield item
            continue
        try:
            yield _finish(item, source, reader.name, many, names)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            yield ParseError(source.path, reason, line=item.line)


_ZERO_TIME = re.compile(r"\s*0{0,3}1-01-01(?:[T ]00:00(?::00(?:\.0+)?)?)?(?:Z|[+-]00:?00)?\s*$")


def _finish(
    item: Article, source: Source, reader: str, many: bool, names: dict[str, int]
) -> Article:
    item.path = item.path or source.path
    item.format = item.format or reader
    if (size := len(item.body or "") + len(item.title or "")) > MAX_ARTICLE_CHARS:
        raise ValueError(
            f"article text too long ({size} characters; the limit is {MAX_ARTICLE_CHARS})"
        )
    clean_article(item)  # the path too: a file name that is not UTF-8 is shown with U+FFFD
    if item.date and _ZERO_TIME.match(item.date):
        item.date = None  # Go's zero time.Time, scrapers' "no date"
        item.explain["date"] = "0001-01-01 (a zero time) read as no date"
    if not item.id:
        item.id = make_id(record_key(source.key, item, names) if many else source.key)
    language = article_language([item.language], f"{item.title or ''}\n{item.body or ''}")
    declared = item.explain.get("language", "the record's language")
    item.language = language.code if language else None
    if language is not None:
        item.explain["language"] = declared if language.source == "declared" else "detected"
    if not item.date and item.body and (dated := dateline_date(item.body, item.language)):
        item.date = dated
        item.explain["date"] = "dateline"
    if not item.quotes and item.body:
        item.quotes = extract_quotes(item.body, item.language)
    for quote in item.quotes:  # a record's own speakers are told apart the same way
        if quote.speaker and quote.speaker_kind not in SPEAKER_KINDS:
            quote.speaker_kind = speaker_kind(quote.speaker)
    return item


def record_key(file_key: str, article: Article, seen: dict[str, int]) -> str:
    """The id key of a record without an id in a many-record file: the file and the record's
    own identity, not its position, so that removing or inserting a record leaves the other
    records' ids (and links to them) as they were. The identity is the record's URL, else its
    title, date, author and source, else (neither title nor URL) its body; correcting a
    record's body keeps its id. Equal identities in one file are told apart by their order
    (`#2`, `#3`)."""
    if article.url:
        identity = "url\x00" + article.url.strip()
    elif article.title and article.title.strip():
        parts = (article.title, article.date, article.author, article.source)
        identity = "meta\x00" + "\x00".join(" ".join((p or "").split()) for p in parts)
    else:
        identity = "body\x00" + " ".join(article.body.split())
    n = seen[identity] = seen.get(identity, 0) + 1
    # kept for a file read in parts, whose later parts number on (indexer/parsing.py)
    article.__dict__[RECORD_IDENTITY] = (identity, n)
    return identity_key(file_key, identity, n)


RECORD_IDENTITY = "_record_identity"


def identity_key(file_key: str, identity: str, n: int) -> str:
    """The id key of the n-th record of a file with this identity (see `record_key`)."""
    digest = make_id(identity)
    return f"{file_key}#{digest}" if n == 1 else f"{file_key}#{digest}#{n}"


def parse_file(path: str) -> Iterator[Article | ParseError]:
    """Articles of one file; a ParseError for the whole file or for each bad record."""
    try:
        source = load_source(path)
        yield from parse_source(source)
    except ParseError as exc:
        yield exc


def walk_corpus(paths: Iterable[str]) -> Iterator[str | ParseError]:
    """Files under the given paths in a stable order (a folder's files by name, then its
    folders by name), and a ParseError for each path or entry that is skipped:

    - a path that does not exist, or a folder that cannot be listed: `Unlisted`, whose files
      are unknown rather than gone (a reindex removes nothing under it);
    - a FIFO, socket or device with a corpus suffix (reading one would block);
    - a symbolic link that leads out of the corpus folder (`ln -s /etc/passwd c/p.txt`).

    In a folder that holds a Newsdesk index (`--index corpus/ix`, or `--index corpus`), the
    index's manifest (`newsdesk.json`) is passed over without a word: it is not an article.
    The folder's other files are read as any others (the index's own have no corpus suffix),
    so an index kept beside articles removes none of them.

    Folders are walked for files with known suffixes; hidden files and folders are skipped;
    symbolic links inside the corpus are not followed (a loop cannot trap the walk, and a file
    is not read twice: its target is read where it is).
    """
    for top in paths:
        try:
            st = os.stat(top)
        except FileNotFoundError:
            yield Unlisted(top, "no such file or directory")
            continue
        except OSError as exc:
            yield Unlisted(top, exc.strerror or str(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(top, os.path.realpath(top))
        else:
            yield top  # named explicitly: read whatever its suffix (load_source checks it)


def _walk(folder: str, real_root: str) -> Iterator[str | ParseError]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Unlisted(folder, f"folder cannot be listed ({exc.strerror or exc})")
        return
    names = [entry.name for entry in entries]
    manifest = MANIFEST if holds_index(names) else None  # an index's own, not an article
    folders = []
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name == manifest:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
                continue
            if not _corpus_name(name):
                continue
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not _inside(target, real_root):
                    yield Skipped(
                        entry.path, f"symbolic link out of the corpus folder ({target}), skipped"
                    )
                    continue
                if os.path.exists(target):
                    continue  # a link inside the corpus: its target is read where it is
                # a dangling link: read, to be reported as missing
            elif not entry.is_file(follow_symlinks=False):
                mode = entry.stat(follow_symlinks=False).st_mode
                yield Skipped(entry.path, f"not a regular file ({file_kind(mode)}), skipped")
                continue
        except OSError as exc:
            yield ParseError(entry.path, exc.strerror or str(exc))
            continue
        yield entry.path
    for sub in folders:
        yield from _walk(sub, real_root)


def _corpus_name(name: str) -> bool:
    base = name[:-3] if name.endswith(".gz") else name
    return base.lower().endswith(CORPUS_SUFFIXES)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _register_builtins() -> None:
    from indexer.readers import csv_table, feed, html, json_document, jsonl, mail, text, warc

    for module in (text, html, jsonl, json_document, feed, csv_table, warc, mail):
        register(module.READER)


_register_builtins()
