"""The web app through HTTP: JSON API, search and article pages, errors, escaping, refresh."""

from __future__ import annotations

import html
import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import lxml.html
import pytest
from flask.testing import FlaskClient
from test_search import (
    RECORDS,
    XSS,
    brute_disjunctive,
    brute_facets,
    brute_filter,
    build_index,
    facet_dict,
    write_jsonl,
)

from indexer.writer import reindex
from webapp import create_app

ESCAPED_XSS = html.escape(XSS, quote=False)
RESPONSE_KEYS = [
    "query",
    "total",
    "page",
    "per_page",
    "hits",
    "facets",
    "facet_sizes",
    "mode",
    "relaxed",
    "suggestion",
    "explanation",
    "histogram",
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("webapp"))[1]


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
    sections = f"//aside//section[{C('facet')} and not({C('dates')}) and not({C('histogram')})]"
    for section in doc.xpath(sections):
        name = section.xpath(".//h3")[0].text_content().strip().lower()
        items = section.xpath(f".//li/label[.//*[{C('value')}]]")  # not the links beside
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
    assert [key for key in data if key in RESPONSE_KEYS] == RESPONSE_KEYS
    assert (data["query"], data["total"], data["page"], data["per_page"]) == ("grain", 5, 1, 2)
    hit_keys = ["id", "title", "author", "author_role", "date", "location", "source", "url"]
    for hit in data["hits"]:
        expected = [*hit_keys, "score", "highlights"]
        assert [key for key in hit if key in expected] == expected
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
        {"not_source": ["Reuters"]},
        {"not_source": ["Reuters", "AP"]},
        {"not_author": ["Ann Lee"]},
        {"not_speaker": ["Volodymyr Zelensky"], "source": ["Reuters"]},
        {"author": ["Ann Lee", "Bob Ray"], "not_location": ["Odesa"]},
        {"not_month": ["2024-01"], "from": ["2024-01-15"]},
        {"source": ["Reuters", "AP"], "author": ["Bob Ray"], "month": ["2024-01", "2024-02"]},
    ],
)
def test_api_filters(client: FlaskClient, params: dict[str, list[str]]) -> None:
    data = api(client, per_page=100, **params)
    expected = brute_filter(params)
    assert sorted(h["id"] for h in data["hits"]) == sorted(r["id"] for r in expected)
    assert data["total"] == len(expected)
    assert facet_dict(data["facets"]) == brute_disjunctive(params)


@pytest.mark.parametrize(
    "q, params",
    [
        ("grain", {"source": ["Reuters"]}),
        ("grain", {"source": ["Reuters"], "author": ["Ann Lee", "Bob Ray"]}),
        ("grain OR odesa", {"location": ["Odesa"], "not_source": ["AP"]}),
        ("grain", {"month": ["2024-01"], "to": ["2024-02-28"]}),
    ],
)
def test_api_facets_are_disjunctive_with_a_query(
    client: FlaskClient, q: str, params: dict[str, list[str]]
) -> None:
    """Each facet is counted over the query's matches with every other filter applied."""
    matched_ids = {h["id"] for h in api(client, q=q, per_page=100)["hits"]}
    matched = [r for r in RECORDS if r["id"] in matched_ids]
    data = api(client, q=q, per_page=100, **params)
    assert sorted(h["id"] for h in data["hits"]) == sorted(
        r["id"] for r in brute_filter(params, matched)
    )
    assert facet_dict(data["facets"]) == brute_disjunctive(params, matched)


def test_facet_counts_say_what_a_click_gives(client: FlaskClient) -> None:
    data = api(client, q="grain", source=["Reuters"])
    for fc in data["facets"]["source"]:
        clicked = api(client, q="grain", source=["Reuters", fc["value"]])
        alone = api(client, q="grain", source=[fc["value"]])
        assert alone["total"] == fc["count"] and clicked["total"] >= fc["count"]


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


