"""Atom feeds of searches and speakers, and the OpenSearch description.

`/search.atom` takes the parameters of /search and lists the newest matches (sort is always
newest first; per_page up to 100, default FEED_SIZE); `/quotes.atom` the same for quotations
(the parameters of /quotes), and `/speakers/<name>.atom` one speaker's newest quotations, so
that a reader can follow a person. `/opensearch.xml` lets a browser add Newsdesk as a search
engine (every page links it with rel="search").
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, render_template, request, url_for

from indexer.schema import parse_date
from webapp.index import get_handle
from webapp.responses import SafeResponse as Response
from webapp.responses import with_request_query
from webapp.safetext import ERRORS
from webapp.search import (
    ARTICLES,
    QUOTES,
    BadRequest,
    Hit,
    QuoteHit,
    SearchKind,
    SearchRequest,
    SearchResult,
    run_search,
    speaker_quotes,
)
from webapp.search.snippets import opening
from webapp.views import speaker_link

bp = Blueprint("feeds", __name__)
FEED_SIZE = 20
QUOTE_TITLE_CHARS = 100  # a quotation's opening in its entry's title
ATOM = "application/atom+xml; charset=utf-8"
OPENSEARCH = "application/opensearchdescription+xml; charset=utf-8"


def atom_time(date_text: str | None) -> str | None:
    """An article's date as an RFC 3339 timestamp (UTC assumed), or None when undated."""
    when = parse_date(date_text)
    return when.isoformat(timespec="seconds") + "Z" if when else None  # 4-digit years


@dataclass
class Feed:
    """What a feed says of itself: its title and subtitle, its id and its page."""

    title: str
    subtitle: str
    id: str
    html_url: str


@dataclass
class Entry:
    """One entry: an article, or a quotation in its article."""

    title: str
    link: str
    updated: str | None
    author: str | None
    categories: list[tuple[str, str]]  # (term, label)
    summary: str


def feed_search(kind: SearchKind) -> SearchResult:
    """The request's search, newest first: its first page (per_page up to 100, FEED_SIZE by
    default)."""
    args = request.args.to_dict(flat=False)
    args.setdefault("per_page", [str(FEED_SIZE)])
    search = replace(SearchRequest.from_args(args), sort="newest", page=1, cursor="")
    return run_search(get_handle(), search, kind)


@bp.get("/search.atom")
def search_atom() -> Response:
    """The newest articles matching a search, as an Atom feed."""
    result = feed_search(ARTICLES)
    title = f"Newsdesk: {result.request.q or 'latest articles'}"
    feed = _search_feed(result, title, "matching article", "search_atom", "search_page")
    return atom_response(feed, [article_entry(hit) for hit in result.hits])


@bp.get("/quotes.atom")
def quotes_atom() -> Response:
    """The newest quotations matching a search (the parameters of /api/quotes), as an Atom
    feed."""
    result = feed_search(QUOTES)
    title = f"Newsdesk: quotes {_quoted(result.request.q) or '(latest)'}"
    feed = _search_feed(result, title, "matching quotation", "quotes_atom", "quotes_page")
    return atom_response(feed, [quote_entry(hit) for hit in result.hits])


def _search_feed(result: SearchResult, title: str, noun: str, feed: str, page: str) -> Feed:
    """The feed of a search: its own address (view `feed`) and its page's (view `page`)."""
    query = "?" + result.request.query_string()
    return Feed(
        title,
        f"{_count(result.total, noun)}, newest first",
        absolute_url(f"feeds.{feed}") + query,
        absolute_url(f"newsdesk.{page}") + query,
    )


@bp.get("/speakers/<path:name>.atom")
def speaker_atom(name: str) -> Response:
    """A speaker's newest quotations, as an Atom feed; 404 for an unknown speaker."""
    return _speaker_feed(name, request.args.to_dict(flat=False))


