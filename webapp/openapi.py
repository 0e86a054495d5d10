"""The OpenAPI 3.1 document of Newsdesk's HTTP interface, as data (served at /api/openapi.json).

To document a new route, add its path to PATHS with `json_get(...)` or `html_get(...)`, reusing
the parameter components (`param("q")`, SEARCH_PARAMETERS, PAGING) and the schema components
(`schema("Error")`); add a schema to SCHEMAS (openapi_schemas.py), or a parameter to
PARAMETERS (openapi_parameters.py), when a new shape appears.
tests/test_openapi.py validates the document, checks that its paths are exactly the app's
routes, and fuzzes every operation against it with schemathesis.
"""

from __future__ import annotations

import copy
from typing import Any

from indexer.schema import FACETS
from webapp.openapi_parameters import PARAMETERS
from webapp.openapi_schemas import SCHEMAS, TEXT, ref, schema

JSON = "application/json"
HTML = "text/html"


def param(name: str) -> dict[str, str]:
    return ref("parameters", name)


PAGING_REFS = [param("page"), param("per_page")]
SEARCH_PARAMETERS = [
    param(name)
    for name in (
        "q",
        *FACETS,
        *(f"not_{name}" for name in FACETS),
        "from",
        "to",
        "mode",
        "dedupe",
        "strict",
        "feedback",
        "snippet_chars",
        "sort",
        "page",
        "per_page",
        *(f"facet_q_{name}" for name in FACETS),
    )
]
API_SEARCH_PARAMETERS = [*SEARCH_PARAMETERS, param("cursor")]
EXPORT_PARAMETERS = [p for p in SEARCH_PARAMETERS if p not in PAGING_REFS]
PAGING = [param("page"), param("per_page")]
SPEAKER_PARAMETERS = [*PAGING, param("dedupe")]
FACET_PARAMETERS = [
    param("facet"),
    param("prefix"),
    *(p for p in SEARCH_PARAMETERS if p not in PAGING_REFS),
    param("facet_page"),
    param("facet_per_page"),
]

_ERRORS = {
    400: "A parameter or the query is invalid, or over a limit (README: Limits).",
    401: "An access token is configured and the request shows none or a wrong one.",
    404: "No such article, speaker or route.",
    503: "No index yet, or the search ran out of its time budget.",
}
RESPONSES: dict[str, dict[str, Any]] = {
    **{
        f"Json{status}": {
            "description": text,
            "content": {JSON: {"schema": schema("Error")}},
        }
        for status, text in _ERRORS.items()
    },
    **{
        f"Html{status}": {"description": text, "content": {HTML: {"schema": TEXT}}}
        for status, text in _ERRORS.items()
    },
}


def json_get(
    summary: str, result: str, parameters: list[dict[str, Any]], errors: tuple[int, ...]
) -> dict[str, Any]:
    """A GET operation answering JSON: `result` schema on 200, the error shape otherwise."""
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {JSON: {"schema": schema(result)}}}
    }
    responses |= {str(s): ref("responses", f"Json{s}") for s in (*errors, 401)}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def html_get(
    summary: str, parameters: list[dict[str, Any]], errors: tuple[int, ...]
) -> dict[str, Any]:
    """A GET operation answering an HTML page, and an HTML error page otherwise."""
    responses: dict[str, Any] = {
        "200": {"description": "The page", "content": {HTML: {"schema": TEXT}}}
    }
    responses |= {str(s): ref("responses", f"Html{s}") for s in (*errors, 401)}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def stream_get(
    summary: str,
    mimetype: str,
    parameters: list[dict[str, Any]],
    errors: str = "Json",
    statuses: tuple[int, ...] = (400, 503),
    body: dict[str, Any] = TEXT,
) -> dict[str, Any]:
    """A GET operation answering a document of another type (CSV, JSON Lines, XML, CSVW
    metadata); errors in JSON under /api/, as an HTML page elsewhere (`errors="Html"`)."""
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {mimetype: {"schema": body}}}
    }
    responses |= {str(s): ref("responses", f"{errors}{s}") for s in (*statuses, 401)}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


_SEARCH_ERRORS = (400, 503)
_ONE_ERRORS = (400, 404, 503)
_LOGIN = {
    "get": {
        "summary": "The login form (open without a token).",
        "parameters": [
            {
                "name": "next",
                "in": "query",
                "description": "A path on this site to go back to.",
                "schema": TEXT,
            }
        ],
        "security": [],
        "responses": {"200": {"description": "The form", "content": {HTML: {"schema": TEXT}}}},
    },
    "post": {
        "summary": "Check a token; on success set the token cookie and redirect to `next`.",
        "security": [],
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"token": TEXT, "next": TEXT},
                    }
                }
            }
        },
        "responses": {
            "303": {"description": "Signed in (or no token needed): back to `next`"},
            "401": ref("responses", "Html401"),
        },
    },
}