def test_index_of_an_earlier_version_is_503_asking_for_a_reindex(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Grain prices rise\n\nWheat and corn rose on Monday.\n")
    index = tmp_path / "index"
    reindex([str(corpus)], str(index))
    manifest = index / "newsdesk.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "index_name": "newsdesk_v3", "schema_version": 3}))
    leftovers = [
        index / "_newsdesk_v3_7.toc",
        index / "newsdesk_v3_abc.seg",
        index / "newsdesk_v3.tmp",
    ]
    leftovers[0].write_bytes(b"old toc")
    leftovers[1].write_bytes(b"old segment")
    leftovers[2].mkdir()
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    for url in ("/api/search?q=grain", "/search?q=grain"):
        response = app.test_client().get(url)
        assert response.status_code == 503
        assert b"newsdesk reindex" in response.data and b"earlier version" in response.data
    app.extensions["newsdesk"].close()
    reindex([str(corpus)], str(index))  # rebuilt by the current version
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    assert app.test_client().get("/api/search?q=grain").get_json()["total"] == 1
    app.extensions["newsdesk"].close()
    assert not any(path.exists() for path in leftovers), "the earlier index's files stay"
    assert (index / "newsdesk.json").exists() and (index / "newsdesk.lock").exists()


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


def test_facet_checkboxes_add_and_remove_filters(client: FlaskClient) -> None:
    source_form = f"//form[{C('facet-values')}][.//input[@type='checkbox'][@name='source']]"
    doc = page(client, "/search?q=grain")
    (form,) = doc.xpath(source_form)
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    assert hidden == [("q", "grain")]
    assert not form.xpath(".//input[@type='checkbox'][@checked]")
    assert "Reuters" in form.xpath(".//input[@type='checkbox']/@value")
    filtered = page(client, "/search?" + urlencode([*hidden, ("source", "Reuters")]))
    assert page_hits(filtered) == [
        h["id"] for h in api(client, q="grain", source="Reuters")["hits"]
    ]
    (remove,) = filtered.xpath(f"//*[{C('active-filters')}]//a[{C('remove')}]")
    assert parse_qs(urlsplit(remove.get("href")).query) == {"q": ["grain"]}
    (form,) = filtered.xpath(source_form)
    (box,) = form.xpath(f".//li[{C('selected')}]//input[@type='checkbox']")
    assert (box.get("value"), box.get("checked")) == ("Reuters", "checked")
    assert [i.get("name") for i in form.xpath(".//input[@type='hidden']")] == ["q"]


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


# ---------------------------------------------------------------- exclusions, facet search


def test_excluded_values_show_as_removable_not_chips(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&not_source=Reuters&not_source=AP")
    chips = doc.xpath(f"//*[{C('active-filters')}]/li[{C('excluded')}]")
    assert [" ".join(c.text_content().split()) for c in chips] == [
        "source: not Reuters ×",
        "source: not AP ×",
    ]
    remove = chips[0].xpath(f".//a[{C('remove')}]")[0].get("href")
    assert parse_qs(urlsplit(remove).query) == {"q": ["grain"], "not_source": ["AP"]}
    assert set(page_hits(doc)) == {"r07"}


def test_facet_values_link_to_their_exclusion(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    (link,) = doc.xpath(f"//section[{C('facet')}]//a[{C('exclude')}][contains(@href, 'AP')]")
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain"], "not_source": ["AP"]}
    assert "r02" not in page_hits(page(client, "/search" + link.get("href")))


@pytest.mark.parametrize(
    "facet, prefix, params, expected",
    [
        ("author", "b", {}, {"Bob Ray": 2, "Mike Brest": 1}),  # a value or one of its words
        ("author", "LEE", {}, {"Ann Lee": 3}),
        ("author", "", {"q": "grain"}, {"Ann Lee": 2, "Bob Ray": 2, XSS: 1}),
        ("author", "a", {"author": "Bob Ray"}, {"Ann Lee": 3}),  # its own choice left out
        ("source", "kyiv", {"not_author": "Ann Lee"}, {}),
        ("source", "kyiv", {}, {"Kyiv Independent": 1}),
        ("month", "2024", {"source": "AP"}, {"2024-01": 1, "2024-03": 1}),
    ],
)
def test_api_facet_value_search(
    client: FlaskClient, facet: str, prefix: str, params: dict[str, str], expected: dict
) -> None:
    response = client.get(f"/api/facets/{facet}", query_string={"prefix": prefix, **params})
    assert response.status_code == 200
    data = response.get_json()
    assert (data["facet"], data["prefix"]) == (facet, prefix)
    assert {v["value"]: v["count"] for v in data["values"]} == expected


def test_api_facet_value_search_of_an_unknown_facet_is_404(client: FlaskClient) -> None:
    response = client.get("/api/facets/colour?prefix=r")
    assert response.status_code == 404 and "no facet" in response.get_json()["error"]["message"]


def test_facet_search_form_filters_the_list_without_javascript(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&facet_q_author=bo")
    (form,) = doc.xpath(f"//form[{C('facet-search')}][.//input[@name='facet_q_author']]")
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"q": "grain"}
    assert page_facets(doc)["author"] == {"Bob Ray": 2}
    assert api(client, q="grain", facet_q_author="bo")["facets"]["author"] == [
        {"value": "Bob Ray", "count": 2}
    ]


# ---------------------------------------------------------------- histogram


def month_of(record: dict[str, Any]) -> str | None:
    return record["date"][:7] if record.get("date") else None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ["grain"]},
        {"q": ["grain"], "source": ["Reuters"]},
        {"q": ["odesa OR bakhmut"], "not_author": ["Mike Brest"]},
        {"source": ["AP"]},
    ],
)
def test_histogram_buckets_sum_to_the_total_with_totals_in_scope(
    client: FlaskClient, params: dict[str, list[str]]
) -> None:
    data = api(client, per_page=100, **params)
    hist = data["histogram"]
    assert hist["interval"] == "month"
    assert sum(b["count"] for b in hist["buckets"]) + hist["undated"] == data["total"]
    matched = [r for r in RECORDS if r["id"] in {h["id"] for h in data["hits"]}]
    scope = brute_filter({k: v for k, v in params.items() if k != "q"})
    keys = [b["key"] for b in hist["buckets"]]
    dated = sorted({month_of(r) for r in matched if month_of(r)})
    assert keys[0] == dated[0] and keys[-1] == dated[-1] and keys == sorted(keys)
    for bucket in hist["buckets"]:
        assert bucket["count"] == sum(1 for r in matched if month_of(r) == bucket["key"])
        assert bucket["total"] == sum(1 for r in scope if month_of(r) == bucket["key"])
    assert hist["undated"] == sum(1 for r in matched if not month_of(r))


