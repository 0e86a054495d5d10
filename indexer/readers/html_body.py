"""The article text: trafilatura's main text against the publisher's own copy and the markup
around the headline, without page furniture; then a leading dateline taken off for location."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from lxml import etree
from lxml.html import HtmlElement

from indexer.model import Article
from indexer.readers import xpaths as X
from indexer.readers.html_clean import norm
from indexer.readers.html_dates import MONTH_NAME
from indexer.readers.html_jsonld import jsonld_values
from indexer.readers.html_page import SPACES, Found, Page, element_text
from indexer.readers.outlets import outlet_from_domain

# --- body ------------------------------------------------------------------------------


def extract_body(page: Page, title: str | None) -> Found | None:
    """The article text: trafilatura's, JSON-LD articleBody, or the headline's container.

    articleBody replaces trafilatura's text when it is about as long (it is the publisher's
    own copy, without furniture); the paragraphs around the headline replace it when they
    are a large, nearly verbatim part of it (trafilatura then kept extra furniture).
    """
    best = trafilatura_body(page)
    declared = jsonld_body(page)
    if declared and (best is None or 0.8 <= _ratio(declared, best) <= 1.25):
        best = declared
    around = headline_body(page, title)
    if best is None:
        return around
    if around and 0.6 <= _ratio(around, best) <= 1.0 and _contained(around, best) >= 0.95:
        best = around
    marked = marked_body(page)
    if marked and 0.5 <= _ratio(marked, best) < 1.0 and _contained(marked, best) >= 0.95:
        best = marked
    return Found(drop_title(best.value, title), best.rule)


_WORD = re.compile(r"\w+")


def _ratio(a: Found, b: Found) -> float:
    """Length of a's text over b's, in words."""
    return len(_WORD.findall(a.value)) / max(1, len(_WORD.findall(b.value)))


def _contained(part: Found, whole: Found) -> float:
    """Share of part's words (with multiplicity) that also occur in whole."""
    mine = Counter(w.lower() for w in _WORD.findall(part.value))
    theirs = Counter(w.lower() for w in _WORD.findall(whole.value))
    return sum((mine & theirs).values()) / max(1, sum(mine.values()))


def drop_title(body: str, title: str | None) -> str:
    """The body without a first paragraph that repeats the headline."""
    head, _, rest = body.partition("\n\n")
    if title and rest and norm(head) == norm(title):
        return rest
    return body


def trafilatura_body(page: Page) -> Found | None:
    """trafilatura's main text, paragraphs joined by blank lines."""
    import trafilatura  # imported here: only runs that read HTML pay its import time

    try:
        doc = trafilatura.bare_extraction(
            page.tree,
            url=page.found.get("url"),
            include_comments=False,
            with_metadata=False,
            prune_xpath=list(X.PRUNE_XPATHS),
        )
    except (ValueError, TypeError, RecursionError, etree.LxmlError):
        return None
    text = getattr(doc, "text", None) if doc is not None else None
    lines = [kept for line in (text or "").split("\n") if (kept := clean_line(line))]
    lines = drop_trailing_list(lines)
    return Found(paragraphs(lines), "trafilatura") if lines else None


_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in X.BOILERPLATE_LINES), re.I)
_TABLE_ROW = re.compile(r"^\s*\|")


def drop_trailing_list(lines: list[str]) -> list[str]:
    """Lines without a closing run of 3+ headline-like list items (links to other stories)."""
    end = len(lines)
    while (
        end > 0
        and lines[end - 1].startswith(("- ", "* ", "• "))
        and len(lines[end - 1].split()) > 6
    ):
        end -= 1
    return lines[:end] if len(lines) - end >= 3 and end > 0 else lines


def clean_line(line: str) -> str:
    """A body line without page furniture; layout-table rows keep only their prose cells."""
    line = line.strip()
    if _TABLE_ROW.match(line):
        line = _table_row_text(line)
    return "" if _BOILERPLATE.search(line) else line


