"""Pass 2: the people an article names, each under the fullest form of their name.

Every capitalised run of the masked body is split into a title ("U.S. Secretary of Defense",
"County Auditor") and a name ("Lloyd Austin"), lower-case particles staying in the name
("Ursula von der Leyen"). A Cast merges "Zelensky" and "President Volodymyr Zelensky" into one
Person; what a name stands for (a person, an organisation, or a place or common word that never
speaks) is `indexer.quotes.kinds`'s to say.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from indexer.quotes import lexicon, rules
from indexer.quotes.kinds import (
    ORGANISATION,
    PERSON,
    NameFacts,
    is_opener,
    leading_place,
    name_facts,
)
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
    never_speaks: bool = False  # a place, a nationality, a party, a common word: no speaker
    given: bool = False  # the name has a word besides the surname: "Ursula von der Leyen"
    kind: str = PERSON  # or ORGANISATION (indexer.quotes.kinds)

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
    """Title tokens and name tokens of a capitalised run; a person's name stops at "of New
    York", an organisation's goes on ("American Federation of Teachers")."""
    cut = i = 0
    while i < len(tokens):
        if tokens[i] == "of":
            if cut != i and i + 1 < len(tokens) and _names_organisation(tokens[cut:i]):
                i += 2  # "Bank of America", "University of Michigan"
                continue
            if cut != i or i == 0 or i + 2 >= len(tokens):
                break
            i = cut = i + 2  # "Secretary of Defense": the word after "of" is part of the title
            continue
        if _is_title_token(tokens[i]) and i < len(tokens) - 1:
            cut = i + 1
        i += 1
    return tokens[:cut], tokens[cut:i]


def _names_organisation(tokens: list[str]) -> bool:
    return any(t.casefold() in rules.ORGANISATION_WORDS for t in tokens)


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


_ENDINGS = ("s", "es", "ed", "d", "ing")  # a word's inflections the article may write instead
_LOWER_WORD = re.compile(r"(?<![\w'\u2019])[a-z]+(?![\w'\u2019])")  # "heart"; not "Heart", "don't"


