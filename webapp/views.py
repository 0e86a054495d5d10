"""Routes: every page and its JSON twin. Each pair calls one `webapp.search` function and
differs only in its last line (a template, or JSON); errors are rendered by one handler.

Streamed exports are in exports.py, feeds in feeds.py, the token and headers in security.py.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from indexer.errors import NewsdeskError
from indexer.language import language_label
from indexer.model import Article
from indexer.schema import ARTICLE, QUOTE, split_authors
from webapp.index import get_handle
from webapp.quotemarks import mark_quotes
from webapp.search import (
    ARTICLES,
    QUOTES,
    BadRequest,
    Related,
    SearchKind,
    SearchRequest,
    SearchResult,
    facet_labels,
    get_article,
    related_articles,
    run_search,
    search_facet,
    speaker_quotes,
)
from webapp.search.cursors import PAGING
from webapp.search.dates import dated, dated_fields
from webapp.search.request import facet_paging

bp = Blueprint("newsdesk", __name__)
log = logging.getLogger(__name__)


# The page and the JSON endpoint of each kind of search.
ENDPOINTS = {
    ARTICLE: ("newsdesk.search_page", "newsdesk.search_api"),
    QUOTE: ("newsdesk.quotes_page", "newsdesk.quotes_api"),
}


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _search(kind: SearchKind) -> SearchResult:
    return run_search(get_handle(), SearchRequest.from_args(_args()), kind)


def _search_page(kind: SearchKind) -> Any:
    result = _search(kind)
    page, api = ENDPOINTS[kind.name]
    return render_template(
        "search.html", result=result, labels=facet_labels(), page_endpoint=page, api_endpoint=api
    )


@bp.get("/")
@bp.get("/search")
def search_page() -> Any:
    """The search page: query box, hits, facet sidebar, sort and pages (browse when q is empty)."""
    return _search_page(ARTICLES)


@bp.get("/api/search")
def search_api() -> Any:
    """The search as JSON (see SearchResult.to_dict); an empty q lists every match, newest first.
    `next` (and a `Link: rel="next"` header) is a cursor to the following page."""
    return _search_json(ARTICLES)


@bp.get("/quotes")
def quotes_page() -> Any:
    """The search page over quotations: the same parameters, each hit a quote and its speaker."""
    return _search_page(QUOTES)


@bp.get("/api/quotes")
def quotes_api() -> Any:
    """The quote search as JSON: the shape of /api/search, each hit a QuoteHit."""
    return _search_json(QUOTES)


def _search_json(kind: SearchKind) -> Any:
    result = _search(kind)
    response = jsonify(result.to_dict())
    if result.next is not None:
        pairs = [(n, v) for n, v in result.request.params() if n not in PAGING]
        pairs.append(("cursor", result.next))
        # relative (RFC 8288 allows it): the Host header, which a client chooses, is not echoed
        response.headers["Link"] = f'<{request.path}?{urlencode(pairs)}>; rel="next"'
    return response


@bp.get("/api/facets/<facet>")
def facet_api(facet: str) -> Any:
    """Values of one facet starting with `prefix`, counted among the articles the same search
    parameters find (see search_facet), a page at a time; 404 for an unknown facet."""
    return _facet_search(facet, ARTICLES)


@bp.get("/api/quotes/facets/<facet>")
def quote_facet_api(facet: str) -> Any:
    """The same as /api/facets/<facet>, counting quotations."""
    return _facet_search(facet, QUOTES)


def _facet_search(facet: str, kind: SearchKind) -> Any:
    """A page of a facet's values (`page`, `per_page` page the values, not hits), with a
    `Link: rel="next"` header to the following page."""
    args = _args()
    page, per_page = facet_paging(args)
    search = SearchRequest.from_args({k: v for k, v in args.items() if k not in PAGING})
    prefix = request.args.get("prefix", "")
    found = search_facet(get_handle(), search, facet, prefix, kind, page, per_page)
    response = jsonify(found.to_dict())
    if found.next_page is not None:
        pairs = [(n, v) for n, values in args.items() if n != "page" for v in values]
        pairs.append(("page", str(found.next_page)))
        response.headers["Link"] = f'<{request.path}?{urlencode(pairs)}>; rel="next"'
    return response


@bp.get("/help")
def help_page() -> Any:
    """The query syntax, parameters and examples."""
    return render_template("help.html")


@bp.get("/speakers/<path:name>")
def speaker_page(name: str) -> Any:
    """A speaker's quotes over time, per month and per source; 404 for an unknown speaker."""
    speaker = speaker_quotes(get_handle(), name, _args())
    return render_template("speaker.html", speaker=speaker)


@bp.get("/speaker")
def speaker_page_by_query() -> Any:
    """The speaker page for `?name=`: the address of a name no path can carry (`..`, `.`:
    browsers resolve such segments before sending, escaped or not)."""
    name, args = _name_arg()
    return render_template("speaker.html", speaker=speaker_quotes(get_handle(), name, args))


