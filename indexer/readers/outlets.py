"""Outlet names: one canonical `source` per outlet from the names a page gives and its domain.

A page names its outlet in several places (JSON-LD publisher, og:site_name, application-name,
the <title>'s suffix) and its URL gives the domain. Taken one at a time each can be wrong: a
title ends with a date or a section ("Sep 24, 2005", "U.S. & World"), a site name carries its
slogan, a publisher is the parent company. Taken together they check one another: a name whose
letters spell the domain ("Los Angeles Times" / latimes, "Fox News" / foxnews) is the outlet,
and a domain alone is a name too ("latimes.com"), so one outlet never hides under a headline.

`choose_outlet` ranks the candidates (see `Tier`); the readers gather them. The words and
patterns are data in `outlet_rules`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from enum import Enum, IntEnum
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from anyascii import anyascii
from tld import Result, get_tld
from tld.utils import MozillaTLDSourceParser

from indexer.readers import outlet_rules as R

_SPACES = re.compile(r"\s+")
_WORD_SPLIT = re.compile(r"[^0-9a-z&+]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Reserved and internal top-level names (RFC 2606, 6761, 6762): not in the public suffix list.
_PRIVATE_HOST = re.compile(r"^[a-z0-9.-]+\.(?:example|test|invalid|localhost|local|internal)$")


class _ShippedSuffixList(MozillaTLDSourceParser):
    """The public suffix list as the `tld` wheel ships it: read locally, never fetched (the
    library downloads the list only when its file is missing; here that is a no-op)."""

    uid = "newsdesk-shipped-psl"

    @classmethod
    def update_tld_names(cls, fail_silently: bool = False) -> bool:
        return False


class Domain(NamedTuple):
    """A site's host split on its public suffix: 'money.cnn.com' -> label 'cnn', subs ('money',)."""

    host: str  # without "www.": the readable name of a site known only by its domain
    registrable: str  # 'cnn.com', 'bbc.co.uk', 'foo.blogspot.com'
    label: str  # the registrable part before the suffix: 'cnn'
    subs: tuple[str, ...]  # the other labels, serving labels (www, m, amp) left out


class Said(Enum):
    """Where a page gives a name: as its own name (og:site_name, application-name), as the
    article's publisher (JSON-LD, microdata, dc.publisher), or in its <title>."""

    SITE_NAME = "site name"
    PUBLISHER = "publisher"
    TITLE = "title"


class Candidate(NamedTuple):
    """A name the page gives for its outlet, where (`rule`) and as what (`said`)."""

    value: str
    rule: str
    said: Said


class Tier(IntEnum):
    """How far a candidate is trusted; the lowest tier wins, then the cascade's order."""

    SPELLS_DOMAIN = 0  # "Los Angeles Times" / latimes, "Fox News" / foxnews, "BBC News" / bbc
    STARTS_DOMAIN = 1  # a word left out: "USA TODAY NETWORK" / usatoday, "Sputnik International"
    SITE_NAME = 2  # the site's own name, not its domain's: "Arizona Daily Star" on tucson.com
    IS_DOMAIN = 3  # a domain written as a name, the page's own: "latimes.com", "CNN.com"
    PUBLISHER = 4  # a publisher that is not the site: "Associated Press" on seattlepi.com
    OTHER_DOMAIN = 5  # a declared name that is another site's domain


class Judged(NamedTuple):
    tier: Tier
    order: tuple[int, int]
    name: str
    rule: str


# --- domains ---------------------------------------------------------------------------


def unwrap_archive(url: str) -> str:
    """An archived copy's own URL: 'https://web.archive.org/web/2017/http://x.com/a' -> 'http://x.com/a'."""
    match = R.ARCHIVE_URL.match(url.strip())
    if not match:
        return url
    inner = match["url"]
    if not inner.lower().startswith(("http://", "https://")):
        inner = "http://" + inner.split("//", 1)[-1].lstrip("/")
    return re.sub(r"^(https?):/+", r"\1://", inner, flags=re.I)


def domain_of(url: str | None) -> Domain | None:
    """The site of a URL (an archived copy's inner URL), or None for a host without a suffix."""
    if not url:
        return None
    try:
        host = urlsplit(unwrap_archive(url.strip())).hostname
    except ValueError:
        return None
    return _domain(host) if host else None


def domain_name(text: str | None) -> Domain | None:
    """The site a name is when it is written as a host or URL ('CNN.com', 'www.wday.ru')."""
    match = R.DOMAIN_NAME.match((text or "").strip())
    return _domain(match["host"]) if match else None


