"""webapp.search without Flask: requests, query checks, filters, facets, sorting, highlighting."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pytest

from indexer.schema import split_authors
from indexer.writer import reindex
from webapp.search import (
    ArticleNotFound,
    BadQuery,
    BadRequest,
    IndexHandle,
    SearchRequest,
    check_query_syntax,
    get_article,
    run_search,
)
from webapp.search import handle as handle_module
from webapp.search.tables import MASK_FROM, FacetColumn
from webapp.snippets import _Passage, marked, opening

XSS = "<script>alert(1)</script>"

# Bodies carry no quotation marks: quotes are given, so the quote extractor adds none.
RECORDS: list[dict[str, Any]] = [
    {
        "id": "r01",
        "title": "Grain exports resume from Odesa",
        "author": "Ann Lee",
        "author_role": "Trade correspondent",
        "date": "2024-01-10",
        "location": "Odesa",
        "source": "Reuters",
        "url": "https://example.com/r01",
        "body": "Ships loaded with grain left Odesa on Tuesday.\n\nThe corridor held for a week.",
        "quotes": [{"text": "The grain corridor works", "speaker": "Oleksandr Kubrakov"}],
    },
    {
        "id": "r02",
        "title": "Wheat prices fall",
        "author": "Ann Lee and Bob Ray",
        "date": "2024-01-20",
        "location": "Chicago",
        "source": "AP",
        "body": "Wheat and grain futures fell in Chicago as supply improved.",
    },
    {
        "id": "r03",
        "title": "Bakhmut battle continues",
        "author": "Mike Brest",
        "date": "2024-02-05",
        "location": "Kyiv",
        "source": "Washington Examiner",
        "body": "Fighting around Bakhmut continued for a tenth day, officials said.",
        "quotes": [
            {"text": "We will hold Bakhmut", "speaker": "Volodymyr Zelensky"},
            {"text": "Bakhmut is a meat grinder", "speaker": "Yevgeny Prigozhin"},
            {"text": "Every day counts", "speaker": "Volodymyr Zelensky"},
        ],
    },
    {
        "id": "r04",
        "title": "Kharkiv under fire",
        "author": "Bob Ray",
        "date": "2024-02-28",
        "location": "Kharkiv",
        "source": "Reuters",
        "body": "Shelling hit Kharkiv overnight; grain silos burned.",
        "quotes": [{"text": "Kharkiv stands", "speaker": "Volodymyr Zelensky"}],
    },
    {
        "id": "r05",
        "title": "Central bank holds rates",
        "author": "Carla Diaz",
        "date": "2024-03-15",
        "location": "Tokyo",
        "source": "AP",
        "body": "The bank of Japan may hold rates; US markets watch the decision closely.",
    },
    {
        "id": "r06",
        "title": "Undated grain note",
        "source": "Reuters",
        "body": "A short note on grain without a date or an author.",
    },
    {
        "id": "r07",
        "title": f"{XSS} Grain",
        "author": XSS,
        "author_role": XSS,
        "date": "2024-03-01",
        "location": XSS,
        "source": XSS,
        "url": "javascript:alert(1)",
        "body": f"Grain and {XSS} in the body.",
        "quotes": [{"text": f"{XSS} grain quote", "speaker": XSS}],
    },
    {
        "id": "r08",
        "title": "Odesa port reopens",
        "author": "Ann Lee",
        "date": "2023-12-31",
        "location": "Odesa",
        "source": "Kyiv Independent",
        "body": "The port of Odesa reopened after repairs to the berths.",
        "quotes": [{"text": "Exports will grow", "speaker": "Oleksandr Kubrakov"}],
    },
]
IDS = [r["id"] for r in RECORDS]


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def build_index(root: Path, records: list[dict[str, Any]] = RECORDS) -> tuple[Path, Path]:
    """A corpus directory with the records as JSON Lines, and the index built from it."""
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    write_jsonl(corpus / "articles.jsonl", records)
    summary = reindex([str(corpus)], str(index), workers=1)
    assert not summary.errors, summary.errors
    return corpus, index


# ---------------------------------------------------------------- brute force over RECORDS


def facet_values(record: dict[str, Any], facet: str) -> list[str]:
    """The values a record should have in a facet, computed from the record itself."""
    if facet == "author":
        return [a for a in split_authors(record.get("author")) if a]
    if facet == "speaker":
        return list(dict.fromkeys(q["speaker"] for q in record.get("quotes", []) if q["speaker"]))
    if facet == "month":
        return [record["date"][:7]] if record.get("date") else []
    return [record[facet]] if record.get(facet) else []


def brute_facets(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    records = list(records)
    return {f: dict(Counter(v for r in records for v in facet_values(r, f))) for f in FACET_NAMES}


FACET_NAMES = ("author", "source", "location", "speaker", "month")


def record_date(record: dict[str, Any]) -> str:
    return record.get("date") or ""


def brute_filter(
    params: dict[str, list[str]],
    items: Iterable[Any] | None = None,
    values: Callable[[Any, str], list[str]] = facet_values,
    day_of: Callable[[Any], str] = record_date,
) -> list[Any]:
    """Items (RECORDS by default) matching facet filters (OR within a facet, AND across),
    exclusions (`not_<facet>`) and a date window."""
    chosen = []
    for item in RECORDS if items is None else items:
        facets_ok = all(
            set(wanted) & set(values(item, name))
            for name, wanted in params.items()
            if name in FACET_NAMES
        )
        excluded = any(
            set(unwanted) & set(values(item, name[4:]))
            for name, unwanted in params.items()
            if name.startswith("not_")
        )
        day = day_of(item)
        from_ok = "from" not in params or (day and day >= params["from"][0])
        to_ok = "to" not in params or (day and day <= params["to"][0])
        if facets_ok and not excluded and from_ok and to_ok:
            chosen.append(item)
    return chosen


def brute_disjunctive(
    params: dict[str, list[str]],
    items: Iterable[Any] | None = None,
    values: Callable[[Any, str], list[str]] = facet_values,
    day_of: Callable[[Any], str] = record_date,
) -> dict[str, dict[str, int]]:
    """Each facet counted over the items matching every filter but that facet's own choice:
    what a click on each value would give (disjunctive faceting)."""
    items = list(RECORDS if items is None else items)
    counts = {}
    for facet in FACET_NAMES:
        others = {name: v for name, v in params.items() if name != facet}
        matched = brute_filter(others, items, values, day_of)
        counts[facet] = dict(Counter(v for item in matched for v in values(item, facet)))
    return counts


def facet_dict(result_facets: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Facet lists (of dicts or FacetCount) as facet → {value: count}."""
    out = {}
    for name, counts in result_facets.items():
        pairs = [
            (c["value"], c["count"]) if isinstance(c, dict) else (c.value, c.count) for c in counts
        ]
        out[name] = dict(pairs)
    return out


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("search"))[1]


