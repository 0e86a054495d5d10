"""The index handle for the views, as flaskr's `db.py` gives the database to its views.

`init_app` gives an app one `IndexHandle` (webapp/search/handle.py) over its INDEX_DIR; the
handle opens the index on first use, keeps one searcher per thread and the arrays derived
from each index generation. Views, exports and feeds reach it with `get_handle()`.
"""

from __future__ import annotations

from flask import Flask, current_app

from webapp.search.handle import IndexHandle

EXTENSION = "newsdesk"


def init_app(app: Flask) -> None:
    """Give the app its index handle (INDEX_DIR; SECRET_KEY, when set, signs cursors)."""
    app.extensions[EXTENSION] = IndexHandle(
        app.config["INDEX_DIR"], cursor_secret=app.config.get("SECRET_KEY")
    )


def get_handle() -> IndexHandle:
    """The current app's index handle."""
    handle: IndexHandle = current_app.extensions[EXTENSION]
    return handle
