"""`newsdesk serve`: the Flask app under gunicorn, a production WSGI server."""

from __future__ import annotations

import re
import socket
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# `token=...` in a URL (request line, query, referer): `?token=` logs a browser in
_TOKEN_PARAM = re.compile(r"(?i)((?:^|[?&;\s])token=)[^&;\s\"]*")
SECRET_HEADERS = ("{authorization}i", "{cookie}i")


class NewsdeskServer(BaseApplication):
    """Gunicorn application that builds the Flask app in each worker (after the fork)."""

    def __init__(
        self,
        index_dir: str,
        options: dict[str, Any],
        token: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.options = options
        self.token = token
        self.base_url = base_url
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from webapp import create_app, warm

        app = create_app(
            {"INDEX_DIR": self.index_dir, "TOKEN": self.token, "BASE_URL": self.base_url}
        )
        warm(app)  # before this worker takes requests: its first one is not the slow one
        return app


class RedactingLogger(Logger):
    """Gunicorn's logger, with access tokens left out of the access log: the value of a
    `token=` query parameter, and the Authorization and Cookie headers."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in SECRET_HEADERS:
                atoms[key] = "[redacted]"
            elif isinstance(value, str) and "=" in value:
                atoms[key] = redact(value)
        return atoms


def redact(text: str) -> str:
    """`text` with the value of every `token=` parameter replaced by `[redacted]`."""
    return _TOKEN_PARAM.sub(r"\1[redacted]", text)


HEADER_SECONDS = 5  # a request line and headers not read within this are dropped
CONNECTIONS = 1000  # open connections per worker


def server_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """Gunicorn's settings. gevent workers (gunicorn's answer to slow clients): a connection
    costs a greenlet, not a thread, until its request has arrived, so clients trickling
    their headers hold nobody up; the request line and headers must arrive within
    HEADER_SECONDS (gunicorn's `keepalive`, which its gevent worker also applies to reading a
    request). Searches are CPU work with a time budget (webapp/limits.py), so one request
    never holds its worker for long."""
    return {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gevent",
        "worker_connections": CONNECTIONS,
        "keepalive": HEADER_SECONDS,
        "timeout": 60,
        "accesslog": "-",
        "errorlog": "-",
        "logger_class": RedactingLogger,
    }


def run_server(
    index_dir: str,
    host: str,
    port: int,
    workers: int,
    token: str | None = None,
    base_url: str | None = None,
) -> None:
    """Run gunicorn until stopped. Feeds' absolute URLs start with `base_url`, by default the
    address bound (the host's name for a wildcard address), never with a request's Host."""
    if not base_url:
        shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
        shown = f"[{shown}]" if ":" in shown else shown
        base_url = f"http://{shown}:{port}"
    options = server_options(host, port, workers)
    NewsdeskServer(index_dir, options, token, base_url).run()
