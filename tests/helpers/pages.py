"""The web app through its test client: JSON answers, and pages parsed and read by class."""

from __future__ import annotations

import html
from typing import Any

import lxml.html
from flask.testing import FlaskClient

from helpers.records import XSS

ESCAPED_XSS = html.escape(XSS, quote=False)
RESPONSE_KEYS = [
    "query",
    "total",
    "page",
    "per_page",
    "hits",
    "facets",
    "facet_sizes",
    "mode",
    "relaxed",
    "suggestion",
    "explanation",
    "histogram",
]


def api(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def page(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return lxml.html.fromstring(response.get_data(as_text=True))


def C(name: str) -> str:
    """An XPath predicate: the element has this class."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def page_hits(doc: Any) -> list[str]:
    return [
        a.get("href").rsplit("/", 1)[1] for a in doc.xpath(f"//ol[{C('hits')}]/li[{C('hit')}]/h2/a")
    ]


def page_facets(doc: Any) -> dict[str, dict[str, int]]:
    facets = {}
    sections = f"//aside//section[{C('facet')} and not({C('dates')}) and not({C('histogram')})]"
    for section in doc.xpath(sections):
        name = section.xpath(".//h3")[0].text_content().strip().lower()
        items = section.xpath(f".//li/label[.//*[{C('value')}]]")  # not the links beside
        # keyed by the value a tick filters by (a language's code; shown as its name)
        facets[name] = {
            a.xpath(".//input")[0].get("value"): int(
                a.xpath(f".//*[{C('count')}]")[0].text_content()
            )
            for a in items
        }
    return facets
