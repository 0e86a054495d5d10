"""SearchRequest: a search's validated parameters, from a request's query string and back."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from indexer.schema import FACETS
from webapp.limits import check_depth, check_values
from webapp.safetext import ERRORS
from webapp.search.errors import BadRequest
from webapp.search.snippets import MAX_SNIPPET_CHARS, MIN_PASSAGE, SNIPPET_CHARS
from webapp.search.syntax import matches_all

SORTS = ("relevance", "newest", "oldest")


VIEWS = ("full", "compact")  # a hit with its snippets, or one line per hit
MODES = ("all", "any")  # every word (falls back to any word when none has all), or any word


FILTER_FACETS = FACETS  # author, source, location, speaker, month: each a repeatable parameter
# (facet, values) pairs in FILTER_FACETS order, none with no values: a hashable mapping, so a
# request can be a cache key; a new facet in indexer/schema.py FACETS is a new parameter here.
Chosen = tuple[tuple[str, tuple[str, ...]], ...]


MAX_PER_PAGE = 100


DEFAULT_PER_PAGE = 10


FACET_PER_PAGE = 100  # facet values per page of /api/facets/<facet>, by default
MAX_FACET_PER_PAGE = 1000


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: query, match mode, filters and exclusions, date window, sort, page.

    An empty `q` browses: every article matching the filters (all articles when there are none),
    newest first unless `sort` asks for oldest — relevance means nothing without a query.
    """

    q: str = ""
    chosen: Chosen = ()  # the values asked for, per facet (facet=value)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    excluded: Chosen = ()  # the values left out, per facet (not_facet=value)
    mode: str = "all"
    facet_q: tuple[tuple[str, str], ...] = ()  # (facet, text): that facet's list, searched
    dedupe: bool = True  # syndicated copies collapsed into their earliest article (dedupe=0: not)
    cursor: str = ""  # the page after this position (search/cursors.py) instead of `page`
    strict: bool = False  # query text that is not query syntax is an error (else read as words)
    snippet_chars: int = SNIPPET_CHARS  # the characters of passages each hit shows
    view: str = "full"  # the page's layout of hits (VIEWS); the JSON is the same either way
    # the best matches reordered with relevance feedback (feedback.py): None, for rankings
    # asked for with any word (mode=any); or always (True), or never (False)
    feedback: bool | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Sequence[str]]) -> SearchRequest:
        """Build from query parameters (name → list of values); BadRequest when one is invalid.

        Parameters: q, author, source, location, speaker, month (repeatable), the same with
        `not_` (exclusions, repeatable), from, to (YYYY-MM-DD, inclusive), mode (all|any),
        sort (relevance|newest|oldest), page (>=1), per_page (1-100), facet_q_<facet> (search
        within a facet's values), cursor (the `next` of an earlier answer), strict (0|1: query
        text that is not query syntax is a 400, not read as words), snippet_chars (the
        characters of passages each hit shows), view (full|compact: the page's layout),
        feedback (0|1: the best matches reordered with relevance feedback never or always;
        by default, for mode=any). Unknown
        parameters are ignored.
        """
        chosen, excluded = _chosen(args, ""), _chosen(args, "not_")
        request = cls(
            q=single_param(args, "q"),
            date_from=_date_param(args, "from"),
            date_to=_date_param(args, "to"),
            sort=_choice_param(args, "sort", SORTS, "relevance"),
            page=_int_param(args, "page", 1, 1, None),
            per_page=_int_param(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
            mode=_choice_param(args, "mode", MODES, "all"),
            view=_choice_param(args, "view", VIEWS, "full"),
            facet_q=_facet_searches(args),
            dedupe=flag_param(args, "dedupe", True),
            cursor=single_param(args, "cursor"),
            strict=flag_param(args, "strict", False),
            feedback=_optional_flag(args, "feedback"),
            snippet_chars=_int_param(
                args, "snippet_chars", SNIPPET_CHARS, MIN_PASSAGE, MAX_SNIPPET_CHARS
            ),
            chosen=chosen,
            excluded=excluded,
        )
        if request.date_from and request.date_to and request.date_from > request.date_to:
            raise BadRequest("'from' is after 'to': the date range is empty")
        check_depth(request.page, request.per_page, BadRequest)
        return request

    @property
    def browsing(self) -> bool:
        """True when there is no query text, or only match-all wildcards (`*`, `title:*`):
        list the articles matching the filters."""
        return not self.q.strip() or matches_all(self.q)

    @property
    def effective_sort(self) -> str:
        return "newest" if self.browsing and self.sort == "relevance" else self.sort

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The active facet filters, facet name → values."""
        return dict(self.chosen)

    def exclusions(self) -> dict[str, tuple[str, ...]]:
        """The excluded facet values, facet name → values."""
        return dict(self.excluded)

    def values(self, facet: str) -> tuple[str, ...]:
        """The values chosen in `facet` (none: the facet does not filter)."""
        return self.filters().get(facet, ())

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
        """This search within the documents that have `value` in `facet` (or another of the
        facet's chosen values)."""
        values = self.values(facet)
        changed = self.without_exclusion(facet, value)._changed(facet_q=self._other_q(facet))
        return changed if value in values else changed._set("chosen", facet, (*values, value))

    def without_filter(self, facet: str, value: str) -> SearchRequest:
        return self._set("chosen", facet, tuple(v for v in self.values(facet) if v != value))

    def with_exclusion(self, facet: str, value: str) -> SearchRequest:
        """This search without the documents that have `value` in `facet`."""
        values = self.exclusions().get(facet, ())
        changed = self.without_filter(facet, value)._changed(facet_q=self._other_q(facet))
        return changed if value in values else changed._set("excluded", facet, (*values, value))

    def without_exclusion(self, facet: str, value: str) -> SearchRequest:
        values = self.exclusions().get(facet, ())
        return self._set("excluded", facet, tuple(v for v in values if v != value))

    def named(self, shown: Callable[[str, str], str]) -> SearchRequest:
        """This same search with each chosen or excluded value as `shown(facet, value)` names
        it: a speaker asked for as "obama" is "Barack Obama", as the facets show him."""

        def renamed(pairs: Chosen) -> Chosen:
            return tuple((f, tuple(dict.fromkeys(shown(f, v) for v in vs))) for f, vs in pairs)

        chosen, excluded = renamed(self.chosen), renamed(self.excluded)
        if (chosen, excluded) == (self.chosen, self.excluded):
            return self
        return replace(self, chosen=chosen, excluded=excluded)

    def _set(self, which: str, facet: str, values: tuple[str, ...]) -> SearchRequest:
        """This search (from page 1) with `values` as the chosen or excluded ones of `facet`."""
        current = {**dict(getattr(self, which)), facet: values}
        return self._changed(
            **{which: tuple((f, current[f]) for f in FILTER_FACETS if current.get(f))}
        )

    def without_filters(self) -> SearchRequest:
        return SearchRequest(
            q=self.q, sort=self.sort, per_page=self.per_page, mode=self.mode, view=self.view
        )

    def with_dates(self, first: str, last: str) -> SearchRequest:
        """This search within the days `first` to `last` (YYYY-MM-DD)."""
        return self._changed(date_from=date.fromisoformat(first), date_to=date.fromisoformat(last))

    def without_facet_search(self, facet: str) -> SearchRequest:
        return self._changed(facet_q=self._other_q(facet))

    def with_sort(self, sort: str) -> SearchRequest:
        return self._changed(sort=sort)

    def with_mode(self, mode: str) -> SearchRequest:
        return self._changed(mode=mode)

    def with_view(self, view: str) -> SearchRequest:
        return replace(self, view=view)  # the same page, laid out another way

    def with_strict(self) -> SearchRequest:
        return self._changed(strict=True)

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
        pairs += [("strict", "1")] if self.strict else []
        pairs += [("view", self.view)] if self.view != "full" else []
        pairs += [] if self.feedback is None else [("feedback", str(int(self.feedback)))]
        if self.snippet_chars != SNIPPET_CHARS:
            pairs += [("snippet_chars", str(self.snippet_chars))]
        return pairs

    def form_params(self, *drop: str) -> list[tuple[str, str]]:
        """The parameters a form keeps as hidden fields: all but the page and those in `drop`."""
        return [(name, v) for name, v in self.params() if name not in drop and name != "page"]

    def box_params(self) -> list[tuple[str, str]]:
        """What the search box keeps when the query changes: filters, mode, order, page size."""
        return [(n, v) for n, v in self.form_params("q") if not n.startswith("facet_q_")]

    def query_string(self) -> str:
        return urlencode(self.params(), errors=ERRORS)

    def facet_values_query(self, facet: str) -> str:
        """The query string of every value of `facet` for this search (/api/facets/<facet>,
        pages of MAX_FACET_PER_PAGE): its filters, and its text for that facet as `prefix`."""
        pairs = [(n, v) for n, v in self.params() if n not in _NOT_FOR_FACETS]
        pairs += [("prefix", self.facet_search(facet))] if self.facet_search(facet) else []
        pairs.append(("per_page", str(MAX_FACET_PER_PAGE)))
        return urlencode(pairs, errors=ERRORS)


def facet_paging(args: Mapping[str, Sequence[str]]) -> tuple[int, int]:
    """`page` and `per_page` of a list of facet values: pages from 1, 1 to MAX_FACET_PER_PAGE
    values a page (FACET_PER_PAGE by default), and no depth limit: values are counted in
    memory, and a client lists them all. BadRequest when one is invalid."""
    page = _int_param(args, "page", 1, 1, None)
    return page, _int_param(args, "per_page", FACET_PER_PAGE, 1, MAX_FACET_PER_PAGE)


# What a list of facet values has no use for (its own page and per_page page the values).
_NOT_FOR_FACETS = ("page", "per_page", "cursor", "view", "snippet_chars")


def _values(args: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for v in args.get(name, ()) if v and v.strip()))
    check_values(name, values, BadRequest)
    return values


def _chosen(args: Mapping[str, Sequence[str]], prefix: str) -> Chosen:
    """The values of each facet's parameter (`author=...`, or with `prefix` `not_author=...`)."""
    found = ((name, _values(args, f"{prefix}{name}")) for name in FILTER_FACETS)
    chosen = tuple((name, values) for name, values in found if values)
    for name, values in chosen:
        if name == "month":
            for value in values:
                if not _MONTH.fullmatch(value):
                    raise BadRequest(
                        f"'{prefix}month' takes a month as YYYY-MM (2005-09), not {value!r}; "
                        "for a year, use from=2005-01-01&to=2005-12-31 or q=date:2005"
                    )
    return chosen


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def single_param(args: Mapping[str, Sequence[str]], name: str) -> str:
    values = _values(args, name)
    return values[-1] if values else ""


def _facet_searches(args: Mapping[str, Sequence[str]]) -> tuple[tuple[str, str], ...]:
    pairs = ((name, single_param(args, f"facet_q_{name}")) for name in FILTER_FACETS)
    return tuple((name, text) for name, text in pairs if text)


def _int_param(
    args: Mapping[str, Sequence[str]], name: str, default: int, low: int, high: int | None
) -> int:
    text = single_param(args, name)
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
    text = single_param(args, name)
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
    text = single_param(args, name) or default
    if text not in choices:
        raise BadRequest(f"'{name}' must be one of {', '.join(choices)}, not {text!r}")
    return text


def _optional_flag(args: Mapping[str, Sequence[str]], name: str) -> bool | None:
    return flag_param(args, name, False) if single_param(args, name) else None


def flag_param(args: Mapping[str, Sequence[str]], name: str, default: bool) -> bool:
    text = single_param(args, name).lower()
    if not text:
        return default
    if text not in ("0", "1", "true", "false"):
        raise BadRequest(f"'{name}' must be 0 or 1, not {text!r}")
    return text in ("1", "true")
