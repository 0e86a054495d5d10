"""Atom feeds of searches and the OpenSearch description.

`/search.atom` takes the parameters of /search and lists the newest matches (sort is always
newest first; per_page up to 100, default FEED_SIZE); `/opensearch.xml` lets a browser add
Newsdesk as a search engine (every page links it with rel="search").
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import replace
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from indexer.schema import parse_date
from webapp.index import get_handle
from webapp.responses import SafeResponse as Response
from webapp.search import ARTICLES, SearchRequest, run_search
from webapp.search.snippets import opening

bp = Blueprint("feeds", __name__)
FEED_SIZE = 20
ATOM = "application/atom+xml; charset=utf-8"
OPENSEARCH = "application/opensearchdescription+xml; charset=utf-8"


def atom_time(date_text: str | None) -> str | None:
    """An article's date as an RFC 3339 timestamp (UTC assumed), or None when undated."""
    when = parse_date(date_text)
    return when.isoformat(timespec="seconds") + "Z" if when else None  # 4-digit years


@bp.get("/search.atom")
def search_atom() -> Response:
    """The newest articles matching a search, as an Atom feed."""
    args = request.args.to_dict(flat=False)
    args.setdefault("per_page", [str(FEED_SIZE)])
    search = replace(SearchRequest.from_args(args), sort="newest", page=1)
    result = run_search(get_handle(), search, ARTICLES)
    entries = [
        {
            "hit": hit,
            "link": absolute_url("newsdesk.article_page", article_id=hit.id),
            "updated": atom_time(hit.published or hit.date),
            "summary": opening(_plain(hit.highlights.get("body", ""))),
        }
        for hit in result.hits
    ]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    dated = [e["updated"] for e in entries if e["updated"]]
    page_query = search.query_string()
    body = render_template(
        "feed.xml",
        result=result,
        entries=entries,
        updated=max(dated) if dated else now,
        fallback=now,
        self_url=base_url() + request.full_path.rstrip("?"),
        html_url=absolute_url("newsdesk.search_page") + "?" + page_query,
        feed_id=absolute_url("feeds.search_atom") + "?" + page_query,
    )
    return Response(xml_chars(body), mimetype=None, content_type=ATOM)


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
