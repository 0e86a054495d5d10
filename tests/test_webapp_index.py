"""The app over its index, through HTTP: a missing or earlier index, one searcher reused until
a reindex, and a served worker warmed before its first request."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers.pages import api
from helpers.records import RECORDS, build_index, write_jsonl
from indexer.writer import reindex
from webapp import create_app

# ---------------------------------------------------------------- a missing or earlier index


def test_missing_index_is_503(tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    response = client.get("/api/search")
    assert response.status_code == 503 and "no index" in response.get_json()["error"]["message"]


def test_index_of_an_earlier_version_is_503_asking_for_a_reindex(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Grain prices rise\n\nWheat and corn rose on Monday.\n")
    index = tmp_path / "index"
    reindex([str(corpus)], str(index))
    manifest = index / "newsdesk.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "index_name": "newsdesk_v3", "schema_version": 3}))
    leftovers = [
        index / "_newsdesk_v3_7.toc",
        index / "newsdesk_v3_abc.seg",
        index / "newsdesk_v3.tmp",
    ]
    leftovers[0].write_bytes(b"old toc")
    leftovers[1].write_bytes(b"old segment")
    leftovers[2].mkdir()
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    for url in ("/api/search?q=grain", "/search?q=grain"):
        response = app.test_client().get(url)
        assert response.status_code == 503
        assert b"newsdesk reindex" in response.data and b"earlier version" in response.data
    app.extensions["newsdesk"].close()
    reindex([str(corpus)], str(index))  # rebuilt by the current version
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    assert app.test_client().get("/api/search?q=grain").get_json()["total"] == 1
    app.extensions["newsdesk"].close()
    assert not any(path.exists() for path in leftovers), "the earlier index's files stay"
    assert (index / "newsdesk.json").exists() and (index / "newsdesk.lock").exists()


# ---------------------------------------------------------------- the searcher


def test_searcher_is_reused_and_picks_up_a_reindex(tmp_path: Path) -> None:
    corpus, index = build_index(tmp_path, RECORDS[:4])
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    handle = app.extensions["newsdesk"]
    assert api(client, q="zeppelin")["total"] == 0
    first = handle.searcher()
    assert api(client, q="grain")["total"] == 3
    assert handle.searcher() is first  # the same searcher served both requests
    write_jsonl(corpus / "new.jsonl", [{"id": "z1", "title": "Zeppelin over Odesa", "body": "x"}])
    reindex([str(corpus)], str(index), workers=1)
    data = api(client, q="zeppelin")
    assert [h["id"] for h in data["hits"]] == ["z1"]
    assert api(client, location="Odesa")["total"] == 1  # z1 has no location facet value
    assert api(client)["total"] == 5
    assert handle.searcher() is not first
    handle.close()


# ---------------------------------------------------------------- served workers


def test_a_served_worker_is_warm_before_its_first_request(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gunicorn loads the app in each worker before the worker takes requests: the arrays
    every search shares are built then, not during the first user's search (3.5 s at 200k
    articles), and that search finds what it should."""
    from webapp.engine import Engine
    from webapp.search.tables import DateOrder, FacetTable, KindDocs
    from webapp.server import NewsdeskServer

    built: list[str] = []

    def counted(name: str, build: Callable[[Any], Any]) -> Any:
        return staticmethod(lambda reader: built.append(name) or build(reader))

    for shared in (FacetTable, DateOrder, KindDocs):
        monkeypatch.setattr(shared, "build", counted(shared.__name__, shared.build))
    init = Engine.__init__
    monkeypatch.setattr(Engine, "__init__", lambda *a, **k: built.append("Engine") or init(*a, **k))
    app = NewsdeskServer(str(index_dir), {"bind": "127.0.0.1:0"}).load()
    handle = app.extensions["newsdesk"]
    try:
        assert {"FacetTable", "DateOrder", "KindDocs", "Engine"} <= set(built)
        warmed = len(built)
        response = app.test_client().get("/api/search?q=wheat")
        assert response.status_code == 200 and response.get_json()["total"] > 0
        assert len(built) == warmed  # the first search built none of them again
    finally:
        handle.close()


def test_a_served_worker_asks_the_os_for_every_index_file(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As it warms, a worker asks the OS to read the whole index into its page cache
    (Elasticsearch's index.store.preload): every file, each from its start to its end."""
    from webapp.server import NewsdeskServer

    asked: dict[str, tuple[int, int, int]] = {}
    fadvise = os.posix_fadvise

    def spy(fd: int, offset: int, length: int, advice: int) -> None:
        asked[os.readlink(f"/proc/self/fd/{fd}")] = (offset, length, advice)
        fadvise(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", spy)
    app = NewsdeskServer(str(index_dir), {"bind": "127.0.0.1:0"}).load()
    app.extensions["newsdesk"].close()
    files = {str(p.resolve()) for p in index_dir.iterdir() if p.is_file()}
    assert set(asked) == files
    assert set(asked.values()) == {(0, 0, os.POSIX_FADV_WILLNEED)}
