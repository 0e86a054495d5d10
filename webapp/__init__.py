"""Newsdesk's read side: a Flask app over the index built by `newsdesk reindex`."""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp.search import IndexHandle

EXTENSION = "newsdesk"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory.

    `config` overrides the defaults; "INDEX_DIR" (default "index") names the index directory.
    The index is opened on the first request that needs it, not here, so an app can be created
    before its index exists.
    """
    from webapp import views

    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR="index")
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = IndexHandle(app.config["INDEX_DIR"])
    app.register_blueprint(views.bp)
    views.register_error_handlers(app)
    return app
