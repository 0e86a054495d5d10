"""The paragraphs of an article body: one definition, for the quotation finder and the page.

Readers write a body as paragraphs joined by blank lines; a JSON Lines record brings its body
as it is, perhaps with CRLF line ends, indented lines or lines of other whitespace. A paragraph
is the text between blank lines (lines holding nothing but whitespace), without the whitespace
around it. Spans are offsets into the body itself, the offsets `Quote.start` and `Quote.end`
use, so a quotation can be placed in its paragraph without searching for its text.
"""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(r"\n\s*\n")
# The line boundaries of str.splitlines().
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of `body`: the text between blank lines, trimmed."""
    return _pieces(body, 0, len(body), _BLANK_LINE)


def paragraph_or_line_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph to show: `paragraph_spans`, or one per line when the
    body has no blank line at all, as a record written one paragraph per line has none.

    The quotation finder keeps to `paragraph_spans`: in hard-wrapped text a line is not a
    paragraph, and a quotation wrapped over two lines must stay one.
    """
    blocks = paragraph_spans(body)
    if len(blocks) == 1:
        blocks = _pieces(body, *blocks[0], _LINE_BREAK)
    return blocks


def _pieces(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    """The non-blank pieces of text[start:end] between separators, trimmed."""
    bounds, pos = [], start
    for match in separator.finditer(text, start, end):
        bounds.append((pos, match.start()))
        pos = match.end()
    bounds.append((pos, end))
    return [span for s, e in bounds if (span := _trimmed(text, s, e))]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """text[start:end] without the whitespace around it; None when nothing else is left."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    start += len(piece) - len(piece.lstrip())
    return start, start + len(stripped)