def test_histogram_has_every_month_between_and_years_beyond_three(tmp_path: Path) -> None:
    records = [
        {"id": f"h{i}", "title": "Harvest", "body": "Harvest news.", "date": day}
        for i, day in enumerate(["2019-01-05", "2019-03-01", "2023-06-30", "2023-07-01"])
    ]
    index = build_index(tmp_path, records)[1]
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    years = api(client, q="harvest")["histogram"]
    assert years["interval"] == "year"
    assert [(b["key"], b["count"]) for b in years["buckets"]] == [
        ("2019", 2), ("2020", 0), ("2021", 0), ("2022", 0), ("2023", 2),
    ]  # fmt: skip
    months = api(client, q="harvest", **{"from": "2019-01-01", "to": "2019-12-31"})["histogram"]
    assert [(b["key"], b["count"]) for b in months["buckets"]] == [
        ("2019-01", 1), ("2019-02", 0), ("2019-03", 1),
    ]  # fmt: skip
    doc = page(client, "/search?q=harvest")
    rows = doc.xpath(f"//section[{C('histogram')}]//tbody/tr")
    assert rows[0].xpath("./th")[0].text_content().strip() == "2019"
    link = rows[0].xpath(".//a")[0].get("href")
    assert parse_qs(urlsplit(link).query) == {
        "q": ["harvest"], "from": ["2019-01-01"], "to": ["2019-12-31"],
    }  # fmt: skip
    app.extensions["newsdesk"].close()


# ---------------------------------------------------------------- dates in the query


