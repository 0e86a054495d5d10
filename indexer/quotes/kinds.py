"""What a name stands for: a person, an organisation, or nothing that speaks.

A speaker is a person ("Barack Obama") or an organisation ("FBI", "Iowa Democratic Party").
Places ("Vermont", "San Diego"), nationalities, parties used as people ("Tory", "Republican"),
calendar words, numbers and pronouns are neither and never get a quotation. The facts come from
the words of the name alone, worked out once per spelling (`name_facts`); what needs the
article (a common word it also writes in lower case: "Heart", "Story") is Cast's to judge.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from indexer.model import ORGANISATION, PERSON
from indexer.quotes import lexicon, rules

MAX_NAME_WORDS = 6  # "Mohammad Mehdi Akhoundzadeh" is 3; a longer run is a heading or a list


# "EgyptAir", "WeWork", "HuffPost": a capital after a lower-case letter, past the prefixes of
# family names ("McCain", "DeSantis", "LeBlanc", "MacArthur", "DiCaprio", "VanderMeer").
_BRAND = re.compile(r"^(?!(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|Vander|St|O')[A-Z])[A-Z]?[a-z]+[A-Z]")
_ACRONYM = re.compile(r"^(?:[A-Z][A-Z0-9&]{1,6}|(?:[A-Z]\.){2,4})$")  # FBI, NY1, AT&T, U.N.
_ROMAN = re.compile(r"^(?=[IVXL])M*(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})$")
_PARTY_TAG = re.compile(r"^[DRI]-[A-Z][A-Za-z.]+$")  # "D-Iowa", "R-Utah": a party and a state
_HEADLINE = re.compile(r"^[A-Z][A-Z'\-]*(?: [A-Z][A-Z'\-]*){3,}$")  # four words in capitals
_DOMAIN = re.compile(r"\.(?:com|org|net|co|io|news|tv)$", re.IGNORECASE)


class NameFacts(NamedTuple):
    """What the words of a name say about its bearer."""

    text: str  # "Ursula von der Leyen"
    given: bool  # has a word besides the surname and its particles
    never_speaks: bool  # a place, nationality, party, calendar word, number or pronoun
    non_person: bool  # has a word of an organisation or place: "County", "Times"
    kind: str  # PERSON or ORGANISATION, for a name that speaks


@functools.lru_cache(maxsize=16384)
def name_facts(name: tuple[str, ...]) -> NameFacts:
    """The facts of one spelling of a name (its tokens, title and possessive removed)."""
    text = " ".join(name)
    core = [t for t in name if t not in rules.NAME_PARTICLES]
    lower = {t.casefold().rstrip(".") for t in name}
    organisation = _is_organisation(name, lower)
    return NameFacts(
        text,
        len(core) > 1,
        _never_speaks(name, organisation),
        bool(lower & rules.NON_PERSON_WORDS),
        ORGANISATION if organisation else PERSON,
    )


def speaker_kind(name: str) -> str:
    """PERSON or ORGANISATION for a speaker's name given as text (a record's own speakers)."""
    return name_facts(tuple(name.split())).kind


def _is_organisation(name: tuple[str, ...], lower: set[str]) -> bool:
    if lower & (rules.ORGANISATION_WORDS | rules.ORGANISATION_NAMES):
        return True
    if len(name) > 1 and name[-1].casefold() in rules.PARTY_WORDS:
        return True  # "Scottish Labour", "Senate Republicans": a party under its name
    if len(name) == 1:
        word = name[0]
        if _ROMAN.match(word):
            return False
        return bool(_ACRONYM.match(word) or _BRAND.match(word) or _DOMAIN.search(word))
    return any(_ACRONYM.match(t) and not _ROMAN.match(t) for t in name) and not any(
        lexicon.is_given_name(t) for t in name
    )


def _never_speaks(name: tuple[str, ...], organisation: bool) -> bool:
    text = " ".join(name)
    low = text.casefold()
    if low in rules.NATIONALITIES or low in rules.PLACE_NAMES:
        return True
    if len(name) > MAX_NAME_WORDS:
        return True  # a run of capitals, not a name
    if len(name) > 1:
        if _HEADLINE.match(text):
            return True  # "BOSTON MARATHON BOMB SUSPECT DEAD": a headline, however it reads
        if organisation:
            return False
        if low.split()[0] in rules.EVENT_WORDS or low in rules.EVENT_NAMES:
            return True  # "Hurricane Katrina", "El Niño"
        if low.split()[-1] in rules.GEOGRAPHIC_WORDS and _names_a_place(name[0]):
            return True  # "Florida Keys", "Silicon Valley"; not "Michael Bay" or "Ricki Lake"
        return lexicon.is_place(text) or all(_is_plain_word(t) for t in name)
    word = low.rstrip(".")
    if word in rules.ORGANISATION_WORDS:
        return word not in rules.INSTITUTIONS  # a lone "Department", but "Congress"
    titles = rules.TITLE_WORDS | rules.OFFICE_WORDS
    if word in titles:
        return not lexicon.is_surname(word)  # a title without its name: "General", not "King"
    if "-" in word and all(part in titles for part in word.split("-")):
        return True  # "Vice-President"
    if (
        len(word) < 2
        or _PARTY_TAG.match(name[0])
        or word in rules.PARTY_WORDS
        or word in rules.NOT_NAME_WORDS
        or word in rules.NUMBER_WORDS
        or word in rules.CAPTION_VERBS
        or _ROMAN.match(name[0])
        or "'" in word
        or "\u2019" in word
    ):
        return True  # "Republican", "Wednesday", "Four", "Watch", "III", "I'm", "P"
    if organisation:
        return False
    if lexicon.is_region(text) or (lexicon.is_place(text) and not lexicon.is_given_name(text)):
        return True  # "Florida", "Houston"
    # a smaller city whose name is no one's: "Amiens", not "Lincoln" or "Jackson"
    return (
        lexicon.is_town(text) and not lexicon.is_given_name(text) and not lexicon.is_surname(text)
    )


def _names_a_place(first: str) -> bool:
    """Whether a name's first word may open a place's name: no given name, or a region's."""
    return not lexicon.is_given_name(first) or lexicon.is_region(first)


