"""Quote search through HTTP: /quotes, /api/quotes, speaker pages, exact phrases, the quotations
marked in the article page, and quote records kept in step by incremental reindex."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

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
    facet_values,
    write_jsonl,
)
from test_webapp import RESPONSE_KEYS, C, page, page_facets

from indexer.manifest import open_index
from indexer.model import Quote
from indexer.paragraphs import paragraph_or_line_spans
from indexer.writer import reindex
from webapp import create_app
from webapp.quotemarks import mark_quotes, quote_spans

FACETS = ("author", "source", "location", "speaker", "month")


def quoted(body: str, text: str, speaker: str | None, role: str | None = None) -> dict[str, Any]:
    """A quote record whose offsets point at `text` in `body`."""
    start = body.index(text)
    return {
        "text": text.strip('"'),
        "speaker": speaker,
        "speaker_role": role,
        "start": start,
        "end": start + len(text),
    }


SPLIT_BODY = (
    'The minister spoke in Kyiv.\n\n"Our ports stay open,\n\n'
    'and our grain exports will grow," said Oleksandr Kubrakov. '
    '"We export to forty countries," he added.'
)
SPLIT_QUOTE = '"Our ports stay open,\n\nand our grain exports will grow,"'
XSS_BODY = f'Officials met. "{XSS} is not a plan," said {XSS}. More <b>text</b> & more.'

EXTRA: list[dict[str, Any]] = [
    {
        "id": "q01",
        "title": "Ports stay open, minister says",
        "author": "Ann Lee",
        "date": "2024-03-20",
        "location": "Kyiv",
        "source": "Reuters",
        "body": SPLIT_BODY,
        "quotes": [
            quoted(SPLIT_BODY, SPLIT_QUOTE, "Oleksandr Kubrakov", "Minister of Infrastructure"),
            quoted(SPLIT_BODY, '"We export to forty countries,"', "Oleksandr Kubrakov"),
        ],
    },
    {
        "id": "q02",
        "title": "A grain export deal",
        "author": "Bob Ray",
        "date": "2024-04-02",
        "location": "Ankara",
        "source": "AP",
        "body": "Turkey brokered the deal.",
        "quotes": [
            {"text": "The grain export deal holds", "speaker": "Recep Erdogan"},
            {"text": "Nobody signed anything", "speaker": None},
        ],
    },
    {
        "id": "q03",
        "title": "Harvest outlook",
        "date": "2023-11-15",
        "source": "The Kyiv Independent",
        "location": "Odesa",
        "body": "Farmers expect a larger harvest.",
        "quotes": [{"text": "Grain exports will double", "speaker": "Volodymyr Zelensky"}],
    },
    {
        "id": "q04",
        "title": "Markup in a quotation",
        "date": "2024-03-02",
        "source": "AP",
        "body": XSS_BODY,
        "quotes": [quoted(XSS_BODY, f'"{XSS} is not a plan,"', XSS, XSS)],
    },
]
ALL = RECORDS + EXTRA


# ---------------------------------------------------------------- brute force over the quotes


def quote_rows(records: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], int, dict]]:
    """(article record, n from 1, quote) for every quotation."""
    return [(r, n, q) for r in records for n, q in enumerate(r.get("quotes") or [], start=1)]


def row_id(row: tuple[dict[str, Any], int, dict]) -> str:
    return f"{row[0]['id']}#q{row[1]}"


def quote_facet_values(row: tuple[dict[str, Any], int, dict], facet: str) -> list[str]:
    """A quote's facet values: its own speaker, and its article's author, source, place, month."""
    record, _, q = row
    if facet == "speaker":
        return [q["speaker"]] if q.get("speaker") else []
    values = facet_values(record, facet)
    return [v[4:] if facet == "source" and v.startswith("The ") else v for v in values]


def brute_quote_facets(rows: Iterable[tuple[dict[str, Any], int, dict]]) -> dict[str, dict]:
    rows = list(rows)
    return {f: dict(Counter(v for row in rows for v in quote_facet_values(row, f))) for f in FACETS}


def quote_date(row: tuple[dict[str, Any], int, dict]) -> str:
    return row[0].get("date") or ""


def brute_quote_filter(params: dict[str, list[str]]) -> list[tuple[dict[str, Any], int, dict]]:
    """Quotes matching facet filters (OR within a facet, AND across), exclusions, dates."""
    return brute_filter(params, quote_rows(ALL), quote_facet_values, quote_date)


def brute_quote_disjunctive(params: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Each facet of the quotes counted without its own choice (disjunctive faceting)."""
    return brute_disjunctive(params, quote_rows(ALL), quote_facet_values, quote_date)


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("quotes"), ALL)[1]