class Cast:
    """The people of one article, each under the fullest form of their name.

    `text` is the article's (masked) body: a lone capitalised word it also writes in lower case
    ("Heart", "Story", "Officials") is a common word, not a surname.
    """

    def __init__(self, text: str = "") -> None:
        self.people: list[Person] = []
        self._text = text
        self._lower_words: frozenset[str] | None = None  # made on first need: most casts need none
        self._by_name: dict[tuple[str, ...], Person] = {}  # full names are unique in a cast
        self._by_last: dict[str, list[Person]] = {}  # a person's last token never changes
        # short forms already resolved ("Kirby"), until someone new shares the surname
        self._aliases: dict[tuple[str, ...], Person] = {}

    def add(self, titled: bool, name: tuple[str, ...]) -> Person:
        """The person for a mention, merged with an earlier mention of the same name; a name
        given with a title (`titled`) is a person's unless its words say otherwise."""
        person = self._by_name.get(name) or self._aliases.get(name)
        if person is None:
            name = self._without_opener(name)  # "Year Shr" may be the "Shr" met before
            person = self._by_name.get(name) or self._aliases.get(name)
        if person is None:
            person = self._new_or_renamed(titled, name)
        elif titled and not person.is_person and not person.never_speaks:
            person.is_person = not name_facts(name).non_person
        return person

    def speaker_named(self, written: tuple[str, ...]) -> Person | None:
        """The person a name written on its own stands for (a transcript's "Mr. Trump"), in
        their fullest form in the article; None when the words name no one who speaks."""
        title, name, _, _ = _title_and_name(" ".join(written))
        if not name:
            return None
        person = self.add(True, name)
        if title and person.role is None:
            person.role = " ".join(title)
        return None if person.never_speaks else person

    def _without_opener(self, name: tuple[str, ...]) -> tuple[str, ...]:
        """ "Trump" for "Maybe Trump" or "Team Trump" when the article has named a Trump: a
        common word before a known surname is no part of the name."""
        first = name[0]
        if len(name) < 2 or not lexicon.is_common_word(first) or lexicon.is_given_name(first):
            return name
        if first.casefold() in rules.ORGANISATION_WORDS or name_facts(name).kind == ORGANISATION:
            return name  # "Blue Dog Democrats"
        rest = name[1:]
        known = rest in self._by_name or rest in self._aliases or rest[-1] in self._by_last
        return rest if known else name

    def _new_or_renamed(self, titled: bool, name: tuple[str, ...]) -> Person:
        """The person for a name not met before: a new one, or one met under a shorter name."""
        facts = name_facts(name)
        person = self.find(name, facts)
        if person is None:
            person = Person(list(name), given=facts.given)
            self._judge(person, facts)
            person.is_person = (
                not facts.non_person and not person.never_speaks and (facts.given or titled)
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
            self._judge(person, facts)
            person.is_person = not person.never_speaks and (
                person.is_person or not facts.non_person
            )
            self._forget_aliases(name[-1])
        else:
            self._aliases[name] = person
        if titled and not person.is_person and not person.never_speaks and not facts.non_person:
            person.is_person = True
        return person

    def institution(self, person: Person) -> None:
        """A one-word name written after "the" ("the Pentagon said") is an organisation's,
        unless its word is a place, a party or a title ("the Republican", "the General")."""
        tokens = tuple(person.tokens)
        if (
            len(tokens) == 1
            and not name_facts(tokens).never_speaks
            and not self._written_lower(tokens[0])
        ):  # not "the Budget" or "the Market" where the article writes "budget", "market"
            person.kind = ORGANISATION
            person.never_speaks = False

    def _judge(self, person: Person, facts: NameFacts) -> None:
        """Whether the person can speak, and as what, from their fullest name so far."""
        person.kind = facts.kind
        person.never_speaks = facts.never_speaks or (
            len(person.tokens) == 1 and self._written_lower(person.tokens[0])
        )

    def _written_lower(self, word: str) -> bool:
        if not lexicon.is_common_word(word):
            return False
        low = word.casefold()
        forms = (low, lexicon.lemma(low), *(low + ending for ending in _ENDINGS))
        return any(form in self.lower_words for form in forms)  # "Pause" and "she pauses"

    @property
    def lower_words(self) -> frozenset[str]:
        """The words the article writes in lower case."""
        if self._lower_words is None:
            self._lower_words = frozenset(_LOWER_WORD.findall(self._text))
        return self._lower_words

    def _forget_aliases(self, surname: str) -> None:
        for alias in [a for a in self._aliases if a[-1] == surname]:
            del self._aliases[alias]

    def find(self, name: tuple[str, ...], facts: NameFacts) -> Person | None:
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
        if len(name) == 1:  # "Arcade announced" after "Arcade Publishing": the organisation
            for person in reversed(self.people):
                tokens = person.tokens
                if person.kind == ORGANISATION and len(tokens) > 1 and tokens[0] == name[0]:
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
        if len(name) == 1 and not title and masked[max(0, start - 4) : start] == "the ":
            cast.institution(person)  # "the Pentagon", "the Kremlin": an organisation
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
    if len(name) == 1 and title and name[0].casefold() in rules.ORGANISATION_WORDS:
        title, name = title[:-1], [title[-1], *name]  # "State Department", "Foreign Ministry"
    before = list(title)  # every word before the name: the title and the openers
    place = leading_place(name)
    before, name = before + name[:place], name[place:]
    while len(name) > 1 and is_opener(name[0], name[1:]):
        before.append(name[0])  # "Watch", "Interestingly", "Vendor": before, not in, the name
        name = name[1:]
    if not name or name[0].lower().rstrip(".") in rules.NOT_NAME_WORDS:
        return (), (), 0, False
    offset = 0
    for token in before:
        offset = run.index(token, offset) + len(token)
    offset = run.index(tokens[len(before)], offset) if before else 0
    titled = bool(before)
    while title and title[0].lower().rstrip(".") in rules.NOT_NAME_WORDS:
        title = title[1:]
    return tuple(title), tuple(name), offset, titled
