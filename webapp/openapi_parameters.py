"""The query and path parameters of the OpenAPI document (openapi.py), as data."""

from __future__ import annotations

from typing import Any

from indexer.schema import FACETS
from webapp.limits import MAX_DEPTH, MAX_QUERY_CHARS, MAX_VALUE_CHARS, MAX_VALUES
from webapp.search.request import (
    DEFAULT_PER_PAGE,
    FACET_PER_PAGE,
    MAX_FACET_PER_PAGE,
    MAX_PER_PAGE,
    SORTS,
)
from webapp.search.snippets import MAX_SNIPPET_CHARS, MIN_PASSAGE, SNIPPET_CHARS


def _filter(name: str, meaning: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": f"{meaning}; repeatable, values of one facet are OR-ed, facets AND-ed.",
        "style": "form",
        "explode": True,
        "schema": {
            "type": "array",
            "maxItems": MAX_VALUES,
            "items": {"type": "string", "maxLength": MAX_VALUE_CHARS},
        },
    }


PARAMETERS: dict[str, dict[str, Any]] = {
    "q": {
        "name": "q",
        "in": "query",
        "description": "The query (see the README's query syntax); empty lists every match. "
        "Refused (400) when too long, too deep or with a leading wildcard.",
        "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
    },
    **{
        name: _filter(name, f"Only documents with this {name}" + (" (YYYY-MM)" * (name == "month")))
        for name in FACETS
    },
    **{
        f"not_{name}": _filter(f"not_{name}", f"Leave out documents with this {name}")
        for name in FACETS
    },
    **{
        f"facet_q_{name}": {
            "name": f"facet_q_{name}",
            "in": "query",
            "description": f"List only the {name} values starting with this text (the value "
            "or one of its words, any case) in `facets`.",
            "schema": {"type": "string"},
        }
        for name in FACETS
    },
    "mode": {
        "name": "mode",
        "in": "query",
        "description": "`all`: every word (if none has all, any, with `relaxed: true`); `any`: "
        "any word, ranked. Only free words become alternatives: other clauses always hold.",
        "schema": {"type": "string", "enum": ["all", "any"], "default": "all"},
    },
    "prefix": {
        "name": "prefix",
        "in": "query",
        "description": "Values starting with this text (the value or one of its words, any case).",
        "schema": {"type": "string"},
    },
    "facet": {
        "name": "facet",
        "in": "path",
        "required": True,
        "description": "A facet name.",
        "schema": {"type": "string", "enum": list(FACETS)},
    },
    "from": {
        "name": "from",
        "in": "query",
        "description": "First day of the date range (inclusive).",
        "schema": {"type": "string", "format": "date"},
    },
    "to": {
        "name": "to",
        "in": "query",
        "description": "Last day of the date range (inclusive); not before `from`.",
        "schema": {"type": "string", "format": "date"},
    },
    "sort": {
        "name": "sort",
        "in": "query",
        "description": "Order of the hits; without a query, relevance means newest.",
        "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
    },
    "page": {
        "name": "page",
        "in": "query",
        "description": f"Page number; page * per_page is at most {MAX_DEPTH}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": 1},
    },
    "per_page": {
        "name": "per_page",
        "in": "query",
        "description": "Hits per page.",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    },
    "facet_page": {
        "name": "page",
        "in": "query",
        "description": "Page of the facet's values (not of hits), from 1.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999, "default": 1},
    },
    "facet_per_page": {
        "name": "per_page",
        "in": "query",
        "description": "Facet values per page.",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_FACET_PER_PAGE,
            "default": FACET_PER_PAGE,
        },
    },
    "article_id": {
        "name": "article_id",
        "in": "path",
        "required": True,
        "description": "An article id as given in hits (looked up in the index, never a path).",
        "schema": {"type": "string"},
    },
    "dedupe": {
        "name": "dedupe",
        "in": "query",
        "description": "1 (default): syndicated copies collapse into their earliest article, "
        "and totals, facets and the histogram count each story once; 0: every copy.",
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"], "default": "1"},
    },
    "strict": {
        "name": "strict",
        "in": "query",
        "description": "0 (default): text that cannot be query syntax (a stray `<`, a bracket "
        "without its pair...) is searched as words, told in `query_notes`; 1: it is a 400.",
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"], "default": "0"},
    },
    "snippet_chars": {
        "name": "snippet_chars",
        "in": "query",
        "description": "The characters of passages each hit shows (sentences or clauses around "
        "its matched words, none twice): about 3 passages per 300.",
        "schema": {
            "type": "integer",
            "minimum": MIN_PASSAGE,
            "maximum": MAX_SNIPPET_CHARS,
            "default": SNIPPET_CHARS,
        },
    },
    "feedback": {
        "name": "feedback",
        "in": "query",
        "description": "Relevance feedback: the best 100 matches reordered by the words the "
        "best 10 share (never adds or drops a match). Default: for mode=any; 1: "
        "always; 0: never.",
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
    },
    "cursor": {
        "name": "cursor",
        "in": "query",
        "description": "The `next` token of a previous page: the page after it (API clients; "
        "a token made for other parameters or an older index is a 400).",
        "schema": {"type": "string"},
    },
    "speaker_query": {
        "name": "name",
        "in": "query",
        "required": True,
        "description": "A speaker's name exactly as in the `speaker` facet.",
        "schema": {"type": "string", "minLength": 1},
    },
    "speaker_name": {
        "name": "name",
        "in": "path",
        "required": True,
        "description": "A speaker's name exactly as in the `speaker` facet.",
        "schema": {"type": "string"},
    },
}
