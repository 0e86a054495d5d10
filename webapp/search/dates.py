"""A document's date as the API, exports and pages give it: `date` always YYYY-MM-DD.

Sources write dates every way: a day (`2020-12-29`), a time with its offset
(`2020-12-29T16:19:16+03:00`, `...Z`), a naive time, a month or a year. In one column they
sort wrong in a spreadsheet and compare wrong in a script. So `date` is the day alone, or
nothing when the source gave less than a day; `published` keeps the source's timestamp where
it said more than the day (or the month or year it gave); `date_precision` says which
(`year`, `month`, `day`, `minute`, `second`). The index keeps the text as parsed
(`date_text`), so nothing is lost and the reading can change without a reindex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ISO = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?)?)?"
)


@dataclass(frozen=True)
class Dated:
    """`date` (YYYY-MM-DD or None), `published` (the source's timestamp when it says more
    than the day, or its month or year when it says less) and `date_precision`."""

    date: str | None = None
    published: str | None = None
    date_precision: str | None = None


def dated(text: str | None) -> Dated:
    """The parts of a stored date text (None, or anything a reader kept)."""
    found = _ISO.fullmatch((text or "").strip())
    if found is None:
        return Dated()
    parts = found.groupdict()
    if parts["day"] is None:
        precision = "month" if parts["month"] else "year"
        return Dated(None, found.group(), precision)
    day = f"{parts['year']}-{parts['month']}-{parts['day']}"
    if parts["hour"] is None:
        return Dated(day, None, "day")
    precision = "second" if parts["second"] is not None else "minute"
    return Dated(day, found.group().replace(" ", "T", 1), precision)


def dated_fields(text: str | None) -> dict[str, str | None]:
    """`date`, `published` and `date_precision` of a stored date text, for a JSON object."""
    when = dated(text)
    return {"date": when.date, "published": when.published, "date_precision": when.date_precision}
