"""The OpenAPI 3.1 document of Newsdesk's HTTP interface, as data (served at /api/openapi.json).

To document a new route, add its path to PATHS with `json_get(...)` or `html_get(...)`, reusing
the parameter components (`param("q")`, SEARCH_PARAMETERS, PAGING) and the schema components
(`schema("Error")`); add a schema to SCHEMAS, or a parameter to PARAMETERS
(openapi_parameters.py), when a new shape appears.
tests/test_openapi.py validates the document, checks that its paths are exactly the app's
routes, and fuzzes every operation against it with schemathesis.
"""

from __future__ import annotations

import copy
from typing import Any

from indexer.schema import FACETS
from webapp.openapi_parameters import PARAMETERS

JSON = "application/json"
HTML = "text/html"


def ref(section: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{section}/{name}"}


def param(name: str) -> dict[str, str]:
    return ref("parameters", name)


def schema(name: str) -> dict[str, str]:
    return ref("schemas", name)


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


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

_FACET_COUNT = {
    "type": "object",
    "required": ["value", "count"],
    "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
}
_COUNTS = {"type": "array", "items": schema("FacetCount")}
_TEXT = {"type": "string"}
# A document's date (webapp/search/dates.py): the day alone; the source's timestamp; which.
_DATED = {
    "date": {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "published": {
        "type": ["string", "null"],
        "description": "The source's timestamp (ISO 8601, with its offset where it gave one) "
        "when it said more than the day, or the month or year it gave.",
    },
    "date_precision": {
        "type": ["string", "null"],
        "enum": ["year", "month", "day", "minute", "second", None],
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": _TEXT},
            }
        },
    },
    "FacetCount": _FACET_COUNT,
    "Hit": {
        "type": "object",
        "description": "An article hit; highlights are HTML (escaped text, <mark> added).",
        "required": ["id", "title", "highlights"],
        "properties": {
            "id": _TEXT,
            "title": _TEXT,
            **{k: _nullable("string") for k in ("author", "author_role", "location")},
            **{k: _nullable("string") for k in ("source", "url")},
            **_DATED,
            "score": _nullable("number"),
            "highlights": {"type": "object", "additionalProperties": _TEXT},
            "cluster": _nullable("string"),
            "copy_count": {"type": "integer", "minimum": 0},
            "copies": {"type": "array", "items": schema("Copy")},
        },
    },
    "Copy": {
        "type": "object",
        "description": "Another article: a syndicated copy, or one like it.",
        "required": ["id"],
        "properties": {"id": _TEXT, "title": _nullable("string"), "date": _DATED["date"]},
    },
    "Related": {
        "type": "object",
        "required": ["copies", "similar"],
        "properties": {
            "copies": {"type": "array", "items": schema("Copy")},
            "similar": {"type": "array", "items": schema("Copy")},
        },
    },
    "QuoteHit": {
        "type": "object",
        "description": "A quotation hit; `highlight` is HTML, `link` its place in the article.",
        "required": ["id", "article_id", "n", "text", "highlight", "link"],
        "properties": {
            "id": _TEXT,
            "article_id": _TEXT,
            "n": {"type": "integer"},
            "speaker": _nullable("string"),
            "speaker_role": _nullable("string"),
            "text": _TEXT,
            "highlight": _TEXT,
            "title": _TEXT,
            **{k: _nullable("string") for k in ("author", "location", "source")},
            **_DATED,
            "link": _TEXT,
            "score": _nullable("number"),
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "hits", "facets"],
        "properties": {
            "query": _TEXT,
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "hits": {"type": "array", "items": {"anyOf": [schema("Hit"), schema("QuoteHit")]}},
            "facets": {
                "type": "object",
                "description": "Per facet, its top values; a facet with chosen values is "
                "counted without its own choice (what a click gives).",
                "additionalProperties": _COUNTS,
            },
            "facet_sizes": {
                "type": "object",
                "description": "Per facet, how many values it has among the matches.",
                "additionalProperties": {"type": "integer"},
            },
            "mode": {"type": "string", "enum": ["all", "any"]},
            "relaxed": {
                "type": "boolean",
                "description": "No document had every word: the hits have any of them, and every "
                "other clause of the query.",
            },
            "suggestion": {
                **_nullable("string"),
                "description": "A query with likelier words, when this one finds little.",
            },
            "explanation": {**_TEXT, "description": "The search in words."},
            "query_notes": {
                "type": "array",
                "items": _TEXT,
                "description": "How text that was not query syntax was read (empty: as written).",
            },
            "histogram": schema("Histogram"),
            "next": {
                **_nullable("string"),
                "description": "A cursor to the following page (API only); null on the last.",
            },
        },
    },
    "Histogram": {
        "type": "object",
        "description": "Matches per month (per year beyond 36 months), every period from the "
        "first match to the last; `total` counts all documents of the period within the "
        "filters, without the query. Buckets sum to the total less `undated`.",
        "required": ["interval", "buckets", "undated"],
        "properties": {
            "interval": {"type": "string", "enum": ["month", "year"]},
            "buckets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "count", "total"],
                    "properties": {
                        "key": {**_TEXT, "description": "YYYY-MM or YYYY"},
                        "count": {"type": "integer", "minimum": 0},
                        "total": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "undated": {"type": "integer", "minimum": 0},
        },
    },
    "FacetSearch": {
        "type": "object",
        "required": ["facet", "prefix", "values"],
        "properties": {"facet": _TEXT, "prefix": _TEXT, "values": _COUNTS},
    },
    "SpeakerQuotes": {
        "type": "object",
        "required": ["speaker", "total", "page", "per_page", "quotes", "months", "sources"],
        "properties": {
            "speaker": _TEXT,
            "total": {"type": "integer", "minimum": 1},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "quotes": {"type": "array", "items": schema("QuoteHit")},
            "months": _COUNTS,
            "sources": _COUNTS,
        },
    },
    "Quote": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": _TEXT,
            "speaker": _nullable("string"),
            "speaker_role": _nullable("string"),
            "start": _nullable("integer"),
            "end": _nullable("integer"),
        },
    },
    "Article": {
        "type": "object",
        "required": ["id", "body", "quotes"],
        "properties": {
            "id": _TEXT,
            "path": _TEXT,
            "format": _TEXT,
            **{
                k: _nullable("string")
                for k in ("site", "title", "author", "author_role", "location", "source")
            },
            **_DATED,
            "url": _nullable("string"),
            "body": _TEXT,
            "quotes": {"type": "array", "items": schema("Quote")},
        },
    },
    "OpenAPI": {"type": "object", "required": ["openapi", "paths"]},
}

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
        f"Html{status}": {"description": text, "content": {HTML: {"schema": _TEXT}}}
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
        "200": {"description": "The page", "content": {HTML: {"schema": _TEXT}}}
    }
    responses |= {str(s): ref("responses", f"Html{s}") for s in (*errors, 401)}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def stream_get(
    summary: str, mimetype: str, parameters: list[dict[str, Any]], errors: str = "Json"
) -> dict[str, Any]:
    """A GET operation answering a document of another type (CSV, JSON Lines, XML); errors
    in JSON under /api/, as an HTML page elsewhere (`errors="Html"`)."""
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {mimetype: {"schema": _TEXT}}}
    }
    responses |= {str(s): ref("responses", f"{errors}{s}") for s in (400, 401, 503)}
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
                "schema": _TEXT,
            }
        ],
        "security": [],
        "responses": {"200": {"description": "The form", "content": {HTML: {"schema": _TEXT}}}},
    },
    "post": {
        "summary": "Check a token; on success set the token cookie and redirect to `next`.",
        "security": [],
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"token": _TEXT, "next": _TEXT},
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
        [param("speaker_name"), *PAGING],
        _ONE_ERRORS,
    ),
    "/api/speakers/{name}": json_get(
        "One speaker's quotations as JSON.",
        "SpeakerQuotes",
        [param("speaker_name"), *PAGING],
        _ONE_ERRORS,
    ),
    "/speaker": html_get(
        "/speakers/{name} for a name given as `name=` (the address of names such as `..`, "
        "which no path can carry).",
        [param("speaker_query"), *PAGING],
        _ONE_ERRORS,
    ),
    "/api/speaker": json_get(
        "/api/speakers/{name} for a name given as `name=`.",
        "SpeakerQuotes",
        [param("speaker_query"), *PAGING],
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
        "parameters find (as the sidebar counts them).",
        "FacetSearch",
        [param("facet"), param("prefix"), *SEARCH_PARAMETERS],
        (*_SEARCH_ERRORS, 404),
    ),
    "/api/quotes/facets/{facet}": json_get(
        "The same as /api/facets/{facet}, counting quotations.",
        "FacetSearch",
        [param("facet"), param("prefix"), *SEARCH_PARAMETERS],
        (*_SEARCH_ERRORS, 404),
    ),
    "/api/articles/{article_id}/similar": json_get(
        "An article's syndicated copies and the articles most like it.",
        "Related",
        [param("article_id")],
        _ONE_ERRORS,
    ),
    **{
        f"/api/{kind}.{fmt}": stream_get(
            f"Every {kind[:-1]} the search finds, streamed as {fmt.upper()}, with a manifest "
            "(query, filters, dedupe mode, index build, time, count) first and in the "
            "X-Newsdesk-Manifest header.",
            mime,
            EXPORT_PARAMETERS,
        )
        for kind in ("search", "quotes")
        for fmt, mime in (("csv", "text/csv"), ("jsonl", "application/x-ndjson"))
    },
    "/search.atom": stream_get(
        "An Atom feed of the search, newest first.",
        "application/atom+xml",
        EXPORT_PARAMETERS,
        errors="Html",
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
