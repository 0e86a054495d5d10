"""CSV story lists with a header (Media Cloud, 4CAT): one article per row (issue #22)."""

from __future__ import annotations

from pathlib import Path

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import parse_file

MEDIA_CLOUD = (
    "stories_id,publish_date,title,url,language,media_id,media_name,media_url\n"
    '1,2023-03-22 14:05:00,"Zelensky visits Bakhmut, again",'
    "https://www.kyivindependent.com/bakhmut/,en,7,Kyiv Independent,https://kyivindependent.com\n"
    "2,2023-03-23 08:00:00,,,uk,8,Ukrainska Pravda,https://pravda.com.ua\n"
    "3,2023-03-24 09:30:00,Київ готується до зими,https://www.pravda.com.ua/kyiv/,uk,8,"
    "Ukrainska Pravda,https://pravda.com.ua\n"
)


def test_media_cloud_story_lists(tmp_path: Path) -> None:
    path = tmp_path / "stories.csv"
    path.write_text(MEDIA_CLOUD, encoding="utf-8")
    first, error, third = parse_file(str(path))
    assert isinstance(first, Article) and isinstance(third, Article)
    assert first.format == "csv"
    assert (first.title, first.url, first.source, first.site) == (
        "Zelensky visits Bakhmut, again",
        "https://www.kyivindependent.com/bakhmut/",
        "Kyiv Independent",
        "kyivindependent.com",
    )
    assert first.date == "2023-03-22T14:05:00"
    assert first.body == ""  # a title and a URL make an article
    assert (third.title, third.language) == ("Київ готується до зими", "uk")
    assert isinstance(error, ParseError) and error.line == 3
    assert error.path.endswith("stories.csv")
    assert first.id != third.id