def get_json(client: FlaskClient, url: str, status: int = 200, **params: Any) -> dict[str, Any]:
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def quotes_api(client: FlaskClient, **params: Any) -> dict[str, Any]:
    return get_json(client, "/api/quotes", **params)


def quote_ids(client: FlaskClient, **params: Any) -> list[str]:
    return [h["id"] for h in quotes_api(client, per_page=100, **params)["hits"]]


def article_ids(client: FlaskClient, **params: Any) -> list[str]:
    return [h["id"] for h in get_json(client, "/api/search", per_page=100, **params)["hits"]]


def page_quote_links(doc: Any) -> list[str]:
    """The article links (with their #qN anchor) of the quote hits on a page, in order."""
    return [a.get("href") for a in doc.xpath(f"//li[{C('quote-hit')}]//a[{C('article-link')}]")]


def speaker_url(name: str, api: bool = False) -> str:
    return ("/api" if api else "") + "/speakers/" + quote(name, safe="")


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
        {"source": ["AP", "Kyiv Independent"]},
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
        sources[value.removeprefix("The ")] += count  # one spelling per source
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
        "title", "author", "date", "location", "source", "link", "score",
    ]  # fmt: skip
    assert hit["id"] == "r01#q1" and (hit["article_id"], hit["n"]) == ("r01", 1)
    assert hit["speaker"] == "Oleksandr Kubrakov"
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
        ({"q": "(grain"}, "parenthes"),
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


# ---------------------------------------------------------------- the quotes page


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "grain"},
        {"q": "grain OR bakhmut", "sort": "newest", "per_page": "2", "page": "2"},
        {"speaker": ["Volodymyr Zelensky", "Oleksandr Kubrakov"], "sort": "oldest"},
        {"q": "export*", "source": "Reuters", "from": "2024-01-01"},
        {"q": '"grain exports"'},
        {"q": "grain", "author": "Nobody"},
    ],
)
def test_quotes_html_and_json_agree(client: FlaskClient, query: dict[str, Any]) -> None:
    data = quotes_api(client, **query)
    doc = page(client, f"/quotes?{urlencode(query, doseq=True)}")
    assert page_quote_links(doc) == [h["link"] for h in data["hits"]]
    assert page_facets(doc) == {k: v for k, v in facet_dict(data["facets"]).items() if v}
    summary = " ".join(doc.xpath(f"//*[{C('total')}]")[0].text_content().split())
    assert f"of {data['total']} quote" in summary or (
        data["total"] == 0 and "No quotes match" in summary
    )


def test_quote_hits_show_speaker_text_and_article(client: FlaskClient) -> None:
    doc = page(client, "/quotes?q=corridor")
    (hit,) = doc.xpath(f"//li[{C('quote-hit')}]")
    assert [m.text for m in hit.xpath(".//blockquote//mark")] == ["corridor"]
    speaker = hit.xpath(f".//a[{C('speaker-link')}]")[0]
    assert (speaker.text, speaker.get("href")) == (
        "Oleksandr Kubrakov",
        speaker_url("Oleksandr Kubrakov"),
    )
    article = hit.xpath(f".//a[{C('article-link')}]")[0]
    assert (article.text, article.get("href")) == (
        "Grain exports resume from Odesa",
        "/articles/r01#q1",
    )
    meta = hit.xpath(f".//*[{C('meta')}]")[0].text_content()
    assert all(v in meta for v in ("Reuters", "2024-01-10", "Odesa"))


