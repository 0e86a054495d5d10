"""Incremental reindex through the command line: add, change, delete, fail, interrupt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers.records import write_jsonl
from indexer.errors import IndexingFailed
from indexer.manifest import Manifest, open_index
from indexer.schema import document_to_article
from indexer.storage.toc import committed_segments
from indexer.writer import reindex
from webapp.cli import main

ARTICLE = "{title}\n\n{body}\n"


def write(
    path: Path, title: str, body: str = "Body text of the article about grain exports."
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body), encoding="utf-8")
    return path


def stored_titles(index_dir: Path) -> dict[str, str]:
    with open_index(str(index_dir)).searcher() as searcher:
        return {d["path"]: d["title"] for d in searcher.all_stored_fields()}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write(root / "a.txt", "Alpha headline")
    write(root / "b.txt", "Bravo headline")
    write(root / "sub" / "c.txt", "Charlie headline")
    return root


def test_first_reindex_adds_every_file(corpus: Path, tmp_path: Path) -> None:
    code, out, _ = run("reindex", str(corpus), "--index", str(tmp_path / "ix"))
    assert code == 0
    assert out.startswith("3 added, 0 updated, 0 removed, 0 failed")
    assert sorted(stored_titles(tmp_path / "ix").values()) == [
        "Alpha headline",
        "Bravo headline",
        "Charlie headline",
    ]


@pytest.mark.parametrize("parallel", [False, True], ids=["one writer", "a writer per core"])
def test_reindex_adds_updates_and_removes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    import indexer.writer as writer

    if parallel:  # as an update of many files is written (one segment per process)
        monkeypatch.setattr(writer, "PARALLEL_WRITE_ARTICLES", 1)
    ix = tmp_path / "ix"
    run("reindex", str(corpus), "--index", str(ix))
    write(corpus / "d.txt", "Delta headline")
    write(corpus / "a.txt", "Alpha headline, revised")
    (corpus / "b.txt").unlink()
    code, out, _ = run("reindex", "--index", str(ix))  # roots recorded in the index
    assert code == 0
    assert out.startswith("1 added, 1 updated, 1 removed, 0 failed, 1 unchanged")
    titles = sorted(stored_titles(ix).values())
    assert titles == ["Alpha headline, revised", "Charlie headline", "Delta headline"]
    with open_index(str(ix)).searcher() as searcher:
        assert searcher.doc_count() == 3  # the old version of a.txt and b.txt are gone


def test_unchanged_corpus_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run("reindex", str(corpus), "--index", str(ix))
    toc_before = sorted(p.name for p in ix.glob("*.toc"))
    (corpus / "a.txt").touch()  # new mtime, same content
    code, out, _ = run("reindex", "--index", str(ix))
    assert (code, out.split(" in ")[0]) == (
        0,
        "0 added, 0 updated, 0 removed, 0 failed, 3 unchanged",
    )
    assert sorted(p.name for p in ix.glob("*.toc")) == toc_before


def test_full_rebuild_gives_same_documents(corpus: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run("reindex", str(corpus), "--index", str(ix))
    before = stored_titles(ix)
    code, out, _ = run("reindex", "--full", "--index", str(ix))
    assert code == 0 and out.startswith("3 added")
    assert stored_titles(ix) == before


def test_broken_file_is_reported_and_the_rest_indexed(corpus: Path, tmp_path: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    code, out, err = run("reindex", str(corpus), "--index", str(tmp_path / "ix"))
    assert code == 1
    assert out.startswith("3 added, 0 updated, 0 removed, 2 failed")
    assert f"{corpus / 'empty.txt'}: empty file" in err
    assert f"{corpus / 'image.txt'}: binary file" in err
    assert len(stored_titles(tmp_path / "ix")) == 3


def test_file_that_breaks_later_is_retried_next_time(corpus: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run("reindex", str(corpus), "--index", str(ix))
    (corpus / "a.txt").write_bytes(b"")
    code, out, _ = run("reindex", "--index", str(ix))
    assert code == 1 and "1 failed" in out
    code, out, _ = run("reindex", "--index", str(ix))
    assert code == 1 and "1 failed" in out  # still reported, not silently forgotten


def test_missing_corpus_path_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("reindex", "nope", "--index", str(tmp_path / "ix"))
    assert code == 1
    assert "nope: no such file or directory" in err.splitlines()


def test_reindex_without_corpus_or_index_explains(tmp_path: Path) -> None:
    code, _, err = run("reindex", "--index", str(tmp_path / "ix"))
    assert code == 1
    assert "no corpus given" in err


def test_interrupted_reindex_keeps_last_commit(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = tmp_path / "ix"
    reindex([str(corpus)], str(ix))
    write(corpus / "d.txt", "Delta headline")

    def interrupt(_n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reindex([str(corpus)], str(ix), progress=interrupt)
    assert len(stored_titles(ix)) == 3
    summary = reindex([], str(ix))  # the lock was released and the next run finishes the job
    assert (summary.added, summary.unchanged) == (1, 3)


def test_second_writer_gets_a_clear_message(corpus: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    reindex([str(corpus)], str(ix))
    write(corpus / "d.txt", "Delta headline")
    writer = open_index(str(ix)).writer()
    try:
        code, _, err = run("reindex", "--index", str(ix))
    finally:
        writer.cancel()
    assert code == 1
    assert "another reindex holds the write lock" in err


@pytest.mark.slow
def test_parse_then_jsonl_then_reindex_is_lossless(tmp_path: Path) -> None:
    """Every field of every sample survives parse -> JSON Lines -> reindex.

    (`explain` says how a field was extracted, not what it is, so it is not compared.)
    """
    samples = Path(__file__).resolve().parent.parent / "samples"
    if not any(samples.rglob("*.*")):
        pytest.skip("samples/ is empty")
    _, out, _ = run("parse", str(samples))
    export = tmp_path / "export.jsonl"
    export.write_text(out, encoding="utf-8")
    reindex([str(samples)], str(tmp_path / "from_files"))
    reindex([str(export)], str(tmp_path / "from_jsonl"))
    assert articles(tmp_path / "from_files") == articles(tmp_path / "from_jsonl")
    assert len(articles(tmp_path / "from_jsonl")) == len(out.splitlines())


def articles(index_dir: Path) -> dict[str, dict]:
    with open_index(str(index_dir)).searcher() as searcher:
        stored = searcher.documents(kind="article")  # not the quotes' own records
        docs = [document_to_article(d).to_dict() for d in stored]
    return {d["id"]: d for d in docs}


def test_manifest_records_roots_and_hashes(corpus: Path, tmp_path: Path) -> None:
    reindex([str(corpus)], str(tmp_path / "ix"))
    manifest = Manifest.load(str(tmp_path / "ix"))
    assert manifest.roots == [str(corpus)]
    assert {Path(k).name for k in manifest.files} == {"a.txt", "b.txt", "c.txt"}
    raw = json.loads((tmp_path / "ix" / "newsdesk.json").read_text())
    assert all(len(f["sha1"]) == 40 for f in raw["files"].values())


def test_full_build_reports_a_duplicate_id_and_keeps_the_first(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [{"id": "same", "title": f"Version {n}", "body": "Text of the story."} for n in (1, 2)]
    (corpus / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = run("reindex", str(corpus), "--index", str(tmp_path / "ix"))
    assert code == 1 and "1 added" in out and "1 failed" in out
    assert "duplicate article id 'same' (earlier in this file), skipped" in err
    assert list(stored_titles(tmp_path / "ix").values()) == ["Version 1"]


def segment_names(index_dir: Path) -> dict[str, int]:
    """Segment name → documents, as committed."""
    segments = committed_segments(open_index(str(index_dir)))
    return {s.segment_id(): s.doc_count_all() for s in segments}


def test_updates_merge_only_small_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeated small updates keep the segment count bounded by merging their own segments;
    the full build's segments are never rewritten (Whoosh's default merged them all)."""
    import indexer.writer as writer

    monkeypatch.setattr(writer, "SMALL_SEGMENT", 20)  # documents
    monkeypatch.setattr(writer, "SMALL_SEGMENTS_KEPT", 2)
    root, ix = tmp_path / "corpus", tmp_path / "ix"
    for n in range(40):
        write(root / f"base-{n:02d}.txt", f"Base story {n}")
    run("reindex", str(root), "--index", str(ix), "--full")
    built = {name for name, docs in segment_names(ix).items() if docs >= 20}
    assert built, segment_names(ix)
    for n in range(8):
        write(root / f"update-{n}.txt", f"Update story {n}", f"Zanzibar cloves report {n}.")
        code, out, _ = run("reindex", "--index", str(ix))
        assert code == 0 and out.startswith("1 added"), out
        segments = segment_names(ix)
        assert built <= set(segments), "a segment of the full build was rewritten"
        small = [name for name, docs in segments.items() if docs < 20]
        assert len(small) <= 3, segments
    titles = set(stored_titles(ix).values())
    assert {f"Update story {n}" for n in range(8)} <= titles
    assert {f"Base story {n}" for n in range(40)} <= titles


