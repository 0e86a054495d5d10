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

1. Spellings that differ only in case, accents, hyphens or full stops are one name.
2. A full name whose words are some of another's, with the same first and last words, is
   that name ("Hillary Clinton" in "Hillary Rodham Clinton", "Donald Trump" in "Donald J.
   Trump"), unless two different longer names both hold it ("George Bush" in "George W.
   Bush" and "George H.W. Bush").
3. A one-word name is the surname of the one person (after 2) whose name ends with it;
   when two do ("Clinton": Bill and Hillary), it stays a name of its own.

Outlets (`source_names`) merge by rule 1 and a leading "The" ("The Hill" and "Hill"), and a
source written as a domain ("cnn.com") joins the name the same site's other articles give
("CNN"): the site's domain is indexed beside each article's source for that.

Each merged entity is shown under its most frequent spelling of more than one word (so
"Barack Obama", not "Obama", whichever is counted more; on a tie the shorter, "Hillary
Clinton"); the other spellings are its aliases.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_DROPPED = re.compile(r"[.\u2019'`]")


def fold(value: str) -> str:
    """The key two spellings of one name share: lower case, no accents, full stops or
    apostrophes, hyphens as spaces ("Murphy-O'Connor" and "murphy oconnor" meet)."""
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
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
                keys.setdefault(key(member), shown)
        for shown in set(canonical.values()):
            keys[key(shown)] = shown  # the shown spelling wins a key two entities share
        return cls(canonical, aliases, keys, key)

    def find(self, typed: str) -> str | None:
        """The shown name of the entity `typed` names (any spelling, any case), or None."""
        if typed in self.canonical:
            return self.canonical[typed]
        return self._keys.get(self.key(typed))

    def shown(self, value: str) -> str:
        """The shown name for a value as indexed (itself when the index has no such value)."""
        return self.canonical.get(value, value)


def _shown(members: list[str], counts: Mapping[str, int]) -> str:
    """The most frequent spelling of more than one word, else the most frequent one."""
    full = [m for m in members if len(fold(m).split()) > 1] or members
    return min(full, key=lambda m: (-counts[m], len(m), m))  # a tie: the plainer spelling


def speaker_names(counts: Mapping[str, int]) -> Names:
    """Speakers' spellings grouped by the three rules of this module's docstring."""
    spellings = _by_key(counts)
    keys = list(spellings)
    parent = {key: key for key in keys}
    full = [key for key in keys if len(key.split()) > 1]
    ends: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in full:
        ends[(key.split()[0], key.split()[-1])].append(key)
    for key in full:
        longest = _longest_holding(key, ends)
        if len(longest) == 1:
            parent[key] = longest[0]
    entities: dict[str, list[str]] = defaultdict(list)  # entity's key → its keys
    for key in full:
        entities[parent[key]].append(key)
    by_surname: dict[str, set[str]] = defaultdict(set)
    for entity, members in entities.items():
        for member in members:
            by_surname[member.split()[-1]].add(entity)
    for key in keys:
        if len(key.split()) == 1 and len(by_surname.get(key, ())) == 1:
            parent[key] = next(iter(by_surname[key]))
    groups: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        groups[parent[key]].extend(spellings[key])
    return Names.from_groups(groups.values(), counts)


def _longest_holding(key: str, ends: Mapping[tuple[str, str], list[str]]) -> list[str]:
    """The longest names (held by no longer one) that hold `key`'s words in order, with the
    same first and last word: `key` itself when none is longer."""
    words = key.split()
    holders = [
        other
        for other in ends.get((words[0], words[-1]), ())
        if other != key and _holds(other.split(), words)
    ]
    if not holders:
        return [key]
    return [h for h in holders if not any(_holds(o.split(), h.split()) for o in holders)]


def _holds(longer: list[str], shorter: list[str]) -> bool:
    """Whether `shorter`'s words appear in `longer` in order (some of `longer`'s may be left)."""
    if len(shorter) >= len(longer):
        return False
    words = iter(longer)
    return all(any(w == s for w in words) for s in shorter)


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
    """An outlet's own name keeps its "The" ("The Hill"): a spelling with it is preferred,
    then a name over a domain ("CNN", not "cnn.com"), then the most frequent."""
    named = [m for m in members if not is_domain(m)] or members
    named = [m for m in named if fold(m).startswith("the ")] or named
    return min(named, key=lambda m: (-counts[m], m))


def _by_key(counts: Mapping[str, int]) -> dict[str, list[str]]:
    spellings: dict[str, list[str]] = defaultdict(list)
    for value in counts:
        spellings[fold(value)].append(value)
    return spellings
