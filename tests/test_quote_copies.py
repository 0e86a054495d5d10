"""Quotations in syndicated copies (webapp/search/quote_copies.py), through HTTP: one statement
counted once by the quote search, its page, facets, histogram, exports, feeds and speaker
pages; every copy with dedupe=0; the same numbers everywhere either way."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import feedparser
import pytest
from flask.testing import FlaskClient

from helpers.copies import WIRE_QUOTES, syndicated_quote_records, syndicated_records
from helpers.pages import C, page, page_facets
from helpers.quotes import get_json, speaker_url
from helpers.records import build_index
from webapp import create_app
from webapp.search.quote_copies import quote_copy_key, quote_text_key

RECORDS = syndicated_quote_records()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("quote-copies"), RECORDS)[1]


# ---------------------------------------------------------------- brute force


def quote_rows(params: dict[str, str]) -> list[dict[str, Any]]:
    """Every quotation (as the fixture wrote it) of the articles the filters keep."""
    rows = []
    for record in RECORDS:
        seen: Counter[str] = Counter()
        for quote in record["quotes"]:
            seen[quote_text_key(quote["text"])] += 1
            row = {**quote, "source": record["source"], "date": record.get("date")}
            row["cluster"] = record["id"].split("-")[0] + "-0" if "-" in record["id"] else ""
            row["key"] = (row["cluster"] or record["id"], seen[quote_text_key(quote["text"])])
            row["key"] += (quote_text_key(quote["text"]),)
            if all(row.get(name) == value for name, value in params.items() if name != "q"):
                rows.append(row)
    words = params.get("q", "").lower().split()
    return [r for r in rows if all(w in r["text"].lower() for w in words)]


def expected_total(params: dict[str, str], dedupe: bool) -> int:
    rows = quote_rows(params)
    return len({r["key"] for r in rows}) if dedupe else len(rows)


SEARCHES = [{}, {"speaker": "Mara Quell"}, {"speaker": "Ivo Brand"}, {"q": "harbour"}]
DEDUPE = [{}, {"dedupe": "0"}]


def test_the_fixture_has_copies_to_fold() -> None:
    assert expected_total({}, True) < expected_total({}, False)
    assert expected_total({"speaker": "Ivo Brand"}, True) == 3  # one per story
    assert expected_total({"speaker": "Ivo Brand"}, False) == 6  # two copies of each print it


# ---------------------------------------------------------------- the quote search


@pytest.mark.parametrize("dedupe", DEDUPE)
@pytest.mark.parametrize("params", SEARCHES)
def test_each_statement_counts_once_in_total_facets_and_histogram(
    client: FlaskClient, params: dict[str, str], dedupe: dict[str, str]
) -> None:
    folded = not dedupe
    data = get_json(client, "/api/quotes", per_page=100, **params, **dedupe)
    assert data["total"] == len(data["hits"]) == expected_total(params, folded)
    others = quote_rows({k: v for k, v in params.items() if k != "speaker"})  # disjunctive
    counted = {row["key"]: row for row in others}.values() if folded else others
    speakers = Counter(row["speaker"] for row in counted)
    assert {f["value"]: f["count"] for f in data["facets"]["speaker"]} == dict(speakers)
    histogram = data["histogram"]
    assert sum(b["count"] for b in histogram["buckets"]) + histogram["undated"] == data["total"]
    assert sum(f["count"] for f in data["facets"]["month"]) + histogram["undated"] == data["total"]


@pytest.mark.parametrize("dedupe", DEDUPE)
@pytest.mark.parametrize("params", SEARCHES)
def test_page_api_exports_and_feed_agree(
    client: FlaskClient, params: dict[str, str], dedupe: dict[str, str]
) -> None:
    query = {**params, **dedupe}
    data = get_json(client, "/api/quotes", per_page=100, **query)
    total = data["total"]
    doc = page(client, f"/quotes?{urlencode(query)}")
    summary = " ".join(doc.xpath(f"//*[{C('total')}]")[0].text_content().split())
    assert f"of {total} quote" in summary
    assert page_facets(doc)["speaker"] == {
        f["value"]: f["count"] for f in data["facets"]["speaker"]
    }
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/quotes.csv?{urlencode(query)}").text)))
    assert [r["id"] for r in rows] == [h["id"] for h in data["hits"]]
    lines = client.get(f"/api/quotes.jsonl?{urlencode(query)}").text.splitlines()
    assert json.loads(lines[0])["manifest"]["count"] == len(lines) - 1 == total
    feed = feedparser.parse(
        client.get(f"/quotes.atom?{urlencode({**query, 'per_page': 100})}").data
    )
    assert [e.link.rsplit("/articles/", 1)[1] for e in feed.entries] == [
        h["link"].rsplit("/articles/", 1)[1]
        for h in get_json(client, "/api/quotes", per_page=100, sort="newest", **query)["hits"]
    ]
    for facet in ("speaker", "source"):
        values = get_json(client, f"/api/quotes/facets/{facet}", **query)["values"]
        assert values == data["facets"][facet]


def test_the_copy_kept_is_the_quote_in_the_story_s_first_article(client: FlaskClient) -> None:
    hits = get_json(client, "/api/quotes", speaker="Ivo Brand", sort="oldest")["hits"]
    assert [h["article_id"] for h in hits] == ["s0-0", "s1-0", "s2-0"]
    # Without the first copy among the matches, the oldest copy left stands for the story.
    hits = get_json(client, "/api/quotes", speaker="Ivo Brand", not_source="Daily Ledger")["hits"]
    assert sorted(h["article_id"] for h in hits) == ["s0-1", "s1-1", "s2-1"]


def test_cursor_pages_walk_the_folded_quotes(client: FlaskClient) -> None:
    seen, body = [], get_json(client, "/api/quotes", per_page=4, sort="newest")
    while True:
        seen += [h["id"] for h in body["hits"]]
        if not body["next"]:
            break
        body = get_json(client, "/api/quotes", per_page=4, sort="newest", cursor=body["next"])
    assert len(seen) == len(set(seen)) == expected_total({}, True)


# ---------------------------------------------------------------- speaker pages and feeds


@pytest.mark.parametrize("dedupe", DEDUPE)
@pytest.mark.parametrize("name", ["Mara Quell", "Ivo Brand"])
def test_speaker_page_api_downloads_and_feed_agree(
    client: FlaskClient, name: str, dedupe: dict[str, str]
) -> None:
    data = get_json(client, speaker_url(name, api=True), per_page=100, **dedupe)
    searched = get_json(client, "/api/quotes", speaker=name, **dedupe)
    assert data["total"] == searched["total"] == expected_total({"speaker": name}, not dedupe)
    undated = [r["key"] for r in quote_rows({"speaker": name}) if not r["date"]]
    assert data["undated"] == searched["histogram"]["undated"]
    assert data["undated"] == (len(undated) if dedupe else len(set(undated))) > 0
    assert sum(m["count"] for m in data["months"]) + data["undated"] == data["total"]

    doc = page(client, f"{speaker_url(name)}?{urlencode(dedupe)}")
    assert f"{data['undated']} undated" in doc.xpath(f"//*[{C('undated')}]")[0].text_content()
    downloads = {a.text: a.get("href") for a in doc.xpath(f"//*[{C('downloads')}]/a")}
    assert set(downloads) == {"CSV", "JSON Lines", "Atom feed"}
    csv_rows = list(csv.DictReader(io.StringIO(client.get(downloads["CSV"]).text)))
    assert [r["id"] for r in csv_rows] == [q["id"] for q in data["quotes"]]
    jsonl = client.get(downloads["JSON Lines"]).text.splitlines()
    assert [json.loads(line)["id"] for line in jsonl[1:]] == [q["id"] for q in data["quotes"]]
    (alternate,) = doc.xpath("//link[@rel='alternate'][@type='application/atom+xml']")
    assert alternate.get("href") == downloads["Atom feed"]
    feed = feedparser.parse(client.get(downloads["Atom feed"]).data)
    assert not feed.bozo
    assert [e.id.rsplit("/articles/", 1)[1] for e in feed.entries] == [
        q["link"].rsplit("/articles/", 1)[1] for q in data["quotes"]
    ]
    if dedupe:
        assert parse_qs(urlsplit(downloads["Atom feed"]).query) == {"dedupe": ["0"]}


# ---------------------------------------------------------------- the key


@pytest.mark.parametrize(
    "printed, same",
    [
        (("We will rebuild the harbour", "we will  rebuild the harbour"), True),  # case, spaces
        (("We will rebuild the harbour", "\u201cWe will rebuild the harbour\u201d"), True),
        (("It's not over", "It\u2019s not over"), True),  # the apostrophe retyped
        (("Ｗe will", "We will"), True),  # full-width letters (NFKC)
        (("We will rebuild the harbour", "We will rebuild the port"), False),
        (("It's not over", "It is not over"), False),  # another wording is another quote
    ],
)
def test_quote_text_key_reads_retyped_copies_as_one(printed: tuple[str, str], same: bool) -> None:
    assert (quote_text_key(printed[0]) == quote_text_key(printed[1])) is same


def test_quote_copy_key_keeps_stories_and_repeats_apart() -> None:
    text = WIRE_QUOTES[0][0]
    assert quote_copy_key("s0-0", text, 1) == quote_copy_key("s0-0", text.upper(), 1)
    assert quote_copy_key("s0-0", text, 1) != quote_copy_key("s1-0", text, 1)  # another story
    assert quote_copy_key("s0-0", text, 1) != quote_copy_key("s0-0", text, 2)  # said twice


@pytest.fixture
def repeated(tmp_path: Path) -> Iterator[FlaskClient]:
    """One story in three copies, each quoting the same words twice, and a fourth article
    with copies of its own quoting them too."""
    records = syndicated_records(stories=2)
    for record in records:
        record["quotes"] = [{"text": "Again and again", "speaker": "Ana Roe"}] * 2
    app = create_app({"TESTING": True, "INDEX_DIR": str(build_index(tmp_path, records)[1])})
    yield app.test_client()
    app.extensions["newsdesk"].close()


def test_a_quote_said_twice_in_a_story_counts_twice(repeated: FlaskClient) -> None:
    # two stories of three copies, two unrelated articles: each article says it twice
    assert get_json(repeated, "/api/quotes", dedupe="0")["total"] == 8 * 2
    assert get_json(repeated, "/api/quotes")["total"] == 4 * 2
    assert get_json(repeated, speaker_url("Ana Roe", api=True))["total"] == 4 * 2
