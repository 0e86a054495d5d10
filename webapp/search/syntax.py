"""The one reading of query text before Whoosh parses it.

`lenient_reading` turns what cannot be query syntax in pasted text (a quote never closed, a
bracket without its pair, a stray `<` or `>`, a colon after a word with nothing after it, a
wildcard with no word, a question mark) into word separators and says so;
`check_query_syntax` (all that `strict=1` runs) refuses what Whoosh's lenient parser would
misread (unterminated phrases, unbalanced parentheses, unknown fields, a lone `*`) and what
would cost too much
(limits.py's bounds on length, words, nesting and wildcard prefixes); `matches_all` spots a
query that matches everything; `query_words` gives the plain words a "did you mean" may
correct. Every message says where (1-based character position).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

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


NOTES_SHOWN = 5  # how many changes lenient_reading tells one by one


@dataclass(frozen=True)
class Reading:
    """Query text as it will be parsed, and how it differs from what was typed."""

    text: str
    notes: tuple[str, ...] = ()


_STRAY_RANGE = re.compile(r"(?<!:)[<>]=?")
# A question mark ending a word ("prices?"), not a wildcard standing for one more letter.
_QUESTION_MARK = re.compile(r"(?<=\w)\?(?=[^\w\s*?]*(?:\s|$))")
# A run of wildcards and punctuation with no letter or digit ("*", "?", "**", "!?").
_NO_WORD = re.compile(r"(?<![^\s()])[^\w\s()\"]*[*?][^\w\s()\"]*(?![^\s()])")
# A word and a colon with no term after it ("Update: ...", "title: grain"), or a web address.
_BARE_COLON = re.compile(r"(?<![\w.])([A-Za-z_]\w*):(?=\s|$|\)|/)")


def lenient_reading(text: str) -> Reading:
    """`text` with what cannot be query syntax blanked, each change told with its
    1-based position. Blanking keeps every other character where it was, so positions in
    later messages still point into what was typed. What is explicit and wrong stays for
    `check_query_syntax` to refuse: an unknown field before a term, an unreadable date."""
    chars = list(text)
    notes: list[tuple[int, str]] = []  # (position, what was done there)

    def blank(at: int, note: str) -> None:
        chars[at] = " "
        notes.append((at, note))

    quotes = [at for at, char in enumerate(text) if char == '"']
    if len(quotes) % 2:
        blank(quotes[-1], f'the " at position {quotes[-1] + 1} has no closing ": read as words')
    outside = _outside_phrases("".join(chars))
    opened: list[int] = []
    for at, char in enumerate(outside):
        if char == "(":
            opened.append(at)
        elif char == ")" and opened:
            opened.pop()
        elif char == ")":
            blank(at, f"the ')' at position {at + 1} has no matching '(': left out")
    for at in opened:
        blank(at, f"the '(' at position {at + 1} is never closed: left out")
    outside = _outside_phrases("".join(chars))
    for match in _STRAY_RANGE.finditer(outside):
        for at in range(match.start(), match.end()):
            chars[at] = " "
        notes.append(
            (
                match.start(),
                f"the '{match.group()}' at position {match.start() + 1} is not a range: left out",
            )
        )
    for match in _BARE_COLON.finditer(outside):
        blank(
            match.end(1),
            f"'{match.group(1)}:' at position {match.start(1) + 1} has no term after it: "
            "read as a word",
        )
    outside = _outside_phrases("".join(chars))
    for match in _QUESTION_MARK.finditer(outside):
        blank(match.start(), f"the '?' at position {match.start() + 1} ends a question: left out")
    if not matches_all(text):
        for match in _NO_WORD.finditer(_outside_phrases("".join(chars))):
            for at in (at for at in range(match.start(), match.end()) if chars[at] in "*?"):
                blank(
                    at, f"the '{chars[at]}' at position {at + 1} has no word to stand in: left out"
                )
        for at in list(_leading_wildcards(_outside_phrases("".join(chars)))):
            blank(
                at,
                f"the '{chars[at]}' at position {at + 1} needs {MIN_WILDCARD_PREFIX} letters "
                "before it to be a wildcard: left out",
            )
    told = [note for _, note in sorted(notes)]
    if len(told) > NOTES_SHOWN:
        told[NOTES_SHOWN:] = [f"and {len(told) - NOTES_SHOWN} more like these"]
    return Reading("".join(chars), tuple(told))


def _leading_wildcards(outside: str) -> Iterator[int]:
    """Where a `*` or `?` has fewer than MIN_WILDCARD_PREFIX characters before it in its word
    (after a colon): Markdown's *emphasis*, a leading wildcard that would scan every
    word of the index."""
    for token in _TOKEN.finditer(outside):
        value = token.group()
        start = token.start() + value.find(":") + 1  # as _check_size reads it
        prefix = 0
        for at in range(start, token.end()):
            if outside[at] in "*?" and prefix < MIN_WILDCARD_PREFIX:
                yield at
            else:
                prefix += 1


def has_words(text: str) -> bool:
    """Whether the text holds a word to search (a letter or digit outside the operators)."""
    return any(word not in OPERATORS for word in re.findall(r"\w+", text))


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
