"""Dates as news pages write them: ISO 8601, RFC 2822, epochs, visible text, Persian calendar.

The convention is the publisher's calendar: a timestamp written with a UTC offset keeps
the local date and time it states ("2020-06-29T00:16:15+03:00" is 29 June, as printed
in Moscow), and a UTC instant ("...Z", an epoch, "GMT") is moved into the publisher's
zone when the page says where it is published (see `publisher_zone`). Midnight stands
for the day itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from indexer.readers import xpaths as X

_ISO_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)[-/.]?(?P<m>[01]\d)(?:[-/.]?(?P<d>[0-3]\d))?"
    r"(?:[T\s]+(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-][01]\d:?[0-5]\d)?)?"
)
MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
_ALL_MONTHS = {**X.FOREIGN_MONTHS, **MONTHS}
_ANY_MONTH = "|".join(sorted(_ALL_MONTHS, key=len, reverse=True))
_TEXT_DATE = re.compile(
    rf"(?<!\w)(?:(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(?P<m1>{_ANY_MONTH})\.?,?\s+"
    rf"(?:de\s+)?(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<m2>{_ANY_MONTH})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d))(?!\w)",
    re.I,
)
_YMD = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[年/.\-]\s*(?P<m>[01]?\d)\s*[月/.\-]\s*(?P<d>[0-3]?\d)(?!\d)"
)
_DMY = re.compile(r"(?<!\d)(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)\d\d)(?!\d)")
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
# Solar Hijri (Persian) dates: '2 تیر 1399', '۱۳۹۹/۰۲/۲۱'.
_PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_JALALI_NAME = "|".join(sorted(X.JALALI_MONTHS, key=len, reverse=True))
_JALALI_TEXT = re.compile(
    rf"(?<!\d)(?P<d>[0-3]?\d)\s+(?P<m>{_JALALI_NAME})\s+(?P<y>1[34]\d\d)(?!\d)"
)
_JALALI_YMD = re.compile(
    r"(?<!\d)(?P<y>1[34]\d\d)\s*[/\-.]\s*(?P<m>[01]?\d)\s*[/\-.]\s*(?P<d>[0-3]?\d)"
)
_UTC_NAMES = ("Z", "+00:00", "+0000", "-00:00", "-0000")


def normalise_date(value: str, zone: tzinfo | None = None) -> str | None:
    """ISO 8601 ('YYYY-MM-DD', 'YYYY-MM' or with a time) for a date string, or None.

    `zone` is the publisher's time zone: UTC instants are shown in it when known.
    """
    text = value.strip()
    parsed = _iso(text, zone) or _epoch(text, zone) or _rfc2822(text, zone) or _text_date(text)
    parsed = parsed or _jalali(text.translate(_PERSIAN_DIGITS))
    if parsed is None:
        return None
    year = int(parsed[:4])
    return parsed if 1990 <= year <= datetime.now().year + 1 else None


def _iso(text: str, zone: tzinfo | None) -> str | None:
    match = _ISO_DATE.match(text)
    if not match or not 1 <= int(match["m"]) <= 12:
        return None
    y, m, d = match["y"], match["m"], match["d"]
    if d is None:
        return f"{y}-{m}"
    try:
        day = datetime(int(y), int(m), int(d))
    except ValueError:
        return None
    if match["H"] is None or (match["H"], match["M"], match["S"] or "00") == ("00", "00", "00"):
        return day.strftime("%Y-%m-%d")  # a bare midnight stands for the day itself
    try:
        stamp = day.replace(
            hour=int(match["H"]), minute=int(match["M"]), second=int(match["S"] or 0)
        )
    except ValueError:
        return day.strftime("%Y-%m-%d")
    return _timestamp(stamp, match["tz"], zone)


def _timestamp(stamp: datetime, tz: str | None, zone: tzinfo | None) -> str:
    """A time as the publisher's clock shows it: local as written, or a UTC instant in `zone`."""
    if not tz:
        return stamp.isoformat()
    if tz in _UTC_NAMES:
        return in_zone(stamp.replace(tzinfo=timezone.utc), zone)
    sign = 1 if tz[0] == "+" else -1
    offset = sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:]))
    return stamp.replace(tzinfo=timezone(offset)).isoformat()


def in_zone(instant: datetime, zone: tzinfo | None) -> str:
    """A UTC instant as local time in `zone` (with its offset), or in UTC ('...Z')."""
    if zone is None:
        return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return instant.astimezone(zone).replace(microsecond=0).isoformat()


def _epoch(text: str, zone: tzinfo | None) -> str | None:
    if not _EPOCH.match(text):
        return None
    return in_zone(datetime.fromtimestamp(int(text[:10]), tz=timezone.utc), zone)


def _rfc2822(text: str, zone: tzinfo | None) -> str | None:
    if not re.match(r"^[A-Za-z]{3},\s", text):
        return None
    try:
        stamp = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if stamp.tzinfo is None:
        return stamp.isoformat()
    if stamp.utcoffset() == timedelta(0):
        return in_zone(stamp, zone)
    return stamp.isoformat()