def test_tabs_switch_between_articles_and_quotes_keeping_the_search(client: FlaskClient) -> None:
    params = {"q": ["grain"], "source": ["Reuters"], "sort": ["newest"]}
    for here, there in (("/search", "/quotes"), ("/quotes", "/search")):
        doc = page(client, f"{here}?{urlencode(params, doseq=True)}&page=2")
        (link,) = doc.xpath(f"//nav[{C('tabs')}]//a")
        url = urlsplit(link.get("href"))
        assert url.path == there and parse_qs(url.query) == params
        assert doc.xpath(f"//nav[{C('tabs')}]//*[@aria-current='page']")
    doc = page(client, "/quotes?q=grain&speaker=Volodymyr+Zelensky")
    (form,) = doc.xpath("//form[@role='search']")
    assert form.get("action") == "/quotes"
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"speaker": "Volodymyr Zelensky"}


@pytest.mark.parametrize(
    "url, api",
    [
        ("/quotes?q=grain&speaker=Volodymyr+Zelensky", "/api/quotes"),
        ("/search?q=grain", "/api/search"),
        ("/speakers/Volodymyr%20Zelensky?page=2&per_page=1", "/api/speakers/Volodymyr%20Zelensky"),
        ("/articles/q01", "/api/articles/q01"),
    ],
)
def test_every_page_links_its_json_twin(client: FlaskClient, url: str, api: str) -> None:
    doc = page(client, url)
    (link,) = doc.xpath("//link[@rel='alternate'][@type='application/json']")
    href = urlsplit(link.get("href"))
    assert href.path == urlsplit(api).path or href.path == api
    assert parse_qs(href.query) == parse_qs(urlsplit(url).query)
    assert client.get(link.get("href")).status_code == 200


def test_speaker_facet_values_link_to_speaker_pages(client: FlaskClient) -> None:
    for url in ("/search?q=grain", "/quotes?q=grain"):
        doc = page(client, url)
        links = doc.xpath(f"//aside//a[{C('speaker-page')}]")
        assert links, url
        for link in links:
            assert link.get("href").startswith("/speakers/")
            assert client.get(link.get("href")).status_code == 200


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


# ---------------------------------------------------------------- speaker pages


def test_speaker_api(client: FlaskClient) -> None:
    name = "Oleksandr Kubrakov"
    rows = [r for r in quote_rows(ALL) if r[2]["speaker"] == name]
    data = get_json(client, speaker_url(name, api=True))
    assert list(data) == ["speaker", "total", "page", "per_page", "quotes", "months", "sources"]
    assert (data["speaker"], data["total"]) == (name, len(rows))
    newest_first = sorted(rows, key=lambda r: r[0]["date"], reverse=True)
    assert [q["id"] for q in data["quotes"]] == [row_id(r) for r in newest_first]
    months = Counter(r[0]["date"][:7] for r in rows)
    assert data["months"] == [
        {"value": m, "count": months[m]} for m in sorted(months, reverse=True)
    ]
    sources = brute_quote_facets(rows)["source"]
    assert {s["value"]: s["count"] for s in data["sources"]} == sources
    assert [s["count"] for s in data["sources"]] == sorted(sources.values(), reverse=True)


def test_speaker_api_pages(client: FlaskClient) -> None:
    url = speaker_url("Volodymyr Zelensky", api=True)
    everything = [q["id"] for q in get_json(client, url)["quotes"]]
    pages = [get_json(client, url, per_page=2, page=n) for n in (1, 2)]
    assert [q["id"] for p in pages for q in p["quotes"]] == everything
    assert {p["total"] for p in pages} == {len(everything)} and pages[1]["page"] == 2
    assert all(p["months"] == pages[0]["months"] for p in pages)  # over all quotes, not the page
    assert get_json(client, url, 400, page="zero")["error"]["status"] == 400


def test_speaker_page(client: FlaskClient) -> None:
    name = "Volodymyr Zelensky"
    data = get_json(client, speaker_url(name, api=True))
    doc = page(client, speaker_url(name))
    assert doc.xpath("//h1")[0].text_content().strip() == name
    assert page_quote_links(doc) == [q["link"] for q in data["quotes"]]

    def listed(cls: str) -> list[tuple[str, int, dict]]:
        links = doc.xpath(f"//section[{C(cls)}]//li/a")
        return [
            (
                a.xpath(f".//*[{C('value')}]")[0].text_content(),
                int(a.xpath(f".//*[{C('count')}]")[0].text_content()),
                parse_qs(urlsplit(a.get("href")).query),
            )
            for a in links
        ]

    months = listed("months")
    assert [(m, n) for m, n, _ in months] == [(m["value"], m["count"]) for m in data["months"]]
    assert months[0][2] == {"speaker": [name], "month": [data["months"][0]["value"]]}
    sources = listed("sources")
    assert [(s, n) for s, n, _ in sources] == [(s["value"], s["count"]) for s in data["sources"]]
    (form,) = doc.xpath("//form[@role='search']")
    assert form.get("action") == "/quotes"
    assert [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")] == [
        ("speaker", name)
    ]
    assert form.xpath(".//input[@name='q']")


