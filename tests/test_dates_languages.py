"""Dates written in other languages and calendars, on pages and in datelines, through
`newsdesk parse`: month names, word orders and numerals of the page's language (dateparser),
the Persian calendar, and never a date the text does not write in full."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main

BODY = (
    "Перший абзац статті має достатньо слів, щоб його прочитали як текст. "
    "Другий абзац розповідає про те, що сталося, і хто що сказав. " * 3
)


def page(lang: str, printed: str, body: str = BODY) -> str:
    """A news page whose only date is the one printed under its headline."""
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>Заголовок</title></head><body><article><h1>Заголовок статті</h1>
<span class="date">{printed}</span><p>{body}</p><p>{body}</p></article></body></html>"""


def parse(tmp_path: Path, name: str, content: str) -> dict:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", "--explain", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.splitlines()[0])


@pytest.mark.parametrize(
    ("lang", "printed", "expected"),
    [
        ("uk", "29 червня 2020 року, 14:20", "2020-06-29"),
        ("ru", "Опубликовано 3 декабря 2020 в 10:15", "2020-12-03"),
        ("pl", "Opublikowano: 29 czerwca 2020", "2020-06-29"),
        ("ar", "الاثنين 29 يونيو 2020", "2020-06-29"),
        ("tr", "29 Haziran 2020 Pazartesi", "2020-06-29"),
        ("fa", "۲ تیر ۱۳۹۹", "2020-06-22"),  # the Persian calendar
        ("uk", "29 червня", None),  # no year: no date
        ("bs", "danas u 10:00", None),  # "today": says nothing of when it was published
    ],
)
def test_a_date_printed_in_the_pages_language(
    tmp_path: Path, lang: str, printed: str, expected: str | None
) -> None:
    article = parse(tmp_path, "page.html", page(lang, printed))
    assert article["date"] == expected


def test_a_dateline_dates_a_story_that_has_no_other_date(tmp_path: Path) -> None:
    record = {
        "title": "Зеленський провів нараду",
        "language": "uk",
        "body": "КИЇВ, 29 червня 2020 (Укрінформ) — Президент провів нараду з питань "
        "оборони та економіки. " + BODY,
    }
    article = parse(tmp_path, "story.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    assert article["date"] == "2020-06-29"
    assert article["explain"]["date"] == "dateline"


def test_a_date_in_the_text_that_is_no_dateline_is_not_the_stories_date(tmp_path: Path) -> None:
    record = {
        "title": "Історія",
        "language": "uk",
        "body": "У 2014 році, 29 червня, усе було інакше, і про це пишуть досі. " + BODY,
    }
    article = parse(tmp_path, "story.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    assert article["date"] is None
