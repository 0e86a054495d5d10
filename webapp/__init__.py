"""Newsdesk's read side: a Flask app over the index built by `newsdesk reindex`."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from webapp.index import EXTENSION
from webapp.responses import NewsdeskFlask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory.

    `config` overrides the defaults; "INDEX_DIR" (default "index") names the index directory,
    "TOKEN" (default $NEWSDESK_TOKEN, else none) the access token every request must show,
    "BASE_URL" (default $NEWSDESK_BASE_URL) where the app is served, for feeds' absolute URLs,
    and
    "QUERY_SECONDS" the time budget of one request's searching (webapp/limits.py).
    The index is opened on the first request that needs it, not here, so an app can be created
    before its index exists.
    """
    from webapp import exports, feeds, index, security, views

    app = NewsdeskFlask(__name__)  # lone surrogates in stored text become U+FFFD
    app.config.from_mapping(
        INDEX_DIR="index",
        TOKEN=os.environ.get("NEWSDESK_TOKEN") or None,
        BASE_URL=os.environ.get("NEWSDESK_BASE_URL") or None,
    )
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    index.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(exports.bp)  # /api/search.csv|.jsonl, /api/quotes.csv|.jsonl
    app.register_blueprint(feeds.bp)  # /search.atom, /opensearch.xml
    views.register_error_handlers(app)
    security.init_app(app)
    return app


def warm(app: Flask) -> None:
    """Build what searches share (the searcher, facet and date arrays, copy clusters, the
    engine) by browsing and searching each kind once; else a worker's first search builds
    them, seconds on a large index. A missing index is left for requests to report."""
    from indexer.errors import NewsdeskError
    from webapp.search import ARTICLES, QUOTES, SearchRequest, run_search

    handle = app.extensions[EXTENSION]
    preload(handle.index_dir)
    try:
        for kind in (ARTICLES, QUOTES):
            for args in ({}, {"q": ["the"]}):  # browsing (newest first), then a query
                run_search(handle, SearchRequest.from_args(args), kind)
    except NewsdeskError:
        return


def preload(index_dir: str) -> int:
    """Ask the OS to read the index files into its page cache, as Elasticsearch's
    `index.store.preload` does: the first searches after a start, or after the OS dropped
    pages not read for a while (a machine may keep little page cache), then read memory, not
    disk. The reads happen in the background; returns the bytes asked for."""
    asked = 0
    try:
        entries = list(os.scandir(index_dir))
    except OSError:
        return 0
    for entry in entries:
        if not entry.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY)
        except OSError:
            continue  # gone (a reindex replaced it) or unreadable: searches will say so
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            asked += os.fstat(fd).st_size
        finally:
            os.close(fd)
    return asked
