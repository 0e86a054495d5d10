"""A JSON document holding one article (news-please's per-article files) or a list of them.

news-please, newspaper4k and trafilatura save each article as its own `.json` file, an object
written over many lines, which the JSON Lines reader cannot read line by line. Each object is
read as a JSON Lines record is (the same checks, the other tools' field names: `maintext`,
`date_publish`, `authors`, `source_domain`); a list gives one article per object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_ARTICLE_BYTES, Source
from indexer.readers.jsonl import JsonLinesReader


class JsonDocumentReader:
    name = "json"
    many_records = True
    max_bytes = MAX_ARTICLE_BYTES

    def sniff(self, source: Source) -> float:
        head = source.data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head not in (b"{", b"[") or len(source.data) > MAX_ARTICLE_BYTES:
            return 0.0
        first_line = source.data.split(b"\n", 1)[0]
        try:
            json.loads(first_line)
            return 0.0  # one record a line: JSON Lines
        except ValueError:
            pass
        try:
            document = json.loads(source.text())
        except (ValueError, RecursionError):
            return 0.0
        objects = document if isinstance(document, list) else [document]
        return 0.97 if any(isinstance(o, dict) for o in objects) else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        try:
            document = json.loads(source.text())
        except json.JSONDecodeError as exc:
            yield ParseError(source.path, f"invalid JSON ({exc.msg})", line=exc.lineno)
            return
        except RecursionError:
            yield ParseError(source.path, "JSON nested too deeply")
            return
        objects = document if isinstance(document, list) else [document]
        records = JsonLinesReader()
        for n, record in enumerate(objects, start=1):
            if not isinstance(record, dict):
                yield ParseError(source.path, f"item {n} is not a JSON object", line=n)
                continue
            try:
                article = records._article(record, source, n)
            except (TypeError, ValueError) as exc:
                yield ParseError(source.path, f"item {n}: {exc}", line=n)
                continue
            article.format = self.name
            article.line = n
            yield article


READER = JsonDocumentReader()
