"""One facet value per entity: the spellings of a speaker or an outlet merged across articles.

Articles name people and outlets in several ways: "Barack Obama" and "Obama", "Hillary Rodham
Clinton" and "Hillary Clinton", "Murphy-O'Connor" and "Murphy O'Connor", "The Hill" and
"Hill". Each article's parse already gives every mention of one person in that article the
fullest name it holds (indexer/quotes/people.py); what no single article can know is which
full name a short form stands for across the corpus. That is worked out here, from the index's
own values, once per index generation, so that it follows the corpus as it grows: "Obama" joins
"Barack Obama" while he is the only Obama quoted, and parts from him the day a "Michelle Obama"
is.

The rules, for speakers (`speaker_names`):

1. Spellings that differ only in case, accents, hyphens or full stops are one name, and so
   are names that differ only by a generational suffix ("Martin Luther King Jr.").
2. A person's full name whose words are some of another's, in order, with the same first and
   last words, is that name ("Hillary Clinton" in "Hillary Rodham Clinton", "Donald Trump" in
   "Donald J. Trump"; an initial stands for the word it begins, so "Hillary R. Clinton" too),
   unless two different longer names both hold it ("George Bush" in "George W. Bush" and
   "George H.W. Bush").
3. A one-word name is the surname of the one person (after 2) whose name ends with it;
   when two do ("Clinton": Bill and Hillary), it stays a name of its own, and so it does when
   it is quoted more than SURNAME_RATIO times as often as that person ("Trump" beside a
   lone "Ivanka Trump" is someone else).

Rules 2 and 3 are for people: an organisation's name ("University of Southern California",
"Thomson Reuters": a speaker the parse found to be one, indexed in `f_organisation`) never
loses or lends words.
Outlets (`source_names`) merge by rule 1 and a leading "The" ("The Hill" and "Hill"), and a
source written as a domain ("cnn.com") joins the name the same site's other articles give
("CNN"): the site's domain is indexed beside each article's source for that.

Each merged speaker is shown under its most frequent spelling of more than one word (so
"Barack Obama", not "Obama", whichever is counted more; on a tie the shorter, "Hillary
Clinton"), an outlet under its most frequent name (on a tie the one with "The"); the other
spellings are its aliases.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_DROPPED = re.compile(r"[.\u2019'`]")


@functools.lru_cache(maxsize=1 << 18)
def fold(value: str) -> str:
    """The key two spellings of one name share: lower case, no accents on Latin letters, no
    full stops or apostrophes, hyphens as spaces ("Murphy-O'Connor" and "murphy oconnor"
    meet; "Zélensky" and "Zelensky" too, but not "Й" and "И", nor "ガ" and "カ", which are
    other letters)."""
    if value.isascii():
        return " ".join(_SEPARATORS.sub(" ", _DROPPED.sub("", value.lower())).split())
    text = unicodedata.normalize("NFKD", value.casefold())
    kept: list[str] = []
    for c in text:
        if unicodedata.combining(c) and kept and kept[-1] < "\u0250":
            continue  # an accent on a Latin letter
        kept.append(c)
    text = unicodedata.normalize("NFKC", "".join(kept))
    return " ".join(_SEPARATORS.sub(" ", _DROPPED.sub("", text)).split())


@dataclass
class Names:
    """The facet values of one generation, grouped into entities.

    `canonical` maps each value as indexed to the entity's shown name; `aliases` maps a shown
    name to its other spellings, most frequent first; `find` reads a name as a user types it.
    """

    canonical: dict[str, str]
    aliases: dict[str, list[str]] = field(default_factory=dict)
    _keys: dict[str, str] = field(default_factory=dict)
    key: Callable[[str], str] = fold
    by_surname: bool = False  # people: a surname alone finds the one who bears it
    _by_last: dict[str, str] | None = None  # made on first use

    @classmethod
    def from_groups(
        cls,
        groups: Iterable[list[str]],
        counts: Mapping[str, int],
        key: Callable[[str], str] = fold,
        shown_of: Callable[[list[str], Mapping[str, int]], str] | None = None,
    ) -> Names:
        canonical: dict[str, str] = {}
        aliases: dict[str, list[str]] = {}
        keys: dict[str, str] = {}
        for members in groups:
            shown = (shown_of or _shown)(members, counts)
            others = sorted((m for m in members if m != shown), key=lambda m: (-counts[m], m))
            if others:
                aliases[shown] = others
            for member in members:
                canonical[member] = shown
                if key(member):  # punctuation alone is no one's key
                    keys.setdefault(key(member), shown)
        for shown in set(canonical.values()):
            if key(shown):
                keys[key(shown)] = shown  # the shown spelling wins a key two entities share
        return cls(canonical, aliases, keys, key)

    def find(self, typed: str) -> str | None:
        """The shown name of the entity `typed` names (any spelling, any case; a surname alone
        when one entity bears it: "zelensky"), or None."""
        if typed in self.canonical:
            return self.canonical[typed]
        key = self.key(typed)
        if key in self._keys:
            return self._keys[key]
        if not self.by_surname or not key or " " in key:
            return None
        return self._surnames().get(key)

    def _surnames(self) -> dict[str, str]:
        """Each last word of the names' spellings, with the entity when only one bears it."""
        if self._by_last is None:
            bearers: dict[str, set[str]] = defaultdict(set)
            for spelling, shown in self.canonical.items():
                words = self.key(spelling).split()
                if len(words) > 1:
                    bearers[words[-1]].add(shown)
            self._by_last = {w: next(iter(s)) for w, s in bearers.items() if len(s) == 1}
        return self._by_last

    def shown(self, value: str) -> str:
        """The shown name for a value as indexed (itself when the index has no such value)."""
        return self.canonical.get(value, value)


