"""Quote search through HTTP (/api/quotes): filters and disjunctive facets against brute force,
the hit's shape, sorting and pages, errors, exact phrases, exclusions, facet value search."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from helpers.brute_force import brute_facets, facet_dict
from helpers.pages import RESPONSE_KEYS, C, page
from helpers.quotes import (
    ALL,
    FACETS,
    OUTLETS,
    SPLIT_QUOTE,
    brute_quote_disjunctive,
    brute_quote_facets,
    brute_quote_filter,
    get_json,
    quote_ids,
    quote_rows,
    quotes_api,
    row_id,
)
from helpers.records import XSS, build_index


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("quotes"), ALL)[1]


# ---------------------------------------------------------------- quote search: filters, facets


def test_browsing_quotes_lists_every_quote_newest_first(client: FlaskClient) -> None:
    data = quotes_api(client, per_page=100)
    rows = quote_rows(ALL)
    assert data["total"] == len(rows)
    assert sorted(h["id"] for h in data["hits"]) == sorted(map(row_id, rows))
    dates = [h["date"] for h in data["hits"]]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True) and dates[len(dated) :] == [None] * (
        len(dates) - len(dated)
    )
    assert facet_dict(data["facets"]) == brute_quote_facets(rows)


@pytest.mark.parametrize(
    "params",
    [
        {"author": ["Ann Lee"]},
        {"author": ["Bob Ray", "Mike Brest"]},
        {"source": ["Reuters"]},
        {"source": ["AP", "The Kyiv Independent"]},
        {"location": ["Odesa"]},
        {"location": ["Kyiv", "Ankara"]},
        {"speaker": ["Volodymyr Zelensky"]},
        {"speaker": ["Oleksandr Kubrakov", "Recep Erdogan"]},
        {"speaker": [XSS]},
        {"month": ["2024-02"]},
        {"month": ["2024-03", "2023-11"]},
        {"from": ["2024-02-05"]},
        {"to": ["2024-01-20"]},
        {"from": ["2024-01-10"], "to": ["2024-03-20"]},
        {"speaker": ["Volodymyr Zelensky"], "source": ["Reuters"]},
        {"speaker": ["Oleksandr Kubrakov"], "month": ["2024-03"], "location": ["Kyiv"]},
        {"author": ["Nobody"]},
    ],
)
def test_quote_filters_match_brute_force(client: FlaskClient, params: dict[str, list[str]]) -> None:
    expected = brute_quote_filter(params)
    data = quotes_api(client, per_page=100, **params)
    assert sorted(h["id"] for h in data["hits"]) == sorted(map(row_id, expected))
    assert data["total"] == len(expected)
    assert facet_dict(data["facets"]) == brute_quote_disjunctive(params)


def test_article_search_counts_and_facets_only_articles(client: FlaskClient) -> None:
    data = get_json(client, "/api/search", per_page=100)
    assert sorted(h["id"] for h in data["hits"]) == sorted(r["id"] for r in ALL)
    assert data["total"] == len(ALL)
    expected = brute_facets(ALL)
    sources: Counter[str] = Counter()
    for value, count in expected["source"].items():
        sources[OUTLETS[value]] += count  # one outlet, whatever the spelling
    expected["source"] = dict(sources)
    assert facet_dict(data["facets"]) == expected
    assert all("#" not in h["id"] for h in data["hits"])


def test_quote_query_searches_text_and_speaker(client: FlaskClient) -> None:
    assert sorted(quote_ids(client, q="bakhmut")) == ["r03#q1", "r03#q2"]
    zelensky = [row_id(r) for r in quote_rows(ALL) if r[2]["speaker"] == "Volodymyr Zelensky"]
    assert sorted(quote_ids(client, q="zelensky")) == sorted(zelensky)
    assert quote_ids(client, q="bakhmut", speaker="Yevgeny Prigozhin") == ["r03#q2"]
    assert quote_ids(client, q="speaker:prigozhin") == ["r03#q2"]


def test_quote_facets_count_every_match_not_only_the_page(client: FlaskClient) -> None:
    data = quotes_api(client, q="grain OR bakhmut OR export", per_page=2)
    matched = [r for r in quote_rows(ALL) if row_id(r) in quote_ids(client, q=data["query"])]
    assert data["total"] == len(matched) > 2 and len(data["hits"]) == 2
    assert facet_dict(data["facets"]) == brute_quote_facets(matched)


def test_api_quotes_shape(client: FlaskClient) -> None:
    data = quotes_api(client, q="corridor")
    assert [key for key in data if key in RESPONSE_KEYS] == RESPONSE_KEYS
    assert list(data["facets"]) == list(FACETS)
    (hit,) = data["hits"]
    assert list(hit) == [
        "id", "article_id", "n", "speaker", "speaker_role", "text", "highlight",
        "title", "author", "date", "location", "source", "link", "score", "published",
        "date_precision", "speaker_kind", "language",
    ]  # fmt: skip
    assert hit["id"] == "r01#q1" and (hit["article_id"], hit["n"]) == ("r01", 1)
    assert (hit["speaker"], hit["speaker_kind"]) == ("Oleksandr Kubrakov", "person")
    assert hit["text"] == "The grain corridor works"
    assert hit["highlight"] == "The grain <mark>corridor</mark> works"
    assert (hit["title"], hit["date"], hit["source"], hit["location"]) == (
        "Grain exports resume from Odesa",
        "2024-01-10",
        "Reuters",
        "Odesa",
    )
    assert hit["link"] == "/articles/r01#q1" and isinstance(hit["score"], float)


def test_quote_hit_carries_the_speaker_role(client: FlaskClient) -> None:
    hit = quotes_api(client, q="ports")["hits"][0]
    assert (hit["id"], hit["speaker_role"]) == ("q01#q1", "Minister of Infrastructure")
    assert hit["text"] == SPLIT_QUOTE.strip('"')


def test_quote_sort_and_pages(client: FlaskClient) -> None:
    everything = quote_ids(client, sort="oldest")
    pages = [quotes_api(client, sort="oldest", per_page=4, page=n)["hits"] for n in (1, 2, 3, 4)]
    assert [h["id"] for p in pages for h in p] == everything
    newest = quote_ids(client, q="grain OR export", sort="newest")
    dates = [h["date"] for h in quotes_api(client, q="grain OR export", sort="newest")["hits"]]
    assert len(newest) > 2 and dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"per_page": "0"}, "per_page"),
        ({"page": "x"}, "page"),
        ({"from": "2024-02-30"}, "from"),
        ({"sort": "loud"}, "sort"),
        ({"q": "(grain", "strict": "1"}, "parenthes"),
        ({"q": "quotes_exact:grain"}, "unknown field"),
    ],
)
def test_bad_quote_requests_are_400(
    client: FlaskClient, query: dict[str, str], fragment: str
) -> None:
    error = get_json(client, "/api/quotes", 400, **query)["error"]
    assert error["status"] == 400 and fragment in error["message"]
    doc = page(client, f"/quotes?{urlencode(query)}", 400)
    assert doc.xpath(f"//*[{C('message')}]")[0].text_content() == error["message"]


# ---------------------------------------------------------------- exact phrases


@pytest.mark.parametrize(
    "endpoint, q, expected",
    [
        ("/api/search", "grain exports", {"r01", "q01", "q02", "q03"}),  # stemmed: export(s)
        ("/api/search", '"grain exports"', {"r01", "q01", "q03"}),
        ("/api/search", '"grain export"', {"q02"}),
        ("/api/search", "exports", {"r01", "r08", "q01", "q02", "q03"}),
        ("/api/search", '"exports"', {"r01", "r08", "q01", "q03"}),
        ("/api/search", 'title:"grain exports"', {"r01"}),
        ("/api/search", 'quotes:"grain export"', {"q02"}),
        ("/api/search", '"grain exports" odesa', {"r01"}),
        ("/api/search", '"meat grinder"', {"r03"}),
        ("/api/quotes", "grain exports", {"q01#q1", "q02#q1", "q03#q1"}),
        ("/api/quotes", '"grain exports"', {"q01#q1", "q03#q1"}),
        ("/api/quotes", '"grain export"', {"q02#q1"}),
        ("/api/quotes", '"exports"', {"q01#q1", "q03#q1", "r08#q1"}),
        ("/api/quotes", "export", {"q01#q1", "q01#q2", "q02#q1", "q03#q1", "r08#q1"}),
    ],
)
def test_quoted_phrases_match_exact_words(
    client: FlaskClient, endpoint: str, q: str, expected: set[str]
) -> None:
    hits = get_json(client, endpoint, q=q, per_page=100)["hits"]
    assert {h["id"] for h in hits} == expected


def test_exact_phrase_matches_are_highlighted(client: FlaskClient) -> None:
    (hit,) = quotes_api(client, q='"grain export"')["hits"]
    assert hit["highlight"] == "The <mark>grain</mark> <mark>export</mark> deal holds"
    hits = {h["id"]: h for h in get_json(client, "/api/search", q='"grain exports"')["hits"]}
    assert (
        hits["r01"]["highlights"]["title"]
        == "<mark>Grain</mark> <mark>exports</mark> resume from Odesa"
    )
    assert "<mark>exports</mark>" in hits["q01"]["highlights"]["body"]


# ---------------------------------------------------------------- exclusions, histogram, facets


@pytest.mark.parametrize(
    "params",
    [
        {"not_speaker": ["Volodymyr Zelensky"]},
        {"speaker": ["Volodymyr Zelensky", "Oleksandr Kubrakov"], "not_source": ["Reuters"]},
        {"not_month": ["2024-02"], "not_location": ["Kyiv"]},
    ],
)
def test_quote_exclusions_and_disjunctive_facets(
    client: FlaskClient, params: dict[str, list[str]]
) -> None:
    expected = brute_quote_filter(params)
    data = quotes_api(client, per_page=100, **params)
    assert sorted(h["id"] for h in data["hits"]) == sorted(map(row_id, expected))
    assert facet_dict(data["facets"]) == brute_quote_disjunctive(params)
    hist = data["histogram"]
    assert sum(b["count"] for b in hist["buckets"]) + hist["undated"] == data["total"]


def test_quote_facet_value_search_and_explanation(client: FlaskClient) -> None:
    found = get_json(client, "/api/quotes/facets/speaker", prefix="zel")["values"]
    zelensky = sum(1 for r in quote_rows(ALL) if r[2]["speaker"] == "Volodymyr Zelensky")
    assert found == [{"value": "Volodymyr Zelensky", "count": zelensky}]
    data = quotes_api(client, q="bakhmut", speaker="Yevgeny Prigozhin")
    assert data["explanation"] == "quotes with bakhmut, said by Yevgeny Prigozhin"
