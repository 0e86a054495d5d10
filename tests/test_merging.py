"""Segments merged a term at a time (indexer/storage/merging.py) hold what Whoosh's own merge
writes: the same terms, postings, term statistics, stored fields and lengths, around deleted
documents too."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from whoosh import index
from whoosh.writing import SegmentWriter

from indexer.manifest import open_index
from indexer.schema import SCHEMA
from indexer.storage.codec import NewsdeskCodec
from indexer.storage.merging import merge_segments
from indexer.storage.pool import NewsdeskWriter
from indexer.storage.toc import committed_segments
from tests.helpers.answers import answers
from tests.test_segment import (
    contents,
    hard_docs,
    sample_docs,
    synthetic_docs,
    synthetic_schema,
    told_language,
)
from webapp.cli import main


def segments_of(path: Path, schema: Any, batches: list[list[dict]], writer_class: type) -> Any:
    """An index of one segment per batch (no merges)."""
    path.mkdir()
    ix = index.create_in(str(path), schema)
    for batch in batches:
        writer = writer_class(ix, codec=NewsdeskCodec())
        for doc in batch:
            writer.add_document(**(doc if writer_class is NewsdeskWriter else told_language(doc)))
        writer.commit(merge=False)
    return ix


def merged_by_whoosh(ix: Any, deleted: list[tuple[str, str]] = ()) -> Any:
    """The same commit, merging through Whoosh's own writer (its pool)."""
    writer = SegmentWriter(ix, codec=NewsdeskCodec())
    for fieldname, value in deleted:
        writer.delete_by_term(fieldname, value)
    writer.commit(optimize=True)
    return index.open_dir(ix.storage.folder)


def merged_by_term(ix: Any, deleted: list[tuple[str, str]] = ()) -> Any:
    """A commit that deletes `deleted` and merges every segment with merge_segments."""
    writer = NewsdeskWriter(ix, codec=NewsdeskCodec())
    for fieldname, value in deleted:
        writer.delete_by_term(fieldname, value)
    writer.commit(mergetype=lambda w, segments: [merge_segments(w, segments)])
    return index.open_dir(ix.storage.folder)


def test_merged_a_term_at_a_time_as_whoosh_merges(tmp_path: Path) -> None:
    # 'common' spans several blocks in each segment and in the merged one.
    docs = synthetic_docs(3_000)
    batches = [docs[:700], docs[700:1_900], docs[1_900:]]
    schema = synthetic_schema()
    ours = merged_by_term(segments_of(tmp_path / "ours", schema, batches, NewsdeskWriter))
    whoosh = merged_by_whoosh(segments_of(tmp_path / "whoosh", schema, batches, SegmentWriter))
    assert len(committed_segments(ours)) == 1
    expected = contents(whoosh)
    assert contents(ours) == expected
    assert len(expected["freq:b'common'"][1]) == 3_000


@pytest.mark.parametrize("source", ["hard texts", pytest.param("samples", marks=pytest.mark.slow)])
def test_merged_around_deleted_documents(tmp_path: Path, source: str) -> None:
    # Newsdesk's documents in three segments, some deleted by the merging commit: they are
    # left out and the others renumbered; a term only deleted documents had is not written.
    docs = sample_docs() if source == "samples" else hard_docs() * 3
    docs = [dict(doc, id=f"{n}") for n, doc in enumerate(docs)]
    third = len(docs) // 3
    batches = [docs[:third], docs[third : 2 * third], docs[2 * third :]]
    deleted = [("id", doc["id"]) for doc in docs[1 : 2 * third : 4]]
    ours = merged_by_term(segments_of(tmp_path / "ours", SCHEMA, batches, NewsdeskWriter), deleted)
    whoosh = merged_by_whoosh(
        segments_of(tmp_path / "whoosh", SCHEMA, batches, SegmentWriter), deleted
    )
    assert len(committed_segments(ours)) == 1
    merged = contents(ours)
    assert merged == contents(whoosh)
    assert f"id:{docs[1]['id'].encode()!r}" not in merged
    assert ours.doc_count_all() == len(docs) - len(deleted)


def windows_corpus(root: Path, files: int = 30, per_file: int = 8) -> None:
    """JSON Lines files of articles sharing words, with sources and places for facets."""
    rng = random.Random(5)
    words = [f"word{n}" for n in range(60)]
    for f in range(files):
        lines = []
        for a in range(per_file):
            n = f * per_file + a
            body = " ".join(["grain", *rng.choices(words, k=rng.randint(5, 40)), f"only{n}"])
            record = {
                "id": f"a{n:04d}",
                "title": f"Story {n} {rng.choice(words)}",
                "body": body + ".",
                "source": rng.choice(["Reuters", "AP", "AFP"]),
                "location": rng.choice(["Kyiv", "Odesa", "Lviv", "Kharkiv"]),
                "date": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            }
            lines.append(json.dumps(record))
        (root / f"export-{f:03d}.jsonl").write_text("\n".join(lines) + "\n")


QUERIES = ["grain", "word7 word11", '"word3 word4"', "only17", "word59 OR only200"]


def test_a_build_over_many_windows_merges_by_tier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 240 articles committed 12 at a time (a window), two segments a commit: tiers of 3
    # segments are merged as they fill, so the index keeps a few segments, and searches,
    # totals and facets are those of the same corpus built in one commit.
    import indexer.writer as writer

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    windows_corpus(corpus)
    one = tmp_path / "one"
    code = CliRunner().invoke(main, ["reindex", str(corpus), "--index", str(one), "--full"])
    assert code.exit_code == 0, code.output
    assert len(committed_segments(open_index(str(one)))) <= 2
    monkeypatch.setattr(writer, "COMMIT_EVERY", 12)
    monkeypatch.setattr(writer, "SMALL_SEGMENT", 4)
    monkeypatch.setattr(writer, "MERGE_FACTOR", 3)
    many = tmp_path / "many"
    result = CliRunner().invoke(main, ["reindex", str(corpus), "--index", str(many), "--full"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("240 added"), result.stdout
    segments = committed_segments(open_index(str(many)))
    sizes = sorted(seg.doc_count_all() for seg in segments)
    assert len(segments) <= 8 and max(sizes) >= 36, sizes  # merged twice over, at least
    # Merged segments are separate files: a reader maps them rather than copying a compound
    # file's parts into memory.
    assert not [seg for seg in segments if seg.is_compound()]
    assert not list(many.glob("*.seg"))
    assert answers(many, QUERIES) == answers(one, QUERIES)
