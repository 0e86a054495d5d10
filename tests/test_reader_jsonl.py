"""JSON Lines reader: one article per line; bad lines reported with file and line number."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import parse_file

GOOD = {
    "id": "wire-1",
    "title": "Grain deal extended",
    "author": "Ana Ruiz",
    "author_role": "Trade Correspondent",
    "date": "2025-03-04",
    "location": "Istanbul, Turkey",
    "source": "Newsdesk Wire",
    "url": "https://example.org/grain",
    "body": "The deal was extended.\n\n“We will keep the corridor open,” Ruiz said.",
}


def parse_lines(tmp_path: Path, lines: list[str], name: str = "export.jsonl") -> list:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list(parse_file(str(path)))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"title": "x", ', "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"title": "", "body": ""}', "record has neither title nor body"),
        ('{"title": 5, "body": "text"}', "field 'title' must be a string"),
        ('{"title": "t", "body": "b", "quotes": "nope"}', "field 'quotes' must be a list"),
    ],
)
def test_bad_line_is_reported_with_line_number_and_skipped(
    tmp_path: Path, line: str, reason: str
) -> None:
    items = parse_lines(tmp_path, [json.dumps(GOOD), line, json.dumps({**GOOD, "id": "wire-2"})])
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, ParseError)]
    assert [a.id for a in articles] == ["wire-1", "wire-2"]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{tmp_path / 'export.jsonl'}:2: {reason}")


def test_record_fields_are_kept(tmp_path: Path) -> None:
    (article,) = parse_lines(tmp_path, [json.dumps(GOOD)])
    assert {k: v for k, v in article.to_dict().items() if k in GOOD} == GOOD
    assert article.format == "jsonl"
    assert article.path == str(tmp_path / "export.jsonl")


@pytest.mark.parametrize(
    ("record", "field", "expected"),
    [
        ({"title": "t", "text": "Body via text key"}, "body", "Body via text key"),
        ({"title": "t", "body": "b", "id": 42}, "id", "42"),
        (
            {"title": "t", "body": "b", "quotes": [{"text": "we stay", "speaker": "A"}]},
            "quotes",
            [
                {
                    "text": "we stay",
                    "speaker": "A",
                    "speaker_role": None,
                    "speaker_kind": "person",
                    "start": None,
                    "end": None,
                }
            ],
        ),
    ],
)
def test_record_variants(tmp_path: Path, record: dict, field: str, expected: object) -> None:
    (article,) = parse_lines(tmp_path, [json.dumps(record)])
    assert article.to_dict()[field] == expected


def test_ids_without_record_id_are_stable_and_distinct(tmp_path: Path) -> None:
    rows = [json.dumps({"title": f"t{i}", "body": "b"}) for i in range(3)]
    first = [a.id for a in parse_lines(tmp_path, rows)]
    again = [a.id for a in parse_lines(tmp_path, rows)]
    assert first == again and len(set(first)) == 3


def test_gzipped_jsonl_without_suffix_is_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.data"
    path.write_bytes(gzip.compress((json.dumps(GOOD) + "\n").encode()))
    (article,) = parse_file(str(path))
    assert isinstance(article, Article) and article.title == GOOD["title"]