@pytest.fixture
def handle(index_dir: Path) -> Iterator[IndexHandle]:
    handle = IndexHandle(str(index_dir))
    yield handle
    handle.close()


def search(handle: IndexHandle, **params: Any):
    args = {k: v if isinstance(v, list) else [str(v)] for k, v in params.items()}
    return run_search(handle, SearchRequest.from_args(args))


def all_ids(handle: IndexHandle, **params: Any) -> list[str]:
    return [h.id for h in search(handle, per_page=100, **params).hits]


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
    assert added.source == ("AP",) and added.page == 1
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
        search(handle, q="title:(")


# ---------------------------------------------------------------- highlighting


def test_passages_escape_text_and_mark_matches() -> None:
    text = f"{XSS} grain & more"
    start = text.index("grain")
    out = marked(text, _Passage(0, len(text), [(start, start + 5, "grain")]))
    assert out == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>grain</mark> &amp; more"


def test_opening_cuts_at_a_word() -> None:
    assert opening("short  text\n") == "short text"
    cut = opening("word " * 100, limit=22)
    assert cut == "word word word word …"


def test_highlights_mark_matches_on_the_page(handle: IndexHandle) -> None:
    result = search(handle, q="grain")
    assert result.hits
    for hit in result.hits:
        joined = " ".join(hit.highlights.values())
        assert "<mark>" in joined, hit
        assert "<script>" not in joined
    r01 = next(h for h in result.hits if h.id == "r01")
    assert "<mark>grain</mark>" in r01.highlights["body"]
    assert "<mark>grain</mark>" in r01.highlights["quotes"]