def test_speaker_search_box_searches_only_their_quotes(client: FlaskClient) -> None:
    doc = page(client, speaker_url("Volodymyr Zelensky"))
    (form,) = doc.xpath("//form[@role='search']")
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    data = get_json(
        client, form.get("action").replace("/quotes", "/api/quotes"), q="bakhmut", **fields
    )
    assert [h["id"] for h in data["hits"]] == ["r03#q1"]


def test_unknown_speaker_is_404(client: FlaskClient) -> None:
    error = get_json(client, "/api/speakers/Nobody%20Atall", 404)["error"]
    assert error == {"status": 404, "message": "no quotes by 'Nobody Atall'"}
    doc = page(client, "/speakers/Nobody%20Atall", 404)
    assert "no quotes by" in doc.xpath(f"//*[{C('message')}]")[0].text_content()
    assert client.get("/speakers/volodymyr%20zelensky").status_code == 404  # names are exact


# ---------------------------------------------------------------- the article page


def test_article_page_marks_each_quotation_in_the_text(client: FlaskClient) -> None:
    doc = page(client, "/articles/q01")
    paragraphs = doc.xpath(f"//*[{C('body')}]/p")
    spans = paragraph_or_line_spans(SPLIT_BODY)
    assert [p.text_content() for p in paragraphs] == [SPLIT_BODY[s:e] for s, e in spans]
    first = doc.xpath("//mark[@id='q1']")[0]
    cont = doc.xpath("//mark[@data-quote='1']")[0]
    assert "quote" in first.get("class") and "cont" in cont.get("class")
    assert first.getparent() is not cont.getparent()  # the quotation crosses a paragraph break
    assert first.text_content() + "\n\n" + cont.text_content() == SPLIT_QUOTE
    assert doc.xpath("//mark[@id='q2']")[0].text_content() == '"We export to forty countries,"'
    items = doc.xpath(f"//section[{C('quotes')}]//figure")
    assert [f.xpath(".//a[@href][1]")[0].get("href") for f in items] == ["#q1", "#q2"]
    speaker = items[0].xpath(f".//a[{C('speaker-link')}]")[0]
    assert speaker.get("href") == speaker_url("Oleksandr Kubrakov")
    assert "Minister of Infrastructure" in items[0].text_content()


def test_every_quote_link_lands_on_an_anchor(client: FlaskClient) -> None:
    for hit in quotes_api(client, per_page=100)["hits"]:
        path, anchor = hit["link"].split("#")
        doc = page(client, path)
        assert len(doc.xpath(f"//*[@id='{anchor}']")) == 1, hit["link"]


def test_quotes_without_offsets_anchor_their_list_item(client: FlaskClient) -> None:
    doc = page(client, "/articles/r03")
    assert not doc.xpath("//mark")
    ids = [f.get("id") for f in doc.xpath(f"//section[{C('quotes')}]//figure")]
    assert ids == ["q1", "q2", "q3"]


# ---------------------------------------------------------------- marking, as a unit


