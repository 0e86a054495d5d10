"""What a search answers: the result, its hits, facet counts, histogram; each with to_dict()."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from whoosh.searching import Searcher

from indexer.schema import ARTICLE
from webapp.safetext import ERRORS
from webapp.search.request import DEFAULT_PER_PAGE

if TYPE_CHECKING:
    from webapp.search.matching import Matches
    from webapp.search.request import SearchRequest


def plain(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, one level deep (dataclasses.asdict deep-copies every
    value, a noticeable part of a search's JSON answer)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


@dataclass
class FacetCount:
    value: str
    count: int
    label: str | None = None  # the value's name where the value is a code ("uk": "Ukrainian")

    def to_dict(self) -> dict[str, Any]:
        """Value and count, and the label where there is one."""
        record: dict[str, Any] = {"value": self.value, "count": self.count}
        if self.label is not None:
            record["label"] = self.label
        return record


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
    published: str | None = None  # the source's timestamp, when it said more than the day
    date_precision: str | None = None  # year, month, day, minute or second (search/dates.py)
    cluster: str | None = None  # its syndicated copies' cluster: the earliest copy's id
    language: str | None = None  # ISO 639-1 (indexer/language.py)
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
    published: str | None = None  # the source's timestamp, when it said more than the day
    date_precision: str | None = None
    speaker_kind: str | None = None  # "person" or "organisation"
    language: str | None = None  # its article's, ISO 639-1

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Bucket:
    """One period of the histogram: matching documents, and all documents in scope."""

    key: str  # "2024-05" or "2024"
    count: int
    total: int


MAX_TICKS = 5  # labels on the histogram's axis
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)  # in months
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


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

    def ticks(self, most: int = MAX_TICKS) -> list[tuple[int, str]]:
        """Where the chart's axis is labelled: (bucket index, label) at a regular step of
        whole calendar periods (1, 2, 3, 6 or 12 months; 1, 2, 5, 10... years), the smallest
        that gives at most `most` labels, each at a period the step divides (January for a
        yearly step, a quarter's first month for three months); labelled by year alone when
        the step is a year or more."""
        if not self.buckets:
            return []
        numbers = [_period_number(b.key) for b in self.buckets]
        steps = MONTH_STEPS if self.interval == "month" else YEAR_STEPS
        for step in steps:
            ticks = [i for i, n in enumerate(numbers) if n % step == 0]
            if len(ticks) <= most:
                break
        yearly = self.interval == "year" or step >= 12
        return [(i, self.buckets[i].key[:4] if yearly else self.buckets[i].key) for i in ticks]


def _period_number(key: str) -> int:
    """A bucket's key as a count of periods: "2024-05" months, "2024" years, from year 0."""
    year, _, month = key.partition("-")
    return int(year) * 12 + int(month) - 1 if month else int(year)


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
    query_notes: tuple[str, ...] = ()  # text that is not query syntax, and how it was read
    suggestion: str | None = None  # a query with words from the index, when this one finds little
    facet_sizes: dict[str, int] = field(default_factory=dict)  # values per facet, listed or not
    ranking: Ranking | None = field(default=None, repr=False, compare=False)  # not in to_dict
    next: str | None = None  # a cursor to the page after this one (None: the last page)

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
            "facets": {
                name: [fc.to_dict() for fc in counts] for name, counts in self.facets.items()
            },
            "facet_sizes": self.facet_sizes,
            "mode": self.request.mode,
            "relaxed": self.relaxed,
            "suggestion": self.suggestion,
            "explanation": self.explanation,
            "query_notes": list(self.query_notes),
            "histogram": self.histogram.to_dict(),
            "next": self.next,
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
    """The values of one facet that match a text, with their counts (as the sidebar counts),
    a page at a time."""

    facet: str
    prefix: str
    values: list[FacetCount]  # one page of them, most frequent first
    total: int = 0  # the values that match, listed or not
    page: int = 1
    per_page: int = 100

    @property
    def next_page(self) -> int | None:
        """The number of the page after this one; None on the last."""
        return self.page + 1 if self.page * self.per_page < self.total else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's answer for /api/facets/<facet>."""
        return {
            "facet": self.facet,
            "prefix": self.prefix,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "values": [fc.to_dict() for fc in self.values],
            "next_page": self.next_page,
        }


@dataclass
class Copy:
    """Another copy of a hit's story (an article of the same cluster)."""

    id: str
    title: str
    source: str | None
    site: str | None
    date: str | None


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


@dataclass
class SpeakerQuotes:
    """One speaker's quotations over time: a page of them, newest first, and over all of them
    the number per month (newest month first), of those in no month (`undated`), and per
    source (most first)."""

    name: str  # the shown name of the speaker (webapp/search/identity.py)
    result: SearchResult  # the quote search speaker=name, sort=newest
    aliases: list[str] = field(default_factory=list)  # the other spellings quoted, most first
    kind: str | None = None  # "person" or "organisation"

    @property
    def months(self) -> list[FacetCount]:
        return self.result.facets["month"]

    @property
    def sources(self) -> list[FacetCount]:
        return self.result.facets["source"]

    @property
    def undated(self) -> int:
        """How many of the speaker's quotations have no date (in no month)."""
        return self.result.histogram.undated

    def page_query(self, page: int) -> str:
        """The query string of another page of this speaker's quotes."""
        request = self.result.request
        pairs = [("page", str(page))] if page != 1 else []
        pairs += (
            [("per_page", str(request.per_page))] if request.per_page != DEFAULT_PER_PAGE else []
        )
        pairs += [] if request.dedupe else [("dedupe", "0")]
        return urlencode(pairs, errors=ERRORS)

    def export_query(self) -> str:
        """The query string of the quote exports (and searches) of every quotation by this
        speaker, newest first, as counted here."""
        pairs = [("speaker", self.name), ("sort", "newest")]
        pairs += [] if self.result.request.dedupe else [("dedupe", "0")]
        return urlencode(pairs, errors=ERRORS)

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's answer for /api/speakers/<name>."""
        request = self.result.request
        return {
            "speaker": self.name,
            "speaker_kind": self.kind,
            "aliases": self.aliases,
            "total": self.result.total,
            "page": request.page,
            "per_page": request.per_page,
            "quotes": [hit.to_dict() for hit in self.result.hits],
            "months": [fc.to_dict() for fc in self.months],
            "undated": self.undated,
            "sources": [fc.to_dict() for fc in self.sources],
        }
