"""HTML pages: lxml load, then a cascade per field (JSON-LD, meta, microdata, markup, text).

Each field takes the first source that yields a clean value; `Article.explain[field]` names
that source. The places searched, in priority order, live in `indexer.readers.xpaths`.
The page is parsed once; trafilatura (body) and htmldate (last-resort date) get the tree.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_ARTICLE_BYTES, Source
from indexer.readers import xpaths as X
from indexer.readers.encoding import sniff_charset
from indexer.readers.html_dates import (
    MONTH_NAME,
    date_in_text,
    date_precision,
    normalise_date,
    zone_for,
)

_SNIFF_BYTES = 4096
MIN_BODY_WORDS = 8  # fewer is a stub (bot wall, empty template), not an article
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<p>", b"<p ", b"<meta")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACES = re.compile(r"\s+")


class Found(NamedTuple):
    """A field value and the rule that produced it."""

    value: str
    rule: str


class HtmlReader:
    """Reads one article from an HTML page."""

    name = "html"
    many_records = False
    max_bytes = MAX_ARTICLE_BYTES

    def sniff(self, source: Source) -> float:
        """High confidence when HTML markup shows in the first few KB."""
        head = source.data[:_SNIFF_BYTES].lower()
        return 0.9 if any(marker in head for marker in _HTML_MARKERS) else 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Yield the page's article, or a ParseError saying why there is none."""
        try:
            yield parse_page(source)
        except ParseError as exc:
            yield exc


def parse_page(source: Source) -> Article:
    """The Article of one HTML page; ParseError when it has no article text."""
    page = Page.load(source)
    article = Article()
    fill_metadata(article, page)
    body = extract_body(page, article.title)
    if body is None or not _enough_text(body.value, article):
        raise ParseError(source.path, "no article text found")
    article.body = take_dateline(article, body.value)
    article.explain["body"] = body.rule
    return article


def _enough_text(body: str, article: Article) -> bool:
    """A stub body is an article only when the page declares its headline and date."""
    words = len(body.split())
    return words >= MIN_BODY_WORDS or (words > 0 and bool(article.title and article.date))


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
    return tree


def bounded_markup(text: str) -> str:
    """Markup small enough to extract in bounded time and memory.

    Main-text extraction grows faster than linearly with page size (a 13 MB page took 25 s and
    490 MB). No article is megabytes long, so a huge page loses its scripts and styles first and
    is then cut at MAX_MARKUP_CHARS; lxml closes the open elements.
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


# --- JSON-LD ---------------------------------------------------------------------------


def read_jsonld(tree: HtmlElement) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Article nodes (most specific type first) and every node with an @id."""
    nodes: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            nodes.extend(_flatten(_load_json(script.text)))
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    ranked = [(_article_rank(n), i, n) for i, n in enumerate(nodes)]
    articles = [
        n for rank, _, n in sorted(ranked, key=lambda r: r[:2]) if rank < len(X.ARTICLE_TYPES)
    ]
    return articles, by_id


def _load_json(text: str) -> Any:
    text = text.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object at the top level, in lists, in @graph and in mainEntity."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in X.JSONLD_CONTAINERS:
            if isinstance(data.get(key), (dict, list)):
                yield from _flatten(data[key], depth + 1)


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)]


def _article_rank(node: dict[str, Any]) -> int:
    ranks = [X.ARTICLE_TYPES.index(t) for t in _types(node) if t in X.ARTICLE_TYPES]
    return min(ranks, default=len(X.ARTICLE_TYPES))


def _resolve(page: Page, value: Any) -> Any:
    """A JSON-LD reference ({"@id": ...} alone) replaced by the node it names."""
    if (
        isinstance(value, dict)
        and set(value) <= {"@id", "@type"}
        and value.get("@id") in page.nodes
    ):
        return page.nodes[value["@id"]]
    return value


def jsonld_values(page: Page, fld: str) -> Iterator[tuple[Any, str]]:
    """Raw JSON-LD values for a field with their rule names, best article node first."""
    for node in page.articles:
        kind = next((t for t in _types(node) if t in X.ARTICLE_TYPES), "Article")
        for key in X.JSONLD_KEYS[fld]:
            if node.get(key):
                yield _resolve(page, node[key]), f"json-ld {kind}.{key}"


