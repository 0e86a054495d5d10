"""A document's date as the API gives it (webapp/search/dates.py): `date` always YYYY-MM-DD."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient

from helpers.records import build_index
from webapp import create_app
from webapp.search.dates import Dated, dated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-12-29", Dated("2020-12-29", None, "day")),
        ("2020-12-29T16:19:16+03:00", Dated("2020-12-29", "2020-12-29T16:19:16+03:00", "second")),
        ("2020-12-29T16:19:16Z", Dated("2020-12-29", "2020-12-29T16:19:16Z", "second")),
        ("2020-12-29 16:19", Dated("2020-12-29", "2020-12-29T16:19", "minute")),
        (
            "2020-12-29T16:19:16.250-0500",
            Dated("2020-12-29", "2020-12-29T16:19:16.250-0500", "second"),
        ),
        ("2020-12", Dated(None, "2020-12", "month")),
        ("2020", Dated(None, "2020", "year")),
        (" 2020-12-29 ", Dated("2020-12-29", None, "day")),
        ("March 5, 2024", Dated()),
        ("", Dated()),
        (None, Dated()),
    ],
)
def test_every_date_reads_as_a_day_and_what_the_source_said(
    text: str | None, expected: Dated
) -> None:
    assert dated(text) == expected


# ---------------------------------------------------------------- through HTTP

RECORDS = [
    {
        "id": "t1",
        "title": "Timed",
        "body": "Harvest news, timed.",
        "date": "2020-12-29T16:19:16+03:00",
    },
    {"id": "t2", "title": "Zulu", "body": "Harvest news, in UTC.", "date": "2020-12-30T08:00:00Z"},
    {"id": "d1", "title": "Day", "body": "Harvest news, a day.", "date": "2020-12-28"},
    {"id": "m1", "title": "Month", "body": "Harvest news, a month.", "date": "2020-11"},
    {"id": "u1", "title": "Undated", "body": "Harvest news, undated."},
]
EXPECTED = {
    "t1": ("2020-12-29", "2020-12-29T16:19:16+03:00", "second"),
    "t2": ("2020-12-30", "2020-12-30T08:00:00Z", "second"),
    "d1": ("2020-12-28", None, "day"),
    "m1": (None, "2020-11", "month"),
    "u1": (None, None, None),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    index = build_index(tmp_path_factory.mktemp("dates"), RECORDS)[1]
    return create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()


def triple(row: dict) -> tuple:
    return (row["date"] or None, row["published"] or None, row["date_precision"] or None)


def test_the_api_exports_and_article_json_give_one_date_form(client: FlaskClient) -> None:
    hits = client.get("/api/search?q=harvest&per_page=10").get_json()["hits"]
    assert {h["id"]: triple(h) for h in hits} == EXPECTED
    text = client.get("/api/search.csv?q=harvest").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["id"]: triple(r) for r in rows} == EXPECTED
    assert sorted(r["date"] for r in rows if r["date"]) == [
        "2020-12-28", "2020-12-29", "2020-12-30",
    ]  # fmt: skip  # a spreadsheet sorts them as days
    lines = client.get("/api/search.jsonl?q=harvest").get_data(as_text=True).splitlines()[1:]
    assert {r["id"]: triple(r) for r in map(json.loads, lines)} == EXPECTED
    for key, expected in EXPECTED.items():
        article = client.get(f"/api/articles/{key}").get_json()
        assert triple(article) == expected
    assert client.get("/api/search?q=harvest").get_json()["histogram"]["undated"] == 1  # u1
