"""The query parser fuzzed with hypothesis: any text either runs or raises BadQuery (a 400 with
a message), never another exception."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.records import build_index
from webapp.search import QUOTES, BadQuery, IndexHandle, SearchRequest, run_search

pytestmark = pytest.mark.slow

SYNTAX = [
    *"ab \"()*?:~^[]{}-+!/\\'<>=,.",
    " ",
    "title:",
    "speaker:",
    "body:",
    "date:",
    "nofield:",
    " OR ",
    " AND ",
    " NOT ",
    " TO ",
    "grain",
    "bakhmut",
    "zelensky",
    "2024",
    "é",
    "\u0000",
    "\u200b",
]
QUERIES = st.one_of(
    st.lists(st.sampled_from(SYNTAX), max_size=30).map("".join),
    st.text(max_size=60),
)


@pytest.fixture(scope="module")
def handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexHandle]:
    index_dir: Path = build_index(tmp_path_factory.mktemp("fuzz"))[1]
    handle = IndexHandle(str(index_dir))
    yield handle
    handle.close()


@given(text=QUERIES)
@settings(
    max_examples=1500,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_query_runs_or_raises_bad_query(handle: IndexHandle, text: str) -> None:
    for kind in (None, QUOTES):
        try:
            result = run_search(handle, SearchRequest(q=text.strip()), kind)
        except BadQuery as exc:
            assert exc.status == 400 and exc.message
        else:
            assert result.total >= 0
