"""The web app through HTTP: JSON API, search and article pages, errors, escaping, refresh."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_search import (
    RECORDS,
    XSS,
    brute_facets,
    brute_filter,
    build_index,
    facet_dict,
    write_jsonl,
)

from indexer.writer import reindex
from webapp import create_app

ESCAPED_XSS = html.escape(XSS, quote=False)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("webapp"))[1]


@pytest.fixture
def app(index_dir: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield app
    app.extensions["newsdesk"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def api(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def page(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return lxml.html.fromstring(response.get_data(as_text=True))


def C(name: str) -> str:
    """An XPath predicate: the element has this class."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def page_hits(doc: Any) -> list[str]:
    return [
        a.get("href").rsplit("/", 1)[1] for a in doc.xpath(f"//ol[{C('hits')}]/li[{C('hit')}]/h2/a")
    ]


def page_facets(doc: Any) -> dict[str, dict[str, int]]:
    facets = {}
    for section in doc.xpath(f"//aside//section[{C('facet')} and not({C('dates')})]"):
        name = section.xpath(".//h3")[0].text_content().strip().lower()
        items = section.xpath(f".//li/a[not({C('speaker-page')})]")  # not the speaker page link
        facets[name] = {
            a.xpath(f".//*[{C('value')}]")[0].text_content(): int(
                a.xpath(f".//*[{C('count')}]")[0].text_content()
            )
            for a in items
        }
    return facets


# ---------------------------------------------------------------- the JSON API


def test_api_search_shape(client: FlaskClient) -> None:
    data = api(client, q="grain", per_page=2)
    assert list(data) == ["query", "total", "page", "per_page", "hits", "facets"]
    assert (data["query"], data["total"], data["page"], data["per_page"]) == ("grain", 5, 1, 2)
    hit_keys = ["id", "title", "author", "author_role", "date", "location", "source", "url"]
    for hit in data["hits"]:
        assert list(hit) == [*hit_keys, "score", "highlights"]
        assert isinstance(hit["score"], float)
        assert set(hit["highlights"]) == {"title", "body", "quotes"}
    assert list(data["facets"]) == ["author", "source", "location", "speaker", "month"]
    assert all(set(fc) == {"value", "count"} for fcs in data["facets"].values() for fc in fcs)


def test_api_empty_query_returns_everything_newest_first(client: FlaskClient) -> None:
    data = api(client, per_page=100)
    dated = sorted((r for r in RECORDS if r.get("date")), key=lambda r: r["date"], reverse=True)
    assert [h["id"] for h in data["hits"]] == [r["id"] for r in dated] + ["r06"]
    assert data["total"] == len(RECORDS)
    assert facet_dict(data["facets"]) == brute_facets(RECORDS)


@pytest.mark.parametrize(
    "params",
    [
        {"author": ["Ann Lee"]},
        {"author": ["Ann Lee", "Carla Diaz"]},
        {"source": ["AP"]},
        {"source": ["AP", "Kyiv Independent"]},
        {"location": ["Odesa", "Kyiv"]},
        {"speaker": ["Volodymyr Zelensky"]},
        {"from": ["2024-02-01"]},
        {"to": ["2024-01-10"]},
        {"from": ["2024-01-10"], "to": ["2024-01-10"]},
        {"author": ["Bob Ray"], "source": ["Reuters"]},
        {"author": ["Ann Lee", "Bob Ray"], "location": ["Odesa", "Kharkiv"], "to": ["2024-01-31"]},
        {"speaker": ["Oleksandr Kubrakov"], "from": ["2024-01-01"], "to": ["2024-12-31"]},
    ],
)
def test_api_filters(client: FlaskClient, params: dict[str, list[str]]) -> None:
    data = api(client, per_page=100, **params)
    expected = brute_filter(params)
    assert sorted(h["id"] for h in data["hits"]) == sorted(r["id"] for r in expected)
    assert data["total"] == len(expected)
    assert facet_dict(data["facets"]) == brute_facets(expected)


