"""Facet counts over the matches (disjunctive), the month histogram, search within a facet."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

from indexer.schema import FACETS, facet_value
from webapp.search.errors import FacetNotFound
from webapp.search.kinds import ARTICLES
from webapp.search.matching import collapse_copies, find_matches
from webapp.search.results import Bucket, FacetSearch, Histogram

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind
    from webapp.search.matching import Matches
    from webapp.search.request import SearchRequest
    from webapp.search.results import FacetCount
    from webapp.search.tables import FacetTable


FACET_SEARCH_LIMIT = 100  # values per page of a search within a facet, by default


YEARS_AFTER_MONTHS = 36  # a histogram spanning more months than this has year buckets


def count_facets(
    table: FacetTable,
    request: SearchRequest,
    matches: Matches,
    limit: int | None,
    every: str | None,
) -> tuple[dict[str, list[FacetCount]], dict[str, int]]:
    """Each facet's top values (or those matching its facet_q) and its number of values."""
    facets, sizes = {}, {}
    for name in FACETS:
        if name in matches.scope.chosen:
            counts = table.count(name, matches.facet_docs(name))
        else:
            counts = matches.counts(table, name, every)
        search = request.facet_search(name)
        keep = {facet_value(name, value) for value in request.values(name)}
        facets[name] = table.ranked(name, counts, limit, search, keep)
        sizes[name] = table.size(name, counts, search)
    return facets, sizes


def month_histogram(table: FacetTable, matches: Matches, every: str | None) -> Histogram:
    """The matches per month (or year), each period with the documents in scope."""
    counts = table.named("month", matches.counts(table, "month", every))
    scope = matches.scope
    if scope.months is None:
        scope.months = table.count("month", scope.docs, every)
    return histogram(counts, table.named("month", scope.months), len(matches.docs))


def histogram(counts: Mapping[str, int], totals: Mapping[str, int], total: int) -> Histogram:
    """Buckets for every month from the first month counted to the last; years when that is
    more than YEARS_AFTER_MONTHS months. `total` less the buckets' sum is `undated`."""
    counts, totals = _by_month_key(counts), _by_month_key(totals)
    dated = sum(counts.values())
    if not counts:
        return Histogram("month", [], total - dated)
    interval, keys = _periods(min(counts), max(counts))
    width = 4 if interval == "year" else 7
    count_by, total_by = Counter[str](), Counter[str]()
    for month, n in counts.items():
        count_by[month[:width]] += n
    for month, n in totals.items():
        total_by[month[:width]] += n
    buckets = [Bucket(key, count_by[key], total_by[key]) for key in keys]
    return Histogram(interval, buckets, total - dated)


_MONTH = re.compile(r"(\d{1,4})-(\d{1,2})")


def month_key(value: str) -> str | None:
    """A month facet value as "YYYY-MM", the year zero-padded (an index built before the
    padding holds "999-05" for May 999); None when it is no month."""
    found = _MONTH.fullmatch(value)
    if not found or not 1 <= int(found.group(2)) <= 12:
        return None
    return f"{int(found.group(1)):04d}-{int(found.group(2)):02d}"


def _by_month_key(counts: Mapping[str, int]) -> Counter[str]:
    keyed = Counter[str]()
    for value, n in counts.items():
        key = month_key(value)
        if key is not None:
            keyed[key] += n
    return keyed


@functools.lru_cache(maxsize=256)
def _periods(first: str, last: str) -> tuple[str, tuple[str, ...]]:
    """The histogram's interval ("month", or "year" past YEARS_AFTER_MONTHS months) and its
    periods from the month `first` to the month `last` (kept: a 40-year archive has 480)."""
    months = _month_keys(first, last)
    interval = "year" if len(months) > YEARS_AFTER_MONTHS else "month"
    width = 4 if interval == "year" else 7
    return interval, tuple(dict.fromkeys(month[:width] for month in months))


def _month_keys(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from `first` to `last`."""
    start = int(first[:4]) * 12 + int(first[5:7]) - 1
    end = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, end + 1)]


def search_facet(
    handle: IndexHandle,
    request: SearchRequest,
    facet: str,
    prefix: str = "",
    kind: SearchKind | None = None,
    page: int = 1,
    per_page: int = FACET_SEARCH_LIMIT,
) -> FacetSearch:
    """The values of `facet` starting with `prefix` (the value or one of its words, any case)
    among the request's matches, counted as the sidebar counts them, most frequent first: the
    `page`-th `per_page` of them, and how many there are in all (`total`), so that every
    value can be listed; FacetNotFound if the facet is unknown."""
    if facet not in FACETS:
        raise FacetNotFound(f"no facet {facet!r} (facets: {', '.join(FACETS)})")
    kind = kind or ARTICLES
    searcher = handle.searcher()
    matches = collapse_copies(
        handle, searcher, request, find_matches(handle, searcher, request, kind)
    )
    table = handle.facet_table(searcher)
    counts = table.count(facet, matches.facet_docs(facet))
    total = table.size(facet, counts, prefix)
    start = (page - 1) * per_page
    listed = table.ranked(facet, counts, start + per_page, prefix) if start < total else []
    return FacetSearch(facet, prefix, listed[start : start + per_page], total, page, per_page)
