"""Whole result sets as CSV and JSON Lines, and cursor pages for API clients.

An export runs the search once (the same parameters as /api/search, page and per_page
ignored), then streams every hit in the request's order: document numbers are put in order
(by the per-generation date ranks, or by score), stored fields are read in batches of
BATCH, and each row is written as it is read, so memory stays flat however many hits there
are. The first JSON Lines record (CSV: `#` comment lines, and the `X-Newsdesk-Manifest`
header in both) says what the export holds: query, filters, dedupe mode, index build, time
and count.

A cursor (`next` in the API's JSON, `Link: <...>; rel="next"`) encodes the sort, the key and
the document number of the last hit, the index generation and a digest of the parameters,
signed; the next page is then the `per_page` first matches after that key, found in one pass
over the matches whatever the depth. A cursor that does not verify, or was made for other
parameters or an older index generation, is a 400.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import hmac
import io
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request, stream_with_context
from whoosh.searching import Searcher

from indexer.manifest import Manifest
from indexer.schema import QUOTE, stored_fields
from webapp import limits
from webapp.engine import docs_array
from webapp.responses import SafeResponse as Response
from webapp.search import (
    ARTICLES,
    QUOTES,
    BadRequest,
    IndexHandle,
    Matches,
    SearchKind,
    SearchRequest,
    collapse_copies,
    find_matches,
    highlighted,
    quote_link,
    run_search,
)

bp = Blueprint("exports", __name__)
log = logging.getLogger(__name__)
BATCH = 256  # stored documents read at a time
MANIFEST_HEADER = "X-Newsdesk-Manifest"
ARTICLE_COLUMNS = (
    "id", "title", "author", "author_role", "date", "location", "source", "site", "url",
    "cluster", "body",
)  # fmt: skip
QUOTE_COLUMNS = (
    "id", "article_id", "n", "speaker", "speaker_role", "text", "title", "author", "date",
    "location", "source", "link",
)  # fmt: skip
PAGING = ("page", "per_page", "cursor")


def _handle() -> IndexHandle:
    return current_app.extensions["newsdesk"]


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


# ---------------------------------------------------------------- the order of the hits


@dataclass
class Ordered:
    """A request's matches (syndicated copies collapsed unless dedupe=0) and how to rank them."""

    searcher: Searcher
    matches: Matches
    sort: str  # relevance, newest or oldest
    generation: int

    @property
    def query(self) -> Any:
        return self.matches.parsed.query if self.matches.parsed else None

    @property
    def scored(self) -> bool:
        return self.sort == "relevance" and self.query is not None


def ordered(handle: IndexHandle, search: SearchRequest, kind: SearchKind) -> Ordered:
    searcher = handle.searcher()
    matches = collapse_copies(
        handle, searcher, search, find_matches(handle, searcher, search, kind)
    )
    return _ordered(searcher, matches, search)


def _ordered(searcher: Searcher, matches: Matches, search: SearchRequest) -> Ordered:
    generation = searcher.reader().generation()
    return Ordered(
        searcher, matches, search.effective_sort, -1 if generation is None else generation
    )


def ranked_scores(found: Ordered) -> list[tuple[float, int]]:
    """(score, docnum) of every match, best first (ties by docnum, as Whoosh ranks them)."""
    return found.matches.scored().ranked()


def docnums_in_order(handle: IndexHandle, found: Ordered) -> Iterator[int]:
    """Every match in the request's order (document numbers only)."""
    if found.scored:
        for _, docnum in ranked_scores(found):
            yield docnum
        return
    dates = handle.date_order(found.searcher)
    yield from dates.first(found.matches.docs, len(found.matches.docs), found.sort)


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


# ---------------------------------------------------------------- rows


def article_row(stored: Mapping[str, Any]) -> dict[str, Any]:
    fields = stored_fields(stored)
    row = {name: fields[name] for name in ARTICLE_COLUMNS}
    row["title"] = row["title"] or ""
    return row


def quote_row(stored: Mapping[str, Any]) -> dict[str, Any]:
    article_id, n = stored.get("article", ""), int(stored.get("n") or 0)
    return {
        "id": stored.get("id", ""),
        "article_id": article_id,
        "n": n,
        "speaker": stored.get("speaker") or None,
        "speaker_role": stored.get("speaker_role") or None,
        "text": stored.get("quotes") or "",
        "title": stored.get("article_title") or "",
        "author": stored.get("author") or None,
        "date": stored.get("date_text"),
        "location": stored.get("location") or None,
        "source": stored.get("source") or None,
        "link": quote_link(article_id, n),
    }


# ---------------------------------------------------------------- exports


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
    found = ordered(handle, search, kind)
    total = len(found.matches.docs)
    manifest = export_manifest(handle, search, kind, min(total, limits.MAX_EXPORT_ROWS))
    manifest["total"] = total
    manifest["truncated"] = total > limits.MAX_EXPORT_ROWS
    to_row = quote_row if kind.name == QUOTE else article_row
    docnums = islice(docnums_in_order(handle, found), limits.MAX_EXPORT_ROWS)
    rows = (to_row(s) for s in stored_rows(found.searcher, docnums))
    return manifest, rows


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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with `'` (as OWASP's CSV
    injection advice says); other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _export(kind: SearchKind, fmt: str) -> Response:
    search = SearchRequest.from_args(_args())
    manifest, rows = export_rows(_handle(), search, kind)
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


# ---------------------------------------------------------------- cursors

CURSOR_VERSION = 1
_MAC_BYTES = 12


class BadCursor(BadRequest):
    """A cursor that does not verify, or belongs to other parameters or an older index."""


