"""The one reading of query text before Whoosh parses it.

`check_query_syntax` refuses what Whoosh's lenient parser would misread (unterminated
phrases, unbalanced parentheses, unknown fields, a lone `*`) and what would cost too much
(limits.py's bounds on length, words, nesting and wildcard prefixes); `matches_all` spots a
query that matches everything; `query_words` gives the plain words a "did you mean" may
correct. Every message says where (1-based character position).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from indexer.schema import QUERY_FIELDS
from webapp.limits import MAX_NESTING, MAX_QUERY_CHARS, MAX_QUERY_WORDS, MIN_WILDCARD_PREFIX
from webapp.search.errors import BadQuery
from webapp.search.querylang import DATE_FIELD

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
    _check_size(text, outside)
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


_TOKEN = re.compile(r"[^\s()\"]+")


def _check_size(text: str, outside_phrases: str) -> None:
    """Refuse a query too long, too deep or with a leading wildcard (limits.py's bounds).

    `outside_phrases` is the text with its quoted phrases blanked (wildcards in a phrase are
    plain characters).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"the query is too long: {len(text)} characters (at most {MAX_QUERY_CHARS})")
    if len(_TOKEN.findall(text.replace('"', " "))) > MAX_QUERY_WORDS:
        raise BadQuery(f"the query has too many words and operators (at most {MAX_QUERY_WORDS})")
    depth = deepest = 0
    for char in outside_phrases:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise BadQuery(f"the query nests (parentheses) {deepest} deep (at most {MAX_NESTING})")
    for word in _TOKEN.findall(outside_phrases):
        _check_wildcard(word.split(":", 1)[-1])


def _check_wildcard(word: str) -> None:
    first = min((i for i in (word.find("*"), word.find("?")) if i >= 0), default=-1)
    if first < 0 or word == "*":  # no wildcard; or match-all, browsed (run.py)
        return
    if first < MIN_WILDCARD_PREFIX:
        raise BadQuery(
            f"'{word}': a wildcard needs at least {MIN_WILDCARD_PREFIX} letters before its first "
            "* or ? (a leading wildcard would scan every word of the index)"
        )


_WORD = re.compile(r"(?<![\w:*?])([^\W\d_][\w'’]*)(?![\w:*?(])", re.UNICODE)
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


def query_words(text: str) -> Iterator[re.Match[str]]:
    """The plain words of a query text (not operators, field names, wildcards or dates)."""
    date_parts = [m.span() for m in re.finditer(r"date:(\[[^\]]*\]|'[^']*'|\S+)", text)]
    for match in _WORD.finditer(text):
        inside_date = any(start <= match.start() < end for start, end in date_parts)
        if match.group(1) not in OPERATORS and not inside_date:
            yield match
