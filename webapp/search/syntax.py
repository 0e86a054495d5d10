"""The one check of a query's syntax before parsing: phrases, parentheses, field names, lone `*`."""

from __future__ import annotations

import re

from indexer.schema import (
    QUERY_FIELDS,
)
from webapp.limits import (
    check_query_text,
)
from webapp.querylang import DATE_FIELD
from webapp.search.errors import BadQuery

# Field names a query may use: the schema's, and `date:` (read into day numbers).
QUERY_FIELD_NAMES = (*QUERY_FIELDS, DATE_FIELD)


_FIELD_PREFIX = re.compile(r"(?<![\w.])([A-Za-z_]\w*):(\S?)")


_MATCH_ALL = re.compile(r"\s*(?:(?:([A-Za-z_]\w*):)?\*\s+)*(?:([A-Za-z_]\w*):)?\*\s*")


_LONE_STAR = re.compile(r"(?<![^\s(:])\*(?![^\s)])")


def matches_all(text: str) -> bool:
    """True for a query of match-all wildcards only (`*`, `title:*`, `* body:*`). Whoosh
    reads them as `Every`, which walks every posting of the field (seconds on a few thousand
    articles); every article has a title or a body, so they are answered by browsing."""
    found = _MATCH_ALL.fullmatch(text)
    if found is None:
        return False
    named = re.findall(r"([A-Za-z_]\w*):", text)
    return all(name in QUERY_FIELD_NAMES for name in named)


def check_query_syntax(text: str) -> None:
    """Reject what Whoosh's lenient parser would silently misread: unterminated phrases,
    unbalanced parentheses, unknown field names and fields without a term. The message says
    where (1-based character position)."""
    outside = _outside_phrases(text)
    check_query_text(text, outside, BadQuery)
    opened: list[int] = []
    for at, char in enumerate(outside, start=1):
        if char == "(":
            opened.append(at)
        elif char == ")" and not opened:
            raise BadQuery(f"unbalanced parentheses: the ')' at position {at} has no matching '('")
        elif char == ")":
            opened.pop()
    if opened:
        raise BadQuery(f"unbalanced parentheses: the '(' at position {opened[-1]} is never closed")
    for match in _FIELD_PREFIX.finditer(outside):
        _check_field(match.group(1), match.group(2), match.start(1) + 1)
    if not matches_all(text) and _LONE_STAR.search(outside):
        raise BadQuery(
            "'*' alone matches everything and cannot be combined with other words: leave the "
            "query empty (or give only '*') to list every article matching the filters"
        )


def _outside_phrases(text: str) -> str:
    """The query with its quoted phrases blanked out; BadQuery on an unterminated phrase."""
    parts = text.split('"')
    if len(parts) % 2 == 0:
        at = text.rindex('"') + 1
        raise BadQuery(f'unterminated phrase: the " at position {at} has no closing "')
    return '"'.join(part if i % 2 == 0 else " " * len(part) for i, part in enumerate(parts))


def _check_field(name: str, following: str, at: int) -> None:
    if name not in QUERY_FIELD_NAMES:
        known = ", ".join(QUERY_FIELD_NAMES)
        raise BadQuery(
            f"unknown field '{name}:' at position {at} (fields: {known}); "
            "put text with a colon in quotes"
        )
    if not following or following == ")":
        raise BadQuery(
            f"'{name}:' at position {at} needs a term, a \"phrase\" or a (group) after it"
        )


OPERATOR = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")  # a query using one is not relaxed