def _names(page: Page, value: Any) -> list[tuple[str, dict[str, Any]]]:
    """Names in a JSON-LD person/organisation value (string, object or list), with the object."""
    value = _resolve(page, value)
    if isinstance(value, list):
        return [n for item in value[:10] for n in _names(page, item)]
    if isinstance(value, str):
        return [(value, {})]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if not isinstance(name, str):
            parts = [value.get("givenName"), value.get("familyName")]
            name = " ".join(p for p in parts if isinstance(p, str))
        return [(name, value)] if name else []
    return []


def _text_of(page: Page, value: Any) -> str | None:
    """A plain string from a JSON-LD string, named object or list."""
    names = _names(page, value)
    return names[0][0] if names else None


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
    return _SPACES.sub(" ", el.text_content()).strip()


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


# --- fields ----------------------------------------------------------------------------


def fill_metadata(article: Article, page: Page) -> None:
    """Run the cascade of every metadata field, in dependency order."""
    for fld, finder in FIELD_FINDERS:
        found = finder(page)
        if found is not None:
            setattr(article, fld, found.value)
            article.explain[fld] = found.rule
            page.found[fld] = found.value
    role = find_author_role(page)
    if role is not None and article.author:
        article.author_role, article.explain["author_role"] = role
    if article.date:
        article.explain["date_precision"] = date_precision(article.date)


def find_url(page: Page) -> Found | None:
    links = (
        Found(href, "link rel=canonical")
        for href in page.tree.xpath('//link[@rel="canonical"]/@href')
    )
    jsonld = (Found(v, rule) for v, rule in jsonld_values(page, "url") if isinstance(v, str))
    return first(_chain(links, meta_values(page, "url"), jsonld), clean_url)


def find_site(page: Page) -> Found | None:
    url = page.found.get("url")
    host = urlsplit(url).hostname if url else None
    return Found(host.removeprefix("www."), "url host") if host else None


def find_source(page: Page) -> Found | None:
    jsonld = (
        (_text_of(page, v) or "", rule + ".name") for v, rule in jsonld_values(page, "source")
    )
    candidates = _chain(
        (Found(v, r) for v, r in jsonld),
        meta_values(page, "source"),
        itemprop_values(page, "source"),
        _title_suffixes(page),
    )
    return first(candidates, clean_source)


def find_title(page: Page) -> Found | None:
    jsonld = (Found(_text_of(page, v) or "", r) for v, r in jsonld_values(page, "title"))
    candidates = _chain(
        jsonld,
        meta_values(page, "title"),
        itemprop_values(page, "title"),
        markup_titles(page),
    )
    return first(candidates, lambda value: clean_title(value, page))


def markup_titles(page: Page) -> Iterator[Found]:
    """Headings repeated in <title> first, then <title> itself, then other long headings."""
    titles = xpath_values(page, [("//title", "title")], limit=1)
    title = next(titles, None)
    headings = [h for h in xpath_values(page, X.HEADLINE_XPATHS, limit=3) if len(h.value) < 300]
    in_title = [h for h in headings if title and _norm(h.value) in _norm(title.value)]
    yield from (h for h in in_title if len(h.value.split()) >= 2)
    if title:
        yield title
    yield from (h for h in headings if len(h.value.split()) >= 3)


def find_author(page: Page) -> Found | None:
    candidates = _chain(
        _jsonld_authors(page),
        meta_values(page, "author"),
        itemprop_values(page, "author"),
        _bylines(page),
    )
    return first(candidates, lambda value: clean_author(value, page))


def find_author_role(page: Page) -> Found | None:
    """The first author's jobTitle in JSON-LD, or a role written after the byline name."""
    for value, rule in jsonld_values(page, "author"):
        for _, node in _names(page, value):
            if isinstance(node.get("jobTitle"), str) and node["jobTitle"].strip():
                return Found(_SPACES.sub(" ", node["jobTitle"]).strip(), rule + ".jobTitle")
    role = page.found.get("author_role")
    return Found(role, "byline role") if role else None