def _shown(members: list[str], counts: Mapping[str, int]) -> str:
    """The most frequent spelling of more than one word, else the most frequent one."""
    full = [m for m in members if len(fold(m).split()) > 1] or members
    return min(full, key=lambda m: (-counts[m], len(m), m))  # a tie: the plainer spelling


def speaker_names(counts: Mapping[str, int], organisations: Collection[str] = ()) -> Names:
    """Speakers' spellings grouped by the three rules of this module's docstring; rules 2 and
    3 join people's names only, not the `organisations` ("University of California" holds no
    other university)."""
    spellings = _by_key(counts)
    parent = {key: key for key in spellings}
    people = {
        key
        for key, values in spellings.items()
        if key and not any(value in organisations for value in values)
    }
    same_words: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key in sorted(people):
        same_words[_words(key)].append(key)
    for keys in same_words.values():  # "Martin Luther King Jr." and "Martin Luther King"
        for key in keys[1:]:
            parent[key] = keys[0]
    full = [keys[0] for words, keys in same_words.items() if len(words) > 1]
    ends: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in full:
        ends[(_words(key)[0], _words(key)[-1])].append(key)
    for key in full:
        holders = ends[(_words(key)[0], _words(key)[-1])]
        if len(holders) <= MAX_SAME_ENDS:
            longest = _longest_holding(key, holders)
            if len(longest) == 1:
                parent[key] = longest[0]
    quoted = Counter[str]()  # an entity's count, its spellings' summed
    for key in spellings:
        quoted[parent[key]] += sum(counts[v] for v in spellings[key])
    by_surname: dict[str, set[str]] = defaultdict(set)
    for key in full:
        by_surname[_words(key)[-1]].add(parent[key])
    for key in people:
        bearers = by_surname.get(key, ()) if len(_words(key)) == 1 else ()
        if len(bearers) == 1:
            entity = next(iter(bearers))
            if quoted[key] <= SURNAME_RATIO * quoted[entity]:
                parent[key] = entity
    groups: dict[str, list[str]] = defaultdict(list)
    for key in spellings:
        groups[parent[key]].extend(spellings[key])
    names = Names.from_groups(groups.values(), counts)
    names.by_surname = True
    return names


# A surname quoted more than this many times as often as the one full name that ends with it is
# someone else's: "Trump" 200 times beside "Ivanka Trump" twice, "Jackson" beside "Janet Jackson".
SURNAME_RATIO = 10

# Names sharing their first and last words beyond this many ("John ... Smith") are compared no
# further: pairing them grows with the square of their number, and so does their ambiguity.
MAX_SAME_ENDS = 64

_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@functools.lru_cache(maxsize=65536)
def _words(key: str) -> tuple[str, ...]:
    """A folded name's words without a generational suffix ("martin luther king jr")."""
    words = tuple(key.split())
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    return words


def _longest_holding(key: str, holders: list[str]) -> list[str]:
    """The longest names (held by no longer one) among `holders` that hold `key`'s words in
    order: `key` itself when none does."""
    words = _words(key)
    found = [h for h in holders if h != key and _holds(_words(h), words)]
    if not found:
        return [key]
    return [h for h in found if not any(_holds(_words(o), _words(h)) for o in found if o != h)]


def _holds(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """Whether `shorter`'s words appear in `longer` in order, an initial standing for a word
    it begins ("hillary r clinton" in "hillary rodham clinton"), `longer` saying more."""
    if len(shorter) > len(longer) or shorter == longer:
        return False
    rest = iter(longer)
    initials = 0
    for word in shorter:
        for other in rest:
            if other == word:
                break
            if len(word) == 1 and other.startswith(word):
                initials += 1
                break
        else:
            return False
    return len(shorter) < len(longer) or initials > 0


def source_names(counts: Mapping[str, int], named: Mapping[str, str] | None = None) -> Names:
    """Outlets' spellings grouped by case and punctuation, and a leading "The"; a source
    written as a domain joins the outlet name `named` gives it ("cnn.com" → "CNN": the name
    the site's other articles give)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for value in counts:
        name = (named or {}).get(value, value)
        groups[outlet_key(name if name in counts else value)].append(value)
    return Names.from_groups(groups.values(), counts, outlet_key, _shown_outlet)


_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}$", re.IGNORECASE)


def is_domain(value: str) -> bool:
    """A source written as a host name: "cnn.com", "latimes.com"."""
    return _DOMAIN.match(value) is not None


def outlet_key(value: str) -> str:
    """`fold` without a leading "the": "The Hill", "the hill" and "Hill" meet."""
    key = fold(value)
    return key[4:] if key.startswith("the ") and len(key) > 4 else key


def _shown_outlet(members: list[str], counts: Mapping[str, int]) -> str:
    """A name over a domain ("CNN", not "cnn.com"), then the most frequent spelling, and on a
    tie the one with its "The" ("The Hill")."""
    named = [m for m in members if not is_domain(m)] or members
    return min(named, key=lambda m: (-counts[m], not fold(m).startswith("the "), m))


def _by_key(counts: Mapping[str, int]) -> dict[str, list[str]]:
    """Spellings by their key; a value with no key (punctuation alone) stands alone."""
    spellings: dict[str, list[str]] = defaultdict(list)
    for value in counts:
        spellings[fold(value) or value].append(value)
    return spellings
