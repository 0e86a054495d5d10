"""EXTRA: articles with quotations (offsets across paragraphs, no speaker, markup) indexed with
RECORDS as ALL; the quotes a search should give, by brute force; the quote API and speaker URLs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient

from helpers.brute_force import brute_disjunctive, brute_filter, facet_values, outlet_names
from helpers.records import RECORDS, XSS

FACETS = ("author", "source", "location", "speaker", "month", "language")


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
        "language": "en",
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
        "language": "en",
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
        "language": "en",
        "title": "Harvest outlook",
        "date": "2023-11-15",
        "source": "The Kyiv Independent",
        "location": "Odesa",
        "body": "Farmers expect a larger harvest.",
        "quotes": [{"text": "Grain exports will double", "speaker": "Volodymyr Zelensky"}],
    },
    {
        "id": "q04",
        "language": "en",
        "title": "Markup in a quotation",
        "date": "2024-03-02",
        "source": "AP",
        "body": XSS_BODY,
        "quotes": [quoted(XSS_BODY, f'"{XSS} is not a plan,"', XSS, XSS)],
    },
]
ALL = RECORDS + EXTRA
OUTLETS = outlet_names(ALL)  # "Kyiv Independent" and "The Kyiv Independent" are one outlet


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
    return [OUTLETS.get(v, v) for v in values] if facet == "source" else values


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


# ---------------------------------------------------------------- the quote API


def get_json(client: FlaskClient, url: str, status: int = 200, **params: Any) -> dict[str, Any]:
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def quotes_api(client: FlaskClient, **params: Any) -> dict[str, Any]:
    return get_json(client, "/api/quotes", **params)


def quote_ids(client: FlaskClient, **params: Any) -> list[str]:
    return [h["id"] for h in quotes_api(client, per_page=100, **params)["hits"]]


def speaker_url(name: str, api: bool = False) -> str:
    return ("/api" if api else "") + "/speakers/" + quote(name, safe="")
