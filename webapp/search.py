"""Search over a Newsdesk index: requests, results, facets and highlights. Imports no Flask.

The index holds two kinds of document, articles and quotes (each quotation is also a record of
its own); a `SearchKind` says which one a search returns and how its hits look.

The read path, per request: validate a `SearchRequest`, parse the query once, collect the set of
matching document numbers once (kind AND query AND filters), count facets over that set with the
per-generation `FacetTable`, then rank only the requested page (by score, or by the
per-generation `DateOrder`) and highlight only its hits (webapp/snippets.py).

    handle = IndexHandle("index")
    result = run_search(handle, SearchRequest.from_args({"q": ["grain"], "author": ["Ann Lee"]}))
    result.to_dict()  # the JSON API's answer
    quotes = run_search(handle, SearchRequest.from_args({"speaker": ["Ann Lee"]}), QUOTES)
"""

from __future__ import annotations

import functools
import html
import math
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import numpy as np
from whoosh import scoring
from whoosh.qparser import (
    AndGroup,
    GtLtPlugin,
    MultifieldParser,
    OrGroup,
    PhrasePlugin,
    Plugin,
    QueryParser,
    syntax,
)
from whoosh.qparser.common import QueryParserError
from whoosh.query import NullQuery, Query, QueryError
from whoosh.searching import Searcher

from indexer.errors import NewsdeskError
from indexer.model import Article
from indexer.schema import (
    ARTICLE,
    DEFAULT_FIELDS,
    EXACT_FIELDS,
    FACETS,
    NO_VALUE,
    QUERY_FIELDS,
    QUOTE,
    QUOTE_DEFAULT_FIELDS,
    day_number,
    document_to_article,
    facet_value,
    stored_fields,
)
from indexer.storage.leaves import NO_DAY, date_column, field_docs, live_mask, term_docs
from indexer.writer import open_index
from webapp.engine import (
    DOCNUM,
    EMPTY_DOCS,
    Engine,
    Found,
    common_docs,
    contains,
    docs_array,
    matched_terms,
)
from webapp.limits import (
    check_depth,
    check_query_cost,
    check_query_text,
    check_values,
)
from webapp.querylang import DATE_FIELD, DateQueryError, DayRangePlugin, explain
from webapp.quotemarks import paragraph_spans
from webapp.safetext import ERRORS
from webapp.snippets import (
    Matched,
    highlights,
    plain_highlights,
    quote_highlight,
)
from webapp.spelling import suggest_query

SORTS = ("relevance", "newest", "oldest")
MODES = ("all", "any")  # every word (falls back to any word when none has all), or any word
FILTER_FACETS = FACETS  # author, source, location, speaker, month: each a repeatable parameter
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
FACET_LIMIT = 20  # values shown per facet; months are all shown
FACET_SEARCH_LIMIT = 100  # values listed by a search within a facet
YEARS_AFTER_MONTHS = 36  # a histogram spanning more months than this has year buckets
SUGGEST_BELOW = 3  # a query with fewer matches (all words) gets a "did you mean"
ANY_BONUS = 0.0  # mode "any": Whoosh's bonus for matching more of the words (0: plain sum)
SCOPES_KEPT = 256  # filter sets remembered per generation
# BM25F: length normalisation B (Whoosh's default 0.75) and term saturation K1, tuned on the
# Reuters proxy of bench/ranking.py (B 0.3 beats 0.5 and 0.75 there, K1 matters little).
BM25_B = 0.3
BM25_K1 = 1.2
T = TypeVar("T")


# ---------------------------------------------------------------- errors


class WebError(NewsdeskError):
    """An error with the HTTP status it maps to; one handler renders every subclass."""

    status = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BadRequest(WebError):
    """A parameter is missing its expected form (page=abc, from=2025-13-01, sort=foo)."""

    status = 400


class BadQuery(BadRequest):
    """The query string cannot be parsed or run."""

    status = 400


class ArticleNotFound(WebError):
    """No article has the requested id."""

    status = 404


class SpeakerNotFound(WebError):
    """No quote has the requested speaker."""

    status = 404


class FacetNotFound(WebError):
    """No facet has the requested name."""

    status = 404


class IndexUnavailable(WebError):
    """The index directory holds no index (yet)."""

    status = 503


# ---------------------------------------------------------------- the request


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: query, match mode, filters and exclusions, date window, sort, page.

    An empty `q` browses: every article matching the filters (all articles when there are none),
    newest first unless `sort` asks for oldest — relevance means nothing without a query.
    """

    q: str = ""
    author: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    location: tuple[str, ...] = ()
    speaker: tuple[str, ...] = ()
    month: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    not_author: tuple[str, ...] = ()
    not_source: tuple[str, ...] = ()
    not_location: tuple[str, ...] = ()
    not_speaker: tuple[str, ...] = ()
    not_month: tuple[str, ...] = ()
    mode: str = "all"
    facet_q: tuple[tuple[str, str], ...] = ()  # (facet, text): that facet's list, searched
    dedupe: bool = True  # syndicated copies collapsed into their earliest article (dedupe=0: not)

    @classmethod
    def from_args(cls, args: Mapping[str, Sequence[str]]) -> SearchRequest:
        """Build from query parameters (name → list of values); BadRequest when one is invalid.

        Parameters: q, author, source, location, speaker, month (repeatable), the same with
        `not_` (exclusions, repeatable), from, to (YYYY-MM-DD, inclusive), mode (all|any),
        sort (relevance|newest|oldest), page (>=1), per_page (1-100), facet_q_<facet> (search
        within a facet's values). Unknown parameters are ignored.
        """
        filters = {name: _values(args, name) for name in FILTER_FACETS}
        excluded = {f"not_{name}": _values(args, f"not_{name}") for name in FILTER_FACETS}
        request = cls(
            q=_single(args, "q"),
            date_from=_date_param(args, "from"),
            date_to=_date_param(args, "to"),
            sort=_choice_param(args, "sort", SORTS, "relevance"),
            page=_int_param(args, "page", 1, 1, None),
            per_page=_int_param(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
            mode=_choice_param(args, "mode", MODES, "all"),
            facet_q=_facet_searches(args),
            dedupe=_flag_param(args, "dedupe", True),
            **filters,
            **excluded,
        )
        if request.date_from and request.date_to and request.date_from > request.date_to:
            raise BadRequest("'from' is after 'to': the date range is empty")
        check_depth(request.page, request.per_page, BadRequest)
        return request

    @property
    def browsing(self) -> bool:
        """True when there is no query text, or only match-all wildcards (`*`, `title:*`):
        list the articles matching the filters."""
        return not self.q or matches_all(self.q)

    @property
    def effective_sort(self) -> str:
        return "newest" if self.browsing and self.sort == "relevance" else self.sort

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The active facet filters, facet name → values."""
        return {name: getattr(self, name) for name in FILTER_FACETS if getattr(self, name)}

    def exclusions(self) -> dict[str, tuple[str, ...]]:
        """The excluded facet values, facet name → values."""
        return {n: getattr(self, f"not_{n}") for n in FILTER_FACETS if getattr(self, f"not_{n}")}

    def facet_search(self, facet: str) -> str:
        """The text searched for in a facet's values ("" when its list is not searched)."""
        return dict(self.facet_q).get(facet, "")

    def filter_key(self) -> tuple[Any, ...]:
        """Everything that narrows the documents before the query: a cache key."""
        chosen = tuple(sorted(self.filters().items()))
        return (chosen, tuple(sorted(self.exclusions().items())), self.date_from, self.date_to)

    def active_filters(self) -> list[tuple[str, str, SearchRequest]]:
        """(parameter, value, request without it) for each active filter, exclusions (not_*)
        and dates included."""
        active = [
            (name, value, self.without_filter(name, value))
            for name, values in self.filters().items()
            for value in values
        ]
        active += [
            (f"not_{name}", value, self.without_exclusion(name, value))
            for name, values in self.exclusions().items()
            for value in values
        ]
        if self.date_from:
            active.append(("from", self.date_from.isoformat(), self._changed(date_from=None)))
        if self.date_to:
            active.append(("to", self.date_to.isoformat(), self._changed(date_to=None)))
        return active

    def with_filter(self, facet: str, value: str) -> SearchRequest:
        values = getattr(self, facet)
        changed = self.without_exclusion(facet, value)._changed(facet_q=self._other_q(facet))
        return changed if value in values else changed._changed(**{facet: (*values, value)})

    def without_filter(self, facet: str, value: str) -> SearchRequest:
        return self._changed(**{facet: tuple(v for v in getattr(self, facet) if v != value)})

    def with_exclusion(self, facet: str, value: str) -> SearchRequest:
        """This search without the documents that have `value` in `facet`."""
        name = f"not_{facet}"
        values = getattr(self, name)
        changed = self.without_filter(facet, value)._changed(facet_q=self._other_q(facet))
        return changed if value in values else changed._changed(**{name: (*values, value)})

    def without_exclusion(self, facet: str, value: str) -> SearchRequest:
        name = f"not_{facet}"
        return self._changed(**{name: tuple(v for v in getattr(self, name) if v != value)})

    def without_filters(self) -> SearchRequest:
        return SearchRequest(q=self.q, sort=self.sort, per_page=self.per_page, mode=self.mode)

    def with_dates(self, first: str, last: str) -> SearchRequest:
        """This search within the days `first` to `last` (YYYY-MM-DD)."""
        return self._changed(date_from=date.fromisoformat(first), date_to=date.fromisoformat(last))

    def without_facet_search(self, facet: str) -> SearchRequest:
        return self._changed(facet_q=self._other_q(facet))

    def with_sort(self, sort: str) -> SearchRequest:
        return self._changed(sort=sort)

    def with_mode(self, mode: str) -> SearchRequest:
        return self._changed(mode=mode)

    def with_query(self, q: str) -> SearchRequest:
        return self._changed(q=q)

    def with_page(self, page: int) -> SearchRequest:
        return replace(self, page=page)

    def page_query(self, page: int) -> str:
        """The query string of another page of this search."""
        return self.with_page(page).query_string()

    def _other_q(self, facet: str) -> tuple[tuple[str, str], ...]:
        return tuple((name, text) for name, text in self.facet_q if name != facet)

    def _changed(self, **changes: Any) -> SearchRequest:
        return replace(self, page=1, **changes)  # a new filter or order starts at page 1

    def params(self) -> list[tuple[str, str]]:
        """The request as query parameters, defaults left out."""
        pairs = [("q", self.q)] if self.q else []
        pairs += [(name, v) for name, values in self.filters().items() for v in values]
        pairs += [(f"not_{n}", v) for n, values in self.exclusions().items() for v in values]
        pairs += [("from", self.date_from.isoformat())] if self.date_from else []
        pairs += [("to", self.date_to.isoformat())] if self.date_to else []
        pairs += [("mode", self.mode)] if self.mode != "all" else []
        pairs += [("sort", self.sort)] if self.sort != "relevance" else []
        pairs += [("page", str(self.page))] if self.page != 1 else []
        pairs += [("per_page", str(self.per_page))] if self.per_page != DEFAULT_PER_PAGE else []
        pairs += [(f"facet_q_{name}", text) for name, text in self.facet_q]
        pairs += [] if self.dedupe else [("dedupe", "0")]
        return pairs

    def form_params(self, *drop: str) -> list[tuple[str, str]]:
        """The parameters a form keeps as hidden fields: all but the page and those in `drop`."""
        return [(name, v) for name, v in self.params() if name not in drop and name != "page"]

    def box_params(self) -> list[tuple[str, str]]:
        """What the search box keeps when the query changes: filters, mode, order, page size."""
        return [(n, v) for n, v in self.form_params("q") if not n.startswith("facet_q_")]

    def query_string(self) -> str:
        return urlencode(self.params(), errors=ERRORS)


def _values(args: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for v in args.get(name, ()) if v and v.strip()))
    check_values(name, values, BadRequest)
    return values