def test_body_falls_back_to_its_opening(handle: IndexHandle) -> None:
    (hit,) = search(handle, q="title:wheat").hits
    assert hit.highlights["title"] == "<mark>Wheat</mark> prices fall"
    assert hit.highlights["body"].startswith("Wheat and grain futures")
    assert "<mark>" not in hit.highlights["body"]


# ---------------------------------------------------------------- matching, filters, facets


def test_empty_query_lists_everything_newest_first(handle: IndexHandle) -> None:
    result = search(handle, per_page=100)
    dated = sorted((r for r in RECORDS if r.get("date")), key=lambda r: r["date"], reverse=True)
    assert [h.id for h in result.hits] == [r["id"] for r in dated] + ["r06"]
    assert result.total == len(RECORDS)
    assert facet_dict(result.facets) == brute_facets(RECORDS)


@pytest.mark.parametrize(
    "params",
    [
        {"author": ["Ann Lee"]},
        {"author": ["Bob Ray"]},
        {"author": ["Ann Lee", "Mike Brest"]},
        {"source": ["Reuters"]},
        {"source": ["Reuters", "AP"]},
        {"location": ["Odesa"]},
        {"speaker": ["Volodymyr Zelensky"]},
        {"speaker": ["Oleksandr Kubrakov", "Yevgeny Prigozhin"]},
        {"month": ["2024-01"]},
        {"from": ["2024-02-05"]},
        {"to": ["2024-01-20"]},
        {"from": ["2024-01-10"], "to": ["2024-02-28"]},
        {"author": ["Ann Lee"], "source": ["Reuters"]},
        {"source": ["Reuters"], "speaker": ["Volodymyr Zelensky"], "from": ["2024-02-01"]},
        {"author": ["Nobody"]},
        {"author": [XSS]},
    ],
)
def test_filters_match_brute_force(handle: IndexHandle, params: dict[str, list[str]]) -> None:
    expected = brute_filter(params)
    result = search(handle, per_page=100, **params)
    assert sorted(h.id for h in result.hits) == sorted(r["id"] for r in expected)
    assert result.total == len(expected)
    assert facet_dict(result.facets) == brute_disjunctive(params)


def test_query_facets_count_every_match(handle: IndexHandle) -> None:
    result = search(handle, q="grain", per_page=2)
    matched = [r for r in RECORDS if r["id"] in all_ids(handle, q="grain")]
    assert result.total == len(matched) == 5 and len(result.hits) == 2
    assert facet_dict(result.facets) == brute_facets(matched)


def test_total_is_zero_when_filters_remove_every_hit(handle: IndexHandle) -> None:
    result = search(handle, q="bakhmut", source=["AP"])
    assert (result.total, result.hits) == (0, [])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("grain wheat", {"r02"}),
        ("bakhmut OR kharkiv", {"r03", "r04"}),
        ("grain NOT odesa", {"r02", "r04", "r06", "r07"}),
        ('"meat grinder"', {"r03"}),
        ('"grinder meat"', set()),
        ("speaker:zelensky", {"r03", "r04"}),
        ('author:"bob ray"', {"r02", "r04"}),
        ("location:tokyo", {"r05"}),
        ("source:reuters title:grain", {"r01", "r06"}),
        ("quotes:corridor", {"r01"}),
        ("body:corridor", {"r01"}),
        ("export*", {"r01", "r08"}),
        ("us", {"r05"}),
        ("(bakhmut OR odesa) AND speaker:kubrakov", {"r01", "r08"}),
    ],
)
def test_query_language(handle: IndexHandle, text: str, expected: set[str]) -> None:
    assert set(all_ids(handle, q=text)) == expected