def find_date(page: Page) -> Found | None:
    """The publication date on the publisher's calendar (see `html_dates`)."""
    revision = first(xpath_values(page, X.WIKI_REVISION_XPATHS, limit=1), date_in_text)
    if revision:
        return revision
    jsonld = (Found(v, r) for v, r in jsonld_values(page, "date") if isinstance(v, str))
    candidates = _chain(
        jsonld,
        _published_meta(page),
        itemprop_values(page, "date"),
        xpath_values(page, X.DATE_XPATHS, limit=1),
        xpath_values(page, X.EPOCH_XPATHS, limit=1),
    )
    zone = publisher_zone(page)
    for candidate in candidates:
        value = normalise_date(candidate.value, zone)
        if value:
            return _printed_day(page, candidate, Found(value, candidate.rule))
    visible = xpath_values(page, X.DATE_TEXT_XPATHS, limit=3)
    return first(visible, date_in_text) or htmldate_fallback(page)


def publisher_zone(page: Page) -> tzinfo | None:
    """The publisher's time zone, from the page URL's country domain or its declared locale."""
    locales = [*page.tree.xpath("/html/@lang"), *page.tree.xpath("/html/@xml:lang")]
    locales += [v for key in X.LOCALE_METAS for v in page.meta.get(key, ())]
    return zone_for(page.found.get("url"), [str(v) for v in locales])


def _printed_day(page: Page, raw: Found, local: Found) -> Found:
    """A UTC instant moved to a guessed zone keeps its UTC day if the page prints that day.

    The zone guessed from a locale can be a template default; a date the page prints
    next to the headline is the publisher's own calendar.
    """
    utc = normalise_date(raw.value)
    if not utc or not utc.endswith("Z") or utc[:10] == local.value[:10]:
        return local
    printed = first(xpath_values(page, X.DATE_TEXT_XPATHS, limit=3), date_in_text)
    return Found(utc, local.rule) if printed and printed.value == utc[:10] else local


def find_location(page: Page) -> Found | None:
    jsonld = (Found(_text_of(page, v) or "", r) for v, r in jsonld_values(page, "location"))
    candidates = _chain(jsonld, meta_values(page, "location"), itemprop_values(page, "location"))
    return first(candidates, clean_location)


def _chain(*sources: Iterable[Found]) -> Iterator[Found]:
    for source in sources:
        yield from source


FIELD_FINDERS: tuple[tuple[str, Callable[[Page], Found | None]], ...] = (
    ("url", find_url),
    ("site", find_site),
    ("source", find_source),
    ("title", find_title),
    ("author", find_author),
    ("date", find_date),
    ("location", find_location),
)


# --- authors ---------------------------------------------------------------------------

_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|story|text|words)\s+)?(?:by|von|por|par|door|di|av|af)\b[:\s]*",
    re.I,
)
_ROLE_WORDS = re.compile(
    r"\b(writer|correspondent|editor|reporter|columnist|contributor|staff|producer|"
    r"analyst|critic|bureau|chief|author)\b",
    re.I,
)
_NAME_WORD = re.compile(
    r"^[A-Z\u00c0-\u024f\u0400-\u04ff][\w.'\u2019\-]*$|^(?:de|van|von|der|da|la|le|bin|al)$"
)


def _jsonld_authors(page: Page) -> Iterator[Found]:
    source = _norm(page.found.get("source"))
    for value, rule in jsonld_values(page, "author"):
        names = [
            name
            for name, node in _names(page, value)
            if not ("Organization" in _types(node) and _norm(name) == source)
        ]
        if names:
            yield Found(join_names(names), rule)


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' from distinct names."""
    unique = list(dict.fromkeys(_SPACES.sub(" ", n).strip() for n in names if n.strip()))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _bylines(page: Page) -> Iterator[Found]:
    for path, rule in X.BYLINE_XPATHS:
        hits = page.tree.xpath(f"{path}[not({X.BYLINE_EXCLUDED_ANCESTORS})]")
        for el in hits[:3]:
            text = element_text(el)
            if 0 < len(text) <= 120:
                yield Found(_split_role(page, text), f"byline {rule}")


def _split_role(page: Page, text: str) -> str:
    """'Jane Doe, Staff Writer' → 'Jane Doe' (noting the role for author_role)."""
    name, sep, rest = _BYLINE_PREFIX.sub("", text).partition(",")
    if sep and _ROLE_WORDS.search(rest) and "author_role" not in page.found:
        page.found["author_role"] = rest.strip(" ,.|")
    return name if sep and len(rest) < 60 else text