def _single(args: Mapping[str, Sequence[str]], name: str) -> str:
    values = _values(args, name)
    return values[-1] if values else ""


def _facet_searches(args: Mapping[str, Sequence[str]]) -> tuple[tuple[str, str], ...]:
    pairs = ((name, _single(args, f"facet_q_{name}")) for name in FILTER_FACETS)
    return tuple((name, text) for name, text in pairs if text)


def _int_param(
    args: Mapping[str, Sequence[str]], name: str, default: int, low: int, high: int | None
) -> int:
    text = _single(args, name)
    if not text:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise BadRequest(f"'{name}' must be a whole number, not {text!r}")
    value = int(text)
    if value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"'{name}' must be {limits}, not {value}")
    return value


def _date_param(args: Mapping[str, Sequence[str]], name: str) -> date | None:
    text = _single(args, name)
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date as YYYY-MM-DD, not {text!r}") from None


def _choice_param(
    args: Mapping[str, Sequence[str]], name: str, choices: Sequence[str], default: str
) -> str:
    text = _single(args, name) or default
    if text not in choices:
        raise BadRequest(f"'{name}' must be one of {', '.join(choices)}, not {text!r}")
    return text


# ---------------------------------------------------------------- the result


def plain(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, one level deep (dataclasses.asdict deep-copies every
    value, which cost a search's JSON answer 3 ms)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


@dataclass
class FacetCount:
    value: str
    count: int


@dataclass
class Hit:
    """One hit as shown: stored fields plus highlights (HTML: escaped text, `<mark>` added)."""

    id: str
    title: str
    author: str | None
    author_role: str | None
    date: str | None
    location: str | None
    source: str | None
    url: str | None
    score: float | None
    highlights: dict[str, str]
    cluster: str | None = None  # its syndicated copies' cluster: the earliest copy's id
    copy_count: int = 0  # further matching copies collapsed into this hit (dedupe=1)
    copies: list[Copy] = field(default_factory=list)  # the first COPIES_LISTED of them

    def to_dict(self) -> dict[str, Any]:
        record = plain(self)
        record["highlights"] = dict(self.highlights)
        record["copies"] = [plain(c) for c in self.copies]
        return record


@dataclass
class QuoteHit:
    """One quotation as shown, with its article's title, byline, date and place.

    `text` is the quotation as stored; `highlight` is the same text as HTML (escaped, `<mark>`
    around matched words); `link` is the quotation's place in its article page.
    """

    id: str
    article_id: str
    n: int
    speaker: str | None
    speaker_role: str | None
    text: str
    highlight: str
    title: str
    author: str | None
    date: str | None
    location: str | None
    source: str | None
    link: str
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Bucket:
    """One period of the histogram: matching documents, and all documents in scope."""

    key: str  # "2024-05" or "2024"
    count: int
    total: int


@dataclass
class Histogram:
    """Matches per month (per year beyond YEARS_AFTER_MONTHS), every period from the first
    match to the last, each with the number of documents in scope (the same kind and filters,
    without the query) so that attention can be normalised. Buckets sum to the total less
    `undated`."""

    interval: str  # "month" or "year"
    buckets: list[Bucket]
    undated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**plain(self), "buckets": [plain(b) for b in self.buckets]}

    @property
    def peak(self) -> int:
        return max((b.count for b in self.buckets), default=0)


@dataclass
class SearchResult:
    """What a search found: the total, one page of hits, the facet counts and the histogram of
    all matches, and how the query was read."""

    request: SearchRequest
    total: int
    hits: list[Any]  # Hit for articles, QuoteHit for quotes
    facets: dict[str, list[FacetCount]]
    kind: str = ARTICLE
    histogram: Histogram = field(default_factory=lambda: Histogram("month", []))
    explanation: str = ""
    relaxed: bool = False  # no document had every word: these match any of them
    suggestion: str | None = None  # a query with words from the index, when this one finds little
    facet_sizes: dict[str, int] = field(default_factory=dict)  # values per facet, listed or not
    ranking: Ranking | None = field(default=None, repr=False, compare=False)  # not in to_dict

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    @property
    def first(self) -> int:
        """1-based position of the page's first hit (0 when the page is empty)."""
        return (self.request.page - 1) * self.request.per_page + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0

    def page_numbers(self, around: int = 3) -> list[int]:
        """Page numbers for a pager: the first, the last and a window around the current one."""
        current = min(self.request.page, self.pages)
        window = range(max(1, current - around), min(self.pages, current + around) + 1)
        return sorted({1, self.pages, *window})

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's answer."""
        return {
            "query": self.request.q,
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [plain(fc) for fc in counts] for name, counts in self.facets.items()},
            "facet_sizes": self.facet_sizes,
            "mode": self.request.mode,
            "relaxed": self.relaxed,
            "suggestion": self.suggestion,
            "explanation": self.explanation,
            "histogram": self.histogram.to_dict(),
        }