def test_a_segment_left_without_documents_is_dropped(corpus: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run("reindex", str(corpus), "--index", str(ix))
    write(corpus / "d.txt", "Delta headline")
    run("reindex", "--index", str(ix))
    assert len(segment_names(ix)) == 2  # the build's, and the update's with d.txt
    (corpus / "d.txt").unlink()
    write(corpus / "a.txt", "Alpha headline, revised")
    code, out, _ = run("reindex", "--index", str(ix))
    assert code == 0 and out.startswith("0 added, 1 updated, 1 removed"), out
    segments = segment_names(ix)
    assert len(segments) == 2, segments  # the build's and this update's; d.txt's is gone
    assert sorted(stored_titles(ix).values()) == [
        "Alpha headline, revised",
        "Bravo headline",
        "Charlie headline",
    ]


def test_errors_name_files_as_the_corpus_was_given(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "sub" / "empty.txt").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("reindex", "./corpus/", "--index", "ix")
    assert code == 1 and out.startswith("3 added, 0 updated, 0 removed, 1 failed")
    assert "./corpus/sub/empty.txt: empty file" in err.splitlines()


def test_a_failed_commit_leaves_manifest_and_sidecar_as_they_were(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.storage.pool

    ix = tmp_path / "ix"
    reindex([str(corpus)], str(ix))
    ours = ("newsdesk.json", "newsdesk-copies")  # and anything staged beside them

    def kept() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in ix.iterdir() if p.name.startswith(ours)}

    before = kept()
    write(corpus / "d.txt", "Delta headline")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(indexer.storage.pool.NewsdeskWriter, "commit", fail)
    with pytest.raises(IndexingFailed, match="disk full"):  # a message, not a traceback
        reindex([str(corpus)], str(ix), workers=1)
    assert kept() == before  # nothing staged left behind, nothing replaced
    monkeypatch.undo()
    assert reindex([], str(ix)).added == 1


def test_editing_one_record_rewrites_only_that_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.storage.pool

    corpus, ix, full = tmp_path / "corpus", tmp_path / "ix", tmp_path / "full"
    records = [
        {"id": f"r{n}", "title": f"Record {n}", "date": f"2024-05-0{n + 1}",
         "body": f'Record {n} on grain exports. "Prices will rise," said Ana Ruiz {n}.'}
        for n in range(4)
    ]  # fmt: skip
    feed = write_jsonl(corpus / "feed.jsonl", records)
    reindex([str(corpus)], str(ix))
    records[1]["body"] += " A correction was appended."
    del records[3]
    write_jsonl(feed, records)
    written: list[str] = []
    add = indexer.storage.pool.NewsdeskWriter.add_document

    def spy(self: object, **doc: object) -> None:
        written.append(str(doc["article"]))
        add(self, **doc)  # type: ignore[arg-type]

    monkeypatch.setattr(indexer.storage.pool.NewsdeskWriter, "add_document", spy)
    monkeypatch.chdir(tmp_path)  # a bare reindex names the corpus `corpus` now, not /tmp/...
    code, out, _ = run("reindex", "--index", str(ix))
    assert (code, out.split(" in ")[0]) == (
        0,
        "0 added, 1 updated, 1 removed, 0 failed, 2 unchanged",
    )
    assert set(written) == {"r1"}  # the article and its quote record, no other
    monkeypatch.undo()
    reindex([str(corpus)], str(full), full=True)
    assert documents(ix) == documents(full)
    assert "correction" in documents(ix)["r1"]["body"] and "r3" not in documents(ix)


def documents(index_dir: Path) -> dict[str, dict[str, object]]:
    """Every stored document by id, but for `path` (the file as the corpus was named)."""
    with open_index(str(index_dir)).searcher() as searcher:
        return {d["id"]: d | {"path": None} for d in searcher.all_stored_fields()}