@bp.get("/api/speakers/<path:name>")
def speaker_api(name: str) -> Any:
    """A speaker's quotes as JSON (see SpeakerQuotes.to_dict); 404 for an unknown speaker."""
    return jsonify(speaker_quotes(get_handle(), name, _args()).to_dict())


@bp.get("/api/speaker")
def speaker_api_by_query() -> Any:
    """/api/speakers/<name> for `?name=` (see speaker_page_by_query)."""
    name, args = _name_arg()
    return jsonify(speaker_quotes(get_handle(), name, args).to_dict())


def _name_arg() -> tuple[str, dict[str, list[str]]]:
    args = _args()
    names = args.pop("name", None) or [""]
    if len(names) != 1 or not names[0]:
        raise BadRequest("give one speaker as `name`")
    return names[0], args


# The routes of a speaker's page, JSON and feed: by path, and by `?name=` for the names no
# path can carry.
SPEAKER_ENDPOINTS = {
    "page": ("newsdesk.speaker_page", "newsdesk.speaker_page_by_query"),
    "api": ("newsdesk.speaker_api", "newsdesk.speaker_api_by_query"),
    "feed": ("feeds.speaker_atom", "feeds.speaker_atom_by_query"),
}


def speaker_link(name: str, form: str = "page", dedupe: bool = True) -> str:
    """The address of a speaker's page (or `form` "api" its JSON, "feed" its Atom feed):
    /speakers/<name>, or /speaker?name=<name> for a name with a `.` or `..` segment, which no
    path can carry, or ending in `.atom`, which would be the feed's path. `dedupe=False`
    adds dedupe=0 (every copy of a quotation)."""
    by_path, by_query = SPEAKER_ENDPOINTS[form]
    params: dict[str, Any] = {} if dedupe else {"dedupe": "0"}
    if any(part in (".", "..") for part in name.split("/")) or name.endswith(".atom"):
        return url_for(by_query, name=name, **params)
    return url_for(by_path, name=name, **params)


@bp.app_template_global()
def speaker_url(name: str, api: bool = False) -> str:
    """For templates: the address of a speaker's page, or its JSON with `api`."""
    return speaker_link(name, "api" if api else "page")


bp.app_template_global("speaker_link")(speaker_link)


@bp.app_template_global()
def value_label(facet: str, value: str) -> str:
    """For templates: a facet value as shown (a language's name for its code)."""
    if facet.removeprefix("not_") == "language":
        return language_label(value) or value
    return value


@bp.get("/api/openapi.json")
def openapi_api() -> Any:
    """The OpenAPI 3.1 document of every route (webapp/openapi.py)."""
    from webapp.openapi import document

    return jsonify(document())


@bp.get("/articles/<path:article_id>")
def article_page(article_id: str) -> Any:
    """One article with every field, its paragraphs and its quotes; 404 for an unknown id."""
    article = get_article(get_handle(), article_id)
    marked = mark_quotes(article.body or "", article.quotes)
    return render_template("article.html", article=article, marked=marked)


@bp.get("/api/articles/<path:article_id>")
def article_api(article_id: str) -> Any:
    """One article as JSON (Article.to_dict(), its date as search/dates.py gives it); 404
    for an unknown id."""
    article = get_article(get_handle(), article_id)
    return jsonify({**article.to_dict(), **dated_fields(article.date)})


@bp.get("/api/articles/<path:article_id>/similar")
def similar_api(article_id: str) -> Any:
    """An article's other copies and the articles most like it; 404 for an unknown id. The
    article page shows the same (`related_to`)."""
    return jsonify(related_articles(get_handle(), article_id).to_dict())


bp.app_template_global("dated")(dated)


@bp.app_template_global()
def related_to(article_id: str) -> Related:
    """For article.html: the article's copies and the articles like it."""
    return related_articles(get_handle(), article_id)


# ---------------------------------------------------------------- template helpers


@bp.app_template_filter("http_url")
def http_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL (safe to link), else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@bp.app_template_filter("authors")
def authors(article: Article) -> list[str]:
    return [a for a in split_authors(article.author) if a]


# ---------------------------------------------------------------- errors


def register_error_handlers(app: Flask) -> None:
    """Render Newsdesk's errors (each carries its status) and HTTP errors as JSON under /api/
    and as an HTML page elsewhere."""
    app.register_error_handler(NewsdeskError, _newsdesk_error)
    app.register_error_handler(HTTPException, _http_error)


def _newsdesk_error(exc: NewsdeskError) -> Any:
    if exc.status == 500:  # not a request's fault (503s say the index or the time is short)
        log.error("error on %s: %s", request.path, exc)
    return render_error(exc.status, exc.message)


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    if status >= 500:
        cause = getattr(exc, "original_exception", None) or exc
        log.error("internal error on %s", request.path, exc_info=cause)
        return render_error(status, "internal error: the problem has been logged")
    return render_error(status, exc.description or exc.name)


def render_error(status: int, message: str) -> Any:
    """The fixed error shape: `{"error": {"status", "message"}}`, or the error page."""
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("error.html", status=status, message=message), status
