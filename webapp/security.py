"""What every response carries and every request must show: security headers, the optional
access token, and the time budget of a request's searching.

A private corpus stays private: with a token configured (`TOKEN`, from `--token` or
$NEWSDESK_TOKEN), every page and endpoint but the login form and the stylesheet needs it, as
`Authorization: Bearer <token>`, `?token=<token>` or the cookie the login form sets. Without
it a request gets a 401 that says nothing about the corpus.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
)
from werkzeug.wrappers import Response as BaseResponse

from webapp import limits

bp = Blueprint("security", __name__)

COOKIE = "newsdesk_token"
COOKIE_LABEL = b"newsdesk login cookie v1"
COOKIE_DAYS = 30
OPEN_ENDPOINTS = {"security.login", "security.login_form", "static"}  # no token needed

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # article links must not carry the query to other sites
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Register the headers, the token check, the time budget and the login form."""
    app.config.setdefault("TOKEN", None)
    app.config.setdefault("QUERY_SECONDS", limits.QUERY_SECONDS)
    app.register_blueprint(bp)
    app.before_request(_start_budget)
    app.before_request(_require_token)
    app.teardown_request(_end_budget)
    app.after_request(_add_headers)


# ---------------------------------------------------------------- headers and budget


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["TOKEN"]:
        response.headers["Cache-Control"] = "private, no-store"
    if g.get("set_token_cookie"):
        _set_cookie(response)
    return response


def _start_budget() -> None:
    limits.start_budget(current_app.config["QUERY_SECONDS"])


def _end_budget(exc: BaseException | None) -> None:
    limits.end_budget()


# ---------------------------------------------------------------- the token


def token_matches(given: str | None) -> bool:
    """True when `given` is the configured token (compared in constant time)."""
    token = current_app.config["TOKEN"]
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def cookie_value(token: str) -> str:
    """What the login cookie holds: an HMAC of a fixed label keyed by the token, so that the
    cookie (in a browser profile, a proxy's log) does not give the token away."""
    return hmac.new(token.encode("utf-8"), COOKIE_LABEL, hashlib.sha256).hexdigest()


def cookie_matches(given: str | None) -> bool:
    token = current_app.config["TOKEN"]
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), cookie_value(token).encode("utf-8"))


def _credentials() -> tuple[bool, bool]:
    """Whether the request shows a valid credential, and whether it was `?token=` (then kept
    in a cookie). Any valid one lets it in: a wrong `?token=` does not undo a valid cookie."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token_matches(value.strip()):
        return True, False
    if token_matches(request.args.get("token")):
        return True, True
    return cookie_matches(request.cookies.get(COOKIE)), False


def _require_token() -> Any:
    if not current_app.config["TOKEN"] or request.endpoint in OPEN_ENDPOINTS:
        return None
    valid, in_url = _credentials()
    if not valid:
        return unauthorized("a valid access token is required")
    g.set_token_cookie = in_url
    if in_url and _is_page():
        return redirect(_without_token(), 303)  # the token leaves the address bar and history
    return None


def _is_page() -> bool:
    """A page a browser shows (not the API, a feed or a description, whose clients may keep
    no cookie and pass `?token=` each time)."""
    page = (request.endpoint or "").startswith("newsdesk.") and not request.path.startswith("/api/")
    return page and request.method in ("GET", "HEAD")


def _without_token() -> str:
    """This request's path and query without its `token` parameter."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    return request.path + ("?" + urlencode(pairs) if pairs else "")


def unauthorized(message: str) -> Any:
    """A 401 telling nothing about the corpus: JSON under /api/, else the login form."""
    from flask import jsonify

    if request.path.startswith("/api/"):
        response = jsonify({"error": {"status": 401, "message": message}})
    else:
        response = current_app.make_response(
            render_template("login.html", message=message, next=_local_path(request.full_path))
        )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="newsdesk"'
    return response


def _set_cookie(response: BaseResponse) -> None:
    response.set_cookie(
        COOKIE,
        cookie_value(current_app.config["TOKEN"]),
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/",
    )


def _local_path(target: str | None) -> str:
    """`target` if it is a path on this site (no scheme, no host, no `//`), else "/"."""
    target = (target or "").rstrip("?")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    if "\\" in target:
        return "/"
    return target


@bp.get("/login")
def login_form() -> Any:
    """The login form (the token is asked for only when one is configured)."""
    return render_template("login.html", message=None, next=_local_path(request.args.get("next")))


@bp.post("/login")
def login() -> Any:
    """Check the submitted token; on success set the cookie and go back to `next`."""
    if not current_app.config["TOKEN"]:
        return redirect(_local_path(request.form.get("next")), 303)
    if not token_matches(request.form.get("token")):
        return unauthorized("wrong token")
    response = redirect(_local_path(request.form.get("next")), 303)
    _set_cookie(response)
    return response
