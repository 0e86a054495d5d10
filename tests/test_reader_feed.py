"""RSS and Atom feeds through `newsdesk parse`'s reader: one article per item (issue #22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import parse_file

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>The Kyiv Independent</title>
<link>https://kyivindependent.com/</link>
<item>
  <title>Zelensky visits Bakhmut front line</title>
  <link>https://kyivindependent.com/zelensky-bakhmut/</link>
  <dc:creator>Olena Goncharova</dc:creator>
  <pubDate>Wed, 22 Mar 2023 14:05:00 +0200</pubDate>
  <description>Short summary.</description>
  <content:encoded><![CDATA[<p>President Volodymyr Zelensky visited positions near
  Bakhmut on March 22.</p><p>"We will hold Bakhmut," Zelensky said.</p>]]></content:encoded>
</item>
<item>
  <title>Grain corridor extended</title>
  <link>https://kyivindependent.com/grain/</link>
  <pubDate>Sat, 18 Mar 2023 09:00:00 GMT</pubDate>
</item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Baltic Ledger</title>
  <link href="https://balticledger.example/"/>
  <entry>
    <title>Stoltenberg asks allies for Patriots</title>
    <link href="https://balticledger.example/patriots"/>
    <author><name>Erik Lindqvist</name></author>
    <updated>2024-04-04T09:30:00+03:00</updated>
    <summary type="html">&lt;p&gt;NATO's chief asked allies for air defence.&lt;/p&gt;</summary>
  </entry>
</feed>
"""


def parsed(tmp_path: Path, name: str, text: str) -> list[Article | ParseError]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(parse_file(str(path)))


def test_rss_items_are_articles(tmp_path: Path) -> None:
    first, second = parsed(tmp_path, "kyiv.rss", RSS)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.format == "feed"
    assert (first.title, first.author, first.url) == (
        "Zelensky visits Bakhmut front line",
        "Olena Goncharova",
        "https://kyivindependent.com/zelensky-bakhmut/",
    )
    assert first.date == "2023-03-22T14:05:00+02:00"  # the feed's own offset kept
    assert (first.source, first.site) == ("The Kyiv Independent", "kyivindependent.com")
    # the full content, not the summary, paragraph by paragraph; its quotation found
    assert first.body.startswith("President Volodymyr Zelensky visited positions near Bakhmut")
    assert "\n\n" in first.body
    assert [(q.speaker, q.text) for q in first.quotes] == [
        ("Volodymyr Zelensky", "We will hold Bakhmut,")
    ]
    # an item with only a title and a link is still an article
    assert (second.title, second.body, second.date) == (
        "Grain corridor extended",
        "",
        "2023-03-18T09:00:00Z",
    )
    assert first.id != second.id


def test_atom_entries_are_articles(tmp_path: Path) -> None:
    (entry,) = parsed(tmp_path, "ledger.xml", ATOM)
    assert isinstance(entry, Article)
    assert (entry.title, entry.author, entry.date) == (
        "Stoltenberg asks allies for Patriots",
        "Erik Lindqvist",
        "2024-04-04T09:30:00+03:00",
    )
    assert entry.body == "NATO's chief asked allies for air defence."
    assert (entry.source, entry.site) == ("Baltic Ledger", "balticledger.example")


def test_an_empty_item_is_an_error_that_names_the_file_and_item(tmp_path: Path) -> None:
    (error,) = parsed(tmp_path, "broken.rss", "<rss><channel><item><title>Unclosed")
    assert isinstance(error, ParseError)
    assert error.path.endswith("broken.rss") and error.line == 1


SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_a_feed_that_carries_whole_pages_gives_their_main_text() -> None:
    # ru.wikinews' own Atom feed (samples/feeds/wikinews-ru.atom): each entry is the page as
    # MediaWiki renders it, with side boxes listing related news by date, photo captions and
    # sources; the quotation template draws its marks as images.
    (article,) = [a for a in parse_file(str(SAMPLES / "feeds" / "wikinews-ru.atom"))]
    assert isinstance(article, Article)
    assert article.title == "Евровидение-2020 будет принимать Роттердам"
    assert "Роттердам избран местом проведения 65-го международного конкурса" in article.body
    assert "Ричард Столлман" not in article.body  # a related story in the side box
    assert "«Мы хотели бы поблагодарить все города" in article.body
    assert [q.text[:13] for q in article.quotes] == ["Мы хотели бы "]


def test_a_feeds_title_names_its_outlet_without_calling_it_a_feed() -> None:
    # ru.wikinews' Atom feed is titled "Викиновости. русский Atom канал." ("Wikinews.
    # Russian Atom channel."): its outlet is Викиновости, as its RSS feed's title says.
    atom = parse_file(str(SAMPLES / "feeds" / "wikinews-ru.atom"))
    rss = parse_file(str(SAMPLES / "feeds" / "wikinews-ru.rss"))
    assert {a.source for a in atom} == {a.source for a in rss} == {"Викиновости"}


@pytest.mark.parametrize(
    ("title", "source"),
    [
        ("BBC News - World RSS", "BBC News"),
        ("The Kyiv Independent", "The Kyiv Independent"),
        ("Reuters: World News", "Reuters: World News"),
        ("RSS feed", None),
    ],
)
def test_a_feed_title_less_its_feed_words_is_the_source(
    tmp_path: Path, title: str, source: str | None
) -> None:
    article = parsed(tmp_path, "f.rss", RSS.replace("The Kyiv Independent", title, 1))[0]
    assert isinstance(article, Article) and article.source == source