def date_in_text(text: str, languages: Sequence[str] = ()) -> str | None:
    """A full date written in a short visible text ('12 July 2020', '2020年7月12日'); in the
    `languages` the page is written in, the month names and word orders dateparser knows
    ('29 червня 2020 року', '29 czerwca 2020', '29 يونيو 2020')."""
    if len(text) > 120:
        return None
    plain = text.translate(_PERSIAN_DIGITS)
    found = _text_date(plain) or _numeric_date(plain) or _jalali(plain)
    found = found or written_date(plain, languages)
    return found if found and _plausible(found) else None


def _plausible(found: str) -> bool:
    return 1990 <= int(found[:4]) <= datetime.now().year + 1


# dateparser: a date needs its day, month and year (a "29 июня" alone is no date), written
# out: "danas" (today) or "prije 2 sata" (2 hours ago) say nothing of when a page was published
_DATEPARSER_SETTINGS = {
    "PARSERS": ["absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DATES_FROM": "past",
}


def written_date(text: str, languages: Sequence[str]) -> str | None:
    """The first full date `text` writes in one of `languages` (not English: the patterns
    above read it), through dateparser's month names, word orders and numerals of some 200
    locales; None without a language (guessing one among all is slow and unsure)."""
    wanted = [code for code in languages if code and code != "en" and code in _dateparser_codes()]
    if not wanted or not any(ch.isdigit() for ch in text):
        return None
    from dateparser.search import search_dates  # its import and locale data cost: when needed

    found = search_dates(text[:200], languages=wanted, settings=_DATEPARSER_SETTINGS)
    for _, when in found or ():
        value = when.date().isoformat()
        if _plausible(value):
            return value
    return None


# A dateline: the place and date that open an agency story, before a dash ("КИЇВ, 29 червня
# 2020 (Укрінформ) — ..."), on its first line
_DATELINE = re.compile(r"[^\n]{0,120}?\s[—–-]\s")


def dateline_date(body: str, language: str | None) -> str | None:
    """The full date of a story's dateline, in its language."""
    match = _DATELINE.match(body)
    if match is None:
        return None
    line = match.group()
    return date_in_text(line, (language,) if language else ())


@functools.cache
def _dateparser_codes() -> frozenset[str]:
    from dateparser.data.languages_info import language_order

    return frozenset(language_order)


def _numeric_date(text: str) -> str | None:
    match = _YMD.search(text)
    if match or (match := _DMY.search(text)):
        y, m, d = match["y"], match["m"], match["d"]
    else:
        return None
    try:
        return datetime(int(y), int(m), int(d)).strftime("%Y-%m-%d")
    except ValueError:
        return None


def _text_date(text: str) -> str | None:
    match = _TEXT_DATE.search(text[:200])
    if not match:
        return None
    day = match["d1"] or match["d2"]
    month = _ALL_MONTHS[(match["m1"] or match["m2"]).lower()]
    year = match["y1"] or match["y2"]
    try:
        return datetime(int(year), month, int(day)).strftime("%Y-%m-%d")
    except ValueError:
        return None


def _jalali(text: str) -> str | None:
    """A Solar Hijri date ('2 تیر 1399', '1399/02/21') as a Gregorian ISO date."""
    match = _JALALI_TEXT.search(text)
    if match:
        month = X.JALALI_MONTHS[match["m"]]
    elif match := _JALALI_YMD.search(text):
        month = int(match["m"])
    else:
        return None
    day = int(match["d"])
    if not (1 <= month <= 12 and 1 <= day <= (31 if month <= 6 else 30)):
        return None
    return jalali_to_gregorian(int(match["y"]), month, day)


def jalali_to_gregorian(year: int, month: int, day: int) -> str:
    """The Gregorian ISO date of a Solar Hijri date (the 33-year arithmetic calendar)."""
    y = year + 1595
    days = -355668 + 365 * y + (y // 33) * 8 + ((y % 33) + 3) // 4 + day
    days += (month - 1) * 31 if month <= 6 else 186 + (month - 7) * 30
    return date.fromordinal(days - 365).isoformat()


def date_precision(value: str) -> str:
    """'year', 'month', 'day' or 'time' for an ISO 8601 string."""
    return {4: "year", 7: "month", 10: "day"}.get(len(value), "time")


def zone_for(url: str | None, locales: list[str]) -> tzinfo | None:
    """The publisher's time zone: from the URL's country domain, else a locale's region."""
    host = (url or "").split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    country = tld if tld in X.COUNTRY_ZONES and tld not in X.GENERIC_CCTLDS else None
    for locale in locales:
        if country:
            break
        parts = re.split(r"[-_]", locale.strip())
        regions = [p.lower() for p in parts[1:] if len(p) == 2 and p.isalpha()]
        country = next((r for r in regions if r in X.COUNTRY_ZONES), None)
    if country is None:
        return None
    try:
        return ZoneInfo(X.COUNTRY_ZONES[country])
    except (ZoneInfoNotFoundError, ValueError):
        return None