def test_bad_and_overlapping_spans_are_not_marked() -> None:
    body = 'He said "one two" and "three".'
    quotes = [
        Quote("one two", start=body.index('"one'), end=body.index(" and")),
        Quote("two", start=body.index("two"), end=body.index("two") + 3),  # inside the first
        Quote("x", start=5, end=2),
        Quote("y", start=0, end=len(body) + 1),
        Quote("three"),
    ]
    assert [s.n for s in quote_spans(body, quotes)] == [1]
    marked = mark_quotes(body, quotes)
    assert marked.paragraphs == [
        'He said <mark class="quote" id="q1">&quot;one two&quot;</mark> and &quot;three&quot;.'
    ]
    assert marked.anchored == {1}


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "url",
    [
        "/quotes",
        "/quotes?q=plan",
        f"/quotes?speaker={quote(XSS)}",
        "/search?q=plan",
        "/articles/q04",
        "/articles/r07",
        speaker_url(XSS),
    ],
)
def test_markup_in_quotes_and_speakers_is_inert(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "<script>" not in body and "alert(1)</script>" not in body
    assert html.escape(XSS, quote=False) in body
    assert not lxml.html.fromstring(body).xpath("//script[not(starts-with(@src, '/static/'))]")


def test_markup_inside_a_marked_quotation_stays_text(client: FlaskClient) -> None:
    doc = page(client, "/articles/q04")
    (mark,) = doc.xpath("//mark[@id='q1']")
    assert mark.text_content() == f'"{XSS} is not a plan,"' and not mark.getchildren()
    assert "More <b>text</b> & more." in doc.xpath(f"//*[{C('body')}]/p")[0].text_content()
    data = get_json(client, speaker_url(XSS, api=True))
    assert data["speaker"] == XSS and data["quotes"][0]["highlight"].startswith("&lt;script&gt;")


# ---------------------------------------------------------------- incremental reindex


def stored_docs(index: Path) -> tuple[set[str], dict[str, str]]:
    """Article ids, and quote id → its article id, straight from the index."""
    with open_index(str(index)).searcher() as searcher:
        docs = list(searcher.all_stored_fields())
    articles = {d["id"] for d in docs if d["kind"] == "article"}
    quotes = {d["id"]: d["article"] for d in docs if d["kind"] == "quote"}
    return articles, quotes


def assert_in_step(index: Path, records: list[dict[str, Any]]) -> None:
    """The index holds exactly these articles and their quotes: no orphan, no stale record."""
    articles, quotes = stored_docs(index)
    assert articles == {r["id"] for r in records}
    assert quotes == {row_id(row): row[0]["id"] for row in quote_rows(records)}


def test_reindex_keeps_quote_records_in_step(tmp_path: Path) -> None:
    corpus, index = build_index(tmp_path, RECORDS[:4])
    write_jsonl(corpus / "more.jsonl", EXTRA[:2])
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, RECORDS[:4] + EXTRA[:2])
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    assert quote_ids(client, q="forty") == ["q01#q2"]

    # A file's quotes change: one quote fewer, one new text.
    changed = [dict(r) for r in RECORDS[:4]]
    changed[2]["quotes"] = [{"text": "Bakhmut holds out", "speaker": "Volodymyr Zelensky"}]
    write_jsonl(corpus / "articles.jsonl", changed)
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, changed + EXTRA[:2])
    assert quote_ids(client, q="grinder") == []
    assert quote_ids(client, q="bakhmut") == ["r03#q1"]
    assert quotes_api(client)["total"] == len(quote_rows(changed + EXTRA[:2]))

    # An article moves to another file under the same id: its old quotes go with it.
    moved = {**EXTRA[0], "quotes": EXTRA[0]["quotes"][:1]}
    (corpus / "more.jsonl").unlink()
    write_jsonl(corpus / "moved.jsonl", [moved])
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, [*changed, moved])
    assert quote_ids(client, q="forty") == []

    # A deleted file takes its articles and their quotes.
    (corpus / "moved.jsonl").unlink()
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, changed)
    assert get_json(client, speaker_url("Oleksandr Kubrakov", api=True))["total"] == 1
    speaker_facet = facet_dict(quotes_api(client)["facets"])["speaker"]
    assert speaker_facet == brute_quote_facets(quote_rows(changed))["speaker"]
    app.extensions["newsdesk"].close()


def test_quotes_found_in_plain_text_bodies_are_searchable(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.txt").write_text(
        "Ports reopen in Odesa\n\n"
        'ODESA (Reuters) - Ships left the port on Monday. "The corridor works and the '
        'ships keep sailing," Oleksandr Kubrakov said.\n'
    )
    reindex([str(corpus)], str(tmp_path / "ix"), workers=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")})
    client = app.test_client()
    (hit,) = quotes_api(client, q="corridor")["hits"]
    assert "corridor works" in hit["text"]
    doc = page(client, hit["link"].split("#")[0])
    (mark,) = doc.xpath(f"//mark[@id='q{hit['n']}']")
    assert "corridor works" in mark.text_content()
    app.extensions["newsdesk"].close()


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
