"""HTML pages: lxml load, then a cascade per field (JSON-LD, meta, markup, text)."""

from __future__ import annotations

from collections.abc import Iterator

import trafilatura

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import Source


class HtmlReader:
    name = "html"

    def sniff(self, source: Source) -> float:
        head = source.data[:2048].lower()
        return 0.9 if (b"<html" in head or b"<!doctype html" in head) else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        doc = trafilatura.bare_extraction(source.text(), with_metadata=True)
        if doc is None or not doc.text:
            yield ParseError(source.path, "no article text found")
            return
        yield Article(title=doc.title, author=doc.author, date=doc.date, body=doc.text)


READER = HtmlReader()
