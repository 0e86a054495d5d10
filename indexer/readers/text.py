"""Text articles: aggregator page dumps (see ../shared/seed) and plain text."""

from __future__ import annotations

from collections.abc import Iterator

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import Source


class TextReader:
    name = "text"

    def sniff(self, source: Source) -> float:
        return 0.3

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        text = source.text().replace("\r\n", "\n").replace("\u00a0", " ")
        lines = [line.strip() for line in text.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            yield ParseError(source.path, "no text")
            return
        yield Article(title=lines[0], body="\n\n".join(lines[1:]))


READER = TextReader()