def test_api_query_with_filter(client: FlaskClient) -> None:
    data = api(client, q="grain", source=["Reuters"], sort="oldest")
    assert [h["id"] for h in data["hits"]] == ["r01", "r04", "r06"]
    assert all(h["score"] is None for h in data["hits"])


@pytest.mark.parametrize("sort, reverse", [("newest", True), ("oldest", False)])
def test_api_sort_by_date(client: FlaskClient, sort: str, reverse: bool) -> None:
    hits = api(client, q="grain OR odesa OR bakhmut", sort=sort, per_page=100)["hits"]
    dates = [h["date"] for h in hits]
    assert dates[:-1] == sorted(dates[:-1], reverse=reverse) and dates[-1] is None


def test_api_relevance_sort_orders_by_score(client: FlaskClient) -> None:
    hits = api(client, q="grain", sort="relevance")["hits"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_api_pagination(client: FlaskClient) -> None:
    everything = [h["id"] for h in api(client, sort="oldest", per_page=100)["hits"]]
    pages = [api(client, sort="oldest", per_page=3, page=n) for n in (1, 2, 3, 4)]
    assert {p["total"] for p in pages} == {len(RECORDS)}
    assert [h["id"] for p in pages for h in p["hits"]] == everything
    assert pages[3]["hits"] == [] and pages[2]["page"] == 3


def test_api_highlights_are_marked_and_escaped(client: FlaskClient) -> None:
    hits = {h["id"]: h for h in api(client, q="grain")["hits"]}
    assert hits["r01"]["highlights"]["quotes"] == "The <mark>grain</mark> corridor works"
    xss = hits["r07"]["highlights"]
    assert xss["title"] == f"{ESCAPED_XSS} <mark>Grain</mark>"
    assert "<script>" not in xss["body"] + xss["quotes"]
    assert ESCAPED_XSS in xss["body"]


def test_api_article(client: FlaskClient) -> None:
    response = client.get("/api/articles/r01")
    assert response.status_code == 200
    data = response.get_json()
    assert data["title"] == "Grain exports resume from Odesa"
    assert data["author_role"] == "Trade correspondent"
    assert data["quotes"][0]["speaker"] == "Oleksandr Kubrakov"
    assert {"id", "path", "format", "site", "url", "body", "date"} <= set(data)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "500"}, "per_page"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"from": "2025-13-01"}, "from"),
        ({"to": "01/02/2024"}, "to"),
        ({"from": "2024-03-01", "to": "2024-02-01"}, "after"),
        ({"sort": "foo"}, "sort"),
        ({"q": "title:("}, "parenthes"),
        ({"q": '"unterminated'}, "unterminated"),
        ({"q": "nosuchfield:x"}, "unknown field"),
    ],
)
def test_bad_requests_are_400(client: FlaskClient, query: dict[str, str], fragment: str) -> None:
    response = client.get("/api/search", query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and fragment in error["message"]
    html_response = client.get("/search", query_string=query)
    assert html_response.status_code == 400
    doc = lxml.html.fromstring(html_response.get_data(as_text=True))
    assert doc.xpath(f"//*[{C('message')}]")[0].text_content() == error["message"]
    assert doc.xpath("//h1")[0].text_content().startswith("400")


def test_unknown_article_is_404(client: FlaskClient) -> None:
    response = client.get("/api/articles/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404, "message": "no article with id 'nope'"}}
    doc = page(client, "/articles/nope", 404)
    assert "no article with id" in doc.xpath(f"//*[{C('message')}]")[0].text_content()


def test_unknown_routes_use_the_error_shape(client: FlaskClient) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    assert client.post("/api/search").get_json()["error"]["status"] == 405


def test_missing_index_is_503(tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    response = client.get("/api/search")
    assert response.status_code == 503 and "no index" in response.get_json()["error"]["message"]


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "grain"},
        {"q": "grain", "sort": "newest"},
        {"q": "grain OR bakhmut", "per_page": "2", "page": "2"},
        {"author": ["Ann Lee", "Bob Ray"], "sort": "oldest"},
        {"q": "speaker:zelensky OR speaker:kubrakov", "source": "Reuters", "from": "2024-01-01"},
        {"q": "grain", "author": "Nobody"},
    ],
)
def test_html_and_json_agree(client: FlaskClient, query: dict[str, Any]) -> None:
    qs = urlencode(query, doseq=True)
    data = api(client, **query)
    doc = page(client, f"/search?{qs}")
    assert page_hits(doc) == [h["id"] for h in data["hits"]]
    assert page_facets(doc) == {k: v for k, v in facet_dict(data["facets"]).items() if v}
    summary = doc.xpath(f"//*[{C('total')}]")[0].text_content()
    assert f"of {data['total']} article" in " ".join(summary.split()) or (
        data["total"] == 0 and "No articles match" in summary
    )


