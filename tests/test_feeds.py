"""Atom feeds, OpenSearch and the JSON twin of every page, through HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest

from helpers.copies import syndicated_records
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
