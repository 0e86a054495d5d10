"""Patterns and word lists for the text reader: data only, no logic.

Lines reach these patterns already stripped, with CRLF and non-breaking spaces normalised.
"""

from __future__ import annotations

import re

# Characters a scraper leaves where a plain space was meant; zero-width ones are dropped.
SPACE_LIKE = re.compile(r"[\u00a0\u2007\u202f\u2009\u200a\t\f\v]")
ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
SPACE_RUN = re.compile(r" {2,}")

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# A line that holds only a date; aggregator dumps add a "|" separator after it.
_DATE_TAIL = r"\s*(?:\|\s*)*$"
DATE_LINES = (
    re.compile(
        rf"^(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}}){_DATE_TAIL}", re.I
    ),
    re.compile(
        rf"^(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH}),?\s+(?P<year>\d{{4}}){_DATE_TAIL}", re.I
    ),
    re.compile(rf"^(?P<year>\d{{4}})-(?P<month>\d{{2}})-(?P<day>\d{{2}}){_DATE_TAIL}"),
)

# Aggregator page furniture, in the order it appears above the article.
COUNTER_LINE = re.compile(r"^\d{1,6}$")
LOCATION_LINE = re.compile(
    r"^\|\s*(?P<place>[^|,]*[^\W\d_][^|,]*?)(?:\s*,\s*(?P<region>[^|,]+?))?\s*$"
)
TRAILING_REGION = re.compile(r"^(.+?)\s+([A-Z]{2})$")
SPONSOR_LINE = re.compile(r"^Sponsor\s*:", re.I)
NAV_LINE = re.compile(r"^(?:back|topic)$", re.I)
NEXTIMG_PREFIX = re.compile(r"^NextImg\s*:\s*", re.I)
CLICK_HERE_LINE = re.compile(
    r"^click\s+here\s+to\s+read\s+more\s+(?:from|at|on)\s+(?P<source>.+?)[\s.!:]*$", re.I
)

# A cross-promotion headline: an ALL-CAPS line of at least this many words, not a sentence.
MIN_PROMO_WORDS = 4

BY_PREFIX = re.compile(r"^by\s+", re.I)
# The last comma-separated part of a byline is a role when it holds one of these words.
# fmt: off
ROLE_WORDS = frozenset({
    "reporter", "reporters", "writer", "writers", "editor", "editors", "correspondent",
    "correspondents", "columnist", "columnists", "contributor", "contributors", "analyst",
    "analysts", "producer", "producers", "anchor", "anchors", "critic", "critics",
    "journalist", "journalists", "photographer", "photographers", "director", "chief",
    "fellow", "commentator", "host", "blogger", "strategist", "intern", "staff", "bureau",
    "author", "editor-at-large", "researcher", "economist", "cartoonist", "videographer",
    "desk", "team",
})
# fmt: on
# Lower-case words that may sit inside a person's name (or join several names).
# fmt: off
NAME_PARTICLES = frozenset({
    "and", "&", "de", "del", "della", "da", "di", "van", "von", "der", "den", "la", "le", "du",
    "dos", "bin", "ibn", "al", "el", "st.", "y",
})
# fmt: on
MAX_BYLINE_WORDS = 12

# Plain-text dateline at the start of the body: "NEW YORK (Reuters) -", "Beirut (AFP) –",
# "DAKAR, Senegal (AP) —", "CLEVELAND, July 19 (UPI) —".
_PLACE_WORDS = r"[A-Z][^\s,()]*(?: [A-Z][^\s,()]*)*"
DATELINE = re.compile(
    rf"^(?P<place>{_PLACE_WORDS}(?:, (?:{_MONTH} \d{{1,2}}|{_PLACE_WORDS}))*)"
    r"(?P<parens>(?: \([^()]{1,40}\))*)"
    r" ?(?:--|[-–—―]) +(?=\S)"
)
DATELINE_DATE_PART = re.compile(rf"^{_MONTH} \d{{1,2}}$")
PAREN = re.compile(r"\(([^()]+)\)")
# A news agency credit inside a dateline's parentheses: "(AFP)", "(AP)", or a known wire.
AGENCY_ACRONYM = re.compile(r"^[A-Z]{2,6}$")
WIRE_AGENCIES = frozenset({"reuters", "bloomberg", "xinhua", "kyodo", "yonhap", "dpa", "tass"})
# Shorter all-caps openings ("US - China talks") are prose, not a dateline city.
MIN_CITY_CHARS = 3

# A heading that runs on to a second line ("...pain;\nFree-spirited sibling died...").
HEADLINE_CONTINUES = re.compile(r"[;:]$")
# A full stop that some corpora append to one-sentence headlines ("Clinton Plan ... Complex.");
# kept after an abbreviation ("U.S.") or when the headline holds several sentences.
HEADLINE_FULL_STOP = re.compile(r"^(?!.*[.?!] )(.*[a-z0-9'’\")”])\.$")
# Hard-wrapped text: every line but the last is shorter than this.
WRAP_WIDTH = 80
SENTENCE_END = re.compile(r"[.?!:\"”’)]$")

# Title-casing names printed in capitals.
# fmt: off
SMALL_WORDS = frozenset({
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "nor", "of", "on", "or",
    "the", "to", "via",
})
# fmt: on
# fmt: off
ACRONYMS = frozenset({
    "ABC", "AFP", "AP", "BBC", "CBS", "CNBC", "CNN", "CSPAN", "DC", "NBC", "NPR", "NY", "NYC",
    "PBS", "UK", "UPI", "US", "USA", "WSJ",
})
# fmt: on
APOSTROPHE_NAME = re.compile(r"^[A-Z]'[A-Z]{2,}")
INITIALS = re.compile(r"^(?:[A-Z]\.)+$")  # N.Y., D.C.
LEADING_THE = re.compile(r"^the\s+", re.I)
# House spellings that plain title-casing cannot guess (keyed by the lower-cased name).
OUTLET_SPELLINGS = {
    "huffpost": "HuffPost",
    "huffington post": "The Huffington Post",
    "new york times": "The New York Times",
    "washington post": "The Washington Post",
    "wall street journal": "The Wall Street Journal",
    "usa today": "USA Today",
    "daily wire": "The Daily Wire",
    "hill": "The Hill",
}
