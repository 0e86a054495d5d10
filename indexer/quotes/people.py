"""Pass 2: the people an article names, each under the fullest form of their name.

Every capitalised run of the masked body is split into a title ("U.S. Secretary of Defense",
"County Auditor") and a name ("Lloyd Austin"), lower-case particles staying in the name
("Ursula von der Leyen"). A Cast merges "Zelensky" and "President Volodymyr Zelensky" into one
Person; countries and nationalities ("Lithuania", "Ukrainian") are never speakers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

from indexer.quotes import rules
from indexer.quotes.patterns import (
    NAME_RUN,
    PARTICLES_BEFORE,
    POSSESSIVE_END,
    ROLE_AFTER_NAME,
    ROLE_BEFORE_NAME,
    ROLE_WORD,
)

_PARTICLE_ENDINGS = tuple(rules.NAME_PARTICLES)
# words that may stand before a name without being part of it: titles, offices, roles, openers
_TITLE_OR_OPENER = rules.TITLE_WORDS | rules.OFFICE_WORDS | rules.ROLE_NOUNS | rules.NOT_NAME_WORDS


def _endings_by_tail(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """`words` grouped by their last two letters, for a dictionary look-up before `endswith`."""
    tails: dict[str, list[str]] = {}
    for word in words:
        tails.setdefault(word[-2:], []).append(word)
    return {tail: tuple(group) for tail, group in tails.items()}


_NAME_WORD_ENDINGS = _endings_by_tail(
    rules.ROLE_NOUNS | rules.NAME_PARTICLES | {"campaign", "former"}
)
_ROLE_BEFORE_ENDINGS = (*rules.ROLE_NOUNS, "campaign", "former")


@dataclass
class Person:
    """A person (or organisation) named in the article, under their fullest name."""

    tokens: list[str]
    role: str | None = None
    is_person: bool = True
    is_place: bool = False  # a country or a nationality: never a speaker
    given: bool = False  # the name has a word besides the surname: "Ursula von der Leyen"

    @property
    def name(self) -> str:
        return " ".join(self.tokens)

    def role_words(self) -> frozenset[str]:
        """Lower-case words of the role, with title abbreviations spelled out."""
        return _role_words(self.role or "")


@functools.lru_cache(maxsize=4096)
def _role_words(role: str) -> frozenset[str]:
    words: set[str] = set()
    for w in ROLE_WORD.findall(role.lower()):
        w = w.rstrip(".")
        words.add(w)
        words.update(rules.TITLE_ALIASES.get(w, "").split())
    return frozenset(words)


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    person: Person


def _split_title(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Title tokens and name tokens of a capitalised run; the name stops at "of New York"."""
    cut = i = 0
    while i < len(tokens):
        if tokens[i] == "of":
            if cut != i or i == 0 or i + 2 >= len(tokens):
                break
            i = cut = i + 2  # "Secretary of Defense": the word after "of" is part of the title
            continue
        if _is_title_token(tokens[i]) and i < len(tokens) - 1:
            cut = i + 1
        i += 1
    return tokens[:cut], tokens[cut:i]


def _is_title_token(token: str) -> bool:
    if token in rules.NAME_PARTICLES:
        return False  # "del" in "Armando del Rey"; the title is "Del."
    return (
        token.lower().rstrip(".") in _TITLE_OR_OPENER
        or _is_dotted(token)
        or token.endswith(("\u2019s", "'s"))
    )


def _is_dotted(token: str) -> bool:
    return len(token) > 2 and token.count(".") >= 2  # U.S., D.C.


def _clean_name(tokens: list[str]) -> list[str]:
    """Name tokens without a possessive ending; "Von der Leyen" opening a sentence is "von der
    Leyen" (a capital particle followed by a lower-case one was capitalised by its position)."""
    out = list(tokens)
    if out and out[-1].endswith(("s", "\u2019", "'")):
        out[-1] = POSSESSIVE_END.sub("", out[-1])
    out = [t for t in out if t]
    if len(out) > 2 and out[1] in rules.NAME_PARTICLES and out[0].lower() in rules.NAME_PARTICLES:
        out[0] = out[0].lower()
    return out