_PROCESS_KEY = secrets.token_bytes(32)
CURSOR_KEY_FILE = "cursor.key"  # in the index directory: a random secret, mode 0600


def _key() -> bytes:
    """The cursor signing key: SECRET_KEY when configured, else the index's own random key
    (created on first use; kept in the index directory, so cursors survive a restart)."""
    secret = current_app.config.get("SECRET_KEY")
    if secret:
        return str(secret).encode("utf-8")
    return index_key(_handle().index_dir)


def index_key(index_dir: str) -> bytes:
    """The random key stored in `index_dir` (32 bytes, mode 0600). It is written whole to a
    temporary file and linked into place, so a reader never sees it half written, and the
    first of several workers making it at once wins (the others read the winner's)."""
    path = os.path.join(index_dir, CURSOR_KEY_FILE)
    key = _read_key(path)
    if key is not None:
        return key
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(32))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(tmp, path)  # fails if another worker's key is there already
        except FileExistsError:
            if _read_key(path) is None:  # a key cut short (a crash long ago): replaced
                os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)
    except OSError:  # a read-only index: a key for this process (cursors then stay in it)
        log.warning("cannot write %s: cursors are signed with a per-process key", path)
        return _PROCESS_KEY
    return _read_key(path) or _PROCESS_KEY


def _read_key(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            key = file.read()
    except FileNotFoundError:
        return None
    return key if len(key) >= 32 else None


def params_digest(search: SearchRequest, kind: SearchKind) -> str:
    params = [(n, v) for n, v in search.params() if n not in PAGING]
    text = json.dumps([kind.name, params], ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(payload: Mapping[str, Any], key: bytes) -> str:
    """The payload as opaque URL-safe base64, with an HMAC so it cannot be altered."""
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(key, data, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(data + mac).decode().rstrip("=")


def decode_cursor(token: str, key: bytes) -> dict[str, Any]:
    """The payload of a cursor; BadCursor when it is malformed or its HMAC does not match."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise BadCursor("invalid cursor: not base64") from None
    data, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    expected = hmac.new(key, data, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise BadCursor("invalid cursor: it was altered or made by another server")
    try:
        payload = json.loads(data)
    except ValueError:
        raise BadCursor("invalid cursor: unreadable") from None
    if not isinstance(payload, dict) or payload.get("v") != CURSOR_VERSION:
        raise BadCursor("invalid cursor: unknown version")
    return payload


def _check(payload: Mapping[str, Any], found: Ordered, digest: str) -> tuple[Any, int]:
    if payload.get("p") != digest or payload.get("s") != found.sort:
        raise BadCursor("cursor made for other search parameters: start again without it")
    if payload.get("g") != found.generation:
        raise BadCursor("the index has changed since this cursor was made: start again")
    key, docnum = payload.get("k"), payload.get("d")
    if not isinstance(docnum, int) or not isinstance(key, (int, float)):
        raise BadCursor("invalid cursor: bad position")
    return key, docnum


def page_after(
    handle: IndexHandle, found: Ordered, after: tuple[Any, int] | None, count: int
) -> list[tuple[Any, int]]:
    """(key, docnum) of the `count` first matches after the position `after` (None: start)."""
    if found.scored:
        ranked = ranked_scores(found)
        if after is not None:
            score, docnum = after
            ranked = [p for p in ranked if (-p[0], p[1]) > (-score, docnum)]
        return ranked[:count]
    dates = handle.date_order(found.searcher)
    docs = docs_array(found.matches.docs)
    if after is not None:
        docs = docs[dates.ranks[found.sort][docs] > after[0]]
    return [(dates.rank(found.sort, d), d) for d in dates.first(docs, count, found.sort)]


def _hits(found: Ordered, kind: SearchKind, docnums: list[int]) -> list[Any]:
    if found.query is None:
        reader = found.searcher.reader()
        return [kind.make_hit(reader.stored_fields(d), None, None) for d in docnums]
    return highlighted(_handle(), found.searcher, found.query, docnums, kind.make_hit)


def api_search(kind: SearchKind) -> Any:
    """/api/search and /api/quotes: one page by number, or after a `cursor`; with `next` (a
    cursor to the following page, null on the last) in the JSON and a `Link: rel="next"`."""
    handle, args = _handle(), _args()
    search = SearchRequest.from_args(args)
    token = (args.get("cursor") or [""])[-1]
    result = run_search(handle, search, kind, hits=not token)  # a cursor's page is found below
    ranking = result.ranking
    assert ranking is not None
    found = _ordered(ranking.searcher, ranking.matches, search)  # run_search's matches, reused
    digest, key = params_digest(search, kind), _key()
    if token:
        after = _check(decode_cursor(token, key), found, digest)
        page = page_after(handle, found, after, search.per_page + 1)
        result.hits = _hits(found, kind, [d for _, d in page[: search.per_page]])
        more = len(page) > search.per_page
        last = page[search.per_page - 1] if more else None
    else:
        start = (search.page - 1) * search.per_page
        more = start + search.per_page < result.total
        last = ranking.page_end if more else None  # ranked with the page by run_search
    body = result.to_dict()
    body["next"] = None
    if last is not None:
        payload = {"v": CURSOR_VERSION, "p": digest, "s": found.sort, "g": found.generation}
        body["next"] = encode_cursor({**payload, "k": last[0], "d": last[1]}, key)
    response = jsonify(body)  # once, with `next` set
    if last is not None:
        pairs = [(n, v) for n, v in search.params() if n not in ("page", "cursor")]
        pairs.append(("cursor", body["next"]))
        # relative (RFC 8288 allows it): the Host header, which a client chooses, is not echoed
        response.headers["Link"] = f'<{request.path}?{urlencode(pairs)}>; rel="next"'
    return response
