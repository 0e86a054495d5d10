"""The ranked page of hits, highlighted; where a stored document becomes a hit or a row."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from whoosh.query import Query
from whoosh.searching import Searcher

from indexer.schema import stored_fields
from webapp.engine import matched_terms
from webapp.safetext import ERRORS
from webapp.search.dates import dated
from webapp.search.results import Copy, Hit, QuoteHit
from webapp.search.snippets import (
    SNIPPET_CHARS,
    Matched,
    highlights,
    plain_highlights,
    quote_highlight,
)

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind
    from webapp.search.matching import Matches
    from webapp.search.request import SearchRequest


MakeHit = Callable[[Mapping[str, Any], float | None, "Matched | None"], Any]


def ranked_page(
    handle: IndexHandle,
    searcher: Searcher,
    matches: Matches,
    request: SearchRequest,
    kind: SearchKind,
) -> tuple[list[Any], list[int], tuple[Any, int] | None]:
    """The hits of the requested page, ranked among the matches, with highlights; their
    document numbers; and the position of the page's last place, the `page * per_page`-th
    match: (score, docnum), or (date rank, docnum) when sorted by date; None when there are
    fewer matches (or the page is past the last)."""
    make_hit = kind.make_hit
    start = (request.page - 1) * request.per_page
    end = start + request.per_page
    if start >= len(matches.docs):
        return [], [], None
    query = matches.parsed.query if matches.parsed else None
    sort = request.effective_sort
    if sort == "relevance" and query is not None:
        best = matches.scored().best(end)
        page = best[start:]
        last = best[-1] if len(best) == end else None
        docs, scores = [d for _, d in page], [score for score, _ in page]
        return (
            highlighted(handle, searcher, query, docs, make_hit, scores, request.snippet_chars),
            docs,
            last,
        )
    dates = handle.date_order(searcher)
    first = dates.first(matches.docs, end, sort)
    page_docs = first[start:]
    last = (dates.rank(sort, first[-1]), first[-1]) if len(first) == end else None
    if query is None:
        reader = searcher.reader()
        hits = [make_hit(reader.stored_fields(d), None, None) for d in page_docs]
        return hits, page_docs, last
    return (
        highlighted(handle, searcher, query, page_docs, make_hit, None, request.snippet_chars),
        page_docs,
        last,
    )


def highlighted(
    handle: IndexHandle,
    searcher: Searcher,
    query: Query,
    page: list[int],
    make_hit: MakeHit,
    scores: Sequence[float] | None = None,
    chars: int = SNIPPET_CHARS,
) -> list[Any]:
    """Hits for documents already put in order, highlighted in passages of `chars`
    characters (with `scores`, if given)."""
    terms = matched_terms(handle.engine(searcher), searcher, query, page)
    reader = searcher.reader()
    hits = []
    for i, d in enumerate(page):
        stored = reader.stored_fields(d)
        matched = Matched(terms[d], chars, stored.get("language") or None)
        hits.append(make_hit(stored, scores[i] if scores is not None else None, matched))
    return hits


def _score(score: float | None) -> float | None:
    return round(score, 4) if score is not None else None


def article_hit(stored: Mapping[str, Any], score: float | None, matched: Matched | None) -> Hit:
    """An article Hit from stored fields; highlighted when there is a Whoosh hit."""
    fields = stored_fields(stored)
    when = dated(fields["date"])
    return Hit(
        **{name: fields[name] for name in _HIT_FIELDS},
        date=when.date,
        published=when.published,
        date_precision=when.date_precision,
        title=fields["title"] or "",
        score=_score(score),
        highlights=highlights(matched, stored) if matched else plain_highlights(stored),
    )


_HIT_FIELDS = ("id", "author", "author_role", "location", "source", "url", "cluster", "language")


def quote_hit(stored: Mapping[str, Any], score: float | None, matched: Matched | None) -> QuoteHit:
    """A QuoteHit from a quote record's stored fields; highlighted when there is a Whoosh hit."""
    row = quote_row(stored)
    marked = quote_highlight(matched, row["text"]) if matched else ""
    return QuoteHit(**row, highlight=marked or html.escape(row["text"]), score=_score(score))


def quote_link(article_id: str, n: int) -> str:
    """The path of a quotation's place in its article page: /articles/<id>#q<n>."""
    return f"/articles/{quote(article_id, safe='', errors=ERRORS)}#q{n}"


COPIES_LISTED = 10  # copies named under a collapsed hit; `copy_count` counts them all


def copy_of(stored: Mapping[str, Any]) -> Copy:
    fields = stored_fields(stored)
    return Copy(
        id=fields["id"],
        title=fields["title"] or "",
        source=fields["source"],
        site=fields["site"],
        date=dated(fields["date"]).date,
    )


# The columns of the CSV and JSON Lines exports: a row per article, or per quotation
ARTICLE_COLUMNS = (
    "id", "title", "author", "author_role", "date", "published", "date_precision", "location",
    "source", "site", "url", "cluster", "language", "body",
)  # fmt: skip
QUOTE_COLUMNS = (
    "id", "article_id", "n", "speaker", "speaker_role", "speaker_kind", "text", "title", "author",
    "date", "published", "date_precision", "location", "source", "language", "link",
)  # fmt: skip


def article_row(stored: Mapping[str, Any]) -> dict[str, Any]:
    """An article's export row: ARTICLE_COLUMNS from its stored fields."""
    fields = stored_fields(stored)
    when = dated(fields["date"])
    fields.update(date=when.date, published=when.published, date_precision=when.date_precision)
    row = {name: fields[name] for name in ARTICLE_COLUMNS}
    row["title"] = row["title"] or ""
    return row


def quote_row(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A quotation as QUOTE_COLUMNS from its record's stored fields: its export row, and
    every field of its QuoteHit but the highlight and the score."""
    article_id, n = stored.get("article", ""), int(stored.get("n") or 0)
    when = dated(stored.get("date_text"))
    return {
        "id": stored.get("id", ""),
        "article_id": article_id,
        "n": n,
        "speaker": stored.get("speaker") or None,
        "speaker_role": stored.get("speaker_role") or None,
        "speaker_kind": stored.get("speaker_kind") or None,
        "text": stored.get("quotes") or "",
        "title": stored.get("article_title") or "",
        "author": stored.get("author") or None,
        "date": when.date,
        "published": when.published,
        "date_precision": when.date_precision,
        "location": stored.get("location") or None,
        "source": stored.get("source") or None,
        "language": stored.get("language") or None,
        "link": quote_link(article_id, n),
    }