def _table_row_text(line: str) -> str:
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
    filled = [c for c in cells if c]
    if filled and sum(any(ch.isdigit() for ch in c) for c in filled) * 2 >= len(filled):
        return " ".join(filled)  # a data row: figures in most cells
    return " ".join(c for c in filled if len(c.split()) >= 12)


def jsonld_body(page: Page) -> Found | None:
    for value, rule in jsonld_values(page, "body"):
        if isinstance(value, str) and len(value) > 200:
            return Found(paragraphs(_strip_tags(value).split("\n")), rule)
    return None


def _strip_tags(text: str) -> str:
    if "<" not in text:
        return text
    text = re.sub(r"(?i)<\s*(?:br|/p|/div|/h\d|/li)\s*/?>", "\n", text)
    return re.sub(r"<[^>]+>", "", text)


def headline_body(page: Page, title: str | None) -> Found | None:
    """Paragraphs of the nearest container around the headline that holds enough text."""
    heads = page.tree.xpath("//h1")
    start = heads[0] if heads else None
    for ancestor in start.iterancestors() if start is not None else ():
        texts = [element_text(p) for p in ancestor.iter("p") if not _in_boilerplate(p, ancestor)]
        texts = [t for t in texts if t]
        if sum(map(len, texts)) >= 300:
            return Found(paragraphs(texts), "markup around headline")
    return None


def marked_body(page: Page) -> Found | None:
    """The text of elements whose class marks them as article text, one paragraph each."""
    texts = [element_text(el) for el in page.tree.xpath(X.MARKED_TEXT_XPATH)]
    texts = [t for t in texts if t]
    return Found(paragraphs(texts), "marked article text") if sum(map(len, texts)) >= 300 else None


def _in_boilerplate(el: HtmlElement, stop: HtmlElement) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in X.BOILERPLATE_TAGS:
            return True
    return False


def paragraphs(lines: Iterable[str]) -> str:
    """Non-empty lines, whitespace collapsed, joined by blank lines."""
    return "\n\n".join(t for t in (SPACES.sub(" ", line).strip() for line in lines) if t)


# --- datelines -------------------------------------------------------------------------

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\u2019\-]+(?:\s+[A-Z][A-Z.'\u2019\-]+){0,3})"
    r"(?P<region>(?:,\s*[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2}){0,2})"
    rf"(?:,?\s+(?:{MONTH_NAME})\.?\s+\d{{1,2}})?"
    r"\s*(?:\((?P<agency>[A-Za-z][\w .&'\-]{1,30})\))?"
    r"\s*(?:-{1,2}|–|—)\s*"
)
_TITLE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})"
    r"(?P<region>(?:,\s*[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2}){0,1})"
    rf"(?:,?\s+(?:{MONTH_NAME})\.?\s+\d{{1,2}})?"
    r"\s*\((?P<agency>[A-Za-z][\w .&'\-]{1,30})\)"
    r"\s*(?:-{1,2}|–|—)\s*"
)


def take_dateline(article: Article, body: str) -> str:
    """Remove a leading dateline ('NEW YORK (Reuters) -') from the body; use it for location."""
    match = _DATELINE.match(body) or _TITLE_DATELINE.match(body)
    if not match or match["place"].split()[0].strip(".") in X.DATELINE_NOT_PLACES:
        return body
    credit = outlet_from_domain(match["place"])
    if credit:  # "TRIBUNNEWS.COM, JAKARTA -": the outlet's credit, then the place if any
        _take_credit(article, credit, match["region"])
    elif not article.location:
        place = match["place"].title() if match["place"].isupper() else match["place"]
        article.location = place + match["region"]
        article.explain["location"] = "dateline"
    if not article.source and match["agency"]:
        article.source = match["agency"].strip()
        article.explain["source"] = "dateline agency"
    return body[match.end() :]


def _take_credit(article: Article, credit: str, region: str) -> None:
    """A dateline that opens with a domain: a source when the page named none; the place
    after it (if any) the location. A domain is never a location ('Tribunnews.Com')."""
    if not article.source:
        article.source = credit
        article.explain["source"] = "dateline domain"
    place = region.strip(" ,")
    if place and not article.location:
        article.location = place.title() if place.isupper() else place
        article.explain["location"] = "dateline"
