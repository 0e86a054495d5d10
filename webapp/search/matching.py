"""What a request matches before ranking: the scope its filters allow, the query's documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from whoosh.query import Query, QueryError
from whoosh.searching import Searcher

from indexer.schema import ARTICLE, day_number
from webapp.engine import DOCNUM, EMPTY_DOCS, Found, common_docs
from webapp.limits import check_query_cost
from webapp.search.errors import BadQuery
from webapp.search.feedback import with_feedback
from webapp.search.query import read_query
from webapp.search.tables import doc_mask

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind
    from webapp.search.query import ParsedQuery
    from webapp.search.request import SearchRequest
    from webapp.search.tables import FacetTable


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
            self._mask = doc_mask(self.docs, size)
        return self._mask

    def without(self, facet: str) -> np.ndarray:
        """The scope if `facet` had no chosen values."""
        others = [docs for name, docs in self.chosen.items() if name != facet]
        return _intersect(self.base, others)


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
    kind: str = ARTICLE  # the kind of documents matched (ARTICLE or QUOTE)

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
        return self.found.within(doc_mask(self.docs, int(self.found.docs[-1]) + 1))

    def facet_docs(self, facet: str) -> np.ndarray:
        """The documents a facet is counted over: the matches, but without the facet's own
        choice if it has one."""
        if facet not in self.scope.chosen:
            return self.docs
        others = self.scope.without(facet)
        if self.query_docs is None:
            return others
        return common_docs(others, self.query_docs)


def find_matches(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind: SearchKind
) -> Matches:
    """The request's matches; in mode "all", when no document has every word but some have
    one, the matches with any of its free words and every other clause (`relaxed`).

    A ranking of articles asked for with any word (mode=any) has its best matches reordered
    with relevance feedback (feedback.py), or any ranking if the request asks (feedback=1):
    a ranking of every word, and the fallback to any word when none has them all, keep
    BM25F's order and their speed (docs/benchmarks.md, "Ranking across collections")."""
    matches = _matches(handle, searcher, request, kind)
    wanted = request.feedback
    if wanted is None:
        wanted = request.mode == "any"
    ranked = request.sort == "relevance" and wanted and kind.name == ARTICLE
    if ranked and matches.found is not None and len(matches.docs) > 1:
        matches.found = with_feedback(
            handle, searcher, matches.found, matches.scored(), kind.fields
        )
    return matches


def _matches(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind: SearchKind
) -> Matches:
    strict = _as_written(handle, searcher, request, kind)
    if strict.parsed is None or strict.strict_total or request.mode != "all":
        return strict
    languages = query_languages(handle, searcher, request)
    loose = read_query(handle, request.q, kind, "any", request.strict, languages)
    if loose is None or loose.query == strict.parsed.query:
        return strict
    loose_found = query_found(handle, searcher, loose.query, kind.name)
    in_scope = strict.scope.mask(searcher.reader().doc_count_all())
    loose_docs = loose_found.docs[in_scope[loose_found.docs]]
    if not len(loose_docs):
        return strict
    return Matches(
        loose,
        strict.scope,
        loose_found.docs,
        loose_docs,
        0,
        relaxed=True,
        found=loose_found,
        kind=kind.name,
    )


def query_languages(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest
) -> tuple[str | None, ...]:
    """The languages a request's words are read in: those its `language` filter names, else
    every language of the index."""
    chosen = request.filters().get("language")
    return tuple(sorted(chosen)) if chosen else handle.languages(searcher)


def _as_written(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind: SearchKind
) -> Matches:
    """The request's matches as it is written: its mode, its filters, no relaxing."""
    kind_docs = handle.kind_docs(searcher).of(kind.name)
    scope = request_scope(handle, searcher, request, kind_docs)
    languages = query_languages(handle, searcher, request)
    parsed = read_query(handle, request.q, kind, request.mode, request.strict, languages)
    if parsed is None:
        return Matches(None, scope, None, scope.docs, len(scope.docs), kind=kind.name)
    found = query_found(handle, searcher, parsed.query, kind.name)
    docs = found.docs[scope.mask(searcher.reader().doc_count_all())[found.docs]]
    return Matches(parsed, scope, found.docs, docs, len(docs), found=found, kind=kind.name)


def strict_total(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, kind: SearchKind
) -> int:
    """How many documents match the request as it is written (its mode, its filters): no
    relaxing, no ranking. What a "did you mean" must beat."""
    return _as_written(handle, searcher, request, kind).strict_total


def query_found(handle: IndexHandle, searcher: Searcher, query: Query, kind: str) -> Found:
    """The documents of one kind matching the query, with their scores."""
    check_query_cost(searcher, query, BadQuery)
    engine = handle.engine(searcher)
    try:
        found = engine.run(searcher, query)
        return found.within(handle.kind_docs(searcher).mask(kind, engine.size))
    except QueryError as exc:
        raise BadQuery(f"cannot run the query: {exc}") from exc


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


def collapse_copies(
    handle: IndexHandle, searcher: Searcher, request: SearchRequest, matches: Matches
) -> Matches:
    """The hook between matching and counting: with `dedupe` on, the matches (and the scope
    the histogram compares them with) keep one article per cluster of syndicated copies, or
    for quotes one quotation per statement repeated by the copies (quote_copies.py)."""
    groups = handle.copy_groups(searcher, matches.kind)
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