def clean_author(value: str, page: Page) -> str | None:
    """A credible personal name (or names), or None."""
    text = _SPACES.sub(" ", html.unescape(value)).strip()
    text = _BYLINE_PREFIX.sub("", text).strip(" ,;|:-")
    text = re.split(r"\s+[|•]\s+|\s+-\s+|\s*\(", text)[0].strip(" ,;")
    if not text or "@" in text or "://" in text or "/" in text or any(c.isdigit() for c in text):
        return None
    if _norm(text) in {_norm(page.found.get("source")), _norm(page.found.get("site"))}:
        return None
    words = re.split(r"\s+|,\s*", text.replace(" and ", ", ").replace(" & ", ", "))
    words = [w for w in words if w]
    if not 2 <= len(words) <= 12 or not all(_NAME_WORD.match(w) for w in words):
        return None
    if any(w.lower() in X.NOT_PERSON_WORDS for w in words):
        return None
    return text


# --- titles and sources ----------------------------------------------------------------


def _title_suffixes(page: Page) -> Iterator[Found]:
    """The site name written after the headline in <title> ('Headline - Site Name')."""
    for title in page.tree.xpath("//title")[:1]:
        text = element_text(title)
        for sep in (" | ", " - ", " – ", " — "):
            if sep in text:
                tail = text.rsplit(sep, 1)[1].strip()
                if 0 < len(tail) <= 40 and len(tail.split()) <= 5:
                    yield Found(tail, "title suffix")
                return


def clean_source(value: str) -> str | None:
    text = _SPACES.sub(" ", html.unescape(value)).strip()
    if not text or len(text) > 80 or "://" in text or text.startswith("@"):
        return None
    return text


def clean_title(value: str, page: Page) -> str | None:
    """The headline without a trailing or leading site name."""
    text = _SPACES.sub(" ", html.unescape(value)).strip()
    site_words = {_norm(page.found.get("source")), _norm(page.found.get("site"))}
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
    norm = _norm(text)
    if not norm:
        return False
    squashed = norm.replace(" ", "")
    if norm in site_words or _DOMAIN.match(norm):
        return True
    return len(stem) > 2 and stem in squashed and len(norm) <= 40


_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9\-]+(?:\.[a-z]{2,6}){1,2}$")


def _norm(value: str | None) -> str:
    return _SPACES.sub(" ", (value or "").casefold()).strip().removeprefix("the ")


def clean_url(value: str) -> str | None:
    text = value.strip()
    return text if text.startswith(("http://", "https://")) and " " not in text else None


def clean_location(value: str) -> str | None:
    text = _SPACES.sub(" ", value).strip(" ,.-")
    return text if 0 < len(text) <= 60 and not any(c.isdigit() for c in text) else None


# --- dates -----------------------------------------------------------------------------


def _published_meta(page: Page) -> Iterator[Found]:
    """Date metas in priority order; keys that name a modification are skipped."""
    for found in meta_values(page, "date"):
        if not any(word in found.rule for word in X.MODIFIED_WORDS):
            yield found


def htmldate_fallback(page: Page) -> Found | None:
    """htmldate's original-date guess, for pages that declare no date anywhere."""
    from htmldate import find_date as htmldate_find_date  # imported when first needed

    try:
        value = htmldate_find_date(page.tree, original_date=True, url=page.found.get("url"))
    except (ValueError, TypeError, RecursionError, etree.LxmlError):
        return None
    return Found(value, "htmldate original date") if value else None


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
    if title and rest and _norm(head) == _norm(title):
        return rest
    return body


def trafilatura_body(page: Page) -> Found | None:
    """trafilatura's main text, paragraphs joined by blank lines."""
    import trafilatura  # 0.13 s to import: only runs that read HTML pay it

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
    return "\n\n".join(t for t in (_SPACES.sub(" ", line).strip() for line in lines) if t)


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
    if not article.location:
        place = match["place"].title() if match["place"].isupper() else match["place"]
        article.location = place + match["region"]
        article.explain["location"] = "dateline"
    if not article.source and match["agency"]:
        article.source = match["agency"].strip()
        article.explain["source"] = "dateline agency"
    return body[match.end() :]


READER = HtmlReader()