@lru_cache(maxsize=4096)
def _domain(host: str) -> Domain | None:
    host = host.lower().rstrip(".")
    found = get_tld(
        f"http://{host}", as_object=True, fail_silently=True, parser_class=_ShippedSuffixList
    )
    readable = re.sub(r"^www\d?\.", "", host)
    if isinstance(found, Result) and found.domain:
        labels, registrable = [*found.subdomain.split("."), found.domain], found.fld
    elif _PRIVATE_HOST.match(host):  # a reserved or internal name ('.example', '.test')
        labels, registrable = host.split(".")[:-1], ".".join(host.split(".")[-2:])
    else:  # an address, or a name without a known suffix
        return None
    subs = tuple(s for s in labels[:-1] if s and s not in R.SERVING_LABELS)
    return Domain(readable, registrable, labels[-1], subs)


# --- comparing a name with a domain ----------------------------------------------------


def name_words(name: str) -> list[str]:
    """Lower-case ASCII words of a name: accents and scripts transliterated, camel case split
    ('NotíciaExata' -> ['noticia', 'exata'], 'Аргументы и Факты' -> ['argumenty', 'i', 'fakty'])."""
    text = _CAMEL.sub(" ", anyascii(unicodedata.normalize("NFC", name)))
    return [w for w in _WORD_SPLIT.split(text.lower().replace("'", "")) if w]


def letters(name: str) -> str:
    """The name's letters and digits only, as names are compared ('Just The News' is
    'Just the News')."""
    return "".join(w for w in name_words(name) if w not in ("&", "+"))


def domain_match(name: str, domain: Domain) -> Tier | None:
    """Whether the name spells the domain, each word by its initial or whole, in order.

    'Los Angeles Times' spells latimes (l, a, times); 'Fox News' foxnews; 'New York Post'
    nypost; 'CNNMoney' money.cnn (a subdomain may come first or last). Words may be left out
    ('BBC News' / bbc, 'The Philadelphia Inquirer' / inquirer), and the name may spell only the
    label's start when that start is long ('Sputnik International' / sputniknews).
    """
    words = tuple(w for w in name_words(name) if w not in ("&", "+"))
    if not words:
        return None
    targets = [domain.label] + [
        t for sub in domain.subs[-1:] for t in (sub + domain.label, domain.label + sub)
    ]
    spelt = [_spelling_cost(words, _alnum(t), prefix=(t == domain.label)) for t in targets]
    costs = [c for c in spelt if c is not None]
    if not costs:
        return None
    return Tier.SPELLS_DOMAIN if min(costs) == 0 else Tier.STARTS_DOMAIN


def _spelling_cost(words: tuple[str, ...], target: str, prefix: bool) -> int | None:
    """The fewest words left out in spelling `target` (or, with `prefix`, its start: one more),
    or None when the words cannot spell it."""
    costs = _spellings(words, target, free=True)
    if len(target) in costs:
        return costs[len(target)]
    if not prefix or not costs:
        return None
    left_out = _spellings(words, target, free=False)
    reach = max(left_out)
    long_enough = reach >= R.MIN_PREFIX_CHARS and reach * 2 >= len(target)
    # "News" is only the start of newsweek: a name that leaves nothing out must spell most of it
    if long_enough and (left_out[reach] > 0 or reach * 3 >= len(target) * 2):
        return left_out[reach] + 1
    return None


def _spellings(words: tuple[str, ...], target: str, free: bool) -> dict[int, int]:
    """For each length of `target` that some spelling reaches, the fewest words it leaves out.

    Each word is left out, spelt by its initial or spelt whole; with `free`, joining words
    ("the", "of") and section words ("News" in "BBC News" / bbc) are left out at no cost.
    """
    reached = {0: 0}
    for word in words:
        skip_cost = 0 if free and (word in R.JOINING_WORDS or word in R.SECTION_WORDS) else 1
        step: dict[int, int] = {}
        for pos, cost in reached.items():
            options = [(pos, cost + skip_cost)]
            if target.startswith(word, pos):
                options.append((pos + len(word), cost))
            if pos < len(target) and target[pos] == word[0]:
                options.append((pos + 1, cost))
            for end, c in options:
                step[end] = min(c, step.get(end, c))
        reached = step
    return {pos: cost for pos, cost in reached.items() if pos > 0}


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


# --- judging candidates ----------------------------------------------------------------


def clean_name(value: str) -> str | None:
    """A candidate name with its spaces collapsed and a legal form dropped, or None."""
    text = _SPACES.sub(" ", value.replace("\u00a0", " ")).strip(" |-–—:·,;")
    text = R.LEGAL_FORM.sub("", text).strip()
    if not text or text.startswith("@") or len(text) > R.MAX_NAME_CHARS:
        return None
    return text if any(c.isalpha() for c in text) else None


