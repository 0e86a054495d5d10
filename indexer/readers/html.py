"""HTML pages: lxml load, then a cascade per field (JSON-LD, meta, microdata, markup, text).

Each field takes the first source that yields a clean value; `Article.explain[field]` names
that source. The places searched, in priority order, live in `indexer.readers.xpaths`.
The page is parsed once; trafilatura (body) and htmldate (last-resort date) get the tree.

The parts, one module per role: `html_page` loads the page and reads values from it,
`html_jsonld` its structured data, `html_metadata` runs the cascade of each field and
`html_clean` judges the candidates, `html_body` extracts the article text.
"""

from __future__ import annotations

from collections.abc import Iterator

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_ARTICLE_BYTES, Source
from indexer.readers.html_body import extract_body, take_dateline
from indexer.readers.html_metadata import fill_metadata
from indexer.readers.html_page import Page

_SNIFF_BYTES = 4096
MIN_BODY_WORDS = 8  # fewer is a stub (bot wall, empty template), not an article
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<p>", b"<p ", b"<meta")


class HtmlReader:
    """Reads one article from an HTML page."""

    name = "html"
    many_records = False
    max_bytes = MAX_ARTICLE_BYTES

    def sniff(self, source: Source) -> float:
        """High confidence when HTML markup shows in the first few KB."""
        head = source.data[:_SNIFF_BYTES].lower()
        return 0.9 if any(marker in head for marker in _HTML_MARKERS) else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Yield the page's article, or a ParseError saying why there is none."""
        try:
            yield parse_page(source)
        except ParseError as exc:
            yield exc


def parse_page(source: Source) -> Article:
    """The Article of one HTML page; ParseError when it has no article text."""
    page = Page.load(source)
    article = Article()
    fill_metadata(article, page)
    body = extract_body(page, article.title)
    if body is None or not _enough_text(body.value, article):
        raise ParseError(source.path, "no article text found")
    article.body = take_dateline(article, body.value)
    article.explain["body"] = body.rule
    return article


def _enough_text(body: str, article: Article) -> bool:
    """A stub body is an article only when the page declares its headline and date."""
    words = len(body.split())
    return words >= MIN_BODY_WORDS or (words > 0 and bool(article.title and article.date))


READER = HtmlReader()
