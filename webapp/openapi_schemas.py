"""The schemas of the OpenAPI document (openapi.py): the shapes of its JSON answers, as data."""

from __future__ import annotations

from typing import Any


def ref(section: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{section}/{name}"}


def schema(name: str) -> dict[str, str]:
    return ref("schemas", name)


def nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


_FACET_COUNT = {
    "type": "object",
    "required": ["value", "count"],
    "properties": {
        "value": {"type": "string"},
        "count": {"type": "integer", "minimum": 0},
        "label": {
            "type": "string",
            "description": "The value's name where the value is a code (a language's ISO 639-1 "
            'code: "uk" is "Ukrainian"); absent where the value is its own name.',
        },
    },
}
_LANGUAGE = {
    **nullable("string"),
    "description": "The article's language, ISO 639-1 (declared by the source or detected).",
}
_COUNTS = {"type": "array", "items": schema("FacetCount")}
TEXT = {"type": "string"}
_SPEAKER_KIND = {
    "anyOf": [{"type": "string", "enum": ["person", "organisation"]}, {"type": "null"}],
    "description": "Whether a person or an organisation speaks.",
}
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
                "properties": {"status": {"type": "integer"}, "message": TEXT},
            }
        },
    },
    "FacetCount": _FACET_COUNT,
    "Hit": {
        "type": "object",
        "description": "An article hit; highlights are HTML (escaped text, <mark> added).",
        "required": ["id", "title", "highlights"],
        "properties": {
            "id": TEXT,
            "title": TEXT,
            **{k: nullable("string") for k in ("author", "author_role", "location")},
            **{k: nullable("string") for k in ("source", "url")},
            **_DATED,
            "score": nullable("number"),
            "highlights": {"type": "object", "additionalProperties": TEXT},
            "cluster": nullable("string"),
            "language": _LANGUAGE,
            "copy_count": {"type": "integer", "minimum": 0},
            "copies": {"type": "array", "items": schema("Copy")},
        },
    },
    "Copy": {
        "type": "object",
        "description": "Another article: a syndicated copy, or one like it.",
        "required": ["id"],
        "properties": {"id": TEXT, "title": nullable("string"), "date": _DATED["date"]},
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
            "id": TEXT,
            "article_id": TEXT,
            "n": {"type": "integer"},
            "speaker": nullable("string"),
            "speaker_role": nullable("string"),
            "speaker_kind": _SPEAKER_KIND,
            "text": TEXT,
            "highlight": TEXT,
            "title": TEXT,
            **{k: nullable("string") for k in ("author", "location", "source")},
            **_DATED,
            "language": _LANGUAGE,
            "link": TEXT,
            "score": nullable("number"),
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "hits", "facets"],
        "properties": {
            "query": TEXT,
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
                **nullable("string"),
                "description": "A query with likelier words, when this one finds little.",
            },
            "explanation": {**TEXT, "description": "The search in words."},
            "query_notes": {
                "type": "array",
                "items": TEXT,
                "description": "How text that was not query syntax was read (empty: as written).",
            },
            "histogram": schema("Histogram"),
            "next": {
                **nullable("string"),
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
                        "key": {**TEXT, "description": "YYYY-MM or YYYY"},
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
        "description": "A page of a facet's values, most frequent first.",
        "required": ["facet", "prefix", "total", "page", "per_page", "values", "next_page"],
        "properties": {
            "facet": TEXT,
            "prefix": TEXT,
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "The values that match, on every page.",
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "values": _COUNTS,
            "next_page": {
                **nullable("integer"),
                "description": "The following page's number (also in a Link rel=next "
                "header); null on the last.",
            },
        },
    },
    "CsvMetadata": {
        "type": "object",
        "description": "CSV on the Web (W3C CSVW) metadata of a CSV export: its columns and "
        "the export's manifest.",
        "required": ["@context", "url", "tableSchema", "newsdesk:manifest"],
        "properties": {
            "@context": {"const": "http://www.w3.org/ns/csvw"},
            "url": {**TEXT, "description": "The CSV export, relative to this document."},
            "dc:title": TEXT,
            "dialect": {"type": "object"},
            "tableSchema": {
                "type": "object",
                "required": ["columns"],
                "properties": {
                    "columns": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "titles", "datatype"],
                            "properties": {"name": TEXT, "titles": TEXT, "datatype": TEXT},
                        },
                    }
                },
            },
            "newsdesk:manifest": {
                "type": "object",
                "description": "Query, filters, dedupe mode, index build, time and count.",
            },
        },
    },
    "SpeakerQuotes": {
        "type": "object",
        "required": [
            "speaker",
            "speaker_kind",
            "aliases",
            "total",
            "page",
            "per_page",
            "quotes",
            "months",
            "undated",
            "sources",
        ],
        "properties": {
            "speaker": {"type": "string", "description": "The name the speaker is shown under."},
            "speaker_kind": _SPEAKER_KIND,
            "aliases": {
                "type": "array",
                "items": TEXT,
                "description": "The speaker's other spellings in the index, most quoted first.",
            },
            "total": {"type": "integer", "minimum": 1},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "quotes": {"type": "array", "items": schema("QuoteHit")},
            "months": _COUNTS,
            "undated": {
                "type": "integer",
                "minimum": 0,
                "description": "Quotations with no date (in no month).",
            },
            "sources": _COUNTS,
        },
    },
    "Quote": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": TEXT,
            "speaker": nullable("string"),
            "speaker_role": nullable("string"),
            "speaker_kind": _SPEAKER_KIND,
            "start": nullable("integer"),
            "end": nullable("integer"),
        },
    },
    "Article": {
        "type": "object",
        "required": ["id", "body", "quotes"],
        "properties": {
            "id": TEXT,
            "path": TEXT,
            "format": TEXT,
            **{
                k: nullable("string")
                for k in ("site", "title", "author", "author_role", "location", "source")
            },
            **_DATED,
            "url": nullable("string"),
            "body": TEXT,
            "quotes": {"type": "array", "items": schema("Quote")},
        },
    },
    "OpenAPI": {"type": "object", "required": ["openapi", "paths"]},
}
