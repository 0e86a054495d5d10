"""Issue 8 on the read side: security headers and inert pages, no parameter reaching the
filesystem, the access token, the loopback default, parameter limits and heavy queries."""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from whoosh.query import Or, Term

from bench.load import serving
from helpers.records import RECORDS, write_jsonl
from indexer.writer import reindex
from webapp import create_app, limits, security
from webapp.cli import main
from webapp.search import IndexHandle, SearchRequest, run_search

TOKEN = "s3cret-Token_42"
TITLES = [r["title"] for r in RECORDS if r.get("title")]


@pytest.fixture
def private(index_dir: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "TOKEN": TOKEN})
    yield app
    app.extensions["newsdesk"].close()


SAMPLE_ARGS = {
    "article_id": "r01",
    "name": "Volodymyr Zelensky",
    "filename": "style.css",
    "facet": "author",
}
QUERY_ARGS = {  # routes that take their subject as a query parameter
    "newsdesk.speaker_page_by_query": {"name": SAMPLE_ARGS["name"]},
    "newsdesk.speaker_api_by_query": {"name": SAMPLE_ARGS["name"]},
    "feeds.speaker_atom_by_query": {"name": SAMPLE_ARGS["name"]},
}


def every_route(app: Flask) -> list[str]:
    """One URL per GET route of the app, its path parameters filled with real values."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()):
            values = {k: SAMPLE_ARGS.get(k, "x") for k in rule.arguments}
            values.update(QUERY_ARGS.get(rule.endpoint, {}))
            urls.append(rule.build(values, append_unknown=True)[1])
    return sorted(set(urls))


def test_every_route_is_exercised(app: Flask) -> None:
    urls = every_route(app)
    assert {"/", "/search", "/api/search", "/api/openapi.json", "/login"} <= set(urls)
    assert any(u.startswith("/articles/") for u in urls)


# ---------------------------------------------------------------- headers, inert pages

PROBES = ["/api/search?page=0", "/nowhere", "/articles/nope", "/api/search?q=title:(&strict=1"]


def test_security_headers_on_every_route_and_error(client: FlaskClient, app: Flask) -> None:
    for url in [*every_route(app), *PROBES]:
        response = client.get(url)
        assert response.status_code < 500, url
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives.get("script-src") == "'self'", (url, csp)
        assert directives.get("style-src") == "'self'", (url, csp)
        assert directives.get("default-src") == "'self'"
        assert directives.get("frame-ancestors") == "'none'"
        assert directives.get("base-uri") == "'none'"
        assert directives.get("form-action") == "'self'"
        assert "unsafe" not in csp
        assert headers.get("X-Content-Type-Options") == "nosniff", url
        assert headers.get("Referrer-Policy") == "no-referrer", url
        assert headers.get("X-Frame-Options") == "DENY", url


def test_pages_have_no_inline_script_style_or_handlers(client: FlaskClient, app: Flask) -> None:
    pages = [u for u in every_route(app) if not u.startswith(("/api/", "/static/"))]
    pages += ["/search?q=grain", "/quotes?q=bakhmut", "/nowhere", "/search?page=0"]
    for url in pages:
        response = client.get(url)
        if not response.content_type.startswith("text/html"):
            continue
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        assert not doc.xpath("//script[not(@src)]"), f"inline script on {url}"
        assert not doc.xpath("//style"), f"<style> on {url}"
        assert not doc.xpath("//*[@style]"), f"style attribute on {url}"
        handlers = [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
        assert not handlers, f"event handler attributes {handlers} on {url}"
        links = doc.xpath("//a/@href | //form/@action | //script/@src | //link/@href")
        assert not [x for x in links if x.strip().lower().startswith("javascript:")], url


def test_templates_have_no_inline_script_or_style() -> None:
    templates = Path(__file__).resolve().parent.parent / "webapp" / "templates"
    for path in templates.glob("*.html"):
        doc = lxml.html.fromstring(path.read_text() or "<p></p>")
        assert not doc.xpath("//script[not(@src)]"), path.name
        assert not doc.xpath("//style | //*[@style]"), path.name


# ---------------------------------------------------------------- the filesystem

TRAVERSALS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd",
    "....//....//etc/passwd",
    "..\\..\\etc\\passwd",
    "r01/../../../../etc/passwd",
    "%00",
]


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """The paths of every file opened while the test runs (an audit hook)."""
    paths: list[str] = []
    state = {"on": True}

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if state["on"] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            paths.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)
    yield paths
    state["on"] = False  # audit hooks cannot be removed


@pytest.mark.parametrize("bad", TRAVERSALS)
def test_path_traversal_ids_are_404_and_open_nothing(
    client: FlaskClient, index_dir: Path, bad: str, opened: list[str]
) -> None:
    client.get("/api/articles/r01")  # the index and templates are open before we look
    opened.clear()
    for prefix in ("/articles/", "/api/articles/", "/speakers/", "/api/speakers/"):
        response = client.get(prefix + bad)
        assert response.status_code in (404, 400, 308), (prefix, bad, response.status_code)
        if response.status_code == 308:  # Werkzeug merging the slashes of //etc: same site
            assert urlsplit(response.location).path.startswith(prefix)
        assert "root:" not in response.get_data(as_text=True)
    allowed = [str(index_dir), str(Path(security.__file__).parent), sys.prefix, sys.base_prefix]
    outside = [p for p in opened if not any(os.path.abspath(p).startswith(a) for a in allowed)]
    assert not outside, f"files opened outside the index: {outside}"
    assert not [p for p in opened if "passwd" in p]


# ---------------------------------------------------------------- the access token


def unauthenticated_urls(app: Flask) -> list[str]:
    open_paths = ("/login", "/static/")
    urls = [u for u in every_route(app) if not u.startswith(open_paths)]
    return [*urls, "/nowhere", "/api/nowhere", "/search?q=grain", "/api/search?q=grain"]


def test_without_a_token_configured_everything_is_open(client: FlaskClient, app: Flask) -> None:
    assert app.config["TOKEN"] is None
    assert client.get("/api/search").status_code == 200
    assert client.get("/").status_code == 200


def test_every_route_needs_the_token_and_learns_nothing(private: Flask) -> None:
    client = private.test_client()
    for url in unauthenticated_urls(private):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = client.get(url, headers=headers)
            assert response.status_code == 401, (url, headers)
            body = response.get_data(as_text=True)
            secrets = [t for t in [*TITLES, "Reuters", "Zelensky", "Ann Lee"] if t not in url]
            assert not [t for t in secrets if t in body], url  # only the URL is echoed
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            if url.startswith("/api/"):
                error = response.get_json()["error"]
                assert error["status"] == 401 and set(error) == {"status", "message"}
            else:
                assert 'name="token"' in body  # the login form
    assert client.get("/api/search?token=nope").status_code == 401


def test_bearer_token_opens_every_route(private: Flask) -> None:
    client = private.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for url in unauthenticated_urls(private):
        status = client.get(url, headers=headers).status_code
        assert status == 404 if "nowhere" in url else status in (200, 404), (url, status)
    assert client.get("/api/search?q=grain", headers=headers).get_json()["total"] > 0


def test_query_token_sets_a_cookie_that_then_suffices(private: Flask) -> None:
    client = private.test_client()
    response = client.get(f"/search?token={TOKEN}&q=grain")
    assert response.status_code == 303  # to the same page without the token in its address
    assert response.headers["Location"] == "/search?q=grain"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{security.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/api/search").status_code == 200  # the cookie alone
    assert private.test_client().get("/api/search").status_code == 401


def test_login_form_sets_the_cookie_and_goes_back(private: Flask) -> None:
    client = private.test_client()
    form = client.get("/login?next=/quotes")
    assert form.status_code == 200 and 'name="token"' in form.get_data(as_text=True)
    wrong = client.post("/login", data={"token": "nope", "next": "/quotes"})
    assert wrong.status_code == 401
    assert client.get("/api/search").status_code == 401
    right = client.post("/login", data={"token": TOKEN, "next": "/quotes?q=x"})
    assert right.status_code == 303 and right.headers["Location"] == "/quotes?q=x"
    assert client.get("/api/search").status_code == 200


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(private: Flask, target: str) -> None:
    response = private.test_client().post("/login", data={"token": TOKEN, "next": target})
    assert response.headers["Location"] == "/"


def test_token_is_compared_in_constant_time(
    private: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = security.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    client = private.test_client()
    assert client.get("/api/search", headers={"Authorization": f"Bearer {TOKEN}"}).status_code
    assert calls and calls[-1] == (TOKEN.encode(), TOKEN.encode())


def test_token_from_the_environment(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_TOKEN", TOKEN)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    assert app.test_client().get("/api/search").status_code == 401


def serve_options(monkeypatch: pytest.MonkeyPatch, index_dir: Path, *args: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(
        index: str, host: str, port: int, workers: int, token: str | None, base_url: str | None
    ) -> None:
        seen.update(host=host, port=port, token=token, base_url=base_url)

    monkeypatch.setattr("webapp.server.run_server", fake_run)
    result = CliRunner().invoke(main, ["serve", "--index", str(index_dir), *args])
    assert result.exit_code == 0, result.output
    return seen


def test_serve_binds_loopback_by_default(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSDESK_TOKEN", raising=False)
    monkeypatch.delenv("NEWSDESK_BASE_URL", raising=False)
    assert serve_options(monkeypatch, index_dir) == {
        "host": "127.0.0.1",
        "port": 5000,
        "token": None,
        "base_url": None,  # the server's own address (webapp.server.run_server)
    }
    base = serve_options(monkeypatch, index_dir, "--base-url", "https://news.example.org")
    assert base["base_url"] == "https://news.example.org"
    assert serve_options(monkeypatch, index_dir, "--token", TOKEN)["token"] == TOKEN
    monkeypatch.setenv("NEWSDESK_TOKEN", "from-env")
    assert serve_options(monkeypatch, index_dir)["token"] == "from-env"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.slow
def test_real_server_listens_on_loopback_only_and_wants_its_token(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_TOKEN", TOKEN)
    with serving(index_dir, workers=1) as port:
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/search")
        response = conn.getresponse()
        assert response.status == 401 and b"Reuters" not in response.read()
        conn.request("GET", "/api/search", headers={"Authorization": f"Bearer {TOKEN}"})
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["total"] > 0


# ---------------------------------------------------------------- parameters and limits

BAD_PARAMETERS = [
    ("page=0", "'page'"),
    ("page=abc", "'page'"),
    ("page=-1", "'page'"),
    ("per_page=101", "'per_page'"),
    ("per_page=0", "'per_page'"),
    ("page=101&per_page=100", "10,000"),
    ("page=10001", "10,000"),
    ("from=2024-13-01", "'from'"),
    ("to=yesterday", "'to'"),
    ("from=2024-02-01&to=2024-01-01", "'from' is after 'to'"),
    ("sort=random", "'sort'"),
    ("q=" + "a" * (limits.MAX_QUERY_CHARS + 1), "too long"),
    ("author=" + "a" * (limits.MAX_VALUE_CHARS + 1), "'author' is too long"),
    ("&".join(f"source=s{i}" for i in range(limits.MAX_VALUES + 1)), "'source' is given"),
    ("q=title:(&strict=1", "parenthes"),
    ('q="open&strict=1', "phrase"),
    ("strict=maybe", "'strict'"),
    ("month=2005", "'month' takes a month as YYYY-MM"),
    ("not_month=2005-13", "'not_month' takes a month as YYYY-MM"),
    ("q=nofield:x", "unknown field"),
]


@pytest.mark.parametrize(("query", "fragment"), BAD_PARAMETERS)
@pytest.mark.parametrize("path", ["/api/search", "/api/quotes", "/search"])
def test_every_bad_parameter_is_a_400_with_a_message(
    client: FlaskClient, path: str, query: str, fragment: str
) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    text = html.unescape(response.get_data(as_text=True))
    if path.startswith("/api/"):
        text = response.get_json()["error"]["message"]
    assert re.search(fragment, text), text[:300]


@pytest.mark.parametrize("query", ["page=0", "per_page=500", "page=9999&per_page=50"])
def test_speaker_paging_is_validated(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/speakers/{quote('Volodymyr Zelensky')}?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["message"]


@pytest.fixture(scope="module")
def big_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 articles over a vocabulary of 20,000 made-up words: wide lexicons to expand."""
    root = tmp_path_factory.mktemp("heavy")
    words = [f"w{n:05d}{'abcdefghij'[n % 10]}x" for n in range(20_000)]
    records = [
        {
            "id": f"h{n}",
            "title": f"Heavy story {n} {words[n]}",
            "date": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "source": f"Source {n % 7}",
            "body": " ".join(words[(n * 7 + k * 13) % 20_000] for k in range(30)),
        }
        for n in range(2_000)
    ]
    corpus = write_jsonl(root / "heavy.jsonl", records)
    reindex([str(corpus)], str(root / "index"), workers=1)
    return root / "index"


