"""Where a result set stands: the order of all matches, and cursors to page through them.

A cursor (`next` in the API's JSON, `Link: <...>; rel="next"`) encodes the sort, the key and
the document number of the last hit, the index generation and a digest of the parameters,
signed; the next page is then the `per_page` first matches after that key, found in one pass
over the matches whatever the depth. A cursor that does not verify, or was made for other
parameters or an older index generation, is a 400 (BadCursor). Exports walk the same order
(`docnums_in_order`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh.searching import Searcher

from webapp.engine import docs_array
from webapp.search.errors import BadCursor
from webapp.search.hits import highlighted

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind
    from webapp.search.matching import Matches
    from webapp.search.request import SearchRequest
    from webapp.search.results import SearchResult

log = logging.getLogger(__name__)
CURSOR_VERSION = 1
_MAC_BYTES = 12
_PROCESS_KEY = secrets.token_bytes(32)
CURSOR_KEY_FILE = "cursor.key"  # in the index directory: a random secret, mode 0600
PAGING = ("page", "per_page", "cursor")  # parameters a cursor's digest leaves out


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


def ordered_matches(searcher: Searcher, matches: Matches, search: SearchRequest) -> Ordered:
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


def _hits(
    handle: IndexHandle, found: Ordered, kind: SearchKind, docnums: list[int], chars: int
) -> list[Any]:
    if found.query is None:
        reader = found.searcher.reader()
        return [kind.make_hit(reader.stored_fields(d), None, None) for d in docnums]
    return highlighted(handle, found.searcher, found.query, docnums, kind.make_hit, None, chars)


def add_cursor(handle: IndexHandle, result: SearchResult, kind: SearchKind) -> None:
    """Page `result` after its request's cursor (the hits replaced by those after it), and
    set `result.next`: the cursor to the page after this one, None on the last."""
    search, ranking = result.request, result.ranking
    assert ranking is not None
    found = ordered_matches(ranking.searcher, ranking.matches, search)  # run_search's matches
    digest, key = params_digest(search, kind), handle.cursor_key()
    if search.cursor:
        after = _check(decode_cursor(search.cursor, key), found, digest)
        page = page_after(handle, found, after, search.per_page + 1)
        docnums = [d for _, d in page[: search.per_page]]
        result.hits = _hits(handle, found, kind, docnums, search.snippet_chars)
        more = len(page) > search.per_page
        last = page[search.per_page - 1] if more else None
    else:
        start = (search.page - 1) * search.per_page
        more = start + search.per_page < result.total
        last = ranking.page_end if more else None  # ranked with the page by run_search
    result.next = None
    if last is not None:
        payload = {"v": CURSOR_VERSION, "p": digest, "s": found.sort, "g": found.generation}
        result.next = encode_cursor({**payload, "k": last[0], "d": last[1]}, key)
