"""The demo corpus: what it promises (formats, spread, recurring speakers), golden records per
reader, and the first search a new user makes on it.

Regenerate the golden file after a deliberate parser change, then review its diff:
    NEWSDESK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_samples.py
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers.paths import REPO, SAMPLES
from indexer.readers import parse_file, walk_corpus
from indexer.writer import reindex
from webapp import create_app

GOLDEN = Path(__file__).parent / "golden" / "samples.jsonl"


def parse_samples() -> list[dict[str, Any]]:
    records = []
    for path in walk_corpus([str(SAMPLES)]):
        assert isinstance(path, str), path
        for item in parse_file(path):
            assert not isinstance(item, Exception), str(item)
            record = item.to_dict(explain=True)
            record["path"] = os.path.relpath(record["path"], REPO)
            records.append(record)
    return records


def golden_view(records: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Records by (path, position in file), without ids that derive from the checkout's location."""
    view: dict[tuple[str, int], dict[str, Any]] = {}
    for record in records:
        n = sum(1 for key in view if key[0] == record["path"])
        view[(record["path"], n)] = {k: v for k, v in record.items() if k != "id"}
    return view


@pytest.fixture(scope="module")
def samples() -> list[dict[str, Any]]:
    return parse_samples()


def test_samples_cover_every_format(samples: list[dict[str, Any]]) -> None:
    formats = Counter(r["format"] for r in samples)
    assert len(samples) >= 40
    assert set(formats) == {"text", "html", "jsonl", "warc", "json", "csv", "feed", "mail"}
    assert any(r["path"].endswith(".gz") for r in samples)


def test_samples_are_in_several_languages(samples: list[dict[str, Any]]) -> None:
    languages = Counter(r["language"] for r in samples)
    # the languages of issue 22: Ukrainian, Russian, German, French, Spanish, Arabic, Japanese
    assert {"en", "uk", "ru", "de", "fr", "es", "ar", "ja"} <= set(languages), languages
    assert languages["en"] == 45


@pytest.mark.parametrize(
    ("field", "minimum"),
    [("month", 12), ("author", 8), ("source", 6), ("location", 6)],
)
def test_samples_are_spread(samples: list[dict[str, Any]], field: str, minimum: int) -> None:
    key = "date" if field == "month" else field
    values = {(r[key] or "")[:7] if field == "month" else r[key] for r in samples} - {None, ""}
    assert len(values) >= minimum, sorted(values)


def test_speakers_recur_across_articles_and_formats(samples: list[dict[str, Any]]) -> None:
    articles: Counter[str] = Counter()
    formats: dict[str, set[str]] = {}
    for record in samples:
        for speaker in {q["speaker"] for q in record["quotes"] if q["speaker"]}:
            articles[speaker] += 1
            formats.setdefault(speaker, set()).add(record["format"])
    recurring = [s for s, n in articles.items() if n >= 3 and len(formats[s]) >= 2]
    assert len(recurring) >= 5, articles.most_common(10)
    assert "Volodymyr Zelensky" in recurring


def test_samples_match_golden_records(samples: list[dict[str, Any]]) -> None:
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in samples]
    if os.environ.get("NEWSDESK_UPDATE_GOLDEN"):
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    golden = GOLDEN.read_text(encoding="utf-8").splitlines()
    expected = golden_view([json.loads(x) for x in golden])
    for key, record in golden_view(samples).items():
        assert record == expected.get(key), f"{key[0]} differs from {GOLDEN}"
    assert len(samples) == len(expected)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    index_dir = tmp_path_factory.mktemp("samples-index")
    summary = reindex([str(SAMPLES)], str(index_dir), workers=1)
    assert summary.failed == 0 and summary.added >= 40
    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True})
    yield app.test_client()
    app.extensions["newsdesk"].close()  # the index's files, closed with the module


def test_searching_a_recurring_speaker_shows_snippets_and_facets(client) -> None:
    page = client.get("/search?q=zelensky")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<mark>Zelensky</mark>" in html
    data = client.get("/api/search?q=zelensky").get_json()
    assert data["total"] >= 10
    speakers = {f["value"]: f["count"] for f in data["facets"]["speaker"]}
    assert speakers["Volodymyr Zelensky"] >= 10
    assert len(data["facets"]["source"]) >= 3 and len(data["facets"]["month"]) >= 6
    for facet in ("author", "source", "location", "speaker", "month"):
        for entry in data["facets"][facet][:3]:
            assert f">{entry['count']}<" in html.replace(" ", "")  # counts shown on the page


def test_speaker_filter_keeps_only_that_speakers_articles(client) -> None:
    data = client.get("/api/search?speaker=Lloyd+Austin&per_page=100").get_json()
    assert data["total"] >= 3
    for hit in data["hits"]:
        article = client.get(f"/api/articles/{hit['id']}").get_json()
        assert "Lloyd Austin" in {q["speaker"] for q in article["quotes"]}
