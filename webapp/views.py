"""Routes: translate HTTP to `webapp.search` calls and its exceptions to statuses.

Each page has a JSON twin; both call the same function and differ only in how they render.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.model import Article
from indexer.schema import split_authors
from webapp.search import (
    IndexHandle,
    SearchRequest,
    SearchResult,
    WebError,
    facet_labels,
    get_article,
    iter_paragraphs,
    run_search,
)

bp = Blueprint("newsdesk", __name__)
log = logging.getLogger(__name__)


def _handle() -> IndexHandle:
    return current_app.extensions["newsdesk"]


def _search() -> SearchResult:
    return run_search(_handle(), SearchRequest.from_args(request.args.to_dict(flat=False)))


@bp.get("/")
@bp.get("/search")
def search_page() -> Any:
    """The search page: query box, hits, facet sidebar, sort and pages (browse when q is empty)."""
    result = _search()
    return render_template("search.html", result=result, labels=facet_labels())


@bp.get("/api/search")
def search_api() -> Any:
    """The search as JSON (see SearchResult.to_dict); an empty q lists every match, newest first."""
    result = _search()
    return jsonify(result.to_dict())


@bp.get("/articles/<article_id>")
def article_page(article_id: str) -> Any:
    """One article with every field, its paragraphs and its quotes; 404 for an unknown id."""
    article = get_article(_handle(), article_id)
    return render_template("article.html", article=article)


@bp.get("/api/articles/<article_id>")
def article_api(article_id: str) -> Any:
    """One article as JSON (Article.to_dict()); 404 for an unknown id."""
    article = get_article(_handle(), article_id)
    return jsonify(article.to_dict())


# ---------------------------------------------------------------- template helpers


@bp.app_template_filter("http_url")
def http_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL (safe to link), else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@bp.app_template_filter("paragraphs")
def paragraphs(body: str) -> list[str]:
    return list(iter_paragraphs(body or ""))


@bp.app_template_filter("authors")
def authors(article: Article) -> list[str]:
    return [a for a in split_authors(article.author) if a]


# ---------------------------------------------------------------- errors


def register_error_handlers(app: Flask) -> None:
    """Render WebError and HTTP errors as JSON under /api/ and as an HTML page elsewhere."""
    app.register_error_handler(WebError, _web_error)
    app.register_error_handler(HTTPException, _http_error)


def _web_error(exc: WebError) -> Any:
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
