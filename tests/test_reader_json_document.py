"""Per-article JSON files from news-please (and others' field names in JSON Lines) (issue #22)."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import parse_file

NEWS_PLEASE = {
    "authors": ["Mike Brest", "Ann Lee"],
    "date_download": "2023-03-23 10:00:00",
    "date_modify": None,
    "date_publish": "2023-03-22 14:05:00",
    "description": "Zelensky says Ukraine cannot give up.",
    "filename": "https%3A%2F%2Fwww.washingtonexaminer.com%2Fbakhmut.json",
    "image_url": None,
    "language": "en",
    "localpath": None,
    "maintext": 'Ukraine will hold Bakhmut. "We will not give it up," Zelensky said on Wednesday.',
    "source_domain": "www.washingtonexaminer.com",
    "title": "Zelensky says Ukraine can't give up on Bakhmut",
    "title_page": None,
    "title_rss": None,
    "url": "https://www.washingtonexaminer.com/bakhmut",
}


def test_a_news_please_file(tmp_path: Path) -> None:
    path = tmp_path / "bakhmut.json"
    path.write_text(json.dumps(NEWS_PLEASE, indent=4), encoding="utf-8")  # many lines
    (article,) = parse_file(str(path))
    assert isinstance(article, Article)
    assert article.format == "json"
    assert (article.title, article.author, article.url) == (
        "Zelensky says Ukraine can't give up on Bakhmut",
        "Mike Brest, Ann Lee",
        "https://www.washingtonexaminer.com/bakhmut",
    )
    assert article.body.startswith("Ukraine will hold Bakhmut.")
    assert article.date is not None and article.date.startswith("2023-03-22")
    assert (article.site, article.language) == ("www.washingtonexaminer.com", "en")
    assert [q.speaker for q in article.quotes] == ["Zelensky"]


def test_news_please_records_in_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(NEWS_PLEASE) + "\n" + json.dumps(NEWS_PLEASE | {"url": "u2"}) + "\n")
    first, second = parse_file(str(path))
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.format == "jsonl" and first.body.startswith("Ukraine will hold Bakhmut.")
    assert first.author == "Mike Brest, Ann Lee"


def test_a_list_of_articles_and_a_bad_item(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps([NEWS_PLEASE, 42, {"title": "Only a title"}], indent=2))
    first, error, third = parse_file(str(path))
    assert isinstance(first, Article) and isinstance(third, Article)
    assert isinstance(error, ParseError) and error.line == 2
    assert third.title == "Only a title"
