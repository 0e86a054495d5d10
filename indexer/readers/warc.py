"""Web archives (WARC, WARC.gz): every HTML response record is a page the HTML reader reads.

A crawler's or Common Crawl's CC-NEWS archive holds request, response, metadata and other
records; the `response` records whose HTTP payload is HTML are articles, read by warcio (the
field's library), with the record's target URI as the page's URL when the page names none and
the record's date as the date when the page gives none. A record the HTML reader finds no
article in is reported as `FILE#offset: reason`; the other records are skipped.

An archive larger than a part (indexer/streams.py) is read as a stream: whole records, a part
at a time, each part parsed by a parsing process; offsets are the record's in the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_FILE_BYTES, Source
from indexer.readers.html import parse_page
from indexer.readers.html_dates import normalise_date

_HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcReader:
    name = "warc"
    many_records = True
    max_bytes = MAX_FILE_BYTES

    def sniff(self, source: Source) -> float:
        return 0.99 if source.data[:9] in (b"WARC/1.0\r", b"WARC/1.1\r") else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Each HTML response's article; a ParseError naming the record's offset for a page
        with no article text, or for an archive that cannot be read on."""
        records = ArchiveIterator(io.BytesIO(source.data))
        try:
            for record in records:
                if record.rec_type != "response" or not _is_html(record):
                    continue
                payload = record.content_stream().read()  # before the offset, which skips it
                offset = source.offset + records.get_record_offset()
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                page = Source(f"{source.path}#{offset}", payload, source.key)
                try:
                    article = parse_page(page)
                except ParseError as exc:
                    yield ParseError(source.path, f"offset {offset}: {exc.reason}")
                    continue
                _from_record(article, uri, record.rec_headers.get_header("WARC-Date"))
                article.format = self.name
                article.line = offset
                yield article
        except ArchiveLoadFailed as exc:
            yield ParseError(source.path, f"unreadable archive ({exc.msg})")


def _is_html(record: object) -> bool:
    headers = getattr(record, "http_headers", None)
    kind = (headers.get_header("Content-Type") or "") if headers is not None else ""
    return kind.split(";")[0].strip().lower() in _HTML_TYPES


def _from_record(article: Article, uri: str, warc_date: str | None) -> None:
    """The record's URI and date where the page gives none."""
    if not article.url and uri:
        article.url, article.explain["url"] = uri, "warc: WARC-Target-URI"
    if not article.date and warc_date:
        day = normalise_date(warc_date)
        if day:
            article.date, article.explain["date"] = day, "warc: WARC-Date (the capture)"


READER = WarcReader()