PATHS: dict[str, dict[str, Any]] = {
    "/": html_get("The search page (same as /search).", SEARCH_PARAMETERS, _SEARCH_ERRORS),
    "/search": html_get("Articles: hits, facets, sort, pages.", SEARCH_PARAMETERS, _SEARCH_ERRORS),
    "/api/search": json_get(
        "Articles as JSON: the data of /search; `next` and a Link rel=next header give the "
        "following page's cursor.",
        "SearchResult",
        API_SEARCH_PARAMETERS,
        _SEARCH_ERRORS,
    ),
    "/quotes": html_get("Quotations and their speakers.", SEARCH_PARAMETERS, _SEARCH_ERRORS),
    "/api/quotes": json_get(
        "Quotations as JSON: the shape of /api/search, hits are QuoteHit.",
        "SearchResult",
        API_SEARCH_PARAMETERS,
        _SEARCH_ERRORS,
    ),
    "/speakers/{name}": html_get(
        "One speaker's quotations, per month and per source.",
        [param("speaker_name"), *SPEAKER_PARAMETERS],
        _ONE_ERRORS,
    ),
    "/api/speakers/{name}": json_get(
        "One speaker's quotations as JSON.",
        "SpeakerQuotes",
        [param("speaker_name"), *SPEAKER_PARAMETERS],
        _ONE_ERRORS,
    ),
    "/speaker": html_get(
        "/speakers/{name} for a name given as `name=` (the address of names such as `..`, "
        "which no path can carry).",
        [param("speaker_query"), *SPEAKER_PARAMETERS],
        _ONE_ERRORS,
    ),
    "/api/speaker": json_get(
        "/api/speakers/{name} for a name given as `name=`.",
        "SpeakerQuotes",
        [param("speaker_query"), *SPEAKER_PARAMETERS],
        _ONE_ERRORS,
    ),
    "/articles/{article_id}": html_get(
        "One article: every field, its paragraphs and its quotations marked.",
        [param("article_id")],
        _ONE_ERRORS,
    ),
    "/api/articles/{article_id}": json_get(
        "One article as JSON (every field and its quotes).",
        "Article",
        [param("article_id")],
        _ONE_ERRORS,
    ),
    "/api/facets/{facet}": json_get(
        "One facet's values starting with `prefix`, counted among the articles the search "
        "parameters find (as the sidebar counts them), a page at a time: `page` and "
        "`per_page` page the values, `total` counts them all.",
        "FacetSearch",
        FACET_PARAMETERS,
        (*_SEARCH_ERRORS, 404),
    ),
    "/api/quotes/facets/{facet}": json_get(
        "The same as /api/facets/{facet}, counting quotations.",
        "FacetSearch",
        FACET_PARAMETERS,
        (*_SEARCH_ERRORS, 404),
    ),
    "/api/articles/{article_id}/similar": json_get(
        "An article's syndicated copies and the articles most like it.",
        "Related",
        [param("article_id")],
        _ONE_ERRORS,
    ),
    **{
        f"/api/{kind}.jsonl": stream_get(
            f"Every {noun} the search finds, streamed as JSON Lines: a manifest record "
            "(query, filters, dedupe mode, index build, time, count) first, also in the "
            "X-Newsdesk-Manifest header.",
            "application/x-ndjson",
            EXPORT_PARAMETERS,
        )
        for kind, noun in (("search", "article"), ("quotes", "quotation"))
    },
    **{
        f"/api/{kind}.csv": stream_get(
            f"Every {noun} the search finds, streamed as CSV: the header row, then the rows. "
            "The manifest is in the X-Newsdesk-Manifest header and in the CSVW metadata "
            'linked with `Link: <...>; rel="describedby"`.',
            "text/csv",
            EXPORT_PARAMETERS,
        )
        for kind, noun in (("search", "article"), ("quotes", "quotation"))
    },
    **{
        f"/api/{kind}.csv-metadata.json": stream_get(
            f"The CSV on the Web (CSVW) metadata of /api/{kind}.csv for the same parameters: "
            "its columns and datatypes, and the export's manifest.",
            "application/csvm+json",
            EXPORT_PARAMETERS,
            body=schema("CsvMetadata"),
        )
        for kind in ("search", "quotes")
    },
    "/search.atom": stream_get(
        "An Atom feed of the search, newest first.",
        "application/atom+xml",
        EXPORT_PARAMETERS,
        errors="Html",
    ),
    "/quotes.atom": stream_get(
        "An Atom feed of the quote search (the parameters of /api/quotes), newest first.",
        "application/atom+xml",
        EXPORT_PARAMETERS,
        errors="Html",
    ),
    "/speakers/{name}.atom": stream_get(
        "An Atom feed of one speaker's quotations, newest first.",
        "application/atom+xml",
        [param("speaker_name"), param("per_page"), param("dedupe")],
        errors="Html",
        statuses=_ONE_ERRORS,
    ),
    "/speaker.atom": stream_get(
        "/speakers/{name}.atom for a name given as `name=`.",
        "application/atom+xml",
        [param("speaker_query"), param("per_page"), param("dedupe")],
        errors="Html",
        statuses=_ONE_ERRORS,
    ),
    "/opensearch.xml": stream_get(
        "The OpenSearch description: add Newsdesk to a browser's search engines.",
        "application/opensearchdescription+xml",
        [],
        errors="Html",
    ),
    "/help": html_get("The query syntax, with examples.", [], ()),
    "/api/openapi.json": json_get("This document.", "OpenAPI", [], ()),
    "/login": _LOGIN,
}

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "The access token."},
    "tokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
    "tokenCookie": {"type": "apiKey", "in": "cookie", "name": "newsdesk_token"},
}


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (a fresh copy: callers may change it)."""
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Newsdesk",
                "version": "1",
                "description": "Search news corpora for who said what, when, where. Every "
                "operation needs the access token when the server has one (README: Security).",
            },
            # Optional auth: none needed unless the server was started with a token.
            "security": [{}, {"bearer": []}, {"tokenQuery": []}, {"tokenCookie": []}],
            "paths": PATHS,
            "components": {
                "parameters": PARAMETERS,
                "schemas": SCHEMAS,
                "responses": RESPONSES,
                "securitySchemes": SECURITY_SCHEMES,
            },
        }
    )