def rejection(
    name: str,
    headlines: Iterable[str] = (),
    sections: Iterable[str] = (),
    domains: Iterable[Domain] = (),
) -> str | None:
    """Why a name is not an outlet's, or None.

    'date' ("Sep 24, 2005"), 'headline' (the page's own headline), 'sentence' (too many words),
    'section' (a word of the URL's path, a subdomain alone, or section words only: "U.S. &
    World", "Current Articles"). A name that spells one of the page's `domains` is neither a
    headline nor a section, whatever its words ("Science" on science.org).
    """
    if is_date(name):
        return "date"
    key = letters(name)
    if not key:
        return "no letters"
    domains = list(domains)
    if any(domain_match(name, d) is not None for d in domains):
        return None  # a logo in <h1> or a section-like name ("Science" on science.org)
    if any(key == letters(h) for h in headlines):
        return "headline"
    if len(name.split()) > R.MAX_NAME_WORDS:
        return "sentence"
    if any(key == letters(s) for s in sections) or any(
        key == _alnum(s) for d in domains for s in d.subs
    ):
        return "section"
    spoken = [letters(w) or w for w in _SPACES.split(name.lower()) if w not in R.JOINING_WORDS]
    if all(w in R.SECTION_WORDS or w.strip(",:;") in R.SECTION_WORDS for w in spoken):
        return "section"
    return None


def is_date(text: str) -> bool:
    """'Sep 24, 2005', '2005-09-24', 'Monday 12': a date, not a name."""
    if R.NUMERIC_DATE.search(text):
        return True
    words = {w.strip(".,") for w in text.lower().split()}
    named = bool(words & R.MONTH_NAMES or words & R.DAY_NAMES)
    return named and bool(R.DIGITS.search(text))


def split_name(value: str) -> list[str]:
    """A name and its slogan or section apart: 'Yahoo News - Latest News & Headlines'."""
    return [part for part in R.NAME_SEPARATORS.split(value) if part.strip()]


def choose_outlet(
    candidates: Iterable[Candidate],
    domains: list[Domain],
    headlines: Iterable[str] = (),
    sections: Iterable[str] = (),
) -> tuple[str, str] | None:
    """The outlet's canonical name and the rule that gave it, or None.

    Each candidate is split from its slogan, cleaned and judged (`rejection`); the survivors
    are ranked by `Tier` and the cascade's order. A name that does not spell a known domain
    is dropped when it is a part of the <title> (a section, never the outlet), kept when
    declared: the site's own name above the bare domain, another publisher's below. Spellings
    of the winner that differ only in case or a leading "The" are folded to the one most
    candidates give ("The" kept: "The Hill", not "Hill"). With no name left, the domain itself.
    """
    headlines, sections = list(headlines), list(sections)
    judged: list[Judged] = []
    for n, candidate in enumerate(candidates):
        for m, part in enumerate(split_name(candidate.value)):
            found = _judge(part, candidate, domains, headlines, sections)
            if found is not None:
                judged.append(Judged(found[0], (n, m), found[1], candidate.rule))
    if judged:
        best = min(judged, key=lambda j: (j.tier, j.order))
        return _house_spelling(best, judged), best.rule
    if domains:
        return domains[0].host, "url host"
    return None


def _judge(
    part: str,
    candidate: Candidate,
    domains: list[Domain],
    headlines: list[str],
    sections: list[str],
) -> tuple[Tier, str] | None:
    name = clean_name(part)
    if name is None:
        return None
    # "Politics FOXNews.com": a section before the domain the title names
    named = domain_name(name) or domain_name(name.split()[-1])
    if named is not None:
        if not domains or any(named.registrable == d.registrable for d in domains):
            return Tier.IS_DOMAIN, named.host
        return (Tier.OTHER_DOMAIN, named.host) if candidate.said != Said.TITLE else None
    if rejection(name, headlines, sections, domains):
        return None
    tiers = [t for t in (domain_match(name, d) for d in domains) if t is not None]
    if tiers:
        return min(tiers), name
    if not domains:  # nothing to check the names against: the cascade's order decides
        return Tier.SITE_NAME, name
    if candidate.said == Said.TITLE:  # a title's part that is not the domain: a section
        return None
    return (Tier.SITE_NAME if candidate.said == Said.SITE_NAME else Tier.PUBLISHER), name


def _house_spelling(best: Judged, judged: list[Judged]) -> str:
    """The winner's spelling as most candidates give it, with "The" when any gives it."""
    key = _without_the(best.name)
    same = [j.name for j in judged if _without_the(j.name) == key]
    with_the = [s for s in same if s.lower().startswith("the ")]
    pool = with_the or same
    counts = Counter(pool)
    top = max(counts.values())
    return next(s for s in pool if counts[s] == top)


def _without_the(name: str) -> str:
    words = [w for w in name_words(name) if w not in ("&", "+")]
    return "".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


def outlet_from_domain(text: str) -> str | None:
    """The readable form of a name written as a domain ('TRIBUNNEWS.COM' -> 'tribunnews.com')."""
    named = domain_name(text)
    return named.host if named else None