@pytest.mark.parametrize(
    "q, expected",
    [
        ("grain date:2024-01", {"r01", "r02"}),
        ("grain date:2024", {"r01", "r02", "r04", "r07"}),
        ("grain date:>2024-01", {"r04", "r07"}),
        ("grain date:>=2024-02", {"r04", "r07"}),
        ("grain date:<2024-02-28", {"r01", "r02"}),
        ("date:[2024-01-15 to 2024-02-28]", {"r02", "r03", "r04"}),
        ("date:[2024-02 to]", {"r03", "r04", "r05", "r07"}),
        ("odesa date:2023", {"r08"}),
    ],
)
def test_dates_in_the_query(client: FlaskClient, q: str, expected: set[str]) -> None:
    assert {h["id"] for h in api(client, q=q, per_page=100)["hits"]} == expected


def test_relative_dates_in_the_query(tmp_path: Path) -> None:
    today = date.today()
    first = today.replace(day=1)
    last_month_day = first - timedelta(days=1)
    records = [
        {"id": "today", "title": "Vote", "body": "Vote today.", "date": today.isoformat()},
        {"id": "lastmonth", "title": "Vote", "body": "Vote.", "date": last_month_day.isoformat()},
        {"id": "old", "title": "Vote", "body": "Old vote.", "date": "2001-05-05"},
    ]
    client = create_app({"TESTING": True, "INDEX_DIR": str(build_index(tmp_path, records)[1])})
    client_ = client.test_client()
    cases = {
        "vote date:today": {"today"},
        "vote date:'last month'": {"lastmonth"},
        "vote date:[last month to today]": {"today", "lastmonth"},
        "vote date:'last 90 days'": {"today", "lastmonth"},
        "vote date:<2002": {"old"},
    }
    for q, expected in cases.items():
        assert {h["id"] for h in api(client_, q=q)["hits"]} == expected, q
    explanation = api(client_, q="vote date:today")["explanation"]
    assert explanation == f"articles with vote and dated {today.isoformat()}"
    client.extensions["newsdesk"].close()


