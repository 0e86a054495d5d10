"""JSON Lines: one article per line, with the keys of `newsdesk parse` output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_FILE_BYTES, MAX_RECORD_BYTES, Source
from indexer.readers.encoding import decode

_TEXT_KEYS = ("title", "body", "text", "content")


class JsonLinesReader:
    name = "jsonl"
    many_records = True
    max_bytes = MAX_FILE_BYTES

    def sniff(self, source: Source) -> float:
        data = source.data
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 or UTF-32, with its BOM
            data = Source(source.path, data[: 2 * MAX_RECORD_BYTES], source.key).text().encode()
        data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
        if data[:1] != b"{":
            return 0.0
        end = data.find(b"\n", 0, MAX_RECORD_BYTES)
        first = data[: end if end >= 0 else MAX_RECORD_BYTES]
        try:
            return 0.95 if isinstance(json.loads(first), dict) else 0.0
        except (ValueError, RecursionError):
            return 0.6 if source.name.endswith((".jsonl", ".ndjson", ".json")) else 0.1

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Each line's article, or a ParseError naming the line: a record that is not valid
        JSON, not an object, over MAX_RECORD_BYTES, nested too deeply, or with a field of the
        wrong type fails alone. Lines are read one at a time from the bytes (a 200 MB export
        is never decoded whole) and end at a newline only (not at the other line breaks a
        JSON string may hold)."""
        for lineno, line in _lines(source):
            if not line.strip():
                continue
            if len(line) > MAX_RECORD_BYTES:
                reason = f"record too large ({len(line)} bytes; the limit is {MAX_RECORD_BYTES})"
                yield ParseError(source.path, reason, line=lineno)
                continue
            try:
                record = json.loads(_decode_line(line))
            except json.JSONDecodeError as exc:
                yield ParseError(source.path, f"invalid JSON ({exc.msg})", line=lineno)
                continue
            except RecursionError:
                yield ParseError(source.path, "JSON nested too deeply", line=lineno)
                continue
            if not isinstance(record, dict):
                yield ParseError(source.path, "not a JSON object", line=lineno)
                continue
            try:
                article = self._article(record, source, lineno)
            except (TypeError, ValueError) as exc:
                yield ParseError(source.path, str(exc), line=lineno)
                continue
            except RecursionError:
                yield ParseError(source.path, "JSON nested too deeply", line=lineno)
                continue
            article.line = lineno
            yield article

    def _article(self, record: dict, source: Source, lineno: int) -> Article:
        record = tool_fields(record)
        if "body" not in record:
            record["body"] = record.pop("text", None) or record.pop("content", None) or ""
        for key, value in record.items():
            if key in ("quotes", "explain") or value is None or isinstance(value, str):
                continue
            if key == "id" and isinstance(value, int) and not isinstance(value, bool):
                record[key] = str(value)
            elif key in _FIELDS:
                raise TypeError(f"field {key!r} must be a string")
        if not (record.get("title") or "").strip() and not (record.get("body") or "").strip():
            raise ValueError("record has neither title nor body")
        quotes = record.get("quotes") or []
        if not isinstance(quotes, list):
            raise TypeError("field 'quotes' must be a list")
        for n, quote in enumerate(quotes, start=1):
            if isinstance(quote, str):
                continue
            if not isinstance(quote, dict) or not isinstance(quote.get("text"), str):
                raise TypeError(f"quote {n} must be a string or an object with a 'text' string")
            for key in ("speaker", "speaker_role"):
                if quote.get(key) is not None and not isinstance(quote[key], str):
                    raise TypeError(f"quote {n}: {key!r} must be a string")
            for key in ("start", "end"):
                value = quote.get(key)
                if value is not None and (type(value) is not int or value < 0):
                    raise TypeError(f"quote {n}: {key!r} must be a whole number")
        explain = record.get("explain")
        if explain is not None and not isinstance(explain, dict):
            raise TypeError("field 'explain' must be an object")
        article = Article.from_dict(record)
        article.format = article.format or self.name
        for key in ("title", "author", "author_role", "date", "location", "source", "site", "url"):
            if record.get(key):
                article.explain.setdefault(key, f"jsonl: {key!r} key")
        return article


# Other tools' names for our fields (news-please, newspaper4k, trafilatura), taken when the
# record does not use ours: "maintext" is the body, "date_publish" the date, "authors" the author.
ALIASES: dict[str, tuple[str, ...]] = {
    "body": ("maintext",),
    "date": ("date_publish", "publish_date", "date_modify"),
    "author": ("authors",),
    "site": ("source_domain", "hostname", "source_url"),
    "source": ("sitename",),
}


def tool_fields(record: dict) -> dict:
    """The record with other tools' field names read as ours; a list of authors joined."""
    record = dict(record)
    for ours, theirs in ALIASES.items():
        if record.get(ours) in (None, ""):
            value = next((record[k] for k in theirs if record.get(k) not in (None, "", [])), None)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = ", ".join(value)
            if value is not None:
                record[ours] = value
    return record


# The Article fields a record may set; other keys are ignored, whatever their type.
_FIELDS = {f.name for f in fields(Article)} - {"quotes", "explain", "line"}


def _lines(source: Source) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each line, without copying the data whole. A UTF-16 or UTF-32
    file (with its BOM) is decoded first and read as UTF-8."""
    data = source.data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = source.text().encode("utf-8", "surrogatepass")
    start, lineno, size = 0, source.first_line - 1, len(data)
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        lineno += 1
        yield lineno, data[start:end]
        start = end + 1


def _decode_line(line: bytes) -> str:
    """A line as text: UTF-8 (a BOM dropped), else the encoding fallbacks of the readers."""
    line = line.removeprefix(b"\xef\xbb\xbf")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return decode(line)


READER = JsonLinesReader()
