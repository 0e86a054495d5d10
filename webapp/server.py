"""`newsdesk serve`: the Flask app under gunicorn, a production WSGI server."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class NewsdeskServer(BaseApplication):
    """Gunicorn application that builds the Flask app in each worker (after the fork)."""

    def __init__(self, index_dir: str, options: dict[str, Any], token: str | None = None) -> None:
        self.index_dir = index_dir
        self.options = options
        self.token = token
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from webapp import create_app, warm

        app = create_app({"INDEX_DIR": self.index_dir, "TOKEN": self.token})
        warm(app)  # before this worker takes requests: its first one is not the slow one
        return app


def run_server(
    index_dir: str, host: str, port: int, workers: int, token: str | None = None
) -> None:
    """Run gunicorn until stopped; searches have a time budget (webapp/limits.py), so a
    worker thread is never held for long by one request."""
    options = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "threads": 4,
        "worker_class": "gthread",
        "timeout": 60,
        "accesslog": "-",
        "errorlog": "-",
    }
    NewsdeskServer(index_dir, options, token).run()
