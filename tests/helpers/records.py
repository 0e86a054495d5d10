"""RECORDS: the eight articles most search and web tests index, and how they are indexed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from indexer.writer import reindex

XSS = "<script>alert(1)</script>"

# Bodies carry no quotation marks: quotes are given, so the quote extractor adds none.
RECORDS: list[dict[str, Any]] = [
    {
        "id": "r01",
        "language": "en",
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
        "language": "en",
        "title": "Wheat prices fall",
        "author": "Ann Lee and Bob Ray",
        "date": "2024-01-20",
        "location": "Chicago",
        "source": "AP",
        "body": "Wheat and grain futures fell in Chicago as supply improved.",
    },
    {
        "id": "r03",
        "language": "en",
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
        "language": "en",
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
        "language": "en",
        "title": "Central bank holds rates",
        "author": "Carla Diaz",
        "date": "2024-03-15",
        "location": "Tokyo",
        "source": "AP",
        "body": "The bank of Japan may hold rates; US markets watch the decision closely.",
    },
    {
        "id": "r06",
        "language": "en",
        "title": "Undated grain note",
        "source": "Reuters",
        "body": "A short note on grain without a date or an author.",
    },
    {
        "id": "r07",
        "language": "en",
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
        "language": "en",
        "title": "Odesa port reopens",
        "author": "Ann Lee",
        "date": "2023-12-31",
        "location": "Odesa",
        "source": "Kyiv Independent",
        "body": "The port of Odesa reopened after repairs to the berths.",
        "quotes": [{"text": "Exports will grow", "speaker": "Oleksandr Kubrakov"}],
    },
]


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    """The records as a JSON Lines file at `path` (its folder made if need be)."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
