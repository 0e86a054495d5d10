"""Container files read as streams (indexer/streams.py), through `newsdesk reindex` and the API.

The part sizes are made small here (a few kilobytes), so that files of a few hundred records
are read in many parts; the product's are megabytes (bench/stream_memory.py measures them).
A file read in parts must index exactly what it gives when read whole: the same articles and
ids, the same errors with the same line numbers or offsets; an edited or grown export rewrites
only the records that changed.
"""

from __future__ import annotations

import gzip
import io
import json
import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from indexer import streams
from indexer.readers import parse_file
from indexer.writer import reindex
from webapp import create_app

WORDS = [
    "grain",
    "corridor",
    "odesa",
    "port",
    "ships",
    "wheat",
    "exports",
    "minister",
    "said",
    "talks",
]


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams, "STREAM_BYTES", 4_000)
    monkeypatch.setattr(streams, "PART_BYTES", 3_000)


def record(n: int, **extra: Any) -> dict[str, Any]:
    words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(40))
    return {
        "title": f"Story {n}",
        "date": f"2024-01-{n % 28 + 1:02d}",
        "url": f"https://example.com/{n}",
        "body": f"Story number {n}. {words.capitalize()}.",
        **extra,
    }


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def whole(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(id, title) of each article and the errors, the file read whole by `parse_file`."""
    items = list(parse_file(str(path)))
    articles = [(a.id, a.title) for a in items if not isinstance(a, Exception)]
    return articles, sorted(str(e) for e in items if isinstance(e, Exception))


def indexed(index: Path) -> dict[str, dict[str, Any]]:
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    found: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params = {"per_page": 100, "sort": "oldest", "dedupe": 0}
        if cursor:
            params["cursor"] = cursor
        data = client.get("/api/search", query_string=params).get_json()
        found.update({hit["id"]: hit for hit in data["hits"]})
        cursor = data.get("next")
        if not cursor:
            return found


def run(corpus: Path, index: Path, workers: int = 1) -> Any:
    return reindex([str(corpus)], str(index), workers=workers)


def test_a_json_lines_export_read_in_parts_indexes_what_it_gives_whole(
    tmp_path: Path, small_parts: None
) -> None:
    lines = [json.dumps(record(n)) for n in range(120)]
    lines[57] = '{"title": "broken", "body": '  # invalid JSON, line 58
    lines[90] = json.dumps(record(5))  # the same URL as line 6: its second record, "#2"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    export = write_lines(corpus / "export.jsonl", lines)
    expected, errors = whole(export)  # read whole: the file is under the cap
    assert export.stat().st_size > 10 * streams.PART_BYTES
    summary = run(corpus, tmp_path / "index", workers=2)
    assert summary.added == len(expected) == 119
    assert sorted(str(e) for e in summary.errors) == errors
    assert any(":58: invalid JSON" in e for e in errors), errors
    hits = indexed(tmp_path / "index")
    assert {(h["id"], h["title"]) for h in hits.values()} == set(expected)


def test_a_stream_keeps_a_few_parts_out_for_each_parsing_process(
    tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stream of any length holds the same parts (and their parsed articles) in memory:
    # PARSE_AHEAD_PARTS for each parsing process are out at once, never more, and every
    # part is indexed, in order.
    from indexer import parsing

    out: list[int] = []  # parts out (sent, their articles not yet taken) at each sending
    taken = [0]
    submit, parse = parsing.Parsers._submit, parsing.Parsers.parse

    def counted_submit(self: Any, job: Any) -> Any:
        out.append(len(out) + 1 - taken[0])
        return submit(self, job)

    def counted_parse(self: Any, jobs: Any) -> Any:
        for parsed in parse(self, jobs):
            taken[0] += 1
            yield parsed

    monkeypatch.setattr(parsing.Parsers, "_submit", counted_submit)
    monkeypatch.setattr(parsing.Parsers, "parse", counted_parse)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_lines(corpus / "export.jsonl", [json.dumps(record(n)) for n in range(300)])
    summary = run(corpus, tmp_path / "index", workers=2)
    assert summary.added == 300
    assert len(out) > 20  # parts
    assert max(out) == parsing.PARSE_AHEAD_PARTS * 2


def test_an_edited_and_grown_export_rewrites_only_what_changed(
    tmp_path: Path, small_parts: None
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [json.dumps(record(n)) for n in range(100)]
    export = write_lines(corpus / "export.jsonl", lines)
    first = run(corpus, tmp_path / "index")
    assert (first.added, first.failed) == (100, 0)
    lines[40] = json.dumps(record(40, title="Story 40, corrected"))
    del lines[70]
    lines += [json.dumps(record(n)) for n in range(100, 110)]
    write_lines(export, lines)
    second = run(corpus, tmp_path / "index")
    assert (second.added, second.updated, second.removed) == (10, 1, 1)
    assert second.unchanged == 98
    titles = {h["title"] for h in indexed(tmp_path / "index").values()}
    assert "Story 40, corrected" in titles and "Story 40" not in titles
    assert "Story 70" not in titles and "Story 109" in titles and len(titles) == 109
    third = run(corpus, tmp_path / "index")  # nothing changed: nothing read
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 0, 0, 109)


def test_a_gzipped_export_too_large_to_read_whole_is_read_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the cap on files read whole, an export is no longer refused."""
    monkeypatch.setattr(streams, "STREAM_BYTES", 2_000)
    monkeypatch.setattr(streams, "PART_BYTES", 3_000)
    monkeypatch.setattr("indexer.readers.MAX_FILE_BYTES", 50_000)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = "".join(json.dumps(record(n)) + "\n" for n in range(300)).encode()
    assert len(data) > 50_000
    (corpus / "export.jsonl.gz").write_bytes(gzip.compress(data))
    summary = run(corpus, tmp_path / "index")
    assert (summary.added, summary.failed) == (300, 0), summary.errors


def test_csv_rows_read_in_parts_keep_their_line_numbers(tmp_path: Path, small_parts: None) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = ["title,url,publish_date,media_name,text"]
    for n in range(150):
        body = f'"Line one of {n}.\nLine two, with ""quotes"", of {n}."'  # a row over two lines
        title = "" if n == 77 else f"Story {n}"
        url = "" if n == 77 else f"https://example.com/{n}"
        rows.append(f"{title},{url},2024-02-{n % 28 + 1:02d},Example News,{body}")
    export = write_lines(corpus / "stories.csv", rows)
    expected, errors = whole(export)
    summary = run(corpus, tmp_path / "index")
    assert summary.added == len(expected) == 149
    assert sorted(str(e) for e in summary.errors) == errors
    assert any(f"{export}:156: row with neither" in e for e in errors), errors  # 1 + 2*77 + 1


def pages() -> Iterator[tuple[str, bytes]]:
    for n in range(40):
        body = "".join(f"<p>{record(n)['body']} Paragraph {k}.</p>" for k in range(6))
        html = f"<html lang='en'><head><title>Page {n}</title></head><body><article>"
        html += f"<h1>Page {n}</h1>{body}</article></body></html>"
        yield f"https://example.com/page/{n}", html.encode()


def test_a_web_archive_read_in_parts_names_records_by_their_offsets(
    tmp_path: Path, small_parts: None
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for n, (uri, html) in enumerate(pages()):
        payload = b"<html><body></body></html>" if n == 23 else html  # no article text
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                uri, "response", payload=io.BytesIO(payload), http_headers=headers
            )
        )
        writer.write_record(writer.create_warc_record(uri, "metadata", payload=io.BytesIO(b"x: y")))
    archive = corpus / "crawl.warc.gz"
    archive.write_bytes(buffer.getvalue())
    assert archive.stat().st_size > 5 * streams.PART_BYTES
    summary = run(corpus, tmp_path / "index")
    assert summary.added == 39
    (error,) = summary.errors
    offset = int(str(error).split("offset ")[1].split(":")[0])
    with open(archive, "rb") as fh:  # the offset is where that record starts in the file
        fh.seek(offset)
        assert b"https://example.com/page/23" in gzip.GzipFile(fileobj=fh).read(2_000)
    urls = {h["url"] for h in indexed(tmp_path / "index").values()}
    assert len(urls) == 39 and "https://example.com/page/23" not in urls


