"""Whether a candidate value is credible for its field, and the value cleaned.

Names that are people, headlines without the site's name, sources, URLs, places.
"""

from __future__ import annotations

import html
import re

from indexer.readers import xpaths as X
from indexer.readers.html_page import SPACES, Page
from indexer.readers.outlet_rules import SITE_CREDIT

# --- authors ---------------------------------------------------------------------------

BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|story|text|words)\s+)?(?:by|von|por|par|door|di|av|af)\b[:\s]*",
    re.I,
)
_NAME_WORD = re.compile(
    r"^[A-Z\u00c0-\u024f\u0400-\u04ff][\w.'\u2019\-]*$|^(?:de|van|von|der|da|la|le|bin|al)$"
)


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' from distinct names."""
    unique = list(dict.fromkeys(SPACES.sub(" ", n).strip() for n in names if n.strip()))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def clean_author(value: str, page: Page) -> str | None:
    """A credible personal name (or names), or None; a site's credit ('Developed By Heba
    Musa' in a footer) names who built the site, not who wrote the story."""
    text = SPACES.sub(" ", html.unescape(value)).strip()
    if SITE_CREDIT.match(text):
        return None
    text = BYLINE_PREFIX.sub("", text).strip(" ,;|:-")
    text = re.split(r"\s+[|•]\s+|\s+-\s+|\s*\(", text)[0].strip(" ,;")
    if not text or "@" in text or "://" in text or "/" in text or any(c.isdigit() for c in text):
        return None
    if norm(text) in {norm(page.found.get("source")), norm(page.found.get("site"))}:
        return None
    words = re.split(r"\s+|,\s*", text.replace(" and ", ", ").replace(" & ", ", "))
    words = [w for w in words if w]
    if not 2 <= len(words) <= 12 or not all(_NAME_WORD.match(w) for w in words):
        return None
    if any(w.lower() in X.NOT_PERSON_WORDS for w in words):
        return None
    return text


# --- titles and sources ----------------------------------------------------------------


def clean_title(value: str, page: Page) -> str | None:
    """The headline without a trailing or leading site name."""
    text = SPACES.sub(" ", html.unescape(value)).strip()
    site_words = {norm(page.found.get("source")), norm(page.found.get("site"))}
    site_words |= page.outlet_names
    stem = (page.found.get("site") or "").split(".")[0]
    for sep in X.TITLE_SEPARATORS:
        head, _, tail = text.rpartition(sep)
        if head and _is_site_name(tail, site_words, stem):
            text = head.strip()
        tail2, _, rest = text.partition(sep)
        if rest and _is_site_name(tail2, site_words, stem):
            text = rest.strip()
    return text if len(text) >= 3 else None


def _is_site_name(text: str, site_words: set[str], stem: str) -> bool:
    normed = norm(text)
    if not normed:
        return False
    squashed = normed.replace(" ", "")
    if normed in site_words or _DOMAIN.match(normed):
        return True
    return len(stem) > 2 and stem in squashed and len(normed) <= 40


_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9\-]+(?:\.[a-z]{2,6}){1,2}$")


def norm(value: str | None) -> str:
    return SPACES.sub(" ", (value or "").casefold()).strip().removeprefix("the ")


def clean_url(value: str) -> str | None:
    text = value.strip()
    return text if text.startswith(("http://", "https://")) and " " not in text else None


def clean_location(value: str) -> str | None:
    text = SPACES.sub(" ", value).strip(" ,.-")
    return text if 0 < len(text) <= 60 and not any(c.isdigit() for c in text) else None
