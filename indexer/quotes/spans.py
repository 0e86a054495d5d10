"""Pass 1: the quoted spans of a body, and the masked copy that the later passes read.

The double quotation marks of each paragraph (curly or straight, judged by the characters
around them) pair into spans; an opening mark left open at the end of a paragraph runs to the
paragraph's end, and news style reopens each paragraph of a long quotation with the same style
of mark, so such spans are chained into one quotation. Titles, captions, dates and fragments
of fewer than MIN_WORDS words are no quotations. In the masked copy quoted words are blanked
out, so that words inside a quotation are never taken for cues or speakers.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

from indexer.quotes import rules
from indexer.quotes.patterns import (
    CLOSERS,
    CUE_LEADS_IN,
    DATED_TITLE,
    MARKS,
    MASK,
    NOT_SPACE,
    OPENERS,
    STRAIGHT,
    WORD,
)

MIN_WORDS = 3


@dataclass(slots=True)
class Span:
    """One quoted stretch of one paragraph; `closed` is False when it runs to the paragraph end."""

    start: int
    end: int
    mark_start: int
    mark_end: int
    paragraph: int
    closed: bool = True
    chain: int = -1  # id shared by the parts of a quotation broken over paragraphs


def _mark_role(text: str, i: int) -> str:
    """'open', 'close' or '?' for the quotation mark at text[i], judged by its neighbours."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    space_before = before.isspace() or before in "([{\u2014\u2013-/\u2018"
    space_after = after.isspace() or after in ".,;:!?)]}\u2019"
    mark = text[i]
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    if mark in OPENERS:
        return "open"
    if mark in CLOSERS:
        return "close"
    return "?"


def _paragraph_spans(body: str, start: int, end: int, index: int) -> list[Span]:
    """Pair the marks of one paragraph into spans."""
    spans: list[Span] = []
    opened: int | None = None
    for m in MARKS.finditer(body, start, end):
        role = _mark_role(body, m.start())
        if opened is None and role in ("open", "?"):
            opened = m.start()
        elif opened is not None and role in ("close", "?"):
            spans.append(Span(opened + 1, m.start(), opened, m.end(), index))
            opened = None
        elif opened is not None:
            opened = m.start()  # a second opening: the first mark was stray
    if opened is not None:
        spans.append(Span(opened + 1, end, opened, end, index, closed=False))
    return spans


def find_spans(body: str, paragraphs: list[tuple[int, int]]) -> list[Span]:
    """All quoted spans in reading order, the parts of broken quotations chained together."""
    spans: list[Span] = []
    starts = [start for start, _ in paragraphs]
    index = -1
    for mark in MARKS.finditer(body):
        if index >= 0 and mark.start() < paragraphs[index][1]:
            continue  # this paragraph's marks are paired already
        index = bisect.bisect_right(starts, mark.start()) - 1
        if index >= 0 and mark.start() < paragraphs[index][1]:
            spans.extend(_paragraph_spans(body, *paragraphs[index], index))
    chain = 0
    for i, span in enumerate(spans):
        if i and _continues(body, spans[i - 1], span):
            span.chain = spans[i - 1].chain
        else:
            chain += 1
            span.chain = chain
    return spans


def _continues(body: str, prev: Span, span: Span) -> bool:
    """True when `span` reopens, in the same style of mark, a quotation `prev` left open."""
    return (
        not prev.closed
        and prev.paragraph == span.paragraph - 1
        and _opens_paragraph(body, span)
        and (body[prev.mark_start] == STRAIGHT) == (body[span.mark_start] == STRAIGHT)
    )


def broken_or_closed(spans: list[Span]) -> list[Span]:
    """Spans closed or continued by the next paragraph; a lone unclosed mark is a typo."""
    chained = {b.chain for a, b in itertools.pairwise(spans) if a.chain == b.chain}
    return [s for s in spans if s.closed or s.chain in chained]


def _opens_paragraph(body: str, span: Span) -> bool:
    line_start = body.rfind("\n", 0, span.mark_start) + 1
    return not body[line_start : span.mark_start].strip()


def is_quotation(body: str, span: Span) -> bool:
    """True for quoted speech; False for titles, captions, dates and short fragments."""
    text = body[span.start : span.end]
    words = WORD.findall(text)
    if len(words) < MIN_WORDS or not any(w.isalpha() for w in words):
        return False
    if text.isupper() or DATED_TITLE.match(body, span.mark_end) or _faces_wrong_way(body, span):
        return False
    return not _looks_like_title(words, text) or _follows_cue(body, span.mark_start)


def _faces_wrong_way(body: str, span: Span) -> bool:
    """True when a curly mark bounding the span faces away from it: `, ”like` or `end.“`.

    Such a mark is a typesetting slip, and the pairing built on it is a guess; the German
    „Wort“, whose closing mark is shaped like an English opener, is not a slip.
    """
    opening, closing = body[span.mark_start], body[span.mark_end - 1]
    if opening in CLOSERS:
        return True
    return span.closed and closing == "\u201c" and opening != "\u201e"


def _follows_cue(body: str, mark: int) -> bool:
    """True when a speech cue leads straight into the mark: chanting "Bernie or Bust"."""
    return bool(CUE_LEADS_IN.search(body, max(0, mark - 40), mark))


def _looks_like_title(words: list[str], text: str) -> bool:
    """Every significant word capitalised, as in "Saturday Night Live" or "Man of the World"."""
    if len(words) > 8 or (text.rstrip().endswith((".", "?")) and len(words) > 4):
        return False
    words = [w.strip(".,:;!?()\u2014-") for w in text.split()]
    significant = [w for w in words if w and w.lower() not in rules.TITLE_SMALL_WORDS]
    if not significant or words[0] == "I":
        return False
    return all(w[0].isupper() or w[0].isdigit() for w in significant)


def mask(body: str, spans: list[Span]) -> str:
    """The body with quoted words blanked out; a quotation's final . ! or ? is kept."""
    pieces: list[str] = []
    done = 0
    for span in spans:
        last = span.end - 1 if span.closed and body[span.end - 1 : span.end] in ".!?" else span.end
        if last > span.start:
            pieces += (body[done : span.start], NOT_SPACE.sub(MASK, body[span.start : last]))
            done = last
    pieces.append(body[done:])
    return "".join(pieces)


def trim(body: str, start: int, end: int) -> tuple[int, int]:
    """Offsets without surrounding whitespace."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end
