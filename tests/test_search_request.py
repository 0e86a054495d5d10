"""webapp.search without Flask: the request read from its parameters (and refused), its query
string, and the query's syntax checked before it runs."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from helpers.searching import search
from webapp.search import (
    BadQuery,
    BadRequest,
    IndexHandle,
    SearchRequest,
    check_query_syntax,
)

# ---------------------------------------------------------------- the request


def test_request_defaults() -> None:
    request = SearchRequest.from_args({})
    assert (request.q, request.sort, request.page, request.per_page) == ("", "relevance", 1, 10)
    assert request.browsing and request.effective_sort == "newest"


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("per_page", "0", "per_page"),
        ("per_page", "101", "from 1 to 100"),
        ("page", "abc", "whole number"),
        ("page", "0", "at least 1"),
        ("page", "-1", "whole number"),
        ("from", "2025-13-01", "YYYY-MM-DD"),
        ("to", "2025-02-30", "YYYY-MM-DD"),
        ("from", "yesterday", "YYYY-MM-DD"),
        ("sort", "foo", "relevance, newest, oldest"),
    ],
)
def test_request_rejects_bad_parameters(name: str, value: str, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment) as info:
        SearchRequest.from_args({name: [value]})
    assert info.value.status == 400


def test_request_rejects_reversed_dates() -> None:
    with pytest.raises(BadRequest, match="after"):
        SearchRequest.from_args({"from": ["2024-02-01"], "to": ["2024-01-01"]})


def test_request_round_trips_through_its_query_string() -> None:
    args = {
        "q": ["grain"],
        "author": ["Ann Lee", "Bob Ray"],
        "month": ["2024-01"],
        "from": ["2024-01-01"],
        "to": ["2024-12-31"],
        "sort": ["oldest"],
        "page": ["2"],
        "per_page": ["5"],
    }
    request = SearchRequest.from_args(args)
    assert SearchRequest.from_args(parse_qs(request.query_string())) == request


def test_request_filter_changes_start_at_page_one() -> None:
    request = SearchRequest.from_args({"author": ["A"], "page": ["3"]})
    added = request.with_filter("source", "AP")
    assert added.values("source") == ("AP",) and added.page == 1
    assert added.without_filter("author", "A").filters() == {"source": ("AP",)}
    assert [name for name, _, _ in added.active_filters()] == ["author", "source"]


# ---------------------------------------------------------------- query checks


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("title:(", "parenthes"),
        ("(grain OR wheat", "never closed"),
        ("grain)", "no matching"),
        ('"unterminated', "unterminated phrase"),
        ('title:"grain', "unterminated phrase"),
        ("nosuchfield:grain", "unknown field"),
        ("f_author:x", "unknown field"),
        ("title: grain", "needs a term"),
        ("grain title:", "needs a term"),
    ],
)
def test_malformed_queries_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(BadQuery, match=fragment) as info:
        check_query_syntax(text)
    assert info.value.status == 400


@pytest.mark.parametrize(
    "text",
    [
        "grain",
        'title:"grain exports"',
        "(a OR b) AND speaker:zelensky",
        "export*",
        "10:30",
        '"a (b" c',
        "grain NOT wheat",
        "Japan's",
    ],
)
def test_wellformed_queries_pass_the_check(text: str) -> None:
    check_query_syntax(text)


def test_bad_query_raises_from_run_search(handle: IndexHandle) -> None:
    with pytest.raises(BadQuery):
        search(handle, q="title:(", strict="1")