def _is_plain_word(token: str) -> bool:
    """A common word that is no one's first name: "Long Night" names no one."""
    return lexicon.is_common_word(token) and not lexicon.is_given_name(token)


def is_opener(token: str, following: list[str]) -> bool:
    """A capitalised word before a name that is no part of it: a sentence adverb
    ("Interestingly Blocher"), a caption's verb ("Watch Obama"), a compound ("Australian-born
    Assange"), a number ("Two Turkish"), or a common word before a given name ("Ophthalmologist
    Patricia McLaughlin", "Vendor Glenn Jones"), but not a word of a place ("San Diego") nor
    the nickname of a two-word name ("Woody Allen")."""
    if lexicon.is_place(" ".join([token, *following])):
        return False
    low = token.casefold()
    if low in rules.CAPTION_VERBS or low in rules.NUMBER_WORDS:
        return True
    if low.endswith(rules.COMPOUND_ENDINGS) and "-" in low:
        return True
    if lexicon.is_given_name(token):
        return False
    if low.endswith("ly") and lexicon.is_common_word(token):
        return True
    named = len(following) > 1 and lexicon.is_given_name(_first_part(following[0]))
    if low in rules.NATIONALITIES or lexicon.is_place(token):
        return named
    return named and lexicon.is_common_word(token)


def leading_place(name: list[str]) -> int:
    """How many words open `name` with a place before a full name: a dateline in capitals
    ("LOS ANGELES Paula Abdul"), a country ("Britain Liu Xiaming"). 0 when none does, or when
    fewer than two words would be left, or the whole is an organisation's name ("Swedish
    Prosecution Authority")."""
    if {w.casefold() for w in name} & rules.ORGANISATION_WORDS:
        return 0
    for size in (3, 2, 1):
        if len(name) - size < 2:
            continue
        words = name[:size]
        place = " ".join(words)
        if all(w.isupper() for w in words) and lexicon.is_place(place.title()):
            return size  # a dateline
        low = place.casefold()
        country = lexicon.is_region(place) or low in rules.PLACE_NAMES or low in rules.NATIONALITIES
        if country and not lexicon.is_given_name(words[0]):
            return size  # not "Georgia Ann Smith"
    return 0


def _first_part(token: str) -> str:
    return token.split("-", 1)[0]  # "Eva-Marie"
