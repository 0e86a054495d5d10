"""JSON Lines: one article per line, with the keys of `newsdesk parse` output."""

from __future__ import annotations

import json
from collections.abc import Iterator

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import Source

_TEXT_KEYS = ("title", "body", "text", "content")


class JsonLinesReader:
    name = "jsonl"

    def sniff(self, source: Source) -> float:
        head = source.data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head != b"{":
            return 0.0
        first = source.data.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        try:
            return 0.95 if isinstance(json.loads(first), dict) else 0.0
        except ValueError:
            return 0.6 if source.name.endswith((".jsonl", ".ndjson", ".json")) else 0.1

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        for lineno, line in enumerate(source.text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield ParseError(source.path, f"invalid JSON ({exc.msg})", line=lineno)
                continue
            if not isinstance(record, dict):
                yield ParseError(source.path, "not a JSON object", line=lineno)
                continue
            try:
                yield self._article(record, source, lineno)
            except (TypeError, ValueError) as exc:
                yield ParseError(source.path, str(exc), line=lineno)

    def _article(self, record: dict, source: Source, lineno: int) -> Article:
        record = dict(record)
        if "body" not in record:
            record["body"] = record.pop("text", None) or record.pop("content", None) or ""
        for key, value in record.items():
            if key in ("quotes", "explain") or value is None or isinstance(value, str):
                continue
            if key == "id" and isinstance(value, int):
                record[key] = str(value)
            else:
                raise TypeError(f"field {key!r} must be a string")
        if not (record.get("title") or "").strip() and not (record.get("body") or "").strip():
            raise ValueError("record has neither title nor body")
        if not isinstance(record.get("quotes") or [], list):
            raise TypeError("field 'quotes' must be a list")
        article = Article.from_dict(record)
        article.format = article.format or self.name
        for key in ("title", "author", "author_role", "date", "location", "source", "site", "url"):
            if record.get(key):
                article.explain.setdefault(key, f"jsonl: {key!r} key")
        return article


READER = JsonLinesReader()
