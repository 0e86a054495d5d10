"""webapp.search's IndexHandle without Flask: one searcher reused until a reindex, updated
articles, a missing index, articles by id."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from whoosh.searching import Searcher

from helpers.brute_force import brute_facets, facet_dict
from helpers.records import RECORDS, build_index, write_jsonl
from helpers.searching import all_ids, search
from indexer.writer import reindex
from webapp.search import ArticleNotFound, IndexHandle, get_article

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
    real = Searcher.up_to_date
    monkeypatch.setattr(Searcher, "up_to_date", lambda s: listings.append(s) or real(s))
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
