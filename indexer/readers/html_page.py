"""The parsed page: a robust lxml load, its <meta> tags, and the generic ways to read values
from it (meta, microdata, XPath) that each field's cascade draws on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from indexer.errors import ParseError
from indexer.readers import Source
from indexer.readers import xpaths as X
from indexer.readers.encoding import sniff_charset
from indexer.readers.html_jsonld import read_jsonld

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
SPACES = re.compile(r"\s+")


class Found(NamedTuple):
    """A field value and the rule that produced it."""

    value: str
    rule: str


# --- loading ---------------------------------------------------------------------------


MAX_MARKUP_CHARS = 3_000_000
# Scripts and styles, but not JSON-LD, which holds the article's metadata.
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b(?![^>]*ld\+json)[^>]*>.*?</\1\s*>", re.I | re.S)


def load_tree(source: Source) -> HtmlElement:
    """Parse the page with lxml, honouring BOMs and the declared charset."""
    text = source.text(sniff_charset(source.data))
    text = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", text, count=1))
    text = bounded_markup(text)
    parser = HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        tree = document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError, RecursionError, MemoryError) as exc:
        raise ParseError(source.path, f"unreadable HTML ({exc.__class__.__name__})") from exc
    if tree is None or len(tree) == 0:
        raise ParseError(source.path, "no article text found")
    marks_drawn_as_images(tree)
    return tree


# Quotation marks a page may draw as images, their alt text the mark
_MARKS = frozenset("«»„“”‘’‚‹›\"'「」『』")


def marks_drawn_as_images(tree: HtmlElement) -> None:
    """An image whose alt text is a quotation mark reads as that mark: MediaWiki's quotation
    templates (Wikinews, Wikipedia) draw « and » as images, and a quotation's text without
    them is no quotation to the quote finder."""
    drawn = [
        img
        for img in tree.iter("img")
        if (alt := (img.get("alt") or "").strip()) and len(alt) <= 2 and set(alt) <= _MARKS
    ]
    cells = []
    for img in drawn:
        text = (img.get("alt") or "").strip() + (img.tail or "")
        parent, before = img.getparent(), img.getprevious()
        if parent is None:
            continue
        if before is not None:
            before.tail = (before.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(img)
        if parent.tag in ("td", "th"):
            cells.append(parent)
    for cell in cells:  # a mark in a cell of its own joins the quotation's cell beside it
        marks = cell.text_content().strip()
        if not marks or not set(marks) <= _MARKS or cell.getparent() is None:
            continue
        after, before = cell.getnext(), cell.getprevious()
        if after is not None and after.tag in ("td", "th") and after.text_content().strip():
            after.text = marks + (after.text or "")
        elif before is not None and before.tag in ("td", "th") and before.text_content().strip():
            if len(before):
                before[-1].tail = (before[-1].tail or "") + marks
            else:
                before.text = (before.text or "") + marks
        else:
            continue
        cell.getparent().remove(cell)


def bounded_markup(text: str) -> str:
    """Markup small enough to extract in bounded time and memory.

    Main-text extraction grows faster than linearly with page size (docs/benchmarks.md,
    "Measurements behind the design"). No article is megabytes long, so a huge page loses its
    scripts and styles first and is then cut at MAX_MARKUP_CHARS; lxml closes the open elements.
    """
    if len(text) <= MAX_MARKUP_CHARS:
        return text
    text = _SCRIPT_OR_STYLE.sub("", text)
    return text[:MAX_MARKUP_CHARS]


@dataclass
class Page:
    """A parsed page and the structured data it declares."""

    path: str
    tree: HtmlElement
    articles: list[dict[str, Any]] = field(default_factory=list)  # JSON-LD article nodes
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # JSON-LD nodes by @id
    meta: dict[str, list[str]] = field(default_factory=dict)
    found: dict[str, str] = field(default_factory=dict)  # fields settled so far
    outlet_names: set[str] = field(default_factory=set)  # names a title may end with (norm)

    @classmethod
    def load(cls, source: Source) -> Page:
        page = cls(source.path, load_tree(source))
        page.meta = read_meta(page.tree)
        page.articles, page.nodes = read_jsonld(page.tree)
        return page


def read_meta(tree: HtmlElement) -> dict[str, list[str]]:
    """<meta> contents by lower-cased name, property or itemprop, in document order."""
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content and content.strip():
            meta.setdefault(key.strip().lower(), []).append(content.strip())
    return meta


# --- generic sources -------------------------------------------------------------------


def meta_values(page: Page, fld: str) -> Iterator[Found]:
    for name in X.META_NAMES[fld]:
        for content in page.meta.get(name, ()):
            yield Found(content, f"meta {name}")


def itemprop_values(page: Page, fld: str) -> Iterator[Found]:
    for prop in X.ITEMPROPS.get(fld, ()):
        for el in page.tree.xpath(f'//*[@itemprop="{prop}"][not(self::meta)]'):
            value = el.get("content") or el.get("datetime") or _itemprop_text(el)
            if value:
                yield Found(value, f"microdata {prop}")


def _itemprop_text(el: HtmlElement) -> str:
    named = el.xpath('.//*[@itemprop="name"]')
    target = named[0] if named else el
    return target.get("content") or element_text(target)


def element_text(el: HtmlElement) -> str:
    """The element's text with whitespace collapsed."""
    return SPACES.sub(" ", el.text_content()).strip()


def xpath_values(page: Page, rules: Iterable[tuple[str, str]], limit: int = 5) -> Iterator[Found]:
    """Strings (attributes or element text) found by each (XPath, rule) in turn."""
    for path, rule in rules:
        for hit in page.tree.xpath(path)[:limit]:
            text = hit if isinstance(hit, str) else element_text(hit)
            if text:
                yield Found(str(text), rule)


def first(candidates: Iterable[Found], clean: Callable[[str], str | None]) -> Found | None:
    """The first candidate that survives cleaning, cleaned."""
    for candidate in candidates:
        value = clean(candidate.value)
        if value:
            return Found(value, candidate.rule)
    return None
