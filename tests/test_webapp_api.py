"""The JSON API through HTTP: the response's shape, filters and disjunctive facets, sorting,
pages, highlights, articles, facet value search, and the error shape."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from flask.testing import FlaskClient

from helpers.brute_force import brute_disjunctive, brute_facets, brute_filter, facet_dict
from helpers.pages import ESCAPED_XSS, RESPONSE_KEYS, C, api, page
from helpers.records import RECORDS, XSS

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
    assert list(data["facets"]) == ["author", "source", "location", "speaker", "month", "language"]
    assert all(
        set(fc) == {"value", "count"}
        for name, fcs in data["facets"].items()
        if name != "language"
        for fc in fcs
    )
    english = {"value": "en", "count": data["total"], "label": "English"}
    assert data["facets"]["language"] == [english]


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
        ({"q": "title:(", "strict": "1"}, "parenthes"),
        ({"q": '"unterminated', "strict": "1"}, "unterminated"),
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


# ---------------------------------------------------------------- facet value search


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


@pytest.mark.parametrize("path", ["/api/facets/author", "/api/quotes/facets/speaker"])
def test_api_facet_values_page_through_every_value(client: FlaskClient, path: str) -> None:
    """`page` and `per_page` page the values, `total` counts them all, `next_page` and a
    Link rel=next header lead on: a client lists every value, however many."""
    everything = client.get(path, query_string={"per_page": 1000}).get_json()
    assert everything["total"] == len(everything["values"]) >= 3
    assert everything["next_page"] is None
    counts = [(-v["count"], v["value"]) for v in everything["values"]]
    assert counts == sorted(counts)  # most frequent first, then by value
    listed, url = [], f"{path}?per_page=2"
    while url:
        response = client.get(url)
        data = response.get_json()
        assert (data["total"], data["per_page"], len(data["values"])) == (
            everything["total"], 2, min(2, everything["total"] - len(listed)),
        )  # fmt: skip
        listed += data["values"]
        link = response.headers.get("Link")
        assert (link is None) == (data["next_page"] is None)
        url = link and link.split(";")[0].strip("<>")
        assert not url or parse_qs(urlsplit(url).query)["page"] == [str(data["next_page"])]
    assert listed == everything["values"]


def test_api_facet_value_pages_are_bounded_by_values_not_hits(client: FlaskClient) -> None:
    far = client.get("/api/facets/author", query_string={"page": 10_001, "per_page": 100})
    assert far.status_code == 200  # no depth limit: values are listed from memory
    assert far.get_json()["values"] == [] and far.get_json()["total"] > 0
    for bad in ({"per_page": 0}, {"per_page": 1001}, {"page": 0}, {"page": "x"}):
        response = client.get("/api/facets/author", query_string=bad)
        assert response.status_code == 400, bad
        assert next(iter(bad)) in response.get_json()["error"]["message"]
