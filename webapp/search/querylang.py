"""The query language beyond Whoosh's own: dates on the `day` field, and a query told in words.

`DayRangePlugin` reads `date:` clauses — `date:2024`, `date:2024-05`, `date:>2024-05`,
`date:[2024-01 to 2024-03]`, `date:yesterday`, `date:'last month'`, `date:[last month to today]`,
`date:'3 days ago'` — and turns each into a `NumericRange` on the integer `day` field: a
`DateRange` on the DATETIME field costs far more (docs/whoosh.md, "Dates"). Whatever our own
reader does not know goes to Whoosh's English date parser (`date:'last tuesday'`).

`explain(nodes, fields)` words the parsed query: "zelensky and (bakhmut or "meat grinder")".
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from whoosh.qparser import PhrasePlugin, Plugin, QueryParser, syntax
from whoosh.qparser.dateparse import English, timespan
from whoosh.query import NumericRange, Query
from whoosh.util.times import adatetime

from indexer.schema import day_number

DATE_FIELD = "date"
DATE_FORMS = (
    "YYYY, YYYY-MM, YYYY-MM-DD, today, yesterday, this week|month|year, last week|month|year, "
    "last 30 days, 3 days ago, or a range: date:[2024-01 to 2024-03], date:>2024-05"
)


class DateQueryError(Exception):
    """A `date:` clause that cannot be read; `position` is the 1-based character."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


# ---------------------------------------------------------------- reading a date


@dataclass(frozen=True)
class DaySpan:
    """An inclusive window of calendar days."""

    first: date
    last: date


_UNITS = {"day": 1, "week": 7, "month": 0, "year": 0}
_AGO = re.compile(r"(\d{1,4}) (day|week|month|year)s? ago")
_LAST_N = re.compile(r"(?:last|past) (\d{1,4}) (day|week|month|year)s?")
_PERIOD = re.compile(r"(this|last) (week|month|year)")


def read_span(text: str, today: date) -> DaySpan | None:
    """The days a date expression covers, or None when it cannot be read."""
    words = " ".join(text.lower().replace("_", " ").split())
    for reader in (_absolute_span, _named_span, _relative_span, _whoosh_span):
        span = reader(words, today)
        if span is not None:
            return span
    return None


