"""Limits on what one request may cost: query size and shape, wildcard expansion, page depth,
and a time budget per request. Imports no Flask (the app starts and ends the budget).

Heavy queries are refused before they run when their shape says so (a 400 that says why); the
time budget stops the rest while they run (a 503), so no request holds a worker for long.

    with time_budget(1.5):
        found = engine.run(searcher, query)   # QueryTooSlow once 1.5 s are spent
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from whoosh.query import MultiTerm, Query
from whoosh.searching import Searcher

from indexer.errors import NewsdeskError
from indexer.storage.leaves import expanded_words

MAX_QUERY_CHARS = 5_000  # characters in `q`: a pasted paragraph is a query
MAX_QUERY_WORDS = 512  # words, operators included, in `q`
MAX_NESTING = 10  # depth of (parentheses)
MIN_WILDCARD_PREFIX = 2  # characters before the first * or ? of a word
MAX_EXPANSION = 1_000  # index words one wildcard or range may stand for, per field
MAX_DEPTH = 10_000  # page * per_page: how deep into the results a request may go
MAX_EXPORT_ROWS = 250_000  # rows of one CSV / JSON Lines export (the manifest says when cut)
MAX_VALUES = 50  # values of one repeatable parameter (author=..., source=...)
MAX_VALUE_CHARS = 200  # characters in one filter value
QUERY_SECONDS = 1.5  # time budget of one request's searching (the answer comes within ~2 s)
CHECK_EVERY = 2048  # documents between two looks at the clock
T = TypeVar("T")

_local = threading.local()


class QueryTooSlow(NewsdeskError):
    """The request ran out of its time budget; rendered as a 503 by the app."""

    status = 503

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the search took longer than its {seconds:g} s budget and was stopped; "
            "make the query narrower (fewer words, longer wildcard prefixes) or add filters"
        )


# ---------------------------------------------------------------- the time budget


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Give the calling thread `seconds` for its searching (None: no limit)."""
    start_budget(seconds)
    try:
        yield
    finally:
        end_budget()


def start_budget(seconds: float | None) -> None:
    """Give this thread `seconds` of searching; the clock starts at the first look at it, so
    that work done once per index generation (opening, caches) is not counted."""
    _local.budget = seconds or None
    _local.deadline = None


def end_budget() -> None:
    _local.budget = _local.deadline = None


def seconds_left() -> float | None:
    """Seconds left in this thread's budget (None: no budget); QueryTooSlow when none are."""
    budget = getattr(_local, "budget", None)
    if budget is None:
        return None
    if _local.deadline is None:
        _local.deadline = time.monotonic() + budget
    left = _local.deadline - time.monotonic()
    if left <= 0:
        raise QueryTooSlow(_local.budget)
    return left


# ---------------------------------------------------------------- the shape of a query


def check_query_cost(searcher: Searcher, query: Query, error: type[Exception]) -> None:
    """Refuse, with `error`, a query whose wildcards or ranges stand for too many index words."""
    reader = searcher.reader()
    for leaf in query.leaves():
        if not isinstance(leaf, MultiTerm):
            continue
        words = expanded_words(leaf, reader)
        if len(list(islice(words, MAX_EXPANSION + 1))) > MAX_EXPANSION:
            raise error(
                f"'{_describe(leaf)}' stands for more than {MAX_EXPANSION} words of the index; "
                "add letters before the wildcard or narrow the range"
            )
        seconds_left()


def _describe(leaf: Any) -> str:
    text = getattr(leaf, "text", None)
    if text is None and hasattr(leaf, "start"):
        text = f"[{leaf.start} TO {leaf.end}]"
    return f"{leaf.field()}:{text}"


def check_depth(page: int, per_page: int, error: type[Exception]) -> None:
    """Refuse a page beyond the first MAX_DEPTH results."""
    if page * per_page > MAX_DEPTH:
        raise error(
            f"'page' {page} of {per_page} goes beyond result {MAX_DEPTH:,}, the deepest "
            "served: narrow the search or sort the other way"
        )


def check_values(name: str, values: tuple[str, ...], error: type[Exception]) -> None:
    """Refuse too many values of one parameter, or one too long (`q`: MAX_QUERY_CHARS)."""
    if len(values) > MAX_VALUES:
        raise error(f"'{name}' is given {len(values)} times (at most {MAX_VALUES})")
    most = MAX_QUERY_CHARS if name == "q" else MAX_VALUE_CHARS
    for value in values:
        if len(value) > most:
            raise error(f"'{name}' is too long: {len(value)} characters (at most {most})")