def test_search_page_links_its_json_twin(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&author=Ann+Lee&sort=oldest")
    (link,) = doc.xpath("//link[@rel='alternate'][@type='application/json']")
    url = urlsplit(link.get("href"))
    assert url.path == "/api/search"
    assert parse_qs(url.query) == {"q": ["grain"], "author": ["Ann Lee"], "sort": ["oldest"]}
    assert client.get(link.get("href")).status_code == 200


def test_search_page_shows_hits(client: FlaskClient) -> None:
    doc = page(client, "/?q=corridor")
    (hit,) = doc.xpath(f"//li[{C('hit')}]")
    assert hit.xpath(".//h2/a")[0].get("href") == "/articles/r01"
    meta = hit.xpath(f".//*[{C('meta')}]")[0].text_content()
    for value in ("Ann Lee", "Reuters", "2024-01-10", "Odesa"):
        assert value in meta
    assert [m.text for m in hit.xpath(".//mark")] == ["corridor", "corridor"]


def test_facet_links_add_and_remove_filters(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    link = next(
        a
        for a in doc.xpath(f"//section[{C('facet')}]//li/a")
        if a.text_content().split()[0] == "Reuters"
    )
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain"], "source": ["Reuters"]}
    filtered = page(client, "/search" + link.get("href"))
    assert page_hits(filtered) == [
        h["id"] for h in api(client, q="grain", source="Reuters")["hits"]
    ]
    (remove,) = filtered.xpath(f"//*[{C('active-filters')}]//a[{C('remove')}]")
    assert parse_qs(urlsplit(remove.get("href")).query) == {"q": ["grain"]}
    selected = filtered.xpath(f"//section[{C('facet')}]//li[{C('selected')}]/a")
    assert parse_qs(urlsplit(selected[0].get("href")).query) == {"q": ["grain"]}


def test_pager_links(client: FlaskClient) -> None:
    doc = page(client, "/search?per_page=3&page=2")
    links = {a.text_content().strip(): a.get("href") for a in doc.xpath(f"//*[{C('pager')}]//a")}
    assert parse_qs(urlsplit(links["Next ›"]).query) == {"page": ["3"], "per_page": ["3"]}
    assert parse_qs(urlsplit(links["‹ Previous"]).query) == {"per_page": ["3"]}
    assert "4–6 of" in doc.xpath(f"//*[{C('total')}]")[0].text_content()


def test_article_page_shows_every_field(client: FlaskClient) -> None:
    doc = page(client, "/articles/r01")
    text = doc.text_content()
    for value in (
        "Grain exports resume from Odesa",
        "Ann Lee",
        "Trade correspondent",
        "2024-01-10",
        "Odesa",
        "Reuters",
        "articles.jsonl",
        "The grain corridor works",
        "Oleksandr Kubrakov",
    ):
        assert value in text, value
    assert doc.xpath(f"//*[{C('url')}]//a")[0].get("href") == "https://example.com/r01"
    paragraphs = [p.text_content() for p in doc.xpath(f"//*[{C('body')}]/p")]
    assert paragraphs == [
        "Ships loaded with grain left Odesa on Tuesday.",
        "The corridor held for a week.",
    ]
    (link,) = doc.xpath("//link[@rel='alternate'][@type='application/json']")
    assert link.get("href") == "/api/articles/r01"


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=grain",
        "/search?q=grain&sort=newest",
        "/search",
        "/articles/r07",
        f"/search?author={XSS}",
    ],
)
def test_markup_in_every_field_is_inert(client: FlaskClient, url: str) -> None:
    response = client.get(url, query_string=None)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in body and "alert(1)</script>" not in body
    assert ESCAPED_XSS in body
    assert 'href="javascript:' not in body


