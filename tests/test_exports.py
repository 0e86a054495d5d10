"""Exports (CSV, JSON Lines) and cursor pages through HTTP."""

from __future__ import annotations

import csv
import io
import json
import re
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from helpers.copies import syndicated_records
from helpers.records import write_jsonl
from indexer.writer import reindex
from webapp import create_app
from webapp.search.hits import ARTICLE_COLUMNS, QUOTE_COLUMNS


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("exports")
    records = syndicated_records(stories=6)
    records += [
        {"id": f"b{n}", "title": f"Brief {n}", "date": f"2023-{n % 12 + 1:02d}-01",
         "source": "Wire", "body": f"Brief number {n} about the harbour."}
        for n in range(3000)
    ]  # fmt: skip
    write_jsonl(root / "corpus" / "all.jsonl", records)
    reindex([str(root / "corpus")], str(root / "ix"))
    app = create_app({"INDEX_DIR": str(root / "ix"), "TESTING": True})
    yield app.test_client()
    app.extensions["newsdesk"].close()


@pytest.mark.parametrize("params", [{}, {"dedupe": "0"}, {"q": "harbour", "sort": "oldest"}])
def test_jsonl_export_has_a_manifest_and_every_hit(client: Any, params: dict[str, str]) -> None:
    total = client.get("/api/search", query_string=params).get_json()["total"]
    response = client.get("/api/search.jsonl", query_string=params)
    lines = response.get_data(as_text=True).splitlines()
    manifest = json.loads(lines[0])["manifest"]
    assert manifest["count"] == total == len(lines) - 1
    assert manifest["dedupe"] == (params.get("dedupe") != "0") and manifest["build"]
    assert json.loads(response.headers["X-Newsdesk-Manifest"])["count"] == total
    ids = [json.loads(line)["id"] for line in lines[1:]]
    assert len(set(ids)) == total


def test_csv_export_rows_equal_the_total(client: Any) -> None:
    total = client.get("/api/search?q=brief").get_json()["total"]
    text = client.get("/api/search.csv?q=brief").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total and rows[0]["id"]
    assert client.get("/api/quotes.jsonl").status_code == 200
    assert client.get("/api/quotes.csv").status_code == 200


@pytest.mark.parametrize(
    "path, columns",
    [("/api/search.csv", ARTICLE_COLUMNS), ("/api/quotes.csv", QUOTE_COLUMNS)],
)
@pytest.mark.parametrize(
    "query", ["", "q=harbour&sort=oldest&source=Wire", "dedupe=0&q=%C3%A9t%C3%A9"]
)
def test_csv_opens_with_its_header_and_links_its_csvw_metadata(
    client: Any, path: str, columns: tuple[str, ...], query: str
) -> None:
    """What a spreadsheet opens: the header row first, then one row per hit. The manifest is
    in the CSV on the Web metadata the response links (rel=describedby), which describes
    this very CSV: its url, its columns (the header's cells) and datatypes."""
    url = f"{path}?{query}" if query else path
    response = client.get(url)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(columns)
    manifest = json.loads(response.headers["X-Newsdesk-Manifest"])
    assert len(rows) - 1 == manifest["count"]
    target, *params = (p.strip() for p in response.headers["Link"].split(";"))
    assert params == ['rel="describedby"', 'type="application/csvm+json"']
    metadata_url = urljoin(f"http://localhost{url}", target.strip("<>"))
    metadata = client.get(metadata_url)
    assert metadata.status_code == 200 and metadata.mimetype == "application/csvm+json"
    document = metadata.get_json()
    assert document["@context"] == "http://www.w3.org/ns/csvw"
    assert urljoin(metadata_url, document["url"]) == f"http://localhost{url}"
    described = document["tableSchema"]["columns"]
    assert [(c["name"], c["titles"]) for c in described] == [(c, c) for c in columns]
    types = {c["name"]: c["datatype"] for c in described}
    assert types["date"] == "date" and types["id"] == "string"
    assert types.get("n", "integer") == "integer"
    told = document["newsdesk:manifest"]
    assert {k: v for k, v in told.items() if k != "exported_at"} == {
        k: v for k, v in manifest.items() if k != "exported_at"
    }


def test_csvw_metadata_checks_its_parameters(client: Any) -> None:
    response = client.get("/api/search.csv-metadata.json?month=2024")
    assert response.status_code == 400 and "YYYY-MM" in response.get_json()["error"]["message"]


def _export_peak(client: Any, query: str) -> tuple[int, int]:
    tracemalloc.start()
    response = client.get(f"/api/search.jsonl?{query}", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, peak


def test_export_streams_in_flat_memory(client: Any) -> None:
    """Ten times the rows, not ten times the memory: rows are streamed, not collected."""
    client.get("/api/search.jsonl?dedupe=0&month=2023-01").get_data()  # warm the caches
    client.get("/api/search.jsonl?dedupe=0").get_data()
    small_size, small_peak = _export_peak(client, "dedupe=0&month=2023-01")
    size, peak = _export_peak(client, "dedupe=0")
    assert size > 10 * small_size
    assert peak < 3 * small_peak + 500_000


def test_cursor_walk_gives_every_hit_once(client: Any) -> None:
    first = client.get("/api/search?q=harbour&per_page=100&sort=newest")
    body, seen = first.get_json(), []
    assert 'rel="next"' in first.headers["Link"]
    while True:
        seen += [h["id"] for h in body["hits"]]
        if not body["next"]:
            break
        body = client.get(
            "/api/search",
            query_string={
                "q": "harbour",
                "per_page": 100,
                "sort": "newest",
                "cursor": body["next"],
            },
        ).get_json()
    assert len(seen) == len(set(seen)) == body["total"]


def test_tampered_or_foreign_cursor_is_a_400(client: Any) -> None:
    token = client.get("/api/search?per_page=5").get_json()["next"]
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/api/search?per_page=5&cursor={altered}").status_code == 400
    assert client.get(f"/api/search?per_page=5&q=other&cursor={token}").status_code == 400
    assert client.get("/api/search?cursor=%%%").status_code == 400


def test_result_page_offers_the_whole_result_set_for_download(client: Any) -> None:
    html = client.get("/search?q=read&sort=newest&page=2&per_page=2").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" download>(CSV|JSON Lines)</a>', html)
    assert [label for _, label in links] == ["CSV", "JSON Lines"]
    total = client.get("/api/search?q=read").get_json()["total"]
    for href, label in links:
        url = urlsplit(href.replace("&amp;", "&"))
        assert url.path == f"/api/search.{'csv' if label == 'CSV' else 'jsonl'}"
        params = parse_qs(url.query)
        assert "page" not in params and params["sort"] == ["newest"]  # every page, same order
        body = client.get(f"{url.path}?{url.query}").get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(body))) if label == "CSV" else body.splitlines()
        assert len(rows) - 1 == total  # a header line or a manifest record, then every hit


def test_exports_stop_at_the_row_limit_and_say_so(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webapp.limits.MAX_EXPORT_ROWS", 3)
    lines = client.get("/api/search.jsonl?dedupe=0").get_data(as_text=True).splitlines()
    manifest = json.loads(lines[0])["manifest"]
    assert manifest["truncated"] is True and manifest["count"] == 3 < manifest["total"]
    assert len(lines) == 1 + 3
