"""An article body as paragraphs of escaped HTML, each quotation wrapped in `<mark>`.

Quotations carry character offsets into `Article.body` (`Quote.start`, `Quote.end`), and so do
the paragraphs the page shows (`indexer.paragraphs`), so a quotation is marked exactly where it
is. Everything is escaped; the only markup added is

    <mark class="quote" id="q3">…</mark>                  the quotation (its first part)
    <mark class="quote cont" data-quote="3">…</mark>      its continuation in a later paragraph

A quotation without valid offsets, or overlapping one placed before it, is not marked.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.model import Quote
from indexer.paragraphs import paragraph_or_line_spans


@dataclass(frozen=True)
class QuoteSpan:
    n: int  # the quotation's position in the article, from 1 (its anchor is q<n>)
    start: int
    end: int


def quote_spans(body: str, quotes: Sequence[Quote]) -> list[QuoteSpan]:
    """The quotations with valid offsets, in body order, none overlapping an earlier one."""
    spans = sorted(
        (
            QuoteSpan(n, q.start, q.end)
            for n, q in enumerate(quotes, start=1)
            if isinstance(q.start, int) and isinstance(q.end, int)
            if 0 <= q.start < q.end <= len(body)
        ),
        key=lambda span: (span.start, span.n),
    )
    kept: list[QuoteSpan] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


@dataclass
class MarkedBody:
    """The body's paragraphs as HTML, and the quotations that got an anchor (`id="q<n>"`)."""

    paragraphs: list[str]
    anchored: set[int] = field(default_factory=set)


def mark_quotes(body: str, quotes: Sequence[Quote]) -> MarkedBody:
    """The body's paragraphs, escaped, with each quotation span marked (see the module doc)."""
    spans = quote_spans(body, quotes)
    marked = MarkedBody([])
    for start, end in paragraph_or_line_spans(body):
        marked.paragraphs.append(_mark_paragraph(body, start, end, spans, marked.anchored))
    return marked


def _mark_paragraph(
    body: str, start: int, end: int, spans: list[QuoteSpan], anchored: set[int]
) -> str:
    out, pos = [], start
    for span in spans:
        s, e = max(span.start, start), min(span.end, end)
        if s >= e:
            continue
        out.append(html.escape(body[pos:s]))
        out.append(f"{_open_mark(span.n, anchored)}{html.escape(body[s:e])}</mark>")
        pos = e
    out.append(html.escape(body[pos:end]))
    return "".join(out)


def _open_mark(n: int, anchored: set[int]) -> str:
    if n in anchored:
        return f'<mark class="quote cont" data-quote="{n}">'
    anchored.add(n)
    return f'<mark class="quote" id="q{n}">'
