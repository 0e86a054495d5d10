"""webapp.search over RECORDS without Flask: matching, filters and facets against brute force,
the facet table, sorting and paging, highlighting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from helpers.brute_force import brute_disjunctive, brute_facets, brute_filter, facet_dict
from helpers.records import RECORDS, XSS, build_index
from helpers.searching import all_ids, search
from webapp.search import FacetCount, IndexHandle
from webapp.search.snippets import Matched, highlight_fields, opening

# FacetColumn: a column of chosen values for 2,000 documents; an index of them takes seconds
from webapp.search.tables import MASK_FROM, FacetColumn, FacetTable

# ---------------------------------------------------------------- highlighting


def test_passages_escape_text_and_mark_matches() -> None:
    text = f"{XSS} grain & more"
    out = highlight_fields(Matched({("body", b"grain")}), ("body",), text, 1, whole=True)
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


def test_one_source_whatever_article_prefix_the_page_printed(tmp_path: Path) -> None:
    records = [
        {"id": "s1", "title": "One", "body": "Ledger story one.", "source": "The Baltic Ledger"},
        {"id": "s2", "title": "Two", "body": "Ledger story two.", "source": "Baltic Ledger"},
        {"id": "s3", "title": "Three", "body": "Other story.", "source": "The Hague Times"},
    ]
    handle = IndexHandle(str(build_index(tmp_path, records)[1]))
    try:
        sources = facet_dict(search(handle).facets)["source"]
        # one outlet, under the name it gives itself ("The" kept: issue #21, "The Hill")
        assert sources == {"The Baltic Ledger": 2, "The Hague Times": 1}
        assert sorted(all_ids(handle, source="The Baltic Ledger")) == ["s1", "s2"]
        assert sorted(all_ids(handle, source="Baltic Ledger")) == ["s1", "s2"]
        assert sorted(all_ids(handle, source="the baltic ledger")) == ["s1", "s2"]
        assert all_ids(handle, source="Hague Times") == ["s3"]
    finally:
        handle.close()


def test_an_outlet_written_as_its_domain_joins_its_name(tmp_path: Path) -> None:
    records = [
        {"id": "c1", "title": "One", "body": "Story one.", "source": "CNN", "site": "cnn.com"},
        {"id": "c2", "title": "Two", "body": "Story two.", "source": "cnn.com", "site": "cnn.com"},
        {
            "id": "c3",
            "title": "Three",
            "body": "Three.",
            "source": "CNN",
            "site": "edition.cnn.com",
        },
        {"id": "f1", "title": "Four", "body": "Story four.", "source": "fox.example"},
        {
            "id": "l1",
            "title": "Five",
            "body": "Five.",
            "source": "latimes.com",
            "site": "latimes.com",
        },
    ]
    handle = IndexHandle(str(build_index(tmp_path, records)[1]))
    try:
        sources = facet_dict(search(handle).facets)["source"]
        # a domain with no name beside it stays the domain; it is never made up
        assert sources == {"CNN": 3, "fox.example": 1, "latimes.com": 1}
        assert sorted(all_ids(handle, source="cnn.com")) == ["c1", "c2", "c3"]
    finally:
        handle.close()


# ---------------------------------------------------------------- the facet table


@pytest.fixture(scope="module")
def author_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FacetTable]:
    """The facet table of an index of eight articles, each by one author."""
    authors = ["alpha", "beta", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
    records = [{"id": a, "title": a.title(), "body": "Text.", "author": a} for a in authors]
    handle = IndexHandle(str(build_index(tmp_path_factory.mktemp("authors"), records)[1]))
    yield handle.facet_table(handle.searcher())
    handle.close()


@pytest.mark.parametrize("limit", [None, 1, 3, 5])
@pytest.mark.parametrize("search", ["", "b"])
def test_facet_ranking_is_count_then_value_with_chosen_values_kept(
    author_table: FacetTable, limit: int | None, search: str
) -> None:
    """The top values by count, ties by value, cut at the limit; chosen values always shown."""
    values = ["alpha", "beta", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
    assert author_table.columns["author"].values == values
    counts = np.array([3, 5, 3, 0, 1, 5, 1, 2])
    table = author_table
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