def test_article_page_escapes_every_field(client: FlaskClient) -> None:
    doc = page(client, "/articles/r07")
    assert not doc.xpath("//script[not(starts-with(@src, '/static/'))]")
    text = doc.text_content()
    assert text.count(XSS) >= 7  # title, author, role, location, source, body, quote, speaker
    assert doc.xpath(f"//*[{C('url')}]")[0].text_content().strip() == "javascript:alert(1)"
    assert not doc.xpath(f"//*[{C('url')}]//a")


def test_search_page_escapes_hits_and_facets(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    assert not doc.xpath("//script[not(starts-with(@src, '/static/'))]")
    (hit,) = [h for h in doc.xpath(f"//li[{C('hit')}]") if XSS in h.text_content()]
    assert hit.text_content().count(XSS) >= 4  # title, author, source, location (+ snippets)
    facet_values = [
        v.text_content() for v in doc.xpath(f"//section[{C('facet')}]//*[{C('value')}]")
    ]
    assert facet_values.count(XSS) == 4  # author, source, location, speaker


# ---------------------------------------------------------------- the searcher


def test_searcher_is_reused_and_picks_up_a_reindex(tmp_path: Path) -> None:
    corpus, index = build_index(tmp_path, RECORDS[:4])
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    handle = app.extensions["newsdesk"]
    assert api(client, q="zeppelin")["total"] == 0
    first = handle.searcher()
    assert api(client, q="grain")["total"] == 3
    assert handle.searcher() is first  # the same searcher served both requests
    write_jsonl(corpus / "new.jsonl", [{"id": "z1", "title": "Zeppelin over Odesa", "body": "x"}])
    reindex([str(corpus)], str(index), workers=1)
    data = api(client, q="zeppelin")
    assert [h["id"] for h in data["hits"]] == ["z1"]
    assert api(client, location="Odesa")["total"] == 1  # z1 has no location facet value
    assert api(client)["total"] == 5
    assert handle.searcher() is not first
    handle.close()


def test_article_page_shows_how_each_field_was_extracted(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.txt").write_text(
        "Grain ships leave Odesa\n\nODESA (Reuters) - Three ships left the port on Monday.\n"
    )
    write_jsonl(corpus / "export.jsonl", [{"id": "j1", "title": "From JSON", "body": "Text."}])
    reindex([str(corpus)], str(tmp_path / "ix"), workers=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")})
    client = app.test_client()
    text_id = client.get("/api/search?q=odesa").get_json()["hits"][0]["id"]
    for url, field, rule_word in ((f"/articles/{text_id}", "location", "dateline"),
                                  ("/articles/j1", "title", "jsonl")):  # fmt: skip
        doc = page(client, url)
        (panel,) = doc.xpath(f"//details[{C('explain')}]")
        assert "How this was extracted" in panel.xpath("./summary")[0].text_content()
        rows = {
            tr.xpath("./th")[0].text_content(): tr.xpath("./td")[0].text_content()
            for tr in panel.xpath(".//tbody/tr")
        }
        assert rule_word in rows[field].lower(), rows
    app.extensions["newsdesk"].close()