@dataclass
class Ranking:
    """How run_search found and ranked its matches, kept for a caller that pages on from them
    (the API's cursors) so that it need not find them again."""

    searcher: Searcher
    matches: Matches
    page_end: tuple[Any, int] | None  # (score or date rank, docnum) of the page's last place


@dataclass
class FacetSearch:
    """The values of one facet that match a text, with their counts (as the sidebar counts)."""

    facet: str
    prefix: str
    values: list[FacetCount]

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's answer for /api/facets/<facet>."""
        return {
            "facet": self.facet,
            "prefix": self.prefix,
            "values": [plain(fc) for fc in self.values],
        }


# ---------------------------------------------------------------- facets


# Matches (as a share of all documents) from which further facet values are found with a
# mask of the matches rather than through each match (_FacetColumn.count): 1/16
MASK_FROM = 16


@dataclass
class _FacetColumn:
    """One facet's values and, per document, the ids of its values (most have at most one)."""

    values: list[str]
    first: np.ndarray  # docnum → value id, -1 for none
    extra_docs: np.ndarray  # documents with further values (several authors, speakers), sorted
    extra_values: np.ndarray  # the further value id of each entry of extra_docs
    _ids: dict[str, int] | None = None  # value → value id, made on first use

    _extra_start: np.ndarray | None = None  # docnum → its first entry in extra_docs

    def count(self, docnums: Collection[int]) -> np.ndarray:
        """Per value id, how many of `docnums` have that value."""
        docs = docs_array(docnums)
        first = self.first[docs]
        counts = np.bincount(first[first >= 0], minlength=len(self.values))
        if not len(self.extra_docs) or not len(docs):
            return counts
        if len(docs) * MASK_FROM < len(self.first):
            # Few matches: each one's further values are the entries extra_start[d] to
            # extra_start[d + 1] (looking 20k entries up among 5,000 matches took 0.4 ms,
            # this 0.1 ms).
            starts = self.extra_start
            low, high = starts[docs], starts[docs + 1]
            has = high > low
            low, sizes = low[has], (high - low)[has]
            entries = np.repeat(low - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
            further = self.extra_values[entries]
        else:  # many: the entries whose document is marked (20k entries, 80k matches at
            # 200k articles: 0.27 ms, the above 0.51, a lookup of each entry 0.61)
            matched = np.zeros(len(self.first), dtype=bool)
            matched[docs] = True
            further = self.extra_values[matched[self.extra_docs]]
        counts += np.bincount(further, minlength=len(self.values))
        return counts

    @property
    def extra_start(self) -> np.ndarray:
        if self._extra_start is None:
            per_doc = np.bincount(self.extra_docs, minlength=len(self.first))
            self._extra_start = np.concatenate(([0], np.cumsum(per_doc))).astype(np.int64)
        return self._extra_start

    def having(self, values: Iterable[str]) -> np.ndarray:
        """Which documents (a mask by document number) have one of `values`."""
        wanted = [self.ids[v] for v in values if v in self.ids]
        mask = np.isin(self.first, wanted)
        if len(self.extra_docs) and wanted:
            mask[self.extra_docs[np.isin(self.extra_values, wanted)]] = True
        return mask

    @property
    def ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {value: vid for vid, value in enumerate(self.values)}
        return self._ids


class FacetTable:
    """App-side forward arrays docnum → facet values, built once per searcher generation.

    Counting a facet over a set of matching documents is then one pass over the set, instead of
    Whoosh's `FieldFacet(allow_overlap=True)` machinery (see whoosh-notes.md).
    """

    def __init__(self, columns: dict[str, _FacetColumn]) -> None:
        self.columns = columns
        self._everything: dict[str, dict[str, np.ndarray]] = {}

    @classmethod
    def build(cls, reader: Any) -> FacetTable:
        """Read every f_* field's lexicon and postings, skipping NO_VALUE and deleted documents."""
        live = live_mask(reader)
        columns = {name: _read_column(reader, f"f_{name}", live) for name in FACETS}
        return cls(columns)

    def count(self, name: str, docnums: Collection[int], every: str | None = None) -> np.ndarray:
        """Per value id of facet `name`, how many of `docnums` have that value.

        `every` names the kind when `docnums` are all the documents of that kind (browsing):
        that answer never changes, so it is kept.
        """
        if every is None:
            return self.columns[name].count(docnums)
        kept = self._everything.setdefault(every, {})
        if name not in kept:
            kept[name] = self.columns[name].count(docnums)
        return kept[name]

    def ranked(
        self,
        name: str,
        counts: np.ndarray,
        limit: int | None = FACET_LIMIT,
        search: str = "",
        keep: Collection[str] = (),
    ) -> list[FacetCount]:
        """The counted values (those matching `search`, if any), most frequent first and cut at
        `limit`, but with every value in `keep` (the chosen ones); months: all, newest first.

        Value ids follow the values' order (the lexicon is sorted), so ties go by id; the top
        `limit` are picked with a partition, not by sorting every value counted."""
        values = self.columns[name].values
        present = self._present(name, counts, search)
        if name == "month":
            return [FacetCount(values[v], int(counts[v])) for v in present[::-1].tolist()]
        most = int(counts.max(initial=0))

        def rank_key(ids: np.ndarray) -> np.ndarray:  # count descending, then value
            return (most - counts[ids]) * len(values) + ids

        if limit is not None and len(present) > limit:
            top = present[np.argpartition(rank_key(present), limit - 1)[:limit]]
            shown = set(top.tolist())
            kept = {self.columns[name].ids.get(value, -1) for value in keep}
            extra = [v for v in kept if v >= 0 and counts[v] and v not in shown]
            if search:
                wanted = _value_matcher(search)
                extra = [v for v in extra if wanted(values[v])]
            present = np.concatenate([top, np.array(extra, dtype=present.dtype)])
        order = present[np.argsort(rank_key(present), kind="stable")]
        ranked = [FacetCount(values[v], int(counts[v])) for v in order.tolist()]
        if limit is None:
            return ranked
        return ranked[:limit] + [fc for fc in ranked[limit:] if fc.value in keep]

    def _present(self, name: str, counts: np.ndarray, search: str = "") -> np.ndarray:
        """Value ids counted at least once (and matching `search`, if any), in id order."""
        present = np.flatnonzero(counts)
        if search:
            values, wanted = self.columns[name].values, _value_matcher(search)
            present = np.array([v for v in present.tolist() if wanted(values[v])], dtype=np.intp)
        return present

    def size(self, name: str, counts: np.ndarray, search: str = "") -> int:
        """How many values of facet `name` were counted (those matching `search`, if any)."""
        return len(self._present(name, counts, search))

    def having(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Which documents (a mask) have one of these values (as typed) in facet `name`."""
        return self.columns[name].having(facet_value(name, value) for value in values)

    def named(self, name: str, counts: np.ndarray) -> dict[str, int]:
        """The counts by value (not value id)."""
        values = self.columns[name].values
        present = np.flatnonzero(counts)
        named = [values[v] for v in present.tolist()]
        return dict(zip(named, counts[present].tolist(), strict=True))


def _value_matcher(search: str) -> Callable[[str], bool]:
    """A test for facet values: the value or one of its words starts with `search` (any case)."""
    text = " ".join(search.lower().split())
    if not text:
        return lambda value: True

    def matches(value: str) -> bool:
        low = value.lower()
        return low.startswith(text) or any(w.startswith(text) for w in _VALUE_WORD.split(low))

    return matches


_VALUE_WORD = re.compile(r"[\s\-/.,;:()'’]+")


def _read_column(reader: Any, fieldname: str, live: np.ndarray) -> _FacetColumn:
    values: list[str] = []
    first = np.full(len(live), -1, dtype=np.int32)
    extra_docs: list[np.ndarray] = []
    extra_values: list[np.ndarray] = []
    sentinel = NO_VALUE.encode("utf-8")
    for term, docs in field_docs(reader, fieldname).items():
        if term == sentinel:
            continue
        vid = len(values)
        values.append(term.decode("utf-8"))
        docs = docs[live[docs]]
        taken = first[docs] >= 0
        first[docs[~taken]] = vid
        if taken.any():
            extra_docs.append(docs[taken])
            extra_values.append(np.full(int(taken.sum()), vid, dtype=np.int32))
    if not extra_docs:
        return _FacetColumn(values, first, EMPTY_DOCS, np.zeros(0, np.int32))
    docs, vids = np.concatenate(extra_docs), np.concatenate(extra_values)
    order = np.argsort(docs, kind="stable")
    return _FacetColumn(values, first, docs[order], vids[order])


# ---------------------------------------------------------------- kinds


class KindDocs:
    """The live document numbers of each kind (articles, quotes), sorted arrays built once per
    generation. Intersecting a query's matches with them is cheaper than adding `kind:...` to
    the query."""

    def __init__(self, docs: dict[str, np.ndarray]) -> None:
        self.docs = docs
        self._masks: dict[str, np.ndarray] = {}

    @classmethod
    def build(cls, reader: Any) -> KindDocs:
        live = live_mask(reader)
        docs = {}
        for kind in (ARTICLE, QUOTE):
            found = term_docs(reader, "kind", kind.encode("utf-8"))
            docs[kind] = found[live[found]]
        return cls(docs)

    def of(self, kind: str) -> np.ndarray:
        return self.docs.get(kind, EMPTY_DOCS)

    def mask(self, kind: str, size: int) -> np.ndarray:
        """The documents of `kind` as a mask of `size` document numbers, made once."""
        got = self._masks.get(kind)
        if got is None or len(got) != size:
            got = self._masks[kind] = _mask(self.of(kind), size)
        return got


# ---------------------------------------------------------------- date order


class DateOrder:
    """Every document's rank by date, newest first and oldest first, built once per generation.

    Undated documents come last in both orders; ties keep index order. A page sorted by date is
    then the `n` smallest ranks among the matching documents: no per-request sort key calls.
    """

    def __init__(self, newest: np.ndarray, oldest: np.ndarray) -> None:
        self.ranks = {"newest": newest, "oldest": oldest}
        self.days = np.full(len(newest), NO_DAY, dtype=np.int64)  # day number, or NO_DAY

    @classmethod
    def build(cls, reader: Any) -> DateOrder:
        """Read the sortable `date` column (raw values) of every document."""
        column = date_column(reader, "date")
        docnums = np.arange(len(column.keys))
        newest = np.lexsort((docnums, -column.keys, column.missing))
        oldest = np.lexsort((docnums, column.keys, column.missing))
        order = cls(_ranks(newest), _ranks(oldest))
        order.days = column.days
        return order

    def within(self, first: int | None, last: int | None) -> np.ndarray:
        """Which documents (a mask) are dated from day `first` to day `last` (day numbers)."""
        mask = self.days != NO_DAY
        if first is not None:
            mask &= self.days >= first
        if last is not None:
            mask &= self.days <= last
        return mask

    def first(self, docnums: Collection[int], count: int, sort: str) -> list[int]:
        """The `count` first documents of `docnums` in the `sort` order (newest or oldest)."""
        docs = docs_array(docnums)
        ranks = self.ranks[sort][docs]
        if count < len(docs):
            chosen = np.argpartition(ranks, count - 1)[:count]
        else:
            chosen = np.arange(len(docs))
        return docs[chosen[np.argsort(ranks[chosen])]].tolist()

    def rank(self, sort: str, docnum: int) -> int:
        return int(self.ranks[sort][docnum])


def _ranks(order: np.ndarray) -> np.ndarray:
    rank = np.zeros(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


# ---------------------------------------------------------------- the open index


class IndexHandle:
    """The index opened once, one searcher per thread, and caches per searcher generation.

    `searcher()` gives the calling thread its searcher; when a reindex has committed since
    (`up_to_date()`, a cheap check) it is replaced by a searcher on the new generation, so a
    running app picks up a reindex without a restart.

    Why not `Searcher.refresh()`: in whoosh3 3.54.0 it reuses the open reader of a segment that
    the new commit gave deletions to, with its old deletion list, so the replaced versions of
    updated articles stay visible (measured: 7 live documents instead of 4 after updating 3).
    Opening a searcher on non-compound segments costs ~0.2 ms (whoosh-notes.md), and happens
    once per thread per commit.
    """

    KEEP_GENERATIONS = 2  # derived data kept: threads may briefly straddle a commit
    RETIRED_KEPT = 4  # replaced searchers left open for requests still reading from them
    SETTLED_SECONDS = 2  # a directory unmodified this long is trusted by its modification time

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        self.weighting = scoring.BM25F(B=BM25_B, K1=BM25_K1)
        self._ix: Any = None
        self._parsers: dict[tuple[str, str], QueryParser] = {}  # (kind, mode) → its parser
        self._lock = threading.Lock()
        self._searchers: dict[int, Searcher] = {}  # thread id → that thread's searcher
        self._retired: list[Searcher] = []  # replaced searchers, closed a little later
        # thread id → the directory's modification time at its last listing, and that time
        self._listed: dict[int, tuple[int, int]] = {}
        self._cache: dict[tuple[Callable[[Any], Any], int], Any] = {}  # (builder, generation)

    def index(self) -> Any:
        """The open Whoosh index; IndexUnavailable when there is none."""
        with self._lock:
            if self._ix is None:
                try:
                    self._ix = open_index(self.index_dir)
                except NewsdeskError as exc:
                    raise IndexUnavailable(str(exc)) from exc
            return self._ix

    def searcher(self) -> Searcher:
        """This thread's searcher, on the index's latest generation.

        Keyed by the OS thread: under gevent (`newsdesk serve`) every connection is a greenlet
        of one thread, and they share its searcher (a greenlet switches only between reads,
        as a streamed export waits on its socket). A replaced searcher is closed only after
        RETIRED_KEPT newer ones, since an export may still be reading from it."""
        thread = threading.get_native_id()
        current = self._searchers.get(thread)
        if current is not None and self._is_current(thread, current):
            return current
        fresh = self.index().searcher(weighting=self.weighting)
        with self._lock:
            self._searchers[thread] = fresh
            if current is not None:
                self._retired.append(current)
            old, self._retired = (
                self._retired[: -self.RETIRED_KEPT],
                self._retired[-self.RETIRED_KEPT :],
            )
        for searcher in old:
            searcher.close()
        return fresh

    def _is_current(self, thread: int, searcher: Searcher) -> bool:
        """Whether no commit has come since the searcher opened. Whoosh lists the directory
        (0.4 ms a search at 200k articles, 1,000 files); here a stat of it is enough while
        its modification time is the one seen at the last listing, if that listing came
        SETTLED_SECONDS after it (a commit then changes it, however coarse the clock)."""
        try:
            modified = os.stat(self.index_dir).st_mtime_ns
        except OSError:
            modified = None
        seen = self._listed.get(thread)
        settled = seen is not None and seen[1] - seen[0] > self.SETTLED_SECONDS * 1e9
        if settled and seen is not None and seen[0] == modified:  # unchanged since listed
            return True
        listed_at = time.time_ns()
        current = _is_current(searcher)
        if current and modified is not None:
            self._listed[thread] = (modified, listed_at)
        return current

    def parser(self, kind: SearchKind | None = None, mode: str = "all") -> QueryParser:
        """The query parser of a kind: AND (mode "all") or OR (mode "any") by default, over its
        fields with their weights, "quoted phrases" sent to the unstemmed twin fields."""
        kind = kind or ARTICLES
        key = (kind.name, mode)
        if key not in self._parsers:
            group = AndGroup if mode == "all" else ANY_GROUP
            self._parsers[key] = make_parser(self.index().schema, kind.fields, group)
        return self._parsers[key]

    def scopes(self, searcher: Searcher) -> dict[tuple[Any, ...], Scope]:
        """The scopes (documents before the query) of recent filter sets, per generation."""
        cache = self._derived(searcher, _scope_cache)
        if len(cache) > SCOPES_KEPT:
            cache.clear()
        return cache

    def facet_table(self, searcher: Searcher) -> FacetTable:
        """The facet table of the searcher's generation, built on first use."""
        return self._derived(searcher, FacetTable.build)

    def date_order(self, searcher: Searcher) -> DateOrder:
        """The date ranks of the searcher's generation, built on first use."""
        return self._derived(searcher, DateOrder.build)

    def engine(self, searcher: Searcher) -> Engine:
        """The query engine (postings arrays) of the searcher's generation."""
        return self._derived(searcher, _new_engine)

    def kind_docs(self, searcher: Searcher) -> KindDocs:
        """The documents of each kind in the searcher's generation, built on first use."""
        return self._derived(searcher, KindDocs.build)

    def _derived(self, searcher: Searcher, build: Callable[[Any], T]) -> T:
        generation = searcher.reader().generation()
        key = (build, -1 if generation is None else generation)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build(searcher.reader())
                recent = sorted({g for _, g in self._cache}, reverse=True)[: self.KEEP_GENERATIONS]
                self._cache = {k: v for k, v in self._cache.items() if k[1] in recent}
            return self._cache[key]

    def close(self) -> None:
        """Close every thread's searcher (the handle reopens them on demand)."""
        with self._lock:
            searchers, self._searchers = [*self._searchers.values(), *self._retired], {}
            self._retired = []
            self._listed = {}
            self._cache = {}
        for searcher in searchers:
            searcher.close()


def _new_engine(reader: Any) -> Engine:
    return Engine(reader, BM25_B, BM25_K1)


def _is_current(searcher: Searcher) -> bool:
    try:
        return searcher.up_to_date()
    except OSError:  # the directory is being replaced: keep serving what is open
        return True


# ---------------------------------------------------------------- the query

# Mode "any": a document with more of the words ranks above one with fewer (Whoosh's coord-like
# bonus, tuned on bench/ranking.py).
ANY_GROUP = OrGroup.factory(ANY_BONUS)
# Field names a query may use: the schema's, and `date:` (read into day numbers).
QUERY_FIELD_NAMES = (*QUERY_FIELDS, DATE_FIELD)


def make_parser(schema: Any, fields: Mapping[str, float], group: Any = AndGroup) -> QueryParser:
    """A parser over `fields` (name → weight), AND by default, exact phrases on the twins,
    `date:` clauses on day numbers, `>`/`<` ranges."""
    parser = MultifieldParser(list(fields), schema, fieldboosts=dict(fields), group=group)
    parser.add_plugin(ExactPhrasePlugin(EXACT_FIELDS))
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(DayRangePlugin())
    return parser


class ExactPhrasePlugin(Plugin):
    """Sends each "quoted phrase" to the unstemmed twin of its field; plain words stay stemmed.

    So `exports` finds "export" (stemmed `body`), while `"grain exports"` matches only those
    words (`body_exact`). Runs after the multifield filter (priority 110) has given every
    unfielded phrase its fields, so `title:"a b"` and a bare `"a b"` are both rewritten.
    """

    def __init__(self, twins: Mapping[str, str]) -> None:
        self.twins = dict(twins)

    def filters(self, parser: QueryParser) -> list[tuple[Callable[..., Any], int]]:
        return [(self.do_exact_phrases, 120)]

    def do_exact_phrases(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self.do_exact_phrases(parser, node)
            elif isinstance(node, PhrasePlugin.PhraseNode) and node.fieldname in self.twins:
                node.set_fieldname(self.twins[node.fieldname], override=True)
        return group


@dataclass(frozen=True)
class ParsedQuery:
    """A query as Whoosh runs it, and told in words ("zelensky and bakhmut")."""

    query: Query
    words: str


def read_query(
    handle: IndexHandle, text: str, kind: SearchKind | None = None, mode: str = "all"
) -> ParsedQuery | None:
    """The parsed query (None when empty); BadQuery, saying where, when it is malformed."""
    if not text.strip():
        return None
    check_query_syntax(text)
    if matches_all(text):
        return None  # browse: the same answer at a fraction of the cost
    kind = kind or ARTICLES
    parser = handle.parser(kind, mode)
    try:
        nodes = parser.process(text)
        query = (nodes.query(parser) or NullQuery).normalize()
    except DateQueryError as exc:
        raise BadQuery(str(exc)) from exc
    except (QueryParserError, QueryError, ValueError) as exc:
        raise BadQuery(f"cannot parse the query: {exc}") from exc
    except IndexError as exc:  # Whoosh's >/< plugin on a '>' with nothing before it
        raise BadQuery(
            "cannot parse the query: '>' and '<' go after a field, as in date:>2024"
        ) from exc
    fields = {*kind.fields, *(EXACT_FIELDS.get(name, name) for name in kind.fields)}
    return ParsedQuery(query, explain(nodes, fields))


def parse_query(handle: IndexHandle, text: str, kind: SearchKind | None = None) -> Query | None:
    """The Whoosh query for the user's text (None when empty); BadQuery when it is malformed."""
    parsed = read_query(handle, text, kind)
    return parsed.query if parsed else None


_FIELD_PREFIX = re.compile(r"(?<![\w.])([A-Za-z_]\w*):(\S?)")
_MATCH_ALL = re.compile(r"\s*(?:(?:([A-Za-z_]\w*):)?\*\s+)*(?:([A-Za-z_]\w*):)?\*\s*")
_LONE_STAR = re.compile(r"(?<![^\s(:])\*(?![^\s)])")


def matches_all(text: str) -> bool:
    """True for a query of match-all wildcards only (`*`, `title:*`, `* body:*`). Whoosh
    reads them as `Every`, which walks every posting of the field (seconds on a few thousand
    articles); every article has a title or a body, so they are answered by browsing."""
    found = _MATCH_ALL.fullmatch(text)
    if found is None:
        return False
    named = re.findall(r"([A-Za-z_]\w*):", text)
    return all(name in QUERY_FIELD_NAMES for name in named)


def check_query_syntax(text: str) -> None:
    """Reject what Whoosh's lenient parser would silently misread: unterminated phrases,
    unbalanced parentheses, unknown field names and fields without a term. The message says
    where (1-based character position)."""
    outside = _outside_phrases(text)
    check_query_text(text, outside, BadQuery)
    opened: list[int] = []
    for at, char in enumerate(outside, start=1):
        if char == "(":
            opened.append(at)
        elif char == ")" and not opened:
            raise BadQuery(f"unbalanced parentheses: the ')' at position {at} has no matching '('")
        elif char == ")":
            opened.pop()
    if opened:
        raise BadQuery(f"unbalanced parentheses: the '(' at position {opened[-1]} is never closed")
    for match in _FIELD_PREFIX.finditer(outside):
        _check_field(match.group(1), match.group(2), match.start(1) + 1)
    if not matches_all(text) and _LONE_STAR.search(outside):
        raise BadQuery(
            "'*' alone matches everything and cannot be combined with other words: leave the "
            "query empty (or give only '*') to list every article matching the filters"
        )


def _outside_phrases(text: str) -> str:
    """The query with its quoted phrases blanked out; BadQuery on an unterminated phrase."""
    parts = text.split('"')
    if len(parts) % 2 == 0:
        at = text.rindex('"') + 1
        raise BadQuery(f'unterminated phrase: the " at position {at} has no closing "')
    return '"'.join(part if i % 2 == 0 else " " * len(part) for i, part in enumerate(parts))


def _check_field(name: str, following: str, at: int) -> None:
    if name not in QUERY_FIELD_NAMES:
        known = ", ".join(QUERY_FIELD_NAMES)
        raise BadQuery(
            f"unknown field '{name}:' at position {at} (fields: {known}); "
            "put text with a colon in quotes"
        )
    if not following or following == ")":
        raise BadQuery(
            f"'{name}:' at position {at} needs a term, a \"phrase\" or a (group) after it"
        )


# ---------------------------------------------------------------- the scope: filters


@dataclass
class Scope:
    """The documents of one kind a search may return before its query is applied.

    `base` is the kind within the date window, less every excluded value; `chosen` holds, per
    facet with chosen values, the documents of `base` having one of them (values of a facet
    OR-ed); `docs` is `base` within every chosen set (facets AND-ed). Kept apart so that each
    facet can be counted without its own choice (disjunctive faceting).
    """

    base: np.ndarray  # sorted document numbers, like every set of documents here
    chosen: dict[str, np.ndarray]
    docs: np.ndarray
    months: np.ndarray | None = None  # per month value id, documents in scope (histogram)
    # made on first use, and not copied by dataclasses.replace (init=False):
    folded: Scope | None = field(default=None, repr=False, init=False)  # copies collapsed
    _mask: np.ndarray | None = field(default=None, repr=False, init=False)

    def mask(self, size: int) -> np.ndarray:
        """`docs` as a mask of `size` document numbers (made once: scopes are kept)."""
        if self._mask is None or len(self._mask) != size:
            self._mask = _mask(self.docs, size)
        return self._mask

    def without(self, facet: str) -> np.ndarray:
        """The scope if `facet` had no chosen values."""
        others = [docs for name, docs in self.chosen.items() if name != facet]
        return _intersect(self.base, others)


def _scope_cache(reader: Any) -> dict[tuple[Any, ...], Scope]:
    return {}


def build_scope(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind_docs: np.ndarray
) -> Scope:
    """The scope of a request's filters, exclusions and date window within one kind."""
    table = handle.facet_table(searcher)
    base = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
    base[kind_docs] = True
    if request.date_from or request.date_to:
        low = day_number(request.date_from) if request.date_from else None
        high = day_number(request.date_to) if request.date_to else None
        base &= handle.date_order(searcher).within(low, high)
    for facet, values in request.exclusions().items():
        base &= ~table.having(facet, values)
    chosen = {
        facet: np.flatnonzero(base & table.having(facet, values)).astype(DOCNUM)
        for facet, values in request.filters().items()
    }
    docs = np.flatnonzero(base).astype(DOCNUM)
    return Scope(docs, chosen, _intersect(docs, list(chosen.values())))


def _intersect(first: np.ndarray, others: Sequence[np.ndarray]) -> np.ndarray:
    docs = first
    for other in sorted(others, key=len):
        docs = common_docs(docs, other)
    return docs


# ---------------------------------------------------------------- searching

MakeHit = Callable[[Mapping[str, Any], float | None, "Matched | None"], Any]


@dataclass(frozen=True)
class SearchKind:
    """What a search returns: its documents' `kind`, the fields a query searches and its hits."""

    name: str  # the `kind` field's value, also the noun shown ("article", "quote")
    fields: Mapping[str, float]  # default query fields and their weights
    make_hit: MakeHit  # stored fields, score, the matched hit (with a query) → a hit


def run_search(
    handle: IndexHandle,
    request: SearchRequest,
    kind: SearchKind | None = None,
    facet_limit: int | None = FACET_LIMIT,
    hits: bool = True,
) -> SearchResult:
    """Run a search of one kind (articles by default, or QUOTES): total, facet counts and
    histogram over every match, hits for the requested page (none with `hits=False`), the
    query told in words, and a suggestion when the query finds little.

    Each facet with chosen values is counted without its own choice (disjunctive faceting), so
    every count says how many documents a click on that value gives.
    Raises BadQuery for a malformed query and IndexUnavailable when there is no index.
    """
    kind = kind or ARTICLES
    searcher = handle.searcher()
    matches = collapse_copies(
        handle, searcher, request, find_matches(handle, searcher, request, kind)
    )
    kind_docs = handle.kind_docs(searcher).of(kind.name)
    every = kind.name if len(matches.docs) == len(kind_docs) else None
    table = handle.facet_table(searcher)
    facets, sizes = count_facets(table, request, matches, facet_limit, every)
    page: list[Any] = []
    page_end = None
    if hits:
        page, page_docs, page_end = ranked_page(handle, searcher, matches, request, kind)
        add_copies(handle, searcher, page, page_docs, matches)
    return SearchResult(
        request,
        len(matches.docs),
        page,
        facets,
        kind.name,
        histogram=month_histogram(table, matches, every),
        explanation=describe(request, kind, matches.parsed),
        relaxed=matches.relaxed,
        suggestion=suggestion(searcher, request, kind, matches),
        facet_sizes=sizes,
        ranking=Ranking(searcher, matches, page_end),
    )


def search_facet(
    handle: IndexHandle,
    request: SearchRequest,
    facet: str,
    prefix: str = "",
    kind: SearchKind | None = None,
    limit: int = FACET_SEARCH_LIMIT,
) -> FacetSearch:
    """The values of `facet` starting with `prefix` (the value or one of its words, any case)
    among the request's matches, counted as the sidebar counts them; FacetNotFound if unknown."""
    if facet not in FACETS:
        raise FacetNotFound(f"no facet {facet!r} (facets: {', '.join(FACETS)})")
    kind = kind or ARTICLES
    searcher = handle.searcher()
    matches = collapse_copies(
        handle, searcher, request, find_matches(handle, searcher, request, kind)
    )
    table = handle.facet_table(searcher)
    counts = table.count(facet, matches.facet_docs(facet))
    return FacetSearch(facet, prefix, table.ranked(facet, counts, limit, prefix))


@dataclass
class Matches:
    """What a request matches before ranking: the query as run, its scope and documents."""

    parsed: ParsedQuery | None
    scope: Scope
    query_docs: np.ndarray | None  # documents of the kind matching the query; None: browse
    docs: np.ndarray  # the matches: query_docs within the scope (sorted document numbers)
    strict_total: int  # matches with every word, before relaxing to any word
    relaxed: bool = False
    found: Found | None = None  # query_docs with their scores (None: browse)
    counted: dict[str, np.ndarray] = field(default_factory=dict)  # facet → counts over docs

    def counts(self, table: FacetTable, facet: str, every: str | None) -> np.ndarray:
        """How many of the matches have each value of the facet (counted once)."""
        found = self.counted.get(facet)
        if found is None:
            found = self.counted[facet] = table.count(facet, self.docs, every)
        return found

    def scored(self) -> Found:
        """The matches (`docs`) with their scores; none when browsing."""
        if self.found is None:
            return Found(EMPTY_DOCS, np.zeros(0))
        if len(self.docs) == len(self.found):
            return self.found
        return self.found.within(_mask(self.docs, int(self.found.docs[-1]) + 1))

    def facet_docs(self, facet: str) -> np.ndarray:
        """The documents a facet is counted over: the matches, but without the facet's own
        choice if it has one."""
        if facet not in self.scope.chosen:
            return self.docs
        others = self.scope.without(facet)
        if self.query_docs is None:
            return others
        return common_docs(others, self.query_docs)


def _mask(docs: np.ndarray, size: int) -> np.ndarray:
    """A mask of `size` document numbers, true for `docs` (those below `size`)."""
    mask = np.zeros(size, dtype=bool)
    mask[docs[docs < size]] = True
    return mask


def find_matches(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind: SearchKind
) -> Matches:
    """The request's matches; in mode "all", when no document has every word but some have
    one, the any-word matches (`relaxed`)."""
    kind_docs = handle.kind_docs(searcher).of(kind.name)
    scope = request_scope(handle, searcher, request, kind_docs)
    parsed = read_query(handle, request.q, kind, request.mode)
    if parsed is None:
        return Matches(None, scope, None, scope.docs, len(scope.docs))
    size = searcher.reader().doc_count_all()
    in_scope = scope.mask(size)
    found = query_found(handle, searcher, parsed.query, kind.name)
    docs = found.docs[in_scope[found.docs]]
    if len(docs) or request.mode != "all" or OPERATOR.search(request.q):
        return Matches(parsed, scope, found.docs, docs, len(docs), found=found)
    loose = read_query(handle, request.q, kind, "any")
    if loose is None or loose.query == parsed.query:
        return Matches(parsed, scope, found.docs, docs, 0, found=found)
    loose_found = query_found(handle, searcher, loose.query, kind.name)
    loose_docs = loose_found.docs[in_scope[loose_found.docs]]
    if not len(loose_docs):
        return Matches(parsed, scope, found.docs, docs, 0, found=found)
    return Matches(loose, scope, loose_found.docs, loose_docs, 0, relaxed=True, found=loose_found)


OPERATOR = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")  # a query using one is not relaxed


def request_scope(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind_docs: np.ndarray
) -> Scope:
    """The request's scope, built once per generation and set of filters."""
    scopes = handle.scopes(searcher)
    key = (id(kind_docs), request.filter_key())
    scope = scopes.get(key)
    if scope is None:
        scope = scopes[key] = build_scope(handle, searcher, request, kind_docs)
    return scope


def query_found(handle: IndexHandle, searcher: Searcher, query: Query, kind: str) -> Found:
    """The documents of one kind matching the query, with their scores."""
    check_query_cost(searcher, query, BadQuery)
    engine = handle.engine(searcher)
    try:
        found = engine.run(searcher, query)
        return found.within(handle.kind_docs(searcher).mask(kind, engine.size))
    except QueryError as exc:
        raise BadQuery(f"cannot run the query: {exc}") from exc


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
        keep = {facet_value(name, value) for value in getattr(request, name)}
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


# How each facet's filter reads in words, for articles (quotes: `speaker` is "said by").
FILTER_WORDS = {
    "author": "by",
    "source": "from",
    "location": "in",
    "speaker": "quoting",
    "month": "in",
}


def describe(request: SearchRequest, kind: SearchKind, parsed: ParsedQuery | None) -> str:
    """The search in words: "articles with zelensky and bakhmut, from Reuters"."""
    noun = f"{kind.name}s"
    parts = [f"{noun} with {parsed.words}" if parsed else f"all {noun}"]
    for name, values in request.filters().items():
        parts.append(f"{_filter_word(name, kind)} {' or '.join(values)}")
    for name, values in request.exclusions().items():
        parts.append(f"not {_filter_word(name, kind)} {' or '.join(values)}")
    if request.date_from or request.date_to:
        parts.append(_window_words(request.date_from, request.date_to))
    return ", ".join(parts)


def _filter_word(facet: str, kind: SearchKind) -> str:
    return "said by" if facet == "speaker" and kind.name == QUOTE else FILTER_WORDS[facet]


def _window_words(first: date | None, last: date | None) -> str:
    if first and last:
        return f"dated {first} to {last}"
    return f"dated from {first}" if first else f"dated up to {last}"


def suggestion(
    searcher: Searcher, request: SearchRequest, kind: SearchKind, matches: Matches
) -> str | None:
    """A "did you mean" query, asked for only when the query finds little (with every word)."""
    if matches.parsed is None or matches.strict_total >= SUGGEST_BELOW:
        return None
    fields = [EXACT_FIELDS.get(name, name) for name in kind.fields]
    return suggest_query(searcher.reader(), request.q, fields)


def ranked_page(
    handle: IndexHandle,
    searcher: Searcher,
    matches: Matches,
    request: SearchRequest,
    kind: SearchKind | None = None,
) -> tuple[list[Any], list[int], tuple[Any, int] | None]:
    """The hits of the requested page, ranked among the matches, with highlights; their
    document numbers; and the position of the page's last place, the `page * per_page`-th
    match: (score, docnum), or (date rank, docnum) when sorted by date; None when there are
    fewer matches (or the page is past the last)."""
    make_hit = (kind or ARTICLES).make_hit
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
        return _highlighted(handle, searcher, query, docs, make_hit, scores), docs, last
    dates = handle.date_order(searcher)
    first = dates.first(matches.docs, end, sort)
    page_docs = first[start:]
    last = (dates.rank(sort, first[-1]), first[-1]) if len(first) == end else None
    if query is None:
        reader = searcher.reader()
        hits = [make_hit(reader.stored_fields(d), None, None) for d in page_docs]
        return hits, page_docs, last
    return _highlighted(handle, searcher, query, page_docs, make_hit), page_docs, last


def _highlighted(
    handle: IndexHandle,
    searcher: Searcher,
    query: Query,
    page: list[int],
    make_hit: MakeHit,
    scores: Sequence[float] | None = None,
) -> list[Any]:
    """Hits for documents already put in order, highlighted (with `scores`, if given)."""
    terms = matched_terms(handle.engine(searcher), searcher, query, page)
    reader = searcher.reader()
    return [
        make_hit(
            reader.stored_fields(d),
            scores[i] if scores is not None else None,
            Matched(terms[d]),
        )
        for i, d in enumerate(page)
    ]


def _score(score: float | None) -> float | None:
    return round(score, 4) if score is not None else None


def article_hit(stored: Mapping[str, Any], score: float | None, matched: Matched | None) -> Hit:
    """An article Hit from stored fields; highlighted when there is a Whoosh hit."""
    fields = stored_fields(stored)
    return Hit(
        **{name: fields[name] for name in _HIT_FIELDS},
        title=fields["title"] or "",
        score=_score(score),
        highlights=highlights(matched, stored) if matched else plain_highlights(stored),
    )


_HIT_FIELDS = ("id", "author", "author_role", "date", "location", "source", "url", "cluster")


def quote_hit(stored: Mapping[str, Any], score: float | None, matched: Matched | None) -> QuoteHit:
    """A QuoteHit from a quote record's stored fields; highlighted when there is a Whoosh hit."""
    text = stored.get("quotes") or ""
    marked = quote_highlight(matched, text) if matched else ""
    article_id, n = stored.get("article", ""), int(stored.get("n") or 0)
    return QuoteHit(
        id=stored.get("id", ""),
        article_id=article_id,
        n=n,
        speaker=stored.get("speaker") or None,
        speaker_role=stored.get("speaker_role") or None,
        text=text,
        highlight=marked or html.escape(text),
        title=stored.get("article_title") or "",
        author=stored.get("author") or None,
        date=stored.get("date_text"),
        location=stored.get("location") or None,
        source=stored.get("source") or None,
        link=quote_link(article_id, n),
        score=_score(score),
    )


def quote_link(article_id: str, n: int) -> str:
    """The path of a quotation's place in its article page: /articles/<id>#q<n>."""
    return f"/articles/{quote(article_id, safe='', errors=ERRORS)}#q{n}"


ARTICLES = SearchKind(ARTICLE, DEFAULT_FIELDS, article_hit)
QUOTES = SearchKind(QUOTE, QUOTE_DEFAULT_FIELDS, quote_hit)


# ---------------------------------------------------------------- speakers


@dataclass
class SpeakerQuotes:
    """One speaker's quotations over time: a page of them, newest first, and over all of them
    the number per month (newest month first) and per source (most first)."""

    name: str
    result: SearchResult  # the quote search speaker=name, sort=newest

    @property
    def months(self) -> list[FacetCount]:
        return self.result.facets["month"]

    @property
    def sources(self) -> list[FacetCount]:
        return self.result.facets["source"]

    def page_query(self, page: int) -> str:
        """The query string of another page of this speaker's quotes."""
        request = self.result.request
        pairs = [("page", str(page))] if page != 1 else []
        pairs += (
            [("per_page", str(request.per_page))] if request.per_page != DEFAULT_PER_PAGE else []
        )
        return urlencode(pairs, errors=ERRORS)

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's answer for /api/speakers/<name>."""
        request = self.result.request
        return {
            "speaker": self.name,
            "total": self.result.total,
            "page": request.page,
            "per_page": request.per_page,
            "quotes": [hit.to_dict() for hit in self.result.hits],
            "months": [plain(fc) for fc in self.months],
            "sources": [plain(fc) for fc in self.sources],
        }


def speaker_quotes(
    handle: IndexHandle, name: str, args: Mapping[str, Sequence[str]]
) -> SpeakerQuotes:
    """The quotations of the speaker `name` (page and per_page from `args`), newest first.

    Raises SpeakerNotFound when no quotation has that speaker, BadRequest for a bad page.
    """
    paging = SearchRequest.from_args({k: v for k, v in args.items() if k in ("page", "per_page")})
    canonical = facet_value("speaker", name)
    request = replace(paging, speaker=(canonical,) if canonical else (), sort="newest")
    result = run_search(handle, request, QUOTES, facet_limit=None) if canonical else None
    if result is None or not result.total:
        raise SpeakerNotFound(f"no quotes by {name!r}")
    return SpeakerQuotes(canonical, result)


# ---------------------------------------------------------------- articles


def get_article(handle: IndexHandle, article_id: str) -> Article:
    """The article with this id, rebuilt from its stored fields; ArticleNotFound if none."""
    stored = handle.searcher().document(id=article_id, kind=ARTICLE) if article_id else None
    if stored is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return document_to_article(stored)


def facet_labels() -> dict[str, str]:
    """Display names of the facets, in sidebar order."""
    return {name: name.capitalize() for name in FACETS}


def iter_paragraphs(body: str) -> Iterable[str]:
    """The body's paragraphs: blank-line separated, or one per line when there are no blanks."""
    return [body[start:end] for start, end in paragraph_spans(body)]


# ---------------------------------------------------------------- syndicated copies

COPIES_LISTED = 10  # copies named under a collapsed hit; `copy_count` counts them all


@dataclass
class Copy:
    """Another copy of a hit's story (an article of the same cluster)."""

    id: str
    title: str
    source: str | None
    site: str | None
    date: str | None


def _flag_param(args: Mapping[str, Sequence[str]], name: str, default: bool) -> bool:
    text = _single(args, name).lower()
    if not text:
        return default
    if text not in ("0", "1", "true", "false"):
        raise BadRequest(f"'{name}' must be 0 or 1, not {text!r}")
    return text in ("1", "true")


class Clusters:
    """Per generation: the articles that have syndicated copies (indexer/dedupe.py), grouped by
    cluster. Lone articles are left out, so collapsing touches only the copies among a set."""

    def __init__(self, size: int, members: dict[str, tuple[int, ...]], heads: dict[str, int]):
        self.members = members  # cluster → its articles' docnums
        self.heads = heads  # cluster → docnum of the article whose id names it
        self.keys = list(members)
        self.of = np.full(size, -1, dtype=np.int32)  # docnum → cluster number, -1: no copies
        self.head = np.zeros(size, dtype=bool)  # docnum → it names its cluster
        for number, key in enumerate(self.keys):
            self.of[list(members[key])] = number
            if key in heads:
                self.head[heads[key]] = True

    @classmethod
    def build(cls, reader: Any) -> Clusters:
        """Read the sortable `cluster` column of the live articles."""
        size = reader.doc_count_all()
        if ("kind", ARTICLE) not in reader:
            return cls(size, {}, {})
        keys = [key for leaf, _ in reader.leaf_readers() for key in _cluster_keys(leaf)]
        groups: dict[str, list[int]] = {}
        for docnum in KindDocs.build(reader).of(ARTICLE).tolist():
            if keys[docnum]:
                groups.setdefault(keys[docnum], []).append(docnum)
        members = {key: tuple(docs) for key, docs in groups.items() if len(docs) > 1}
        heads = {key: _first_id(reader, key) for key in members}
        return cls(size, members, {key: d for key, d in heads.items() if d is not None})

    def any_among(self, docs: np.ndarray) -> bool:
        return bool(self.keys) and bool((self.of[docs] >= 0).any())

    def collapse(self, docs: np.ndarray, oldest: np.ndarray) -> np.ndarray:
        """`docs` with each cluster down to one representative: the article naming the
        cluster if it is among them, else the oldest of them."""
        clusters = self.of[docs]
        copies = clusters >= 0
        if not copies.any():
            return docs
        at = np.flatnonzero(copies)
        members, of = docs[at], clusters[at]
        preference = np.where(self.head[members], -1, oldest[members])
        order = np.lexsort((preference, of))
        of = of[order]
        firsts = np.concatenate(([True], of[1:] != of[:-1]))
        keep = ~copies
        keep[at[order[firsts]]] = True
        return docs[keep]

    def copies(self, docnum: int, among: np.ndarray, oldest: np.ndarray) -> list[int]:
        """The other articles of `docnum`'s cluster within `among` (sorted), oldest first."""
        number = int(self.of[docnum])
        if number < 0:
            return []
        members = np.array(
            [d for d in self.members[self.keys[number]] if d != docnum], dtype=DOCNUM
        )
        members = members[contains(among, members)]
        return members[np.argsort(oldest[members], kind="stable")].tolist()


def _cluster_keys(segment: Any) -> list[str]:
    if segment.has_column("cluster"):
        return list(segment.column_reader("cluster"))
    return [""] * segment.doc_count_all()


def _first_id(reader: Any, value: str) -> int | None:
    try:
        return reader.first_id("id", value)
    except Exception:  # whoosh raises TermNotFound, a plain Exception subclass
        return None


@dataclass
class CollapsedMatches(Matches):
    """Matches with each cluster of copies down to one article; a facet counted without its
    own choice is collapsed the same way, so every number on the page counts stories."""

    uncollapsed: np.ndarray = field(default_factory=lambda: EMPTY_DOCS)
    fold: Callable[[np.ndarray], np.ndarray] | None = None

    def facet_docs(self, facet: str) -> np.ndarray:
        if facet not in self.scope.chosen or self.fold is None:
            return self.docs
        return self.fold(super().facet_docs(facet))


def clusters(handle: IndexHandle, searcher: Searcher) -> Clusters:
    """The clusters of copies of the searcher's generation, built on first use."""
    return handle._derived(searcher, Clusters.build)


def collapse_copies(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, matches: Matches
) -> Matches:
    """The hook between matching and counting: with `dedupe` on, the matches (and the scope
    the histogram compares them with) keep one article per cluster of syndicated copies."""
    groups = clusters(handle, searcher)
    if not request.dedupe or not groups.any_among(matches.docs):
        return matches
    oldest = handle.date_order(searcher).ranks["oldest"]

    def fold(docs: np.ndarray) -> np.ndarray:
        return groups.collapse(docs, oldest)

    scope = matches.scope.folded
    if scope is None:  # kept with the scope: folding every article costs more than a search
        scope = matches.scope.folded = replace(
            matches.scope, docs=fold(matches.scope.docs), months=None
        )
    values = {f.name: getattr(matches, f.name) for f in fields(Matches)}
    values.update(scope=scope, docs=fold(matches.docs), counted={})
    return CollapsedMatches(**values, uncollapsed=matches.docs, fold=fold)


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
    groups, reader = clusters(handle, searcher), searcher.reader()
    oldest = handle.date_order(searcher).ranks["oldest"]
    for hit, docnum in zip(hits, docs, strict=True):
        if not isinstance(hit, Hit):
            continue
        others = groups.copies(docnum, matches.uncollapsed, oldest)
        hit.copy_count = len(others)
        hit.copies = [copy_of(reader.stored_fields(d)) for d in others[:COPIES_LISTED]]


def copy_of(stored: Mapping[str, Any]) -> Copy:
    fields = stored_fields(stored)
    return Copy(
        id=fields["id"],
        title=fields["title"] or "",
        source=fields["source"],
        site=fields["site"],
        date=fields["date"],
    )


@dataclass
class Related:
    """An article's other copies (its cluster) and the articles most like it (Whoosh's
    `more_like` over the body, copies left out)."""

    copies: list[Copy]
    similar: list[Copy]

    def to_dict(self) -> dict[str, Any]:
        return {
            "copies": [plain(c) for c in self.copies],
            "similar": [plain(c) for c in self.similar],
        }


def related_articles(handle: IndexHandle, article_id: str, top: int = 5) -> Related:
    """The copies of an article and `top` articles like it; ArticleNotFound if none has the id."""
    searcher = handle.searcher()
    reader = searcher.reader()
    docnum = _first_id(reader, article_id) if article_id else None
    if docnum is None or reader.stored_fields(docnum).get("kind") != ARTICLE:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    oldest = handle.date_order(searcher).ranks["oldest"]
    articles = handle.kind_docs(searcher).of(ARTICLE)
    copies = clusters(handle, searcher).copies(docnum, articles, oldest)
    others = set(articles.tolist()).difference(copies, (docnum,))
    try:
        like = searcher.more_like(docnum, "body", top=top, filter=set(others))
    except QueryError:
        like = []
    return Related(
        [copy_of(reader.stored_fields(d)) for d in copies],
        [copy_of(hit.fields()) for hit in like],
    )