def test_title_outweighs_body(handle: IndexHandle) -> None:
    assert all_ids(handle, q="odesa")[0] == "r08"  # in the title of r08, the body of r01
    assert all_ids(handle, q="wheat")[0] == "r02"
    scores = [h.score for h in search(handle, q="odesa").hits]
    assert all(isinstance(s, float) for s in scores) and scores == sorted(scores, reverse=True)


# ---------------------------------------------------------------- sorting and paging


def test_sort_orders_put_undated_last(handle: IndexHandle) -> None:
    newest = all_ids(handle, q="grain", sort="newest")
    oldest = all_ids(handle, q="grain", sort="oldest")
    dated = {r["id"]: r["date"] for r in RECORDS if r.get("date")}
    assert [i for i in newest if i in dated] == sorted(
        (i for i in newest if i in dated), key=dated.__getitem__, reverse=True
    )
    assert newest[-1] == oldest[-1] == "r06"
    assert oldest[:-1] == list(reversed(newest[:-1]))
    assert all(h.score is None for h in search(handle, q="grain", sort="newest").hits)


def test_pagination_walks_every_hit_once(handle: IndexHandle) -> None:
    everything = all_ids(handle, sort="oldest")
    pages = [search(handle, sort="oldest", per_page=3, page=n) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [len(RECORDS)] * 4
    assert [len(p.hits) for p in pages] == [3, 3, 2, 0]
    assert [h.id for p in pages for h in p.hits] == everything
    assert (pages[1].first, pages[1].last, pages[1].pages) == (4, 6, 3)


# ---------------------------------------------------------------- the handle


def test_searcher_is_reused_and_replaced_after_a_reindex(tmp_path: Path) -> None:
    corpus, index = build_index(tmp_path, RECORDS[:3])
    handle = IndexHandle(str(index))
    first = handle.searcher()
    assert handle.searcher() is first
    assert search(handle, q="zeppelin").total == 0
    table = handle.facet_table(first)
    more = [
        {"id": "z1", "title": "Zeppelin", "body": "Airship."},
        {"id": "z2", "title": "Zeppelin again", "body": "Later.", "date": "2030-01-01"},
    ]
    write_jsonl(corpus / "more.jsonl", more)
    reindex([str(corpus)], str(index), workers=1)
    assert all_ids(handle, q="zeppelin", sort="oldest") == ["z2", "z1"]
    assert handle.searcher() is not first
    assert handle.facet_table(handle.searcher()) is not table
    assert all_ids(handle) == ["z2", "r03", "r02", "r01", "z1"]  # newest first, undated last
    handle.close()


def test_a_settled_index_is_checked_by_its_directory_time_until_a_reindex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A searcher is checked against the directory listing (Whoosh's up_to_date) only while
    the directory is new or has changed since its last listing: a reindex is still seen at
    the next search."""
    corpus, index = build_index(tmp_path, RECORDS[:3])
    long_ago = time.time() - 60
    os.utime(index, (long_ago, long_ago))
    listings = []
    real = handle_module._is_current
    monkeypatch.setattr(handle_module, "_is_current", lambda s: listings.append(s) or real(s))
    handle = IndexHandle(str(index))
    first = handle.searcher()
    for _ in range(3):
        assert handle.searcher() is first
    assert len(listings) == 1  # listed once; then the directory's time said it is unchanged
    write_jsonl(corpus / "more.jsonl", [{"id": "z1", "title": "Zeppelin", "body": "Airship."}])
    reindex([str(corpus)], str(index), workers=1)
    assert all_ids(handle, q="zeppelin") == ["z1"]
    assert handle.searcher() is not first
    handle.close()


def test_updated_articles_replace_their_old_version(tmp_path: Path) -> None:
    corpus, index = build_index(tmp_path, RECORDS[:3])
    handle = IndexHandle(str(index))
    assert search(handle, q="wheat").total == 1
    changed = [{**r, "title": r["title"].replace("Wheat", "Barley")} for r in RECORDS[:3]]
    write_jsonl(corpus / "articles.jsonl", changed)
    reindex([str(corpus)], str(index), workers=1)
    assert search(handle, q="title:wheat").total == 0
    assert all_ids(handle, q="barley") == ["r02"]
    result = search(handle)
    assert result.total == 3
    assert facet_dict(result.facets) == brute_facets(RECORDS[:3])
    handle.close()


def test_missing_index_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no index") as info:
        search(IndexHandle(str(tmp_path / "nothing")))
    assert getattr(info.value, "status", None) == 503


def test_get_article(handle: IndexHandle) -> None:
    article = get_article(handle, "r03")
    assert article.title == "Bakhmut battle continues"
    assert [q.speaker for q in article.quotes] == [
        "Volodymyr Zelensky",
        "Yevgeny Prigozhin",
        "Volodymyr Zelensky",
    ]
    with pytest.raises(ArticleNotFound) as info:
        get_article(handle, "nope")
    assert info.value.status == 404


def test_one_source_whatever_article_prefix_the_page_printed(tmp_path: Path) -> None:
    records = [
        {"id": "s1", "title": "One", "body": "Ledger story one.", "source": "The Baltic Ledger"},
        {"id": "s2", "title": "Two", "body": "Ledger story two.", "source": "Baltic Ledger"},
        {"id": "s3", "title": "Three", "body": "Other story.", "source": "The Hague Times"},
    ]
    handle = IndexHandle(str(build_index(tmp_path, records)[1]))
    try:
        sources = facet_dict(search(handle).facets)["source"]
        assert sources == {"Baltic Ledger": 2, "Hague Times": 1}
        assert sorted(all_ids(handle, source="The Baltic Ledger")) == ["s1", "s2"]
        assert sorted(all_ids(handle, source="Baltic Ledger")) == ["s1", "s2"]
    finally:
        handle.close()


@pytest.mark.parametrize("limit", [None, 1, 3, 5])
@pytest.mark.parametrize("search", ["", "b"])
def test_facet_ranking_is_count_then_value_with_chosen_values_kept(
    limit: int | None, search: str
) -> None:
    """The top values by count, ties by value, cut at the limit; chosen values always shown."""
    from webapp.search.results import FacetCount
    from webapp.search.tables import FacetTable

    values = ["alpha", "beta", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
    counts = np.array([3, 5, 3, 0, 1, 5, 1, 2])
    column = FacetColumn(values, np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0))
    table = FacetTable({"author": column})
    chosen = {"golf", "charlie", "foxtrot"}  # charlie was not counted: it is not shown
    got = table.ranked("author", counts, limit, search, keep=chosen)
    every = sorted(
        (FacetCount(v, int(n)) for v, n in zip(values, counts, strict=True) if n),
        key=lambda fc: (-fc.count, fc.value),
    )
    if search:
        every = [fc for fc in every if fc.value.startswith(search)]
    want = (
        every
        if limit is None
        else every[:limit] + [fc for fc in every[limit:] if fc.value in chosen]
    )
    assert got == want
    assert table.size("author", counts, search) == len(every)


def test_facet_counts_documents_with_several_values_either_way() -> None:
    """A facet counts every value of documents with several (authors, speakers), whether the
    matches are few (each one's further values looked up) or many (found with a mask)."""
    rng = np.random.default_rng(5)
    size, values = 2_000, [f"v{n}" for n in range(30)]
    doc_values = [
        sorted(set(rng.choice(30, rng.choice([0, 1, 1, 2, 4]), replace=True).tolist()))
        for _ in range(size)
    ]
    first = np.array([vs[0] if vs else -1 for vs in doc_values], dtype=np.int32)
    extras = [(d, v) for d, vs in enumerate(doc_values) for v in vs[1:]]
    column = FacetColumn(
        values,
        first,
        np.array([d for d, _ in extras], dtype=np.int32),
        np.array([v for _, v in extras], dtype=np.int32),
    )
    assert len(extras) > 500
    assert size // MASK_FROM == 125
    for count in (0, 1, 40, 124, 125, 300, 1_500, size):
        docs = np.sort(rng.choice(size, count, replace=False)).astype(np.int32)
        expected = Counter(v for d in docs.tolist() for v in doc_values[d])
        got = column.count(docs)
        assert {values[v]: int(n) for v, n in enumerate(got) if n} == {
            values[v]: n for v, n in expected.items()
        }
