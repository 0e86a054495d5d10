"""Web archives: a WARC written with warcio from real pages of ../shared (issue #22)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from helpers.paths import shared_path
from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import parse_file

STUB = b"<html><body><p>Checking your browser.</p></body></html>"


def _response(writer: WARCWriter, uri: str, body: bytes, kind: str) -> None:
    http = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=http,
        warc_headers_dict={"WARC-Date": "2020-06-29T10:00:00Z"},
    )  # fmt: skip
    writer.write_record(record)


def _archive(path: Path, pages: list[Path], gz: bool) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gz)
        request = writer.create_warc_record(
            "https://example.org/", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        )
        writer.write_record(request)
        for n, page in enumerate(pages):
            html = gzip.decompress(page.read_bytes())
            _response(writer, f"https://news.example/{n}", html, "text/html; charset=utf-8")
        _response(writer, "https://news.example/logo.png", b"\x89PNG....", "image/png")
        _response(writer, "https://news.example/wall", STUB, "text/html")


def test_html_responses_of_a_warc_are_articles(tmp_path: Path) -> None:
    pages = sorted(shared_path("corpora", "html-articles", "html").glob("*.html.gz"))[:2]
    for gz in (False, True):
        path = tmp_path / ("news.warc.gz" if gz else "news.warc")
        _archive(path, pages, gz)
        found = list(parse_file(str(path)))
        articles = [a for a in found if isinstance(a, Article)]
        errors = [e for e in found if isinstance(e, ParseError)]
        assert len(articles) == 2, found
        assert all(a.format == "warc" and a.body and a.title for a in articles)
        assert all(a.url for a in articles)  # the page's own, else the record's target URI
        assert len({a.id for a in articles}) == 2
        (error,) = errors  # the bot wall; the request and the image are skipped
        assert error.path == str(path) and "offset" in error.reason
