"""CSV story lists with a header row: Media Cloud, 4CAT and the like, one article per row.

The header's names map to the article's fields (COLUMNS: Media Cloud's `publish_date` and
`media_name`, 4CAT's `timestamp` and `body`, the names of `newsdesk parse` itself); a row with
neither a title nor a URL is an error that names its line, and a row with only a title and a
URL is an article all the same. Other columns are ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_FILE_BYTES, Source
from indexer.readers.html_dates import normalise_date

# Column names (lower case) of each field, in order of preference
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "url": ("url", "link", "guid"),
    "date": ("publish_date", "date", "published", "timestamp", "pub_date"),
    "source": ("media_name", "source", "outlet", "publication"),
    "author": ("author", "authors", "byline"),
    "language": ("language", "lang"),
    "body": ("text", "body", "content", "maintext"),
    "location": ("location", "dateline"),
}
_KNOWN = frozenset(name for names in COLUMNS.values() for name in names)


class CsvReader:
    name = "csv"
    many_records = True
    max_bytes = MAX_FILE_BYTES

    def sniff(self, source: Source) -> float:
        head = source.data[:4096].decode("utf-8", "replace").lstrip("\ufeff")
        first = head.split("\n", 1)[0]
        if "," not in first and "\t" not in first:
            return 0.0
        names = {n.strip().strip('"').lower() for n in first.replace("\t", ",").split(",")}
        known = names & _KNOWN
        return 0.9 if ("title" in known or "url" in known) and len(known) >= 2 else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Each row's article; a ParseError naming the line for a row without title or URL."""
        text = source.text()
        dialect = csv.excel_tab if "\t" in text.split("\n", 1)[0] else csv.excel
        rows = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
        columns = _columns(rows.fieldnames or [])
        end = rows.line_num  # the line the previous row (or the header) ended on
        for row in rows:
            # the row's first line (a quoted field may hold line breaks); in a part of a file
            # read as a stream, the part's header stands for the file's
            line = end + 1 + source.first_line - 1
            end = rows.line_num
            values = {f: (row.get(c) or "").strip() for f, c in columns.items()}
            if not values.get("title") and not values.get("url"):
                yield ParseError(source.path, "row with neither a title nor a URL", line=line)
                continue
            article = Article(body=values.get("body", ""))
            for field, value in values.items():
                if field != "body" and value:
                    setattr(article, field, value)
            if article.date:  # "2023-03-22 14:05:00" as ISO 8601, or no date at all
                article.date = normalise_date(article.date) or None
            article.site = (urlsplit(article.url or "").hostname or "").removeprefix("www.") or None
            article.explain.update({f: f"column {c}" for f, c in columns.items() if values.get(f)})
            article.line = line
            yield article


def _columns(fieldnames: Sequence[str]) -> dict[str, str]:
    """The header's column for each field that has one."""
    by_name = {name.strip().lower(): name for name in fieldnames if name}
    found = {}
    for field, names in COLUMNS.items():
        column = next((by_name[n] for n in names if n in by_name), None)
        if column is not None:
            found[field] = column
    return found


READER = CsvReader()
