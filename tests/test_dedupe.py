"""Syndicated copies: detection (indexer.dedupe), incremental clusters, collapse through HTTP."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers.copies import edited, story, syndicated_records
from helpers.records import write_jsonl
from indexer.copystore import STORE, CopyStore
from indexer.dedupe import (
    BANDS,
    NUM_PERM,
    ROWS,
    SMALL_BUCKET,
    THRESHOLD,
    candidate_pairs,
    shingle_hashes,
    signature,
    similarity,
)
from indexer.manifest import open_index
from indexer.model import Article
from indexer.writer import reindex
from webapp import create_app


def clusters_in(index_dir: Path) -> dict[str, str]:
    with open_index(str(index_dir)).searcher() as searcher:
        return {
            d["id"]: d["cluster"] for d in searcher.all_stored_fields() if d["kind"] == "article"
        }


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    corpus = write_jsonl(tmp_path / "corpus" / "wire.jsonl", syndicated_records())
    reindex([str(corpus.parent)], str(tmp_path / "ix"))
    return corpus, tmp_path / "ix"


def test_copies_are_similar_and_unrelated_stories_are_not() -> None:
    rng = random.Random(1)
    body = story(rng)
    copy = "VALLEY POST - " + edited(body, rng) + " Read more at the Valley Post."
    assert similarity(signature(body), signature(copy)) >= THRESHOLD
    assert similarity(signature(body), signature(story(rng))) < 0.2
    assert similarity(signature("too short"), signature("too short")) == 0.0


def test_shingles_hash_as_sets_of_five_word_runs() -> None:
    # One hash per distinct run of five words (case folded), whatever the order of the runs;
    # the same words in another order are other runs.
    rng = random.Random(3)
    for _ in range(50):
        words = story(rng).split()
        runs = {" ".join(words[i : i + 5]).lower() for i in range(len(words) - 4)}
        assert len(shingle_hashes(" ".join(words))) == len(runs)
        assert (shingle_hashes(" ".join(words).upper()) == shingle_hashes(" ".join(words))).all()
        swapped = [words[2], words[0], words[1], *words[3:]]
        assert words[2].lower() == words[0].lower() or set(
            shingle_hashes(" ".join(swapped)).tolist()
        ) != set(shingle_hashes(" ".join(words)).tolist())
    doubled = " ".join(words + words)  # the runs of the text again, and those across the seam
    assert len(shingle_hashes(doubled)) == len(runs) + 4


def test_each_story_is_one_cluster_named_by_its_earliest_copy(built: tuple[Path, Path]) -> None:
    clusters = clusters_in(built[1])
    for n in range(4):
        assert {clusters[f"s{n}-{i}"] for i in range(3)} == {f"s{n}-0"}
        assert clusters[f"u{n}"] == f"u{n}"


def test_incremental_reindex_keeps_clusters_right(built: tuple[Path, Path]) -> None:
    corpus, ix = built
    records = [r for r in syndicated_records() if r["id"] != "s0-0"]  # the earliest copy goes
    write_jsonl(corpus, records)
    extra = dict(syndicated_records()[4], id="late", date="2024-03-11T09:00:00")
    write_jsonl(corpus.parent / "late.jsonl", [extra])  # a fourth copy of story 1, added
    reindex([str(corpus.parent)], str(ix))
    clusters = clusters_in(ix)
    assert clusters["s0-1"] == clusters["s0-2"] == "s0-1"
    assert clusters["late"] == "s1-0"
    (corpus.parent / "late.jsonl").unlink()  # and removed again
    reindex([str(corpus.parent)], str(ix))
    incremental = clusters_in(ix)
    reindex([str(corpus.parent)], str(ix), full=True)
    assert incremental == clusters_in(ix)


def test_an_update_commits_once_with_its_clusters(built: tuple[Path, Path]) -> None:
    corpus, ix = built
    before = open_index(str(ix)).latest_generation()
    # A copy of story 2 dated before its earliest: the unchanged file's three articles move
    # to the new cluster in the same commit as the new file.
    extra = dict(syndicated_records()[8], id="early", date="2024-03-11T23:00:00")
    write_jsonl(corpus.parent / "early.jsonl", [extra])
    reindex([str(corpus.parent)], str(ix))
    assert open_index(str(ix)).latest_generation() == before + 1
    clusters = clusters_in(ix)
    assert {clusters[f"s2-{i}"] for i in range(3)} | {clusters["early"]} == {"early"}


def test_a_run_with_nothing_changed_does_not_recompute_clusters(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, ix = built
    corpus.touch()  # new mtime, same content
    generation = open_index(str(ix)).latest_generation()

    def fail(*args: Any) -> None:
        raise AssertionError("clusters recomputed although no article changed")

    monkeypatch.setattr("indexer.copystore.cluster_changes", fail)
    summary = reindex([str(corpus.parent)], str(ix))
    assert (summary.added, summary.updated, summary.removed) == (0, 0, 0)
    assert open_index(str(ix)).latest_generation() == generation


def test_stale_sidecar_is_rebuilt_from_the_index(built: tuple[Path, Path]) -> None:
    _, ix = built
    (ix / STORE).unlink()
    reindex([], str(ix))
    assert clusters_in(ix)["s2-2"] == "s2-0"
    with open_index(str(ix)).searcher() as searcher:
        assert CopyStore.from_index(searcher).recluster() == {}


def test_store_put_and_drop() -> None:
    store = CopyStore()
    a = Article(id="a", body=story(random.Random(3)), date="2024-01-01")
    store.put_many([(a, "f1", None, 0)])
    assert store.clusters_of(["a"]) == {"a": "a"}  # its own cluster until reclustered
    store.drop_file("f1")
    assert store.recluster() == {}
    assert store.ids == []


# ---------------------------------------------------------------- through HTTP


@pytest.fixture
def client(built: tuple[Path, Path]) -> Iterator[Any]:
    app = create_app({"INDEX_DIR": str(built[1]), "TESTING": True})
    yield app.test_client()
    app.extensions["newsdesk"].close()


def _search(client: Any, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string={"per_page": 100, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("params", [{}, {"q": "read"}, {"source": "Valley Post"}])
def test_collapse_keeps_every_number_consistent(client: Any, params: dict[str, str]) -> None:
    collapsed, every = _search(client, **params), _search(client, dedupe="0", **params)
    assert every["total"] == collapsed["total"] + sum(h["copy_count"] for h in collapsed["hits"])
    for result in (collapsed, every):
        assert (
            sum(b["count"] for b in result["histogram"]["buckets"])
            + result["histogram"].get("undated", 0)
            == result["total"]
        )
        assert sum(fc["count"] for fc in result["facets"]["month"]) == result["total"]
        assert len(result["hits"]) == result["total"]
    assert all(h["copy_count"] == 0 for h in every["hits"])


def test_collapsed_hit_is_the_earliest_matching_copy_with_its_sources(client: Any) -> None:
    hits = {h["id"]: h for h in _search(client)["hits"]}
    assert "s1-1" not in hits and hits["s1-0"]["copy_count"] == 2
    assert {c["source"] for c in hits["s1-0"]["copies"]} == {"Coast Courier", "Valley Post"}
    only_later = _search(client, source="Valley Post")["hits"]  # the earliest copy is filtered out
    assert "s1-2" in {h["id"] for h in only_later}


def test_search_page_shows_copies(client: Any) -> None:
    page = client.get("/search").get_data(as_text=True)
    assert "+2 copies" in page
    assert "+2 copies" not in client.get("/search?dedupe=0").get_data(as_text=True)


def test_article_page_and_similar_endpoint(client: Any) -> None:
    similar = client.get("/api/articles/s2-1/similar").get_json()
    assert {c["id"] for c in similar["copies"]} == {"s2-0", "s2-2"}
    assert not {c["id"] for c in similar["similar"]} & {"s2-0", "s2-1", "s2-2"}
    page = client.get("/articles/s2-1").get_data(as_text=True)
    assert "Other copies" in page and "/articles/s2-2" in page
    assert client.get("/api/articles/nope/similar").status_code == 404
    assert client.get("/api/search?dedupe=maybe").status_code == 400


# ---------------------------------------------------------------- candidate pairs


def reference_pairs(sigs: np.ndarray) -> set[tuple[int, int]]:
    """The documented rule, band by band with a dict: rows whose band is equal form a run (in
    row order); a run of up to SMALL_BUCKET rows gives all its pairs, a longer one a chain
    and a star from its first row. Rows too short to sign take no part."""
    pairs: set[tuple[int, int]] = set()
    usable = [r for r in range(len(sigs)) if not (sigs[r] == np.iinfo(np.uint32).max).all()]
    for band in range(BANDS):
        runs: dict[bytes, list[int]] = {}
        for r in usable:
            runs.setdefault(sigs[r, band * ROWS : (band + 1) * ROWS].tobytes(), []).append(r)
        for run in runs.values():
            if len(run) <= SMALL_BUCKET:
                pairs |= {(a, b) for i, a in enumerate(run) for b in run[i + 1 :]}
            else:
                pairs |= set(itertools.pairwise(run))
                pairs |= {(run[0], b) for b in run[1:]}
    return pairs


def test_candidate_pairs_follow_the_banding_rule() -> None:
    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 2**32 - 1, size=(3000, NUM_PERM), dtype=np.uint32)
    for band, size in [(0, 2), (1, 3), (2, 5), (3, SMALL_BUCKET), (4, SMALL_BUCKET + 1), (5, 60)]:
        rows = rng.choice(len(sigs), size=size, replace=False)  # a run of `size` equal bands
        sigs[rows, band * ROWS : (band + 1) * ROWS] = sigs[rows[0], band * ROWS : (band + 1) * ROWS]
    sigs[rng.choice(len(sigs), size=40, replace=False), :] = np.iinfo(np.uint32).max  # short
    usable = ~(sigs == np.iinfo(np.uint32).max).all(axis=1)
    found = {(int(a), int(b)) for a, b in candidate_pairs(sigs, usable)}
    assert found == reference_pairs(sigs)
    assert len(found) > SMALL_BUCKET * (SMALL_BUCKET - 1) // 2 + 60  # the runs were there


def test_pairs_compared_a_chunk_at_a_time_are_those_compared_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # copy_pairs compares PAIRS_AT_ONCE candidate pairs at a time (all at once, their
    # signatures side by side take 576 bytes a pair): the copies kept are the same.
    import indexer.dedupe

    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 2**32 - 1, size=(500, NUM_PERM), dtype=np.uint32)
    sigs[1::2] = sigs[::2]  # odd rows copy the row before
    sigs[1::4, : NUM_PERM // 2] += np.uint32(1)  # every other copy only half alike
    whens = rng.integers(0, 10 * 86_400, size=500)
    pairs = np.stack([np.arange(0, 500, 2), np.arange(1, 500, 2)], axis=1)
    pairs = np.concatenate([pairs, rng.integers(0, 500, size=(300, 2))])
    whole = indexer.dedupe.copy_pairs(pairs, sigs, whens)
    monkeypatch.setattr(indexer.dedupe, "PAIRS_AT_ONCE", 7)
    chunked = indexer.dedupe.copy_pairs(pairs, sigs, whens)
    assert 30 < len(whole) < 250  # copies kept; half-alike and far-apart pairs left out
    assert np.array_equal(chunked, whole)


def test_server_does_not_load_the_minhash_library() -> None:
    # datasketch imports scipy (0.4 s, 54 MB a process): only the parsing processes need it.
    code = "import sys, webapp.server, indexer.cli; print('datasketch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
@pytest.mark.parametrize("streamed", [False, True], ids=["one commit", "streamed"])
def test_rounds_of_edits_give_the_index_a_full_build_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    # Several records a file, so that most articles of a changed file are kept as they are:
    # their clusters must still follow the edits (earlier copies arriving, copies removed).
    if streamed:  # as a large update is written: files first, then the clusters that changed
        monkeypatch.setattr("indexer.writer.ONE_COMMIT_FILES", 0)
    rng = random.Random(11)
    files: list[list[dict[str, Any]]] = [[], [], [], []]
    for n, record in enumerate(syndicated_records(stories=5)):
        files[n % 4].append(record)
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"

    def write_all() -> None:
        for n, records in enumerate(files):
            write_jsonl(corpus / f"feed{n}.jsonl", records)

    write_all()
    reindex([str(corpus)], str(ix))
    for round_ in range(4):
        edited_file, other = rng.sample(range(4), 2)
        record = rng.choice(files[edited_file])
        record["body"] += f" Correction number {round_}."
        files[other].remove(rng.choice(files[other]))  # a record deleted
        copy = dict(rng.choice([r for f in files for r in f if r["id"].startswith("s")]))
        copy.update(id=f"early{round_}", date=f"2024-03-0{round_ + 1}T00:00:00")
        files[other].insert(0, copy)  # an earlier copy: its story's cluster is renamed
        moved = files[edited_file].pop()
        files[(edited_file + 1) % 4].append(moved)  # a record moved to another file
        write_all()
        summary = reindex([], str(ix))
        assert summary.unchanged > summary.updated  # most articles of changed files kept
        full = tmp_path / f"full{round_}"
        reindex([str(corpus)], str(full), full=True)
        assert all_documents(ix) == all_documents(full), f"round {round_}"


def all_documents(index_dir: Path) -> dict[str, dict[str, Any]]:
    with open_index(str(index_dir)).searcher() as searcher:
        return {d["id"]: d for d in searcher.all_stored_fields()}