def _absolute_span(words: str, today: date) -> DaySpan | None:
    match = re.fullmatch(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?", words)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return DaySpan(date(year, 1, 1), date(year, 12, 31))  # type: ignore[arg-type]
        if day is None:
            return _month_span(year, month)  # type: ignore[arg-type]
        return DaySpan(date(year, month, day), date(year, month, day))  # type: ignore[arg-type]
    except ValueError:
        return None


def _named_span(words: str, today: date) -> DaySpan | None:
    if words in ("today", "now"):
        return DaySpan(today, today)
    if words == "yesterday":
        return DaySpan(today - timedelta(days=1), today - timedelta(days=1))
    match = _PERIOD.fullmatch(words)
    if not match:
        return None
    back = 1 if match.group(1) == "last" else 0
    unit = match.group(2)
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return DaySpan(monday, monday + timedelta(days=6))
    if unit == "month":
        year, month = _months_back(today.year, today.month, back)
        return _month_span(year, month)
    return DaySpan(date(today.year - back, 1, 1), date(today.year - back, 12, 31))


def _relative_span(words: str, today: date) -> DaySpan | None:
    ago = _AGO.fullmatch(words)
    if ago:
        day = _back(today, int(ago.group(1)), ago.group(2))
        return DaySpan(day, day)
    last = _LAST_N.fullmatch(words)
    if last:
        return DaySpan(_back(today, int(last.group(1)), last.group(2)), today)
    return None


def _whoosh_span(words: str, today: date) -> DaySpan | None:
    """Whoosh's English date grammar ('last tuesday', 'march 2024'), floored and ceiled."""
    base = datetime(today.year, today.month, today.day, 12, tzinfo=timezone.utc)
    try:
        found = English().date_from(words, base)
    except Exception:  # Whoosh's grammar raises several kinds; all mean "not a date"
        return None
    if isinstance(found, timespan):
        first, last = found.start, found.end
    elif isinstance(found, (adatetime, datetime)):
        first = last = found
    else:
        return None
    return DaySpan(_floor(first), _ceil(last))


def _floor(value: Any) -> date:
    return (value.floor() if isinstance(value, adatetime) else value).date()


def _ceil(value: Any) -> date:
    return (value.ceil() if isinstance(value, adatetime) else value).date()


def _month_span(year: int, month: int) -> DaySpan:
    return DaySpan(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _months_back(year: int, month: int, back: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - back
    return index // 12, index % 12 + 1


def _back(today: date, count: int, unit: str) -> date:
    if _UNITS[unit]:
        return today - timedelta(days=count * _UNITS[unit])
    months = count * (12 if unit == "year" else 1)
    year, month = _months_back(today.year, today.month, months)
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------- the plugin


class DayRangeNode(syntax.SyntaxNode):
    """A `date:` clause read into a window of day numbers (either end may be open)."""

    def __init__(self, first: date | None, last: date | None, source: syntax.SyntaxNode) -> None:
        self.first, self.last = first, last
        self.startchar, self.endchar = source.startchar, source.endchar

    def r(self) -> str:
        return f"day[{self.first} {self.last}]"

    def query(self, parser: QueryParser) -> Query:
        low = day_number(self.first) if self.first else None
        high = day_number(self.last) if self.last else None
        return NumericRange("day", low, high)

    def words(self) -> str:
        if self.first and self.last:
            if self.first == self.last:
                return f"dated {self.first}"
            return f"dated {self.first} to {self.last}"
        return f"dated from {self.first}" if self.first else f"dated up to {self.last}"


class DayRangePlugin(Plugin):
    """Reads every `date:` clause into a `DayRangeNode`; DateQueryError when one is unreadable.

    Runs after the fields filter (100) has named each node's field and after `GtLtPlugin` (99)
    has made `date:>x` a range; `>` and `<` exclude the period named, `>=` and `<=` include it.
    """

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self.today = today

    def filters(self, parser: QueryParser) -> list[tuple[Callable[..., Any], int]]:
        return [(self.do_dates, 105)]

    def do_dates(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        today = self.today()
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                self.do_dates(parser, node)
            elif getattr(node, "fieldname", None) == DATE_FIELD:
                group[i] = _day_node(node, today)
        return group


def _day_node(node: syntax.SyntaxNode, today: date) -> DayRangeNode:
    if isinstance(node, syntax.RangeNode):
        first = _bound(node.start, node.startexcl, node, today, start=True)
        last = _bound(node.end, node.endexcl, node, today, start=False)
        return DayRangeNode(first, last, node)
    if isinstance(node, syntax.WordNode):
        span = _span_or_error(node.text, node, today)
        return DayRangeNode(span.first, span.last, node)
    raise DateQueryError(f"'date:' takes a date or a range, not {type(node).__name__}", _at(node))


def _bound(text: str | None, exclusive: bool, node: Any, today: date, start: bool) -> date | None:
    if not text:
        return None
    span = _span_or_error(text, node, today)
    if start:
        return span.last + timedelta(days=1) if exclusive else span.first
    return span.first - timedelta(days=1) if exclusive else span.last


def _span_or_error(text: str, node: Any, today: date) -> DaySpan:
    span = read_span(text, today)
    if span is None:
        raise DateQueryError(
            f"cannot read {text!r} as a date at position {_at(node)} (use {DATE_FORMS})", _at(node)
        )
    return span


def _at(node: Any) -> int:
    return (getattr(node, "startchar", None) or 0) + 1


# ---------------------------------------------------------------- the query in words


def explain(nodes: syntax.SyntaxNode, fields: Collection[str]) -> str:
    """The parsed query in words; `fields` are the default fields (and their exact twins)."""
    return _words(nodes, frozenset(fields), top=True)


def _words(node: Any, fields: frozenset[str], top: bool = False, spread: bool = False) -> str:
    if isinstance(node, DayRangeNode):
        return node.words()
    if isinstance(node, syntax.NotGroup):
        return "not " + " and ".join(_words(c, fields, False, s) for c, s in _parts(node, fields))
    if isinstance(node, syntax.GroupNode):
        parts = _parts(node, fields)
        if len(parts) == 1:
            return _words(parts[0][0], fields, top, parts[0][1])
        joiner = " or " if isinstance(node, syntax.OrGroup) else " and "
        text = joiner.join(_words(child, fields, False, s) for child, s in parts)
        return text if top else f"({text})"
    return _leaf(node, spread)


def _parts(group: Any, fields: frozenset[str]) -> list[tuple[Any, bool]]:
    """A group's children, each with whether it is one word spread over the default fields by
    the multifield parser (Whoosh merges those copies into an enclosing OR: kept once)."""
    children = [n for n in group if not n.is_ws() and _leaf_text(n) != ""]
    if not isinstance(group, syntax.OrGroup):
        return [(child, False) for child in children]
    keys = [_spread_key(child, fields) for child in children]
    copies = Counter(key for key in keys if key is not None)
    kept, seen = [], set()
    for child, key in zip(children, keys, strict=True):
        if key is None or key not in seen:
            kept.append((child, key is not None and copies[key] > 1))
        seen.add(key)
    return kept


def _spread_key(node: Any, fields: frozenset[str]) -> tuple[type, str] | None:
    text = _leaf_text(node)
    if text is None or getattr(node, "fieldname", None) not in fields:
        return None
    return (type(node), text)


def _leaf(node: Any, spread: bool) -> str:
    text = _leaf_text(node)
    if text is None:
        return node.r() if hasattr(node, "r") else str(node)
    name = getattr(node, "fieldname", None)
    return text if spread or not name else f"{text} in {name.removesuffix('_exact')}"


def _leaf_text(node: Any) -> str | None:
    """How a word, phrase, wildcard or range is written; None for nodes of another kind."""
    if isinstance(node, PhrasePlugin.PhraseNode):
        return f'"{node.text}"'
    if isinstance(node, syntax.RangeNode):
        return f"from {node.start or '…'} to {node.end or '…'}"
    if isinstance(node, syntax.TextNode):
        return node.text + ("*" if type(node).__name__ == "PrefixNode" else "")
    return None
