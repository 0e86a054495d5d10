"""The cascade of each metadata field: url, site, source, title, author, date, location.

Each finder chains its candidate sources in priority order (JSON-LD, meta, microdata, markup)
and keeps the first that `html_clean` accepts; `fill_metadata` runs them in dependency order.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import tzinfo
from urllib.parse import urlsplit

from lxml import etree

from indexer.language import language_code
from indexer.model import Article
from indexer.readers import outlet_rules as R
from indexer.readers import xpaths as X
from indexer.readers.html_clean import (
    BYLINE_PREFIX,
    clean_author,
    clean_location,
    clean_title,
    clean_url,
    join_names,
    norm,
)
from indexer.readers.html_dates import date_in_text, date_precision, normalise_date, zone_for
from indexer.readers.html_jsonld import jsonld_values, names, text_of, types
from indexer.readers.html_page import (
    SPACES,
    Found,
    Page,
    element_text,
    first,
    itemprop_values,
    meta_values,
    xpath_values,
)
from indexer.readers.outlets import (
    Candidate,
    Domain,
    Said,
    choose_outlet,
    domain_name,
    domain_of,
    letters,
    rejection,
    split_name,
    unwrap_archive,
)

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
    """The page's domain: its URL's host (an archived copy's original), else a <base href>,
    else a domain the page writes as its name ("Forbes.com: ...", og:site_name "latimes.com")."""
    for url, rule in page_urls(page):
        domain = domain_of(url)
        if domain:
            return Found(domain.host, rule)
    host = _host(page.found.get("url"))
    if host:  # no public suffix (localhost, an address): the host as it is
        return Found(host.removeprefix("www."), "url host")
    for candidate in source_candidates(page):
        named = domain_name(candidate.value)
        if named:
            return Found(named.host, f"domain named in {candidate.rule}")
    return None


def _host(url: str | None) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:  # "http://[bad" is no URL
        return None


def find_source(page: Page) -> Found | None:
    """The outlet (see `outlets`): the names the page gives, checked against its domains."""
    domains, candidates = page_domains(page), source_candidates(page)
    sections = url_sections(page.found.get("url"))
    chosen = choose_outlet(candidates, domains, headlines(page), sections)
    page.outlet_names = _names_around_titles(candidates, domains, sections)
    if chosen:
        page.outlet_names.add(norm(chosen[0]))
    return Found(*chosen) if chosen else None


def _names_around_titles(
    candidates: list[Candidate], domains: list[Domain], sections: list[str]
) -> set[str]:
    """What a title may end with besides its headline, for `clean_title` to drop: the names
    the page declares, and the title's own dates and sections."""
    names = set()
    for candidate in candidates:
        for part in split_name(candidate.value):
            reason = rejection(part, (), sections, domains)
            if candidate.said != Said.TITLE or reason in ("date", "section"):
                names.add(norm(part))
    return names


def find_title(page: Page) -> Found | None:
    jsonld = (Found(text_of(page, v) or "", r) for v, r in jsonld_values(page, "title"))
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
    in_title = [h for h in headings if title and norm(h.value) in norm(title.value)]
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
        for _, node in names(page, value):
            if isinstance(node.get("jobTitle"), str) and node["jobTitle"].strip():
                return Found(SPACES.sub(" ", node["jobTitle"]).strip(), rule + ".jobTitle")
    role = page.found.get("author_role")
    return Found(role, "byline role") if role else None


def find_date(page: Page) -> Found | None:
    """The publication date on the publisher's calendar (see `html_dates`)."""
    declared = find_language(page)
    code = language_code(declared.value) if declared else None
    read = functools.partial(date_in_text, languages=(code,) if code else ())
    revision = first(xpath_values(page, X.WIKI_REVISION_XPATHS, limit=1), read)
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
    return first(visible, read) or htmldate_fallback(page)


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
    jsonld = (Found(text_of(page, v) or "", r) for v, r in jsonld_values(page, "location"))
    candidates = _chain(jsonld, meta_values(page, "location"), itemprop_values(page, "location"))
    return first(candidates, clean_location)


def _chain(*sources: Iterable[Found]) -> Iterator[Found]:
    for source in sources:
        yield from source


def find_language(page: Page) -> Found | None:
    """The language the page declares: `<html lang>`, then a locale or language meta; the
    tag as written, checked and read as ISO 639-1 once the text is known."""
    for rule in ("/html/@lang", "/html/@xml:lang"):
        for value in page.tree.xpath(rule):
            if language_code(str(value)):
                return Found(str(value), f"html {rule.rsplit('@', 1)[1]}")
    for key in X.LOCALE_METAS:
        for value in page.meta.get(key, ()):
            if language_code(value):
                return Found(value, f"meta {key}")
    return None


FIELD_FINDERS: tuple[tuple[str, Callable[[Page], Found | None]], ...] = (
    ("url", find_url),
    ("site", find_site),
    ("source", find_source),
    ("title", find_title),
    ("author", find_author),
    ("date", find_date),
    ("location", find_location),
    ("language", find_language),
)


# --- authors ---------------------------------------------------------------------------

_ROLE_WORDS = re.compile(
    r"\b(writer|correspondent|editor|reporter|columnist|contributor|staff|producer|"
    r"analyst|critic|bureau|chief|author)\b",
    re.I,
)


def _jsonld_authors(page: Page) -> Iterator[Found]:
    source = norm(page.found.get("source"))
    for value, rule in jsonld_values(page, "author"):
        people = [
            name
            for name, node in names(page, value)
            if not ("Organization" in types(node) and norm(name) == source)
        ]
        if people:
            yield Found(join_names(people), rule)


def _bylines(page: Page) -> Iterator[Found]:
    for path, rule in X.BYLINE_XPATHS:
        hits = page.tree.xpath(f"{path}[not({X.BYLINE_EXCLUDED_ANCESTORS})]")
        for el in hits[:3]:
            text = element_text(el)
            if 0 < len(text) <= 120:
                yield Found(_split_role(page, text), f"byline {rule}")


def _split_role(page: Page, text: str) -> str:
    """'Jane Doe, Staff Writer' → 'Jane Doe' (noting the role for author_role)."""
    name, sep, rest = BYLINE_PREFIX.sub("", text).partition(",")
    if sep and _ROLE_WORDS.search(rest) and "author_role" not in page.found:
        page.found["author_role"] = rest.strip(" ,.|")
    return name if sep and len(rest) < 60 else text


# --- sources ---------------------------------------------------------------------------


def source_candidates(page: Page) -> list[Candidate]:
    """Names the page gives its outlet, in priority order: declared ones (JSON-LD publisher,
    meta, microdata), then the parts of <title> around the headline."""
    declared = [
        Found(name, f"{rule}.name")
        for value, rule in jsonld_values(page, "source")
        for name, _ in names(page, value)
    ]
    declared += [*meta_values(page, "source"), *itemprop_values(page, "source")]
    found = [Candidate(html.unescape(f.value), f.rule, _said(f.rule)) for f in declared]
    return found + [Candidate(v, r, Said.TITLE) for v, r in title_parts(page)]


def _said(rule: str) -> Said:
    site_name = rule.startswith("meta ") and rule[5:] in X.SITE_NAME_METAS
    return Said.SITE_NAME if site_name else Said.PUBLISHER


def title_parts(page: Page) -> Iterator[Found]:
    """The parts of <title> besides the headline: last, first, then the middle ones
    ('Headline - Section - Site', 'Site - Headline - Date'); a leading 'Forbes.com:' when
    what comes before the colon is a domain."""
    for title in page.tree.xpath("//title")[:1]:
        text = element_text(title)
        prefix = R.TITLE_PREFIX.match(text)
        if prefix and domain_name(prefix["prefix"]):
            yield Found(prefix["prefix"], "title prefix")
        parts = split_name(text)
        if len(parts) < 2:
            return
        headline = _headline_part(parts, headlines(page))
        for n in [len(parts) - 1, 0, *range(1, len(parts) - 1)]:
            if n != headline:
                yield Found(parts[n], "title suffix" if n else "title prefix")


def _headline_part(parts: list[str], stated: list[str]) -> int:
    """Which part of a title is the headline: the one the page states as its headline
    (og:title, JSON-LD), else the longest."""
    keys = [letters(h) for h in stated]
    for n, part in enumerate(parts):
        if letters(part) in keys:
            return n
    return max(range(len(parts)), key=lambda n: len(parts[n]))


def page_urls(page: Page) -> Iterator[tuple[str, str]]:
    """The page's own URLs with their rule: canonical (or og:url), then <base href>."""
    url = page.found.get("url")
    if url:
        yield url, "url host"
    for value in page.meta.get("og:url", ()):
        yield value, "og:url host"
    for href in page.tree.xpath("//base/@href")[:1]:
        yield str(href), "base href host"


def page_domains(page: Page) -> list[Domain]:
    """The page's domains (distinct sites), the site field's first; a named one if none."""
    found = [d for d in (domain_of(url) for url, _ in page_urls(page)) if d is not None]
    site = domain_name(page.found.get("site"))
    if site is not None:
        found.insert(0, site)
    return list({d.registrable: d for d in reversed(found)}.values())[::-1]


def headlines(page: Page) -> list[str]:
    """What the page states as its headline (JSON-LD, meta): a name equal to one is no outlet."""
    texts = [text_of(page, v) or "" for v, _ in jsonld_values(page, "title")]
    texts += [f.value for f in meta_values(page, "title")]
    return [t for t in texts if t]


def url_sections(url: str | None) -> list[str]:
    """The words of a URL's path before its last part ('/Danmark/...', '/politics/...')."""
    if not url:
        return []
    try:
        path = urlsplit(unwrap_archive(url)).path
    except ValueError:
        return []
    parts = [p for p in path.split("/") if p]
    return [p.replace("-", " ") for p in parts[:-1][:2] if any(c.isalpha() for c in p)]


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
