"""Atom feeds, OpenSearch and the JSON twin of every page, through HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import feedparser
import lxml.html
import pytest

from helpers.copies import syndicated_quote_records, syndicated_records
from helpers.records import write_jsonl
from indexer.writer import reindex
from webapp import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    write_jsonl(tmp_path / "corpus" / "wire.jsonl", syndicated_records())
    reindex([str(tmp_path / "corpus")], str(tmp_path / "ix"))
    app = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True})
    yield app.test_client()
    app.extensions["newsdesk"].close()


def test_atom_feed_parses_newest_first(client: Any) -> None:
    response = client.get("/search.atom?q=read&dedupe=0")
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo and feed.version == "atom10"
    stamps = [entry.updated_parsed for entry in feed.entries]
    assert len(stamps) == 12 and stamps == sorted(stamps, reverse=True)
    assert all(entry.link.startswith("http://localhost/articles/") for entry in feed.entries)


@pytest.fixture(scope="module")
def quotes_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("quote-feeds")
    records = syndicated_quote_records()
    records.append(
        {"id": "dots", "title": "Dots", "date": "2024-04-01", "body": "Short.",
         "quotes": [{"text": "A path is no name", "speaker": "../x"},
                    {"text": "Feeds end so", "speaker": "Radio.atom"}]}
    )  # fmt: skip
    write_jsonl(root / "corpus" / "wire.jsonl", records)
    reindex([str(root / "corpus")], str(root / "ix"))
    app = create_app({"INDEX_DIR": str(root / "ix"), "TESTING": True})
    yield app.test_client()
    app.extensions["newsdesk"].close()


def atom(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo and feed.version == "atom10"
    return feed


def test_quote_feed_lists_the_quote_search_newest_first(quotes_client: Any) -> None:
    feed = atom(quotes_client, "/quotes.atom?q=harbour&dedupe=0")
    hits = quotes_client.get("/api/quotes?q=harbour&dedupe=0&sort=newest&per_page=20").get_json()
    assert [e.link for e in feed.entries] == [f"http://localhost{h['link']}" for h in hits["hits"]]
    stamps = [e.updated_parsed for e in feed.entries if e.get("published")]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) < len(feed.entries)
    first = feed.entries[0]
    assert first.title == f"{hits['hits'][0]['speaker']}: \u201cWe will rebuild the harbour\u201d"
    assert {t.term for t in first.tags} == {hits["hits"][0]["speaker"], hits["hits"][0]["source"]}
    assert feed.feed.subtitle.startswith(f"{hits['total']} matching quotations")
    doc = quotes_client.get("/quotes?q=harbour").get_data(as_text=True)
    assert 'type="application/atom+xml"' in doc and 'href="/quotes.atom?q=harbour"' in doc


def test_quote_feed_checks_its_parameters(quotes_client: Any) -> None:
    response = quotes_client.get("/quotes.atom?month=2024")
    assert response.status_code == 400 and "YYYY-MM" in response.get_data(as_text=True)
    assert quotes_client.get("/quotes.atom?per_page=101").status_code == 400


@pytest.mark.parametrize(
    "name, url",
    [
        ("Mara Quell", "/speakers/Mara%20Quell.atom"),
        ("../x", "/speaker.atom?name=..%2Fx"),  # no path can carry `..`
        ("Radio.atom", "/speaker.atom?name=Radio.atom"),  # the path would be another feed's
    ],
)
def test_speaker_feed_follows_one_person(quotes_client: Any, name: str, url: str) -> None:
    feed = atom(quotes_client, url)
    data = quotes_client.get("/api/speaker", query_string={"name": name, "per_page": 20})
    quotes = data.get_json()["quotes"]
    assert [e.link for e in feed.entries] == [f"http://localhost{q['link']}" for q in quotes]
    assert all(e.title.startswith(f"{name}: ") for e in feed.entries)
    page = lxml.html.fromstring(
        quotes_client.get("/speaker", query_string={"name": name}).get_data(as_text=True)
    )
    (link,) = page.xpath("//link[@rel='alternate'][@type='application/atom+xml']")
    linked, expected = urlsplit(link.get("href")), urlsplit(url)
    assert (linked.path, parse_qs(linked.query)) == (expected.path, parse_qs(expected.query))


def test_speaker_feed_of_nobody_is_a_404(quotes_client: Any) -> None:
    response = quotes_client.get("/speakers/Nobody%20Atall.atom")
    assert response.status_code == 404 and "Nobody Atall" in response.get_data(as_text=True)
    assert quotes_client.get("/speaker.atom").status_code == 400
    assert quotes_client.get("/speakers/Mara%20Quell.atom?per_page=0").status_code == 400


def test_opensearch_description_is_valid_and_linked(client: Any) -> None:
    response = client.get("/opensearch.xml")
    root = ElementTree.fromstring(response.data)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert root.tag == f"{ns}OpenSearchDescription"
    assert root.find(f"{ns}ShortName").text == "Newsdesk"  # type: ignore[union-attr]
    templates = [url.get("template") for url in root.findall(f"{ns}Url")]
    assert any("{searchTerms}" in (t or "") for t in templates)
    page = client.get("/search?q=read").get_data(as_text=True)
    assert 'rel="search" type="application/opensearchdescription+xml"' in page
    assert 'type="application/atom+xml"' in page


@pytest.mark.parametrize("path", ["/", "/search?q=read", "/quotes", "/articles/s0-0", "/help"])
def test_every_page_links_its_json_twin(client: Any, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', page)
    assert twin, path
    assert client.get(twin.group(1).replace("&amp;", "&")).status_code == 200
