"""Hostile and unlucky inputs (issue 18): every input is read under bounds, a bad record fails
alone, only regular files of the corpus are read, and articles disappear only when their file
is known to be gone. Through the command line, as a user meets them."""

from __future__ import annotations

import gzip
import json
import os
import resource
import socket
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from indexer.manifest import open_index
from indexer.readers import (
    MAX_ARTICLE_BYTES,
    MAX_ARTICLE_CHARS,
    MAX_FILE_BYTES,
    MAX_RECORD_BYTES,
)
from indexer.readers.text import READER as TEXT_READER
from indexer.schema import document_to_article
from indexer.writer import reindex

pytestmark = pytest.mark.slow

GOOD = "Harbour reopens after storm\n\nThe harbour reopened on Monday, officials said.\n"


def newsdesk(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("newsdesk")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def articles(index_dir: Path) -> dict[str, dict]:
    """Article id -> stored article fields, for every article the index serves."""
    with open_index(str(index_dir)).searcher() as searcher:
        docs = [document_to_article(d) for d in searcher.all_stored_fields()]
    return {a.id: a.to_dict() for a in docs if a.format}


def titles(index_dir: Path) -> set[str]:
    return {a["title"] for a in articles(index_dir).values()}


def jsonl(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def test_bad_records_fail_alone_with_file_and_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    deep = '{"title": "Deep", "body": "x", "extra": ' + "[" * 5000 + "]" * 5000 + "}"
    jsonl(
        corpus / "wire.jsonl",
        [
            json.dumps({"title": "Go zero time", "body": "Scraped.", "date": "0001-01-01"}),
            json.dumps({"title": "Bad quotes", "body": "Text.", "quotes": [5]}),
            deep,
            json.dumps({"title": "Lone \ud800 surrogate", "body": "Text \udfff here."}),
            json.dumps({"title": "Ancient", "body": "Old text.", "date": "0999-05-01"}),
            json.dumps({"title": "Controls \x01\x1b", "body": "Text."}),
            json.dumps({"title": "Last", "body": "The last record."}),
        ],
    )
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_text("Latin-1 file name\n\nBody text here.\n")
    proc = newsdesk("reindex", str(corpus), "--index", str(tmp_path / "ix"))
    assert proc.returncode == 1  # some records failed
    assert "Traceback" not in proc.stderr
    errors = proc.stderr.splitlines()
    wire = corpus / "wire.jsonl"
    assert errors == [
        f"{wire}:2: quote 1 must be a string or an object with a 'text' string",
        f"{wire}:3: JSON nested too deeply",
    ]
    assert proc.stdout.startswith("7 added, 0 updated, 0 removed, 2 failed")
    found = {a["title"]: a for a in articles(tmp_path / "ix").values()}
    assert found["Go zero time"]["date"] is None  # Go's zero time means "no date"
    assert found["Ancient"]["date"] == "0999-05-01"
    assert "Lone \ufffd surrogate" in found and found["Lone \ufffd surrogate"]["body"] == (
        "Text \ufffd here."
    )
    controls = next(t for t in found if t.startswith("Controls"))
    assert "\x01" not in controls and "\x1b" not in controls  # XML (the feed) forbids them
    assert {"Last", "Harbour reopens after storm", "Latin-1 file name"} <= set(found)
    # `parse` prints what it can, as valid UTF-8 JSON, and names the bad lines.
    parsed = newsdesk("parse", str(wire))
    assert parsed.returncode == 1
    assert len([json.loads(line) for line in parsed.stdout.splitlines()]) == 5


def test_a_gzip_bomb_and_oversized_inputs_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    # 1 GB of zeros in about 1 MB: decompression stops at the file limit.
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(16 * 1024 * 1024)
    bomb = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()
    (corpus / "bomb.txt.gz").write_bytes(bomb)
    page = b"<html><body><p>" + b"word " * (MAX_ARTICLE_BYTES // 5 + 1) + b"</p>"
    (corpus / "page.html.gz").write_bytes(gzip.compress(page))
    big = json.dumps({"title": "Huge", "body": "word " * (MAX_RECORD_BYTES // 5 + 1)})
    jsonl(corpus / "wire.jsonl", [json.dumps({"title": "Small", "body": "Fine."}), big])
    proc = newsdesk("reindex", str(corpus), "--index", str(tmp_path / "ix"))
    errors = sorted(proc.stderr.splitlines())
    assert errors == [
        f"{corpus / 'bomb.txt.gz'}: gzip data expands past the limit of {MAX_FILE_BYTES} "
        "bytes, skipped",
        f"{corpus / 'page.html.gz'}: too large for one article "
        f"({len(page)} bytes; limit {MAX_ARTICLE_BYTES})",
        f"{corpus / 'wire.jsonl'}:2: record too large ({len(big)} bytes; the limit is "
        f"{MAX_RECORD_BYTES})",
    ]
    assert titles(tmp_path / "ix") == {"Harbour reopens after storm", "Small"}
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kb < 1_000_000, f"peak RSS {peak_kb} KB"


def test_one_article_is_at_most_4_mi_characters_whatever_its_format(tmp_path: Path) -> None:
    """Indexing holds all of an article's words at once: a 64 MB text file took 1.7 GB."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    long_body = "word " * (MAX_ARTICLE_CHARS // 5 + 1)
    (corpus / "long.txt").write_text("Long article\n\n" + long_body)
    (corpus / "huge.txt").write_text("Huge article\n\n" + "word " * (TEXT_READER.max_bytes // 5))
    proc = newsdesk("reindex", str(corpus), "--index", str(tmp_path / "ix"))
    chars = len("Long article") + len(long_body.strip())
    assert sorted(proc.stderr.splitlines()) == [
        f"{corpus / 'huge.txt'}: too large for one article "
        f"({(corpus / 'huge.txt').stat().st_size} bytes; limit {TEXT_READER.max_bytes})",
        f"{corpus / 'long.txt'}: article text too long ({chars} characters; the limit is "
        f"{MAX_ARTICLE_CHARS})",
    ]
    assert titles(tmp_path / "ix") == {"Harbour reopens after storm"}


def test_only_regular_files_of_the_corpus_are_read(tmp_path: Path) -> None:
    """A FIFO would block the reindex forever (holding its lock); a symlink out of the corpus
    would make /etc/passwd searchable. Both are reported and skipped; a link inside is read."""
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "good.txt").write_text(GOOD)
    os.mkfifo(corpus / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(corpus / "sock.txt"))
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret root:x:0:0\n\nroot:x:0:0:root:/root:/bin/bash\n")
    (corpus / "passwd.txt").symlink_to(outside)
    (corpus / "sub" / "inside.txt").write_text("Inside story\n\nA story linked from elsewhere.\n")
    (corpus / "alias.txt").symlink_to(corpus / "sub" / "inside.txt")  # read where it is
    try:
        proc = newsdesk("reindex", str(corpus), "--index", str(tmp_path / "ix"), timeout=60)
    finally:
        server.close()
    assert proc.returncode == 1
    assert sorted(proc.stderr.splitlines()) == [
        f"{corpus / 'passwd.txt'}: symbolic link out of the corpus folder ({outside}), skipped",
        f"{corpus / 'pipe.txt'}: not a regular file (a FIFO), skipped",
        f"{corpus / 'sock.txt'}: not a regular file (a socket), skipped",
    ]
    found = sorted(a["title"] for a in articles(tmp_path / "ix").values())
    assert found == ["Harbour reopens after storm", "Inside story"]  # the link adds no copy
    search = newsdesk("search", "root", "--index", str(tmp_path / "ix"))
    assert search.stdout.startswith("0 articles")
    # Named explicitly, a FIFO is refused at once too (no hang).
    named = newsdesk("parse", str(corpus / "pipe.txt"), timeout=30)
    assert named.stderr.strip() == f"{corpus / 'pipe.txt'}: not a regular file (a FIFO), skipped"


def test_a_missing_corpus_removes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3):
        (corpus / f"s{n}.txt").write_text(f"Story {n}\n\nBody of story {n}.\n")
    assert newsdesk("reindex", "corpus", "--index", "ix").returncode == 0
    corpus.rename(tmp_path / "moved")  # an unmounted drive, a renamed folder
    for args in (["reindex", "corpus", "--index", "ix"], ["reindex", "--index", "ix"]):
        proc = newsdesk(*args)
        assert proc.returncode == 1
        assert proc.stderr.splitlines() == [
            "corpus: no such file or directory; its 3 indexed articles are kept "
            "(gone for good? newsdesk reindex --forget corpus)"
        ]
        assert proc.stdout.startswith("0 added, 0 updated, 0 removed, 1 failed, 3 unchanged")
        assert len(articles(tmp_path / "ix")) == 3
    (tmp_path / "moved").rename(corpus)
    back = newsdesk("reindex", "--index", "ix")
    assert back.returncode == 0 and back.stdout.startswith("0 added, 0 updated, 0 removed")
    (corpus / "s0.txt").unlink()  # a file known to be gone is removed
    assert newsdesk("reindex", "--index", "ix").stdout.startswith("0 added, 0 updated, 1 removed")
    forgot = newsdesk("reindex", "--index", "ix", "--forget", "corpus")
    assert forgot.returncode == 0, forgot.stderr
    assert forgot.stdout.startswith("0 added, 0 updated, 2 removed")
    assert articles(tmp_path / "ix") == {}


def test_an_unreadable_folder_removes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that cannot be listed (permissions, a failing disk) is named, and the
    articles indexed from it stay. (The listing fails on purpose here: root, which CI runs
    as, lists any folder whatever its permission bits.)"""
    corpus = tmp_path / "c"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "open.txt").write_text(GOOD)
    (corpus / "locked" / "a.txt").write_text("Locked story\n\nIts body.\n")
    reindex([str(corpus)], str(tmp_path / "ix"), workers=1)
    real = os.scandir

    def scandir(path: str):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = reindex([str(corpus)], str(tmp_path / "ix"), workers=1)
    assert [str(e) for e in summary.errors] == [
        f"{corpus / 'locked'}: folder cannot be listed (Permission denied); "
        "its 1 indexed articles are kept"
    ]
    assert (summary.removed, summary.unchanged) == (0, 2)
    assert titles(tmp_path / "ix") == {"Harbour reopens after storm", "Locked story"}


def test_ids_of_records_without_an_id_survive_removing_another(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    records = [{"title": f"Wire {n}", "body": f"Wire story {n}."} for n in range(4)]
    records.append({"title": "Wire 0", "body": "Another record with the same title."})
    jsonl(corpus / "wire.jsonl", [json.dumps(r) for r in records])
    index_dir = tmp_path / "ix"
    assert newsdesk("reindex", str(corpus), "--index", str(index_dir)).returncode == 0
    before = {a["body"]: article_id for article_id, a in articles(index_dir).items()}
    assert len(before) == 5
    del records[1]  # a record removed from the export
    records[2]["body"] = "Wire story 3, corrected."  # and another one corrected
    jsonl(corpus / "wire.jsonl", [json.dumps(r) for r in records])
    proc = newsdesk("reindex", "--index", str(index_dir))
    assert proc.stdout.startswith("0 added, 1 updated, 1 removed, 0 failed, 3 unchanged")
    after = {a["body"]: article_id for article_id, a in articles(index_dir).items()}
    assert after == {
        "Wire story 0.": before["Wire story 0."],
        "Wire story 2.": before["Wire story 2."],
        "Wire story 3, corrected.": before["Wire story 3."],  # same title, same id
        "Another record with the same title.": before["Another record with the same title."],
    }


def test_duplicate_ids_are_reported_and_counted_as_the_index_holds_them(tmp_path: Path) -> None:
    """An id belongs to the first file that has it (in corpus order, as a full build takes
    them); the others are reported on every run until the id is free, and then take it."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    jsonl(corpus / "a.jsonl", ['{"id": "x1", "title": "A", "body": "First."}',
                               '{"id": "x1", "title": "A2", "body": "Same file."}'])  # fmt: skip
    jsonl(corpus / "b.jsonl", ['{"id": "x1", "title": "B", "body": "Other file."}',
                               '{"id": "y", "title": "Y", "body": "Y."}'])  # fmt: skip
    index_dir = tmp_path / "ix"
    for _ in range(2):
        proc = newsdesk("reindex", str(corpus), "--index", str(index_dir))
        assert sorted(proc.stderr.splitlines()) == [
            f"{corpus / 'a.jsonl'}: duplicate article id 'x1' (earlier in this file), skipped",
            f"{corpus / 'b.jsonl'}: duplicate article id 'x1' (also in {corpus / 'a.jsonl'}), "
            "skipped",
        ]
        summary = proc.stdout.split(", ")
        held = sum(int(part.split()[0]) for part in summary if part.split()[1] != "removed"
                   and part.split()[1] != "failed")  # fmt: skip
        assert held == len(articles(index_dir)) == 2
    jsonl(corpus / "c.jsonl", ['{"id": "x1", "title": "C", "body": "Third."}'])
    assert "also in" in newsdesk("reindex", "--index", str(index_dir)).stderr
    (corpus / "a.jsonl").unlink()  # x1 is free: the first file that has it now takes it
    proc = newsdesk("reindex", "--index", str(index_dir))
    # b.jsonl's x1 is new to the index ("B", added) and a.jsonl's is gone ("A", removed)
    assert proc.stdout.startswith("1 added, 0 updated, 1 removed, 1 failed, 1 unchanged")
    assert titles(index_dir) == {"B", "Y"}
    full = tmp_path / "full"
    newsdesk("reindex", str(corpus), "--index", str(full))
    assert articles(full) == articles(index_dir)


def test_a_file_that_fails_to_parse_for_a_passing_reason_keeps_its_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of time or memory, or a bug met on an edited file: its articles stay as indexed
    (not "removed") and the next run tries it again."""
    import indexer.parsing

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Story A\n\nFirst version.\n")
    (corpus / "b.txt").write_text(GOOD)
    index_dir = tmp_path / "ix"
    reindex([str(corpus)], str(index_dir), workers=1)
    (corpus / "a.txt").write_text("Story A corrected\n\nSecond version.\n")
    real = indexer.parsing.parse_source

    def parse_source(source):  # type: ignore[no-untyped-def]
        if source.path.endswith("a.txt"):
            raise MemoryError
        return real(source)

    monkeypatch.setattr(indexer.parsing, "parse_source", parse_source)
    summary = reindex([str(corpus)], str(index_dir), workers=1)
    assert [str(e) for e in summary.errors] == [f"{corpus / 'a.txt'}: out of memory parsing it"]
    assert (summary.removed, summary.unchanged) == (0, 2)
    assert titles(index_dir) == {"Story A", "Harbour reopens after storm"}
    monkeypatch.undo()
    again = reindex([str(corpus)], str(index_dir), workers=1)
    assert (again.updated, again.failed) == (1, 0)
    assert titles(index_dir) == {"Story A corrected", "Harbour reopens after storm"}


def test_an_index_kept_inside_its_corpus_is_not_read_as_articles(tmp_path: Path) -> None:
    """`--index corpus/ix`, `--index corpus`, or an index in a folder of articles: the runs
    after the first must neither read the index's own manifest (`newsdesk.json`) as a JSON
    article and report it failed, nor drop the articles that share its folder."""
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "good.txt").write_text(GOOD)
    (corpus / "story.json").write_text(json.dumps({"title": "A JSON story", "text": "Body."}))
    (corpus / "sub" / "beside.txt").write_text("Beside the index\n\nA story in its folder.\n")
    every = {"Harbour reopens after storm", "A JSON story", "Beside the index"}
    for ix in (corpus / "ix", corpus, corpus / "sub"):
        for run in ("first", "second"):
            proc = newsdesk("reindex", str(corpus), "--index", str(ix), timeout=60)
            assert proc.returncode == 0, (ix, run, proc.stderr)
            assert proc.stderr == "", (ix, run)
            line = proc.stdout.strip().splitlines()[-1]
            want = "3 added, 0 updated, 0 removed, 0 failed, 0 unchanged"
            if run == "second":
                want = "0 added, 0 updated, 0 removed, 0 failed, 3 unchanged"
            assert line.startswith(want), (ix, run, line)
            assert titles(ix) == every, (ix, run)
        for leftover in ix.iterdir():  # the next layout starts from no index
            if leftover.is_file() and leftover.name not in ("good.txt", "story.json", "beside.txt"):
                leftover.unlink()
    # A folder that merely has a file called newsdesk.json is a corpus folder like any other.
    (corpus / "other").mkdir()
    (corpus / "other" / "newsdesk.json").write_text(json.dumps({"title": "Named oddly"}))
    proc = newsdesk("reindex", str(corpus), "--index", str(corpus / "ix"), timeout=60)
    assert proc.stdout.strip().startswith("4 added, 0 updated, 0 removed, 0 failed")
    assert titles(corpus / "ix") == every | {"Named oddly"}