def test_an_unreadable_date_says_where(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"q": "grain date:someday"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "cannot read 'someday' as a date at position 12" in message


# ---------------------------------------------------------------- all words, any word


def test_no_document_with_every_word_relaxes_to_any_word(client: FlaskClient) -> None:
    strict = api(client, q="grain zeppelin")
    assert strict["relaxed"] is True and strict["mode"] == "all"
    grain = api(client, q="grain", per_page=100)
    assert strict["total"] == grain["total"] > 0
    assert strict["explanation"] == "articles with grain or zeppelin"
    doc = page(client, "/search?q=grain+zeppelin")
    assert "have any of them" in doc.xpath(f"//*[{C('relaxed')}]")[0].text_content()
    assert page_hits(doc) == [h["id"] for h in strict["hits"]]


def test_mode_chooses_all_or_any_word(client: FlaskClient) -> None:
    every = api(client, q="grain odesa", per_page=100)
    some = api(client, q="grain odesa", mode="any", per_page=100)
    assert {h["id"] for h in every["hits"]} == {"r01"} and not every["relaxed"]
    assert {h["id"] for h in some["hits"]} == {"r01", "r02", "r04", "r06", "r07", "r08"}
    assert not some["relaxed"] and some["mode"] == "any"
    assert some["hits"][0]["id"] == "r01"  # both words rank first
    doc = page(client, "/search?q=grain+odesa")
    (link,) = doc.xpath(f"//nav[{C('mode')}]//a")
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain odesa"], "mode": ["any"]}
    assert client.get("/api/search?q=x&mode=some").status_code == 400


def test_nothing_found_stays_unrelaxed(client: FlaskClient) -> None:
    data = api(client, q="zeppelin airship")
    assert (data["total"], data["relaxed"]) == (0, False)


# ---------------------------------------------------------------- did you mean, explanation


def test_did_you_mean_from_the_index_vocabulary(client: FlaskClient) -> None:
    data = api(client, q="grian")
    assert (data["total"], data["suggestion"]) == (0, "grain")
    assert api(client, q="corridr ships")["suggestion"] == "corridor ships"
    assert api(client, q="grain")["suggestion"] is None  # finds plenty
    assert api(client, q="zzzzqx")["suggestion"] is None  # nothing near
    doc = page(client, "/search?q=grian&source=Reuters")
    link = doc.xpath(f"//*[{C('suggestion')}]//a")[0]
    assert link.text_content() == "grain"
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain"], "source": ["Reuters"]}


@pytest.mark.parametrize(
    "params, words",
    [
        (
            {"q": "zelensky bakhmut", "source": "Reuters"},
            "articles with zelensky and bakhmut, from Reuters",
        ),
        ({"q": "grain OR wheat"}, "articles with grain or wheat"),
        ({"q": 'bakhmut NOT "meat grinder"'}, 'articles with bakhmut and not "meat grinder"'),
        ({"q": "(kyiv OR odesa) title:grain"}, "articles with (kyiv or odesa) and grain in title"),
        (
            {"q": "export*", "author": ["Ann Lee", "Bob Ray"]},
            "articles with export*, by Ann Lee or Bob Ray",
        ),
        (
            {"not_source": "AP", "from": "2024-01-01"},
            "all articles, not from AP, dated from 2024-01-01",
        ),
        (
            {"q": "grain", "mode": "any", "speaker": "Oleksandr Kubrakov"},
            "articles with grain, quoting Oleksandr Kubrakov",
        ),
    ],
)
def test_the_query_is_told_in_words(client: FlaskClient, params: dict, words: str) -> None:
    assert api(client, **params)["explanation"] == words
    doc = page(client, f"/search?{urlencode(params, doseq=True)}")
    assert doc.xpath(f"//*[{C('explanation')}]")[0].text_content() == f"Showing {words}."


@pytest.mark.parametrize(
    "q, fragment",
    [
        ("(grain OR wheat", "the '(' at position 1 is never closed"),
        ("grain) wheat", "the ')' at position 6 has no matching '('"),
        ('grain "meat', 'the " at position 7 has no closing "'),
        ("grain colour:red", "unknown field 'colour:' at position 7"),
        ("grain title:", "'title:' at position 7 needs a term"),
    ],
)
def test_a_bad_query_says_where(client: FlaskClient, q: str, fragment: str) -> None:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400 and fragment in response.get_json()["error"]["message"]


def test_help_page_is_linked_from_the_search_box(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    (link,) = doc.xpath(f"//form[{C('searchbox')}]//a[{C('help-link')}]")
    help_doc = page(client, link.get("href"))
    text = help_doc.text_content()
    for syntax in (
        '"meat grinder"',
        "date:[2024-01 to 2024-03]",
        "date:'last month'",
        "OR",
        "mode=any",
    ):
        assert syntax in text, syntax


def test_a_served_worker_is_warm_before_its_first_request(index_dir: Path) -> None:
    """gunicorn loads the app in each worker before the worker takes requests: the arrays
    every search shares are built then, not during the first user's search (3.5 s at 200k
    articles), and that search finds what it should."""
    from webapp.search.handle import new_engine
    from webapp.search.tables import DateOrder, FacetTable, KindDocs
    from webapp.server import NewsdeskServer

    app = NewsdeskServer(str(index_dir), {"bind": "127.0.0.1:0"}).load()
    handle = app.extensions["newsdesk"]
    try:
        built = {builder for builder, _ in handle._cache}
        assert {FacetTable.build, DateOrder.build, KindDocs.build, new_engine} <= built
        response = app.test_client().get("/api/search?q=wheat")
        assert response.status_code == 200 and response.get_json()["total"] > 0
    finally:
        handle.close()


def test_a_served_worker_asks_the_os_for_every_index_file(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As it warms, a worker asks the OS to read the whole index into its page cache
    (Elasticsearch's index.store.preload): every file, each from its start to its end."""
    from webapp.server import NewsdeskServer

    asked: dict[str, tuple[int, int, int]] = {}
    fadvise = os.posix_fadvise

    def spy(fd: int, offset: int, length: int, advice: int) -> None:
        asked[os.readlink(f"/proc/self/fd/{fd}")] = (offset, length, advice)
        fadvise(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", spy)
    app = NewsdeskServer(str(index_dir), {"bind": "127.0.0.1:0"}).load()
    app.extensions["newsdesk"].close()
    files = {str(p.resolve()) for p in index_dir.iterdir() if p.is_file()}
    assert set(asked) == files
    assert set(asked.values()) == {(0, 0, os.POSIX_FADV_WILLNEED)}