class _NameFacts(NamedTuple):
    """What the words of a name say about its bearer, worked out once per spelling."""

    text: str  # "Ursula von der Leyen"
    given: bool  # has a word besides the surname and its particles
    is_place: bool  # a country, region or nationality: "Lithuania", "Ukrainian"
    non_person: bool  # has a word of an organisation or place: "County", "Times"


@functools.lru_cache(maxsize=16384)
def _name_facts(name: tuple[str, ...]) -> _NameFacts:
    text = " ".join(name)
    core = [t for t in name if t not in rules.NAME_PARTICLES]
    lower = {t.lower().rstrip(".") for t in name}
    is_place = text.lower() in rules.PLACE_NAMES or text.lower() in rules.NATIONALITIES
    return _NameFacts(text, len(core) > 1, is_place, bool(lower & rules.NON_PERSON_WORDS))


class Cast:
    """The people of one article, each under the fullest form of their name."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        self._by_name: dict[tuple[str, ...], Person] = {}  # full names are unique in a cast
        self._by_last: dict[str, list[Person]] = {}  # a person's last token never changes
        # short forms already resolved ("Kirby"), until someone new shares the surname
        self._aliases: dict[tuple[str, ...], Person] = {}

    def add(self, titled: bool, name: tuple[str, ...]) -> Person:
        """The person for a mention, merged with an earlier mention of the same name; a name
        given with a title (`titled`) is a person's unless its words say otherwise."""
        person = self._by_name.get(name) or self._aliases.get(name)
        if person is None:
            person = self._new_or_renamed(titled, name)
        elif titled and not person.is_person and not person.is_place:
            person.is_person = not _name_facts(name).non_person
        return person

    def _new_or_renamed(self, titled: bool, name: tuple[str, ...]) -> Person:
        """The person for a name not met before: a new one, or one met under a shorter name."""
        facts = _name_facts(name)
        person = self.find(name, facts)
        if person is None:
            is_person = not facts.non_person and not facts.is_place and (facts.given or titled)
            person = Person(
                list(name), is_person=is_person, is_place=facts.is_place, given=facts.given
            )
            self.people.append(person)
            self._by_name[name] = person
            self._by_last.setdefault(name[-1], []).append(person)
            self._forget_aliases(name[-1])
        elif len(name) > len(person.tokens):
            del self._by_name[tuple(person.tokens)]
            person.tokens = list(name)
            person.given = facts.given
            self._by_name[name] = person
            person.is_place = facts.is_place
            person.is_person = not facts.is_place and (person.is_person or not facts.non_person)
            self._forget_aliases(name[-1])
        else:
            self._aliases[name] = person
        if titled and not person.is_person and not person.is_place and not facts.non_person:
            person.is_person = True
        return person

    def _forget_aliases(self, surname: str) -> None:
        for alias in [a for a in self._aliases if a[-1] == surname]:
            del self._aliases[alias]

    def find(self, name: tuple[str, ...], facts: _NameFacts) -> Person | None:
        """The person met before under another form of this name: a shared surname.

        A surname takes its particles along: "von der Leyen" and "Leyen" are "Ursula von der
        Leyen"; "Le Pen" opening a sentence is "Marine Le Pen" as much as "le Pen" would be.
        """
        for person in reversed(self._by_last.get(name[-1], ())):
            if person.given != facts.given:
                return person
        if len(name) == 2 and name[0].lower() in rules.NAME_PARTICLES:
            for person in reversed(self._by_last.get(name[-1], ())):
                if len(person.tokens) > 2 and person.tokens[-2].lower() == name[0].lower():
                    return person
        return None

    def by_role(self, noun_phrase: str, people: list[Person]) -> Person | None:
        """The latest of `people` whose role has the head noun of "the senator"."""
        head = noun_phrase.lower().split()[-1]
        for person in reversed(people):
            if person.is_person and head in person.role_words():
                return person
        return None


