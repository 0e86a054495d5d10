"""RSS and Atom feeds: one article per item, read by feedparser.

A saved feed (`.rss`, `.atom`, `.xml`, or any file whose root is `<rss>`, `<feed>` or
`<rdf:RDF>`) holds items, each with a title, a link, a date, an author and, when the publisher
gives it, the full content (`content:encoded`, Atom `content`) or a summary. Each item is an
article; its body is the content's text (its main text as the HTML reader finds a page's,
side boxes left out; a short fragment's paragraphs), else the summary's, else empty: an item
with only a title and a link is still an article. The feed's own title is the source (less a
part that calls it a feed: "... RSS", "Atom канал"), and its link's host the site.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
from lxml import html as lxml_html
from lxml.etree import ParserError

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_ARTICLE_BYTES, Source
from indexer.readers import outlet_rules as R
from indexer.readers.html_body import extract_body
from indexer.readers.html_dates import normalise_date
from indexer.readers.html_page import Page

_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
_SNIFF_BYTES = 4096
_WORD = re.compile(r"\w+")
_BLOCKS = "p", "div", "br", "li", "h1", "h2", "h3", "h4", "blockquote"
MAIN_TEXT_MARKUP = 2_000  # characters of an item's markup from which its main text is sought


class FeedReader:
    name = "feed"
    many_records = True
    max_bytes = MAX_ARTICLE_BYTES

    def sniff(self, source: Source) -> float:
        head = source.data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"<"):
            return 0.0
        return 0.95 if _ROOT.search(head) else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Each item's article, or a ParseError for a feed feedparser cannot read at all (a
        feed it reads with a recoverable fault, as most real feeds are, is read)."""
        feed = feedparser.parse(source.data, sanitize_html=False, resolve_relative_uris=False)
        if feed.bozo and not feed.entries:
            reason = getattr(feed.get("bozo_exception"), "args", ["not a feed"])[0]
            yield ParseError(source.path, f"unreadable feed ({reason})")
            return
        channel = feed.get("feed", {})
        source_name = feed_name(_text(channel.get("title")))
        site = _host(channel.get("link"))
        for n, entry in enumerate(feed.entries, start=1):
            article = _article(entry, source_name, site, f"{source.path}#{n}")
            if not (article.title or article.url or article.body):
                yield ParseError(source.path, "feed item with no title, link or text", line=n)
                continue
            article.line = n
            article.explain["format"] = "feed item"
            yield article


def feed_name(title: str) -> str | None:
    """The outlet's name in a feed's title: the parts of it that do not call it a feed
    ("Викиновости. русский Atom канал." -> "Викиновости"); the title as it is when no part does;
    none when every part does ("RSS feed")."""
    parts = [p.strip(" .:") for p in R.FEED_TITLE_PARTS.split(title) if p.strip(" .:")]
    named = [p for p in parts if not set(_WORD.findall(p.lower())) & R.FEED_WORDS]
    if len(named) == len(parts):
        return title.strip() or None
    return " - ".join(named) or None


def _article(entry: Any, source: str | None, site: str | None, where: str) -> Article:
    url = entry.get("link") or None
    body = _body(entry, where, _text(entry.get("title")) or None)
    return Article(
        title=_text(entry.get("title")) or None,
        author=_text(entry.get("author")) or None,
        date=_date(entry),
        url=url,
        site=_host(url) or site,
        source=source,
        body=body,
    )


def _body(entry: Any, where: str, title: str | None) -> str:
    """The item's full content if the feed gives it, else its summary, as plain text."""
    for content in entry.get("content") or ():
        text = _content_text(content.get("value") or "", where, title)
        if text:
            return text
    return _content_text(entry.get("summary") or "", where, title)


def _content_text(markup: str, where: str, title: str | None) -> str:
    """The text of an item's markup: its main text as the HTML reader finds it in a page
    (a feed that gives the whole rendered page, as MediaWiki's does, brings the page's side
    boxes and notices too), else, for a fragment too short to tell, its paragraphs."""
    if "<" not in markup:
        return " ".join(markup.split())
    if len(markup) >= MAIN_TEXT_MARKUP:
        try:
            page = Page.load(Source(where, f"<html><body>{markup}</body></html>".encode(), where))
            found = extract_body(page, title)
        except ParseError:
            found = None
        if found is not None and found.value.strip():
            return found.value
    return _markup_text(markup)


def _markup_text(markup: str) -> str:
    """Paragraphs of an HTML fragment as text, a blank line between them."""
    if "<" not in markup:
        return " ".join(markup.split())
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, ValueError):
        return " ".join(markup.split())
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
    paragraphs = (" ".join(p.split()) for p in root.text_content().split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _date(entry: Any) -> str | None:
    """The item's date as the feed writes it, in ISO 8601 with its offset ("Wed, 22 Mar 2023
    14:05:00 +0200" is 2023-03-22T14:05:00+02:00); else feedparser's reading of it, in UTC."""
    for key in ("published", "updated"):
        written = normalise_date(str(entry.get(key) or ""))
        if written:
            return written
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _host(url: str | None) -> str | None:
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.") or None


READER = FeedReader()
