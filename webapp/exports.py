"""The CSV and JSON Lines exports of a search: every hit, streamed in the request's order.

The rows and their manifest come from webapp/search/export.py; here they are written as
JSON Lines (a first `{"manifest": ...}` record) or CSV (the manifest as `#` comment lines),
and both carry the manifest in the `X-Newsdesk-Manifest` header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from flask import Blueprint, request, stream_with_context

from indexer.schema import QUOTE
from webapp.index import get_handle
from webapp.responses import SafeResponse as Response
from webapp.search import ARTICLES, QUOTES, SearchKind, SearchRequest
from webapp.search.export import export_rows
from webapp.search.hits import ARTICLE_COLUMNS, QUOTE_COLUMNS

bp = Blueprint("exports", __name__)
MANIFEST_HEADER = "X-Newsdesk-Manifest"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula


def jsonl_lines(manifest: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    yield json.dumps({"manifest": manifest}, ensure_ascii=False) + "\n"
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def csv_lines(
    manifest: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], columns: Sequence[str]
) -> Iterator[str]:
    """`# key: value` comment lines (the manifest), the header row, then one row per hit."""
    for key, value in manifest.items():
        yield f"# {key}: {json.dumps(value, ensure_ascii=False)}\r\n"
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


def _export(kind: SearchKind, fmt: str) -> Response:
    search = SearchRequest.from_args(request.args.to_dict(flat=False))
    manifest, rows = export_rows(get_handle(), search, kind)
    if fmt == "csv":
        columns = QUOTE_COLUMNS if kind.name == QUOTE else ARTICLE_COLUMNS
        body, mimetype = csv_lines(manifest, rows, columns), "text/csv"
    else:
        body, mimetype = jsonl_lines(manifest, rows), "application/x-ndjson"
    name = f"newsdesk-{kind.name}s.{fmt}"
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers[MANIFEST_HEADER] = json.dumps(manifest, ensure_ascii=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/api/search.csv")
def search_csv() -> Response:
    """Every matching article as CSV (the manifest in `#` lines), in the request's order."""
    return _export(ARTICLES, "csv")


@bp.get("/api/search.jsonl")
def search_jsonl() -> Response:
    """Every matching article as JSON Lines, after a first `{"manifest": ...}` record."""
    return _export(ARTICLES, "jsonl")


@bp.get("/api/quotes.csv")
def quotes_csv() -> Response:
    """Every matching quotation as CSV."""
    return _export(QUOTES, "csv")


@bp.get("/api/quotes.jsonl")
def quotes_jsonl() -> Response:
    """Every matching quotation as JSON Lines."""
    return _export(QUOTES, "jsonl")