def _role_before(masked: str, start: int) -> str | None:
    """Lower-case role words just before a name: "coordinator" in "... coordinator John Kirby"."""
    window = masked[max(0, start - 120) : start]
    if not window[-1:].isspace() or not window.rstrip().endswith(_ROLE_BEFORE_ENDINGS):
        return None  # the cheap test first: most names follow no role word
    m = ROLE_BEFORE_NAME.search(window)
    return m.group(1).strip() if m else None


def _role_after(masked: str, end: int) -> str | None:
    """An appositive role: "Randy Evans, a Republican National Committeeman from Georgia"."""
    m = ROLE_AFTER_NAME.match(masked[end : end + 140])
    return m.group(1).strip() if m else None


def find_mentions(masked: str, cast: Cast) -> list[Mention]:
    """Every capitalised run in the masked body that holds a name, in order."""
    found: list[Mention] = []
    for m in NAME_RUN.finditer(masked):
        title, name, offset, titled = _title_and_name(m.group())
        if not name:
            continue
        start, end = m.span()
        after_word = _follows_name_word(masked, start)
        if after_word and not title:
            name = _particles_before(masked, start) + name
        person = cast.add(titled, name)
        # the first role given stays; most mentions come with none (no title, word or comma)
        if person.role is None and (title or after_word or masked[end : end + 1] == ","):
            person.role = _role_of(masked, start, end, title, after_word)
        found.append(Mention(start + offset, end, person))
    return found


def _role_of(
    masked: str, start: int, end: int, title: tuple[str, ...], after_word: bool
) -> str | None:
    """The role given with a name: words before it, its title, or an appositive after it."""
    role = " ".join(title)
    before = _role_before(masked, start) if after_word else None
    if before:
        role = f"{before} {role}" if role else before
    if not role and masked[end : end + 1] == ",":
        return _role_after(masked, end)
    return role or None


def _follows_name_word(masked: str, start: int) -> bool:
    """True when a role word or a name particle ends right before the name at `start`; the
    cheap test that spares most names the searches of _role_before and _particles_before."""
    if not masked[start - 1 : start].isspace():
        return False
    text = masked[max(0, start - 40) : start].rstrip()
    endings = _NAME_WORD_ENDINGS.get(text[-2:])
    return endings is not None and text.endswith(endings)


def _particles_before(masked: str, start: int) -> tuple[str, ...]:
    """Lower-case particles that open a name: "von der" in "said von der Leyen"."""
    if not masked[max(0, start - 5) : start].rstrip(" \u00a0").endswith(_PARTICLE_ENDINGS):
        return ()
    m = PARTICLES_BEFORE.search(masked, max(0, start - 30), start)
    return tuple(m.group().split()) if m else ()


@functools.lru_cache(maxsize=16384)
def _title_and_name(run: str) -> tuple[tuple[str, ...], tuple[str, ...], int, bool]:
    """The title, the name and the name's offset in a capitalised run, and whether anything
    came before the name; no name when the run starts no name.

    Words that open a sentence ("But", "Since") are no part of the title, yet a name they
    introduce is taken for a person's, as a title would make it ("But Teneo said").
    Runs repeat within an article and across articles, so the split is worked out once.
    """
    tokens = run.split()
    title, name = _split_title(tokens)
    name = _clean_name(name)
    if not name or name[0].lower().rstrip(".") in rules.NOT_NAME_WORDS:
        return (), (), 0, False
    offset = 0
    for token in title:
        offset = run.index(token, offset) + len(token)
    offset = run.index(tokens[len(title)], offset) if title else 0
    titled = bool(title)
    while title and title[0].lower().rstrip(".") in rules.NOT_NAME_WORDS:
        title = title[1:]
    return tuple(title), tuple(name), offset, titled
