"""run_search: one request from matches to the page of hits, facets, histogram and words."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from whoosh.searching import Searcher

from indexer.language import language_label
from indexer.schema import EXACT_FIELDS, QUOTE
from webapp.search.cursors import add_cursor
from webapp.search.errors import BadQuery
from webapp.search.facets import count_facets, month_histogram
from webapp.search.hits import COPIES_LISTED, copy_of, ranked_page
from webapp.search.kinds import ARTICLES
from webapp.search.matching import (
    CollapsedMatches,
    collapse_copies,
    find_matches,
    strict_total,
)
from webapp.search.results import Hit, Ranking, SearchResult
from webapp.search.spelling import suggest_query
from webapp.search.syntax import query_words
from webapp.search.tables import FACET_LIMIT

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind
    from webapp.search.matching import Matches
    from webapp.search.query import ParsedQuery
    from webapp.search.request import SearchRequest


SUGGEST_BELOW = 3  # a query with fewer matches (all words) gets a "did you mean"
SUGGEST_WORDS = 12  # ... if it has at most this many words: a pasted paragraph is not misspelt


def run_search(
    handle: IndexHandle,
    request: SearchRequest,
    kind: SearchKind | None = None,
    facet_limit: int | None = FACET_LIMIT,
) -> SearchResult:
    """Run a search of one kind (articles by default, or QUOTES): total, facet counts and
    histogram over every match, hits for the requested page (or after the request's cursor),
    a cursor to the next page, the query told in words, and a suggestion when the query finds
    little.

    Each facet with chosen values is counted without its own choice (disjunctive faceting), so
    every count says how many documents a click on that value gives.
    Raises BadQuery for a malformed query and IndexUnavailable when there is no index.
    """
    searcher = handle.searcher()
    table = handle.facet_table(searcher)
    kind = (kind or ARTICLES).named(table.columns["speaker"].names)
    request = request.named(table.shown)  # as the facets name them: chosen, and kept listed
    matches = collapse_copies(
        handle, searcher, request, find_matches(handle, searcher, request, kind)
    )
    kind_docs = handle.kind_docs(searcher).of(kind.name)
    every = kind.name if len(matches.docs) == len(kind_docs) else None
    facets, sizes = count_facets(table, request, matches, facet_limit, every)
    page: list[Any] = []
    page_end = None
    if not request.cursor:  # else the page is found after the cursor, by add_cursor
        page, page_docs, page_end = ranked_page(handle, searcher, matches, request, kind)
        add_copies(handle, searcher, page, page_docs, matches)
    result = SearchResult(
        request,
        len(matches.docs),
        page,
        facets,
        kind.name,
        histogram=month_histogram(table, matches, every),
        explanation=describe(request, kind, matches.parsed),
        relaxed=matches.relaxed,
        query_notes=matches.parsed.notes if matches.parsed else (),
        suggestion=suggestion(handle, searcher, request, kind, matches),
        facet_sizes=sizes,
        ranking=Ranking(searcher, matches, page_end),
    )
    add_cursor(handle, result, kind)
    return result


def add_copies(
    handle: IndexHandle,
    searcher: Searcher,
    hits: list[Any],
    docs: list[int],
    matches: Matches,
) -> None:
    """Name under each article hit (of document `docs[i]`) the matching copies collapsed
    into it."""
    if not isinstance(matches, CollapsedMatches):
        return
    groups, reader = handle.clusters(searcher), searcher.reader()
    oldest = handle.date_order(searcher).ranks["oldest"]
    for hit, docnum in zip(hits, docs, strict=True):
        if not isinstance(hit, Hit):
            continue
        others = groups.copies(docnum, matches.uncollapsed, oldest)
        hit.copy_count = len(others)
        hit.copies = [copy_of(reader.stored_fields(d)) for d in others[:COPIES_LISTED]]


# How each facet's filter reads in words, for articles (quotes: `speaker` is "said by").
FILTER_WORDS = {
    "author": "by",
    "source": "from",
    "location": "in",
    "speaker": "quoting",
    "month": "in",
    "language": "in",
}


def describe(request: SearchRequest, kind: SearchKind, parsed: ParsedQuery | None) -> str:
    """The search in words: "articles with zelensky and bakhmut, from Reuters"."""
    noun = f"{kind.name}s"
    parts = [f"{noun} with {parsed.words}" if parsed else f"all {noun}"]
    for name, values in request.filters().items():
        parts.append(f"{_filter_word(name, kind)} {_values_words(name, values)}")
    for name, values in request.exclusions().items():
        parts.append(f"not {_filter_word(name, kind)} {_values_words(name, values)}")
    if request.date_from or request.date_to:
        parts.append(_window_words(request.date_from, request.date_to))
    return ", ".join(parts)


def _values_words(facet: str, values: tuple[str, ...]) -> str:
    """A filter's values in words ("Ukrainian or Russian" for language codes)."""
    if facet == "language":
        values = tuple(language_label(v) or v for v in values)
    return " or ".join(values)


def _filter_word(facet: str, kind: SearchKind) -> str:
    return "said by" if facet == "speaker" and kind.name == QUOTE else FILTER_WORDS[facet]


def _window_words(first: date | None, last: date | None) -> str:
    if first and last:
        return f"dated {first} to {last}"
    return f"dated from {first}" if first else f"dated up to {last}"


def suggestion(
    handle: IndexHandle,
    searcher: Searcher,
    request: SearchRequest,
    kind: SearchKind,
    matches: Matches,
) -> str | None:
    """A "did you mean" query, asked for only when the query finds little (with every word),
    and offered only when it finds more (with every word, within the same filters)."""
    if matches.parsed is None or matches.strict_total >= SUGGEST_BELOW:
        return None
    if len(list(query_words(request.q))) > SUGGEST_WORDS:
        return None
    fields = [EXACT_FIELDS.get(name, name) for name in kind.fields]
    better = suggest_query(searcher.reader(), request.q, fields)
    if better is None:
        return None
    try:
        total = strict_total(handle, searcher, request.with_query(better), kind)
    except BadQuery:
        return None
    return better if total > matches.strict_total else None
