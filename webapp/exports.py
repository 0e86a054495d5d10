"""The CSV and JSON Lines exports of a search: every hit, streamed in the request's order.

The rows and their manifest come from webapp/search/export.py; here they are written as
JSON Lines (a first `{"manifest": ...}` record) or CSV (the header row, then the rows: what
a spreadsheet opens), and both carry the manifest in the `X-Newsdesk-Manifest` header. A CSV
export also links its CSV on the Web metadata document (W3C CSVW: `Link: <...>;
rel="describedby"; type="application/csvm+json"`), served for the same parameters at
`/api/search.csv-metadata.json` (and `/api/quotes.csv-metadata.json`): its columns with
their datatypes, and the manifest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from flask import Blueprint, jsonify, request, stream_with_context

from indexer.schema import QUOTE
from webapp.index import get_handle
from webapp.responses import SafeResponse as Response
from webapp.responses import with_request_query
from webapp.search import ARTICLES, QUOTES, SearchKind, SearchRequest
from webapp.search.export import csv_metadata, export_rows
from webapp.search.hits import ARTICLE_COLUMNS, QUOTE_COLUMNS

bp = Blueprint("exports", __name__)
MANIFEST_HEADER = "X-Newsdesk-Manifest"
CSVM = "application/csvm+json"  # the media type of CSVW metadata
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula


def jsonl_lines(manifest: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    yield json.dumps({"manifest": manifest}, ensure_ascii=False) + "\n"
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def csv_lines(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """The header row, then one row per hit (the manifest is in the metadata document)."""
    buffer = io.StringIO()
    # CRLF (RFC 4180): the writer then quotes a field holding a lone CR, which "\n" does not
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: csv_cell(value) for name, value in row.items()})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with `'` (as OWASP's CSV
    injection advice says); other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _search() -> SearchRequest:
    return SearchRequest.from_args(request.args.to_dict(flat=False))


def _export(kind: SearchKind, fmt: str) -> Response:
    manifest, rows = export_rows(get_handle(), _search(), kind)
    if fmt == "csv":
        columns = QUOTE_COLUMNS if kind.name == QUOTE else ARTICLE_COLUMNS
        body, mimetype = csv_lines(rows, columns), "text/csv"
    else:
        body, mimetype = jsonl_lines(manifest, rows), "application/x-ndjson"
    name = f"newsdesk-{kind.name}s.{fmt}"
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers[MANIFEST_HEADER] = json.dumps(manifest, ensure_ascii=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if fmt == "csv":
        # relative (RFC 8288 allows it): the Host header, which a client chooses, is not echoed
        metadata = with_request_query(f"{request.path}-metadata.json")
        response.headers["Link"] = f'<{metadata}>; rel="describedby"; type="{CSVM}"'
    return response


def _metadata(kind: SearchKind) -> Any:
    """The CSVW metadata of the CSV export with the request's parameters; its `url` is that
    export's address relative to this one (/api/search.csv-metadata.json?q=... describes
    /api/search.csv?q=..., the same query string), as CSVW requires of linked metadata."""
    csv_name = request.path.rsplit("/", 1)[1].removesuffix("-metadata.json")
    url = with_request_query(csv_name)
    response = jsonify(csv_metadata(get_handle(), _search(), kind, url))
    response.mimetype = CSVM
    response.headers["Link"] = f'<{url}>; rel="describes"; type="text/csv"'
    return response


@bp.get("/api/search.csv")
def search_csv() -> Response:
    """Every matching article as CSV (header and rows; the manifest in the metadata linked
    with rel="describedby"), in the request's order."""
    return _export(ARTICLES, "csv")


@bp.get("/api/search.csv-metadata.json")
def search_csv_metadata() -> Any:
    """The CSVW metadata of /api/search.csv for the same parameters."""
    return _metadata(ARTICLES)


@bp.get("/api/search.jsonl")
def search_jsonl() -> Response:
    """Every matching article as JSON Lines, after a first `{"manifest": ...}` record."""
    return _export(ARTICLES, "jsonl")


@bp.get("/api/quotes.csv")
def quotes_csv() -> Response:
    """Every matching quotation as CSV."""
    return _export(QUOTES, "csv")


@bp.get("/api/quotes.csv-metadata.json")
def quotes_csv_metadata() -> Any:
    """The CSVW metadata of /api/quotes.csv for the same parameters."""
    return _metadata(QUOTES)


@bp.get("/api/quotes.jsonl")
def quotes_jsonl() -> Response:
    """Every matching quotation as JSON Lines."""
    return _export(QUOTES, "jsonl")
