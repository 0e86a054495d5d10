"""Paragraphs of a body: the one definition the quotation finder and the article page share."""

from __future__ import annotations

import re

import pytest

from indexer.paragraphs import paragraph_or_line_spans, paragraph_spans

PARAGRAPH_CASES = [
    pytest.param("", [], id="empty"),
    pytest.param("  \n\n \t", [], id="only-whitespace"),
    pytest.param("one", ["one"], id="one"),
    pytest.param("one\ntwo", ["one\ntwo"], id="a-line-break-is-no-paragraph-break"),
    pytest.param("one\n\ntwo", ["one", "two"], id="blank-line"),
    pytest.param("one\r\n\r\ntwo", ["one", "two"], id="crlf"),
    pytest.param("one\n \t\u00a0\u2003\ntwo", ["one", "two"], id="line-of-whitespace"),
    pytest.param("\n\n  one  \n\n\n\n\ttwo\n", ["one", "two"], id="trimmed"),
    pytest.param("one\n  \n  \ntwo", ["one", "two"], id="several-blank-lines"),
]


@pytest.mark.parametrize(("body", "paragraphs"), PARAGRAPH_CASES)
def test_paragraphs_lie_between_blank_lines(body: str, paragraphs: list[str]) -> None:
    assert [body[s:e] for s, e in paragraph_spans(body)] == paragraphs


def test_lines_are_shown_as_paragraphs_only_without_blank_lines() -> None:
    assert paragraph_or_line_spans("one\ntwo\r\nthree") == [(0, 3), (4, 7), (9, 14)]
    body = "one\ntwo\n\nthree"
    assert paragraph_or_line_spans(body) == paragraph_spans(body) == [(0, 7), (9, 14)]


def test_shown_paragraphs_match_the_split_of_the_text() -> None:
    bodies = (
        'The minister spoke.\n\n"Our ports stay open,\n\nand grow," he said. "We sell," he added.',
        "one\ntwo\r\nthree",
        "  a  \n\n\n  b\n",
        "",
        "x",
    )
    for body in bodies:
        spans = paragraph_or_line_spans(body)
        assert [body[s:e] for s, e in spans] == [p.strip() for p in _split_paragraphs(body)]


def _split_paragraphs(body: str) -> list[str]:
    """The article page's paragraphs as first written: text split, offsets lost."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    if len(blocks) == 1:
        blocks = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    return blocks
