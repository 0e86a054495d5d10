"""Quotes in the HTML pages, through HTTP: /quotes and its JSON twin, speaker pages, the
quotations marked in the article page, and markup in quotes and speakers kept inert."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import lxml.html
import pytest
from flask.testing import FlaskClient

from helpers.brute_force import facet_dict
from helpers.pages import C, page, page_facets
from helpers.quotes import (
    ALL,
    SPLIT_BODY,
    SPLIT_QUOTE,
    brute_quote_facets,
    get_json,
    quote_rows,
    quotes_api,
    row_id,
    speaker_url,
)
from helpers.records import XSS, build_index
from indexer.model import Quote
from indexer.paragraphs import paragraph_or_line_spans
from webapp.quotemarks import mark_quotes, quote_spans


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("quotes"), ALL)[1]


def page_quote_links(doc: Any) -> list[str]:
    """The article links (with their #qN anchor) of the quote hits on a page, in order."""
    return [a.get("href") for a in doc.xpath(f"//li[{C('quote-hit')}]//a[{C('article-link')}]")]


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


# ---------------------------------------------------------------- speaker pages


def test_speaker_api(client: FlaskClient) -> None:
    name = "Oleksandr Kubrakov"
    rows = [r for r in quote_rows(ALL) if r[2]["speaker"] == name]
    data = get_json(client, speaker_url(name, api=True))
    assert list(data) == [
        "speaker", "speaker_kind", "aliases", "total", "page", "per_page", "quotes", "months",
        "undated", "sources",
    ]  # fmt: skip
    assert (data["speaker"], data["total"]) == (name, len(rows))
    assert (data["speaker_kind"], data["aliases"]) == ("person", [])
    assert data["undated"] == sum(1 for r in rows if not r[0].get("date")) == 0
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


def test_speaker_urls_are_case_insensitive(client: FlaskClient) -> None:
    exact = get_json(client, speaker_url("Volodymyr Zelensky", api=True))
    for typed in ("volodymyr zelensky", "VOLODYMYR ZELENSKY", "Volodymyr  Zelensky"):
        other = get_json(client, speaker_url(typed, api=True))
        assert (other["speaker"], other["total"]) == (exact["speaker"], exact["total"])
    doc = page(client, speaker_url("volodymyr zelensky"))
    assert doc.xpath("//h1")[0].text_content().strip() == "Volodymyr Zelensky"
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    assert canonical == [speaker_url("Volodymyr Zelensky")]


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