@pytest.fixture
def heavy(big_index: Path) -> Iterator[FlaskClient]:
    app = create_app({"TESTING": True, "INDEX_DIR": str(big_index)})
    app.test_client().get("/api/search")  # open the index and build its caches
    yield app.test_client()
    app.extensions["newsdesk"].close()


PATHOLOGICAL = [
    ("*a*", "leading wildcard"),
    ("?0001ax", "leading wildcard"),
    ("w0*", "stands for more than"),
    ("body:[a TO z]", "stands for more than"),
    (" OR ".join(f"w{n:05d}ax" for n in range(0, 10_000, 10)), "too long"),
    (" OR ".join(f"w{n}" for n in range(300)), "too many words"),  # 599 words and operators
    ("(" * 200 + "heavy" + ")" * 200, "nests"),
    ("(" * 11 + "heavy" + ")" * 11, "nests"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("q", "fragment"), PATHOLOGICAL)
def test_pathological_queries_are_refused_fast_with_a_message(
    heavy: FlaskClient, q: str, fragment: str
) -> None:
    start = time.monotonic()
    response = heavy.get("/api/search", query_string={"q": q, "strict": "1"})
    elapsed = time.monotonic() - start
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert fragment in response.get_json()["error"]["message"]
    assert elapsed < 2.0
    start = time.monotonic()
    response = heavy.get("/api/search", query_string={"q": q})  # read leniently: as fast
    assert time.monotonic() - start < 2.0
    if fragment == "leading wildcard":  # searched as its words, the wildcards told
        assert response.status_code == 200 and response.get_json()["query_notes"]
    else:  # explicit and too costly either way
        assert response.status_code == 400 and fragment in response.get_json()["error"]["message"]


@pytest.mark.slow
def test_allowed_wildcards_still_work(heavy: FlaskClient) -> None:
    assert heavy.get("/api/search", query_string={"q": "w0001*"}).get_json()["total"] > 0
    assert heavy.get("/api/search", query_string={"q": "heavy"}).get_json()["total"] == 2000


@pytest.mark.slow
def test_a_search_over_its_time_budget_is_a_503_with_a_message(big_index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(big_index), "QUERY_SECONDS": 1e-6})
    client = app.test_client()
    for q in ("heavy", "w0001* OR heavy OR story"):
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert "budget" in response.get_json()["error"]["message"]
        page = client.get("/search", query_string={"q": q})
        assert page.status_code == 503 and "budget" in page.get_data(as_text=True)
    assert client.get("/api/search").status_code == 200  # browsing runs no query
    app.extensions["newsdesk"].close()


@pytest.mark.slow
def test_budget_stops_matching_and_scoring(big_index: Path) -> None:
    """The budget is looked at while documents are matched and while they are scored."""
    handle = IndexHandle(str(big_index))
    request = SearchRequest.from_args({"q": ["heavy OR story"]})
    assert run_search(handle, request).total == 2000  # and the caches are built
    with limits.time_budget(1e-6), pytest.raises(limits.QueryTooSlow):
        run_search(handle, request)
    searcher = handle.searcher()
    engine = handle.engine(searcher)
    wide = Or([Term("body", f"w{n:05d}{'abcdefghij'[n % 10]}x") for n in range(0, 20_000, 4)])
    with limits.time_budget(1e-3), pytest.raises(limits.QueryTooSlow):
        engine.run(searcher, wide)  # 5,000 terms: the clock is looked at between them
    with limits.time_budget(None):
        assert len(engine.run(searcher, wide)) == 2000
    handle.close()
