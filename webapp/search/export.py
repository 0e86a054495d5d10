"""Whole result sets as rows, in the request's order, for the CSV and JSON Lines exports.

An export runs the search once (the same parameters as /api/search, page and per_page
ignored), then reads every hit in the request's order: document numbers are put in order
(cursors.docnums_in_order), stored fields are read in batches of BATCH, and each row is made
as it is read, so memory stays flat however many hits there are. The manifest says what the
export holds: query, filters, dedupe mode, index build, time and count. A CSV export is
described by a CSVW metadata document (`csv_metadata`) holding its columns and manifest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from whoosh.searching import Searcher

from indexer.manifest import Manifest
from indexer.schema import QUOTE
from webapp import limits
from webapp.search.cursors import PAGING, Ordered, docnums_in_order, ordered_matches
from webapp.search.handle import IndexHandle
from webapp.search.hits import ARTICLE_COLUMNS, QUOTE_COLUMNS, article_row, quote_row
from webapp.search.identity import Names
from webapp.search.kinds import SearchKind
from webapp.search.matching import collapse_copies, find_matches
from webapp.search.request import SearchRequest

BATCH = 256  # stored documents read at a time


def in_batches(items: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    batch: list[int] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def stored_rows(searcher: Searcher, docnums: Iterable[int]) -> Iterator[Mapping[str, Any]]:
    """Stored fields of each document, read a batch at a time in document order."""
    reader = searcher.reader()
    for batch in in_batches(docnums):
        fields = {d: reader.stored_fields(d) for d in sorted(batch)}
        for docnum in batch:
            yield fields[docnum]


def export_manifest(
    handle: IndexHandle, search: SearchRequest, kind: SearchKind, count: int
) -> dict[str, Any]:
    """What an export holds: kind, query, filters, order, dedupe mode, index build, time, count."""
    params = [(name, value) for name, value in search.params() if name not in PAGING]
    filters: dict[str, list[str]] = {}
    for name, value in params:
        if name not in ("q", "sort", "dedupe"):
            filters.setdefault(name, []).append(value)
    return {
        "kind": kind.name,
        "query": search.q,
        "filters": filters,
        "sort": search.effective_sort,
        "dedupe": search.dedupe,
        "build": Manifest.load(handle.index_dir).build,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "count": count,
    }


def export_rows(
    handle: IndexHandle, search: SearchRequest, kind: SearchKind
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The manifest of a whole-result-set export and a generator of its rows, in order."""
    manifest, found = _export_matches(handle, search, kind)
    docnums = islice(docnums_in_order(handle, found), limits.MAX_EXPORT_ROWS)
    stored = stored_rows(found.searcher, docnums)
    if kind.name != QUOTE:
        return manifest, (article_row(s) for s in stored)
    names = handle.facet_table(found.searcher).columns["speaker"].names
    return manifest, (_shown_speaker(quote_row(s), names) for s in stored)


def _shown_speaker(row: dict[str, Any], names: Names | None) -> dict[str, Any]:
    """The row with its speaker under the entity's shown name, as the speaker facet counts."""
    if names is not None and row["speaker"]:
        row["speaker"] = names.shown(row["speaker"])
    return row


def _export_matches(
    handle: IndexHandle, search: SearchRequest, kind: SearchKind
) -> tuple[dict[str, Any], Ordered]:
    searcher = handle.searcher()
    matches = collapse_copies(
        handle, searcher, search, find_matches(handle, searcher, search, kind)
    )
    found = ordered_matches(searcher, matches, search)
    total = len(found.matches.docs)
    manifest = export_manifest(handle, search, kind, min(total, limits.MAX_EXPORT_ROWS))
    manifest["total"] = total
    manifest["truncated"] = total > limits.MAX_EXPORT_ROWS
    return manifest, found


# CSV on the Web (W3C CSVW, "Metadata Vocabulary for Tabular Data")
CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
# The manifest's property: CSVW lets a metadata document carry any property named by a
# prefixed name of its own context or an absolute URL, and forbids declaring new prefixes;
# with no prefix "newsdesk" declared, JSON-LD reads this name as an absolute IRI (scheme
# "newsdesk"), so CSVW processors keep it as an annotation and plain JSON readers find it
# under this key.
MANIFEST_PROPERTY = "newsdesk:manifest"
COLUMN_DATATYPES = {"n": "integer", "date": "date"}  # the other columns: "string"


def csv_metadata(
    handle: IndexHandle, search: SearchRequest, kind: SearchKind, csv_url: str
) -> dict[str, Any]:
    """The CSVW metadata document of the CSV export at `csv_url` (relative to the
    document's own address, as CSVW resolves it): its columns, each with its name (the
    header cell) and datatype, and the export's manifest, counted as the CSV counts."""
    manifest, _ = _export_matches(handle, search, kind)
    columns = QUOTE_COLUMNS if kind.name == QUOTE else ARTICLE_COLUMNS
    return {
        "@context": CSVW_CONTEXT,
        "url": csv_url,
        "dc:title": f"Newsdesk: {kind.name}s, {search.q or 'all'}",
        "dialect": {"header": True},
        "tableSchema": {
            "columns": [
                {"name": name, "titles": name, "datatype": COLUMN_DATATYPES.get(name, "string")}
                for name in columns
            ]
        },
        MANIFEST_PROPERTY: manifest,
    }