@bp.get("/speaker.atom")
def speaker_atom_by_query() -> Response:
    """/speakers/<name>.atom for `?name=` (a name no path can carry, as /speaker)."""
    args = request.args.to_dict(flat=False)
    names = args.pop("name", None) or [""]
    if len(names) != 1 or not names[0]:
        raise BadRequest("give one speaker as `name`")
    return _speaker_feed(names[0], args)


def _speaker_feed(name: str, args: dict[str, list[str]]) -> Response:
    args = {k: v for k, v in args.items() if k != "page"}
    args.setdefault("per_page", [str(FEED_SIZE)])
    speaker = speaker_quotes(get_handle(), name, args)
    feed = Feed(
        f"Newsdesk: {speaker.name}",
        f"{_count(speaker.result.total, 'quotation')} by {speaker.name}, newest first",
        base_url() + speaker_link(speaker.name, "feed", speaker.result.request.dedupe),
        base_url() + speaker_link(speaker.name, "page", speaker.result.request.dedupe),
    )
    return atom_response(feed, [quote_entry(hit) for hit in speaker.result.hits])


def article_entry(hit: Hit) -> Entry:
    return Entry(
        title=hit.title or "(untitled)",
        link=absolute_url("newsdesk.article_page", article_id=hit.id),
        updated=atom_time(hit.published or hit.date),
        author=hit.author,
        categories=[(hit.source, "source")] if hit.source else [],
        summary=opening(_plain(hit.highlights.get("body", ""))),
    )


def quote_entry(hit: QuoteHit) -> Entry:
    """A quotation as an entry: who said it and its opening as the title, the whole of it as
    the summary, linked to its place in its article."""
    categories = [(hit.speaker, "speaker")] if hit.speaker else []
    categories += [(hit.source, "source")] if hit.source else []
    return Entry(
        title=f"{hit.speaker or 'Unattributed'}: {_quoted(opening(hit.text, QUOTE_TITLE_CHARS))}",
        link=base_url() + hit.link,
        updated=atom_time(hit.published or hit.date),
        author=hit.author,
        categories=categories,
        summary=f"{_quoted(hit.text)} ({hit.title})" if hit.title else _quoted(hit.text),
    )


def atom_response(feed: Feed, entries: list[Entry]) -> Response:
    """The Atom document of a feed; `updated` is its newest entry's (else now)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    dated = [entry.updated for entry in entries if entry.updated]
    body = render_template(
        "feed.xml",
        feed=feed,
        entries=entries,
        updated=max(dated) if dated else now,
        fallback=now,
        self_url=base_url() + with_request_query(quote(request.path, errors=ERRORS)),
    )
    return Response(xml_chars(body), mimetype=None, content_type=ATOM)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _quoted(text: str) -> str:
    return f"\u201c{text}\u201d" if text else ""


def base_url() -> str:
    """Where the app is served, for the absolute URLs of feeds and OpenSearch: the configured
    BASE_URL (`newsdesk serve --base-url`, by default the address it binds), never the
    request's Host header, which a client sets at will (a poisoned feed would send readers
    elsewhere). An app made without one (tests, `flask run`) uses the request's root."""
    configured = current_app.config.get("BASE_URL")
    return (configured or request.url_root).rstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    return base_url() + url_for(endpoint, **values)


# What XML 1.0 allows (its `Char` production); a stored title may hold anything else.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (C0 controls but tab, newline and CR;
    U+FFFE, U+FFFF; lone surrogates), which would make the document unreadable."""
    return _NOT_XML.sub("", text)


def _plain(highlighted: str) -> str:
    """A highlighted snippet back to plain text (marks dropped, entities decoded)."""
    return html.unescape(highlighted.replace("<mark>", "").replace("</mark>", ""))


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """The OpenSearch description: the search page, its Atom feed and its JSON twin."""
    body = render_template("opensearch.xml", base=base_url())
    return Response(xml_chars(body), content_type=OPENSEARCH)