def test_a_mailbox_read_in_parts_names_messages_by_their_number(
    tmp_path: Path, small_parts: None
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    box = mailbox.mbox(str(corpus / "newsletters.mbox"))
    for n in range(60):
        message = EmailMessage()
        message["From"] = "Example News <news@example.com>"
        message["Subject"] = f"Newsletter {n}"
        message["Date"] = "Mon, 05 Feb 2024 10:00:00 +0000"
        message.set_content("" if n == 41 else record(n)["body"])
        box.add(message)
    box.close()
    expected, errors = whole(corpus / "newsletters.mbox")
    summary = run(corpus, tmp_path / "index")
    assert summary.added == len(expected) == 59
    assert [str(e) for e in summary.errors] == errors
    assert "message 42" in errors[0]


def test_parse_reads_a_large_export_in_parts_as_reindex_does(
    tmp_path: Path, small_parts: None
) -> None:
    from click.testing import CliRunner

    from indexer.cli import main

    lines = [json.dumps(record(n)) for n in range(80)]
    lines[30] = "not json"
    lines[60] = json.dumps(record(3))  # the same URL again: "#2"
    export = write_lines(tmp_path / "export.jsonl", lines)
    expected, errors = whole(export)
    result = CliRunner().invoke(main, ["parse", str(export)])
    assert result.exit_code == 1
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["id"], a["title"]) for a in printed] == expected
    assert sorted(result.stderr.splitlines()) == errors
