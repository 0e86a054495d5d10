"""Direct quotations and their speakers, found in body text.

The work runs in three passes over one article body:

1. Spans: pair the double quotation marks of each paragraph (curly or straight, judged by the
   characters around them) into quoted spans; an opening mark left open at the end of a
   paragraph runs to the paragraph's end (news style reopens each paragraph of a long quote
   with the same style of mark); the parts of such a quotation make one Quote.
2. People: every capitalised run is split into a title ("U.S. Secretary of Defense", "County
   Auditor") and a name ("Lloyd Austin"), lower-case particles staying in the name ("Ursula von
   der Leyen"); a Cast merges "Zelensky" and "President Volodymyr Zelensky" into one person;
   countries and nationalities ("Lithuania", "Ukrainian") are never speakers; sentence subjects
   are recorded so "he" can be resolved.
3. Attribution: for each quotation, in order, the first rule that names a speaker wins: a cue
   right after it (`," Kirby said`), a cue before it in its sentence (`Austin said: "`), another
   quotation of the same sentence, the sentence's subject, then the speaker of the previous
   quotation in the same or the previous paragraph.

The context is read on a masked copy of the body in which quoted words are blanked out, so
that words inside a quotation are never taken for cues or speakers.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from indexer import quote_rules as rules
from indexer.model import Quote

MASK = "~"
MIN_WORDS = 3
SUBJECT_REACH = 400


def _alternation(words: frozenset[str] | set[str]) -> str:
    """A regex matching any of `words`, as a trie: "s(?:a(?:id|y(?:ing|s)?)|...)".

    The engine tries a flat alternation of two hundred verbs one by one at every word; a trie
    fails on the first letter that fits no word, which makes scanning a body several times faster.
    """
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_branch(root)


def _trie_branch(node: dict[str, dict]) -> str:
    branches = [re.escape(ch) + _trie_branch(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    group = f"(?:{'|'.join(branches)})"
    return group + "?" if "" in node else group


_OPENERS = "\u201c\u201e"
_CLOSERS = "\u201d"
_STRAIGHT = '"'
_MARKS = re.compile(r"[\"\u201c\u201d\u201e]")
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?![ \t\u00a0]*\n)[^\n]*)*")
_WORD = re.compile(r"\w+")
_NOT_SPACE = re.compile(r"\S")
_WORD_BEFORE_DOT = re.compile(r"[\w.]*$")

_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"


def _abbreviation_tails() -> str:
    """The letters after the capital of each title abbreviation: "(?<=M)(?:r(?:s)?|s|t)|..."."""
    tails: dict[str, set[str]] = {}
    for abbreviation in rules.ABBREVIATIONS:
        if "." not in abbreviation:
            titled = abbreviation.title()
            tails.setdefault(titled[0], set()).add(titled[1:])
    return "|".join(f"(?<={first}){_alternation(t)}" for first, t in sorted(tails.items()))


# Every token starts with the capital, so a scan skips to capitals without trying each branch.
_TOKEN = (
    rf"[{_UPPER}](?:\.(?:[{_UPPER}]\.)+"  # U.S.
    rf"|(?:{_abbreviation_tails()})\."  # Sen. Gov. Mr.
    rf"|[\w\u2019'\-]*\w"  # Zelensky, O'Rourke, Lopez-Cantera
    r"|\.?)"  # initials
)
_PARTICLES = "|".join(sorted(rules.NAME_PARTICLES | {"of"}))
_PARTICLE_CHAIN = rf"(?:{_PARTICLES})(?:[ \u00a0]+(?:{_PARTICLES}))*(?=[ \u00a0]+[{_UPPER}])"
_RUN = rf"{_TOKEN}(?:[ \u00a0]+(?:{_TOKEN}|{_PARTICLE_CHAIN}))*"
_NAME_PARTICLES = "|".join(sorted(rules.NAME_PARTICLES))
_PARTICLES_BEFORE = re.compile(
    rf"(?<![\w\u2019'\-.])(?:(?:{_NAME_PARTICLES})[ \u00a0]+)+$"  # "von der " before "Leyen"
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
_NAME_RUN = re.compile(_RUN)
_CUES = _alternation(rules.CUE_VERBS)
_ROLE_WORDS = _alternation(rules.ROLE_NOUNS)
_ADVERBS = (
    r"(?:(?:\w+ly|also|later|then|once|previously|recently|again|has|had|have|would|will|did)\s+)*"
)
_ROLE_NP = rf"(?:[Tt]he|[Aa]n?)\s+(?:[\w\-\u2019']+\s+){{0,3}}?(?:{_ROLE_WORDS})"
_SUBJECT = rf"(?:{_RUN}|[Hh]e|[Ss]he|{_ROLE_NP})"
_APPOSITIVE = (
    r"(?:\s*\([^()]{1,40}\))?"
    r"(?:,\s+(?=[a-z\d]|(?:A|An|The)\s)[^,;:\u201c\u201d\"~]{1,140}?,)?,?"
)
_LEAD = r"^[\s,;:\u2014\u2013\-\u201d\"]*"

# cue verbs are ASCII words, and ASCII word boundaries make the scan of a body much faster
_CUE_WORD = re.compile(rf"\b(?:{_CUES})\b", re.ASCII)
_PHRASE_WORD = r"[\w\u2019'&.\-]+"
_SUBJECT_CUE_AFTER = re.compile(
    rf"{_LEAD}(?P<subj>(?:{_PHRASE_WORD}\s+){{0,9}}?{_PHRASE_WORD}){_APPOSITIVE}\s+{_ADVERBS}"
    rf"(?:{_CUES})\b"
)
_CUE_SUBJECT_AFTER = re.compile(rf"{_LEAD}{_ADVERBS}(?:{_CUES})\s+(?P<np>[^,;:\u201c\"~(]+)")
_NP_LOWER_WORDS = frozenset(
    {"the", "a", "an", "former", "retired", "late", "longtime", "top", "senior", "running", "mate"}
    | {"campaign", "state", "and", "his", "her", "their", "its"}
    | rules.ROLE_NOUNS
)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?P<np>[^,;:\u201c\"~(]+)", re.IGNORECASE)
_LATER_CUE = re.compile(
    rf",\s+(?:(?P<subj>(?:{_PHRASE_WORD}\s+){{0,5}}?{_PHRASE_WORD})\s+{_ADVERBS}(?:{_CUES})"
    rf"|(?:{_CUES})\s+(?P<np>[^,;:\u201c\"~(]+?))[\s.!?]*$"
)
_ROLE_BEFORE = re.compile(rf"\b(?:{_ROLE_WORDS})\s*$", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\W*(\w*)")
_SUBJECT_BEFORE_CUE = re.compile(rf"(?P<subj>{_SUBJECT}){_APPOSITIVE}\s+{_ADVERBS}$")
# the same without the appositive, for text with no comma or bracket, where none can be found
_BARE_SUBJECT_BEFORE_CUE = re.compile(rf"(?P<subj>{_SUBJECT})\s+{_ADVERBS}$")
_APPOSITIVE_NAME = re.compile(rf",\s+(?P<name>{_RUN})(?=\s*[,;.!?]|\s*$)")
_COLON_INTRO = re.compile(rf"(?P<subj>{_RUN})\s*:\s*$")
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:of|by|to|with|for|from|about|against|on|at|in|into|like|than|and|or|as|"
    r"over|under|between|among|through|toward|towards|despite|including)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")
_PREPOSITION = re.compile(r"\b(?:of|at|for|from|with|in|on|by)\b")
_SENTENCE_END = re.compile(
    r"[.!?][\u201d\"\u2019')\]]*\s+(?=[\u201c\"\u2018'(\[0-9" + _UPPER + "])"
)


_ROLE_BEFORE_NAME = re.compile(rf"((?:{_RUN}\s+)?(?:(?:{_ROLE_WORDS}|campaign|former)\s+)+)$")
_ROLE_BEFORE_ENDINGS = (*rules.ROLE_NOUNS, "campaign", "former")
_ROLE_AFTER_NAME = re.compile(r",\s+(?:an?|the)\s+([^,;:.\u201c\"~()]{3,100})")
_ROLE_NP_SEARCH = re.compile(_ROLE_NP)
_ARTICLE_OPENING = re.compile(r"(?:the|an?)\s", re.IGNORECASE)
_RUN_BEFORE_SPACE = re.compile(rf"({_RUN})\s+$")
_POSSESSIVE_END = re.compile(r"[\u2019']s?$")
_ROLE_WORD = re.compile(r"[\w.]+")
_CUE_LEADS_IN = re.compile(rf"\b(?:{_CUES}|chants of)\b[\s,:]*$")
_DATED_TITLE = re.compile(r"\s*\([^()]{0,40}\b(?:1[89]|20)\d\d\b[^()]{0,40}\)")


@dataclass(slots=True)
class _Span:
    """One quoted stretch of one paragraph; `closed` is False when it runs to the paragraph end."""

    start: int
    end: int
    mark_start: int
    mark_end: int
    paragraph: int
    closed: bool = True
    chain: int = -1  # id shared by the parts of a quotation broken over paragraphs


@dataclass
class _Person:
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
    for w in _ROLE_WORD.findall(role.lower()):
        w = w.rstrip(".")
        words.add(w)
        words.update(rules.TITLE_ALIASES.get(w, "").split())
    return frozenset(words)


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    person: _Person


@dataclass
class _Speaker:
    person: _Person | None
    rule: str


# ---------------------------------------------------------------- pass 1: spans


def _paragraphs(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each paragraph: text between blank lines."""
    for m in _PARAGRAPH.finditer(body):
        if m.group().strip():
            yield m.start(), m.end()


def _mark_role(text: str, i: int) -> str:
    """'open', 'close' or '?' for the quotation mark at text[i], judged by its neighbours."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    space_before = before.isspace() or before in "([{\u2014\u2013-/\u2018"
    space_after = after.isspace() or after in ".,;:!?)]}\u2019"
    mark = text[i]
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    if mark in _OPENERS:
        return "open"
    if mark in _CLOSERS:
        return "close"
    return "?"


def _paragraph_spans(body: str, start: int, end: int, index: int) -> list[_Span]:
    """Pair the marks of one paragraph into spans."""
    spans: list[_Span] = []
    opened: int | None = None
    for m in _MARKS.finditer(body, start, end):
        role = _mark_role(body, m.start())
        if opened is None and role in ("open", "?"):
            opened = m.start()
        elif opened is not None and role in ("close", "?"):
            spans.append(_Span(opened + 1, m.start(), opened, m.end(), index))
            opened = None
        elif opened is not None:
            opened = m.start()  # a second opening: the first mark was stray
    if opened is not None:
        spans.append(_Span(opened + 1, end, opened, end, index, closed=False))
    return spans


def _find_spans(body: str, paragraphs: list[tuple[int, int]]) -> list[_Span]:
    """All quoted spans in reading order, the parts of broken quotations chained together."""
    spans: list[_Span] = []
    starts = [start for start, _ in paragraphs]
    index = -1
    for mark in _MARKS.finditer(body):
        if index >= 0 and mark.start() < paragraphs[index][1]:
            continue  # this paragraph's marks are paired already
        index = bisect.bisect_right(starts, mark.start()) - 1
        if index >= 0 and mark.start() < paragraphs[index][1]:
            spans.extend(_paragraph_spans(body, *paragraphs[index], index))
    chain = 0
    for i, span in enumerate(spans):
        if i and _continues(body, spans[i - 1], span):
            span.chain = spans[i - 1].chain
        else:
            chain += 1
            span.chain = chain
    return spans


def _continues(body: str, prev: _Span, span: _Span) -> bool:
    """True when `span` reopens, in the same style of mark, a quotation `prev` left open."""
    return (
        not prev.closed
        and prev.paragraph == span.paragraph - 1
        and _opens_paragraph(body, span)
        and (body[prev.mark_start] == _STRAIGHT) == (body[span.mark_start] == _STRAIGHT)
    )


def _broken_or_closed(spans: list[_Span]) -> list[_Span]:
    """Spans closed or continued by the next paragraph; a lone unclosed mark is a typo."""
    chained = {b.chain for a, b in itertools.pairwise(spans) if a.chain == b.chain}
    return [s for s in spans if s.closed or s.chain in chained]


def _opens_paragraph(body: str, span: _Span) -> bool:
    line_start = body.rfind("\n", 0, span.mark_start) + 1
    return not body[line_start : span.mark_start].strip()


def _is_quotation(body: str, span: _Span) -> bool:
    """True for quoted speech; False for titles, captions, dates and short fragments."""
    text = body[span.start : span.end]
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS or not any(w.isalpha() for w in words):
        return False
    if text.isupper() or _DATED_TITLE.match(body, span.mark_end) or _faces_wrong_way(body, span):
        return False
    return not _looks_like_title(words, text) or _follows_cue(body, span.mark_start)


def _faces_wrong_way(body: str, span: _Span) -> bool:
    """True when a curly mark bounding the span faces away from it: `, ”like` or `end.“`.

    Such a mark is a typesetting slip, and the pairing built on it is a guess; the German
    „Wort“, whose closing mark is shaped like an English opener, is not a slip.
    """
    opening, closing = body[span.mark_start], body[span.mark_end - 1]
    if opening in _CLOSERS:
        return True
    return span.closed and closing == "\u201c" and opening != "\u201e"


def _follows_cue(body: str, mark: int) -> bool:
    """True when a speech cue leads straight into the mark: chanting "Bernie or Bust"."""
    return bool(_CUE_LEADS_IN.search(body, max(0, mark - 40), mark))


def _looks_like_title(words: list[str], text: str) -> bool:
    """Every significant word capitalised, as in "Saturday Night Live" or "Man of the World"."""
    if len(words) > 8 or (text.rstrip().endswith((".", "?")) and len(words) > 4):
        return False
    words = [w.strip(".,:;!?()\u2014-") for w in text.split()]
    significant = [w for w in words if w and w.lower() not in rules.TITLE_SMALL_WORDS]
    if not significant or words[0] == "I":
        return False
    return all(w[0].isupper() or w[0].isdigit() for w in significant)


def _mask(body: str, spans: list[_Span]) -> str:
    """The body with quoted words blanked out; a quotation's final . ! or ? is kept."""
    pieces: list[str] = []
    done = 0
    for span in spans:
        last = span.end - 1 if span.closed and body[span.end - 1 : span.end] in ".!?" else span.end
        if last > span.start:
            pieces += (body[done : span.start], _NOT_SPACE.sub(MASK, body[span.start : last]))
            done = last
    pieces.append(body[done:])
    return "".join(pieces)


# ---------------------------------------------------------------- pass 2: people


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
        out[-1] = _POSSESSIVE_END.sub("", out[-1])
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


class _Cast:
    """The people of one article, each under the fullest form of their name."""

    def __init__(self) -> None:
        self.people: list[_Person] = []
        self._by_name: dict[tuple[str, ...], _Person] = {}  # full names are unique in a cast
        self._by_last: dict[str, list[_Person]] = {}  # a person's last token never changes
        # short forms already resolved ("Kirby"), until someone new shares the surname
        self._aliases: dict[tuple[str, ...], _Person] = {}

    def add(self, titled: bool, name: tuple[str, ...]) -> _Person:
        """The person for a mention, merged with an earlier mention of the same name; a name
        given with a title (`titled`) is a person's unless its words say otherwise."""
        person = self._by_name.get(name) or self._aliases.get(name)
        if person is None:
            person = self._new_or_renamed(titled, name)
        elif titled and not person.is_person and not person.is_place:
            person.is_person = not _name_facts(name).non_person
        return person

    def _new_or_renamed(self, titled: bool, name: tuple[str, ...]) -> _Person:
        """The person for a name not met before: a new one, or one met under a shorter name."""
        facts = _name_facts(name)
        person = self.find(name, facts)
        if person is None:
            is_person = not facts.non_person and not facts.is_place and (facts.given or titled)
            person = _Person(
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

    def find(self, name: tuple[str, ...], facts: _NameFacts) -> _Person | None:
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

    def by_role(self, noun_phrase: str, people: list[_Person]) -> _Person | None:
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
    m = _ROLE_BEFORE_NAME.search(window)
    return m.group(1).strip() if m else None


def _role_after(masked: str, end: int) -> str | None:
    """An appositive role: "Randy Evans, a Republican National Committeeman from Georgia"."""
    m = _ROLE_AFTER_NAME.match(masked[end : end + 140])
    return m.group(1).strip() if m else None


def _mentions(masked: str, cast: _Cast) -> list[_Mention]:
    """Every capitalised run in the masked body that holds a name, in order."""
    found: list[_Mention] = []
    for m in _NAME_RUN.finditer(masked):
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
        found.append(_Mention(start + offset, end, person))
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
    m = _PARTICLES_BEFORE.search(masked, max(0, start - 30), start)
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


def _sentences(masked: str, paragraphs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each sentence, never crossing a paragraph."""
    out: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs:
        start = p_start
        for m in _SENTENCE_END.finditer(masked, p_start, p_end):
            if _ends_in_abbreviation(masked, m.start()):
                continue
            out.append((start, m.end()))
            start = m.end()
        out.append((start, p_end))
    return out


def _ends_in_abbreviation(text: str, dot: int) -> bool:
    word = _WORD_BEFORE_DOT.search(text[max(0, dot - 12) : dot])
    w = word.group().lower() if word else ""
    return text[dot] == "." and (len(w) == 1 or w in rules.ABBREVIATIONS)


# ---------------------------------------------------------------- pass 3: attribution


@dataclass
class _Article:
    """The state of attribution over one body: masked text, mentions, subjects, sentences."""

    masked: str
    cast: _Cast
    mentions: list[_Mention]
    sentences: list[tuple[int, int]]
    subjects: list[tuple[int, _Person]] = field(default_factory=list)
    # positions of the mentions, sentences, subjects and cue verbs, for bisection
    _mention_starts: list[int] = field(init=False)
    _sentence_starts: list[int] = field(init=False)
    _subject_starts: list[int] = field(init=False)
    cue_starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self._mention_starts = [m.start for m in self.mentions]
        self._sentence_starts = [s for s, _ in self.sentences]
        self._subject_starts = [p for p, _ in self.subjects]
        self.cue_starts = [m.start() for m in _CUE_WORD.finditer(self.masked)]

    def mentions_in(self, start: int, end: int) -> list[_Mention]:
        """The mentions lying inside [start, end), in order."""
        i = bisect.bisect_left(self._mention_starts, start)
        j = bisect.bisect_left(self._mention_starts, end, i)
        return [m for m in itertools.islice(self.mentions, i, j) if m.end <= end]

    def mentions_from(self, start: int) -> Iterator[_Mention]:
        """The mentions from `start` on, in order."""
        return itertools.islice(
            self.mentions, bisect.bisect_left(self._mention_starts, start), None
        )

    def mention_at(self, start: int, end: int) -> _Mention | None:
        """The last mention lying inside [start, end)."""
        found = self.mentions_in(start, end)
        return found[-1] if found else None

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        return self.sentences[max(i, 0)]

    def sentence_end_after(self, pos: int) -> int:
        """End of the sentence that starts at or runs through `pos`, spaces skipped."""
        while pos < len(self.masked) and self.masked[pos] in " \t\u00a0":
            pos += 1
        return max(self.sentence_of(pos)[1], pos)

    def colon_sentence_before(self, sent_start: int) -> int:
        """Start of the previous paragraph's last sentence if it ends in a colon, else the
        given start."""
        i = bisect.bisect_left(self.sentences, (sent_start, -1))
        if i == 0:
            return sent_start
        prev_start, prev_end = self.sentences[i - 1]
        between = self.masked[prev_end:sent_start]
        if "\n" in between and self.masked[prev_start:prev_end].rstrip().endswith(":"):
            return prev_start
        return sent_start

    def note_subject(self, pos: int, person: _Person | None) -> None:
        if person is not None and person.is_person:
            i = bisect.bisect_right(self._subject_starts, pos)
            self._subject_starts.insert(i, pos)
            self.subjects.insert(i, (pos, person))

    def subject_before(self, pos: int) -> _Person | None:
        """The person last named as a subject before `pos` ("he" resolves to them)."""
        i = bisect.bisect_left(self._subject_starts, pos)
        return self.subjects[i - 1][1] if i else None

    def subjects_in(self, start: int, end: int) -> list[_Person]:
        """The people named as subjects in [start, end), in order."""
        lo = bisect.bisect_left(self._subject_starts, start)
        hi = bisect.bisect_left(self._subject_starts, end, lo)
        return [p for _, p in self.subjects[lo:hi]]

    def resolve(self, text: str, start: int) -> _Person | None:
        """The person a subject phrase found at `start` stands for."""
        text = text.strip()
        if text.lower() in rules.PERSON_PRONOUNS:
            return self.subject_before(start)
        if _ARTICLE_OPENING.match(text):
            mention = self.mention_at(start, start + len(text))
            if mention is not None:
                return mention.person
            people = self.subjects_in(0, start) + self.cast.people
            return self.cast.by_role(text, people)
        mention = self.mention_at(start, start + len(text))
        return mention.person if mention else None


def _build_article(body: str, paragraphs: list[tuple[int, int]], spans: list[_Span]) -> _Article:
    masked = _mask(body, spans)  # blanks keep their places, so the paragraphs stay the same
    cast = _Cast()
    article = _Article(masked, cast, _mentions(masked, cast), _sentences(masked, paragraphs))
    _note_sentence_subjects(article)
    return article


def _note_sentence_subjects(article: _Article) -> None:
    """Record each sentence's subject and each name that a cue verb follows."""
    masked = article.masked
    cues = article.cue_starts
    for start, end in article.sentences:
        first = _first_subject(article, start, end)
        if first is not None:
            article.note_subject(*first)
        lo = bisect.bisect_left(cues, start)
        for cue in cues[lo : bisect.bisect_left(cues, end, lo)]:
            # a subject with its appositive and adverbs is never near SUBJECT_REACH characters
            subj = _subject_before_cue(masked, max(start, cue - SUBJECT_REACH), cue)
            if subj:
                pos = subj.start("subj")
                person = _phrase_speaker(article, subj.group("subj"), pos)
                if person is not None and not _is_organisation(person):
                    person.is_person = True
                article.note_subject(pos, person)


def _subject_before_cue(text: str, start: int, cue: int) -> re.Match[str] | None:
    """The subject (and appositive) that ends right before a cue verb at `cue`."""
    if text.find("(", start, cue) < 0:
        # outside brackets no part of the match holds a blanked word: start after the last
        start = text.rfind(MASK, start, cue) + 1 or start
        if text.find(",", start, cue) < 0:
            return _BARE_SUBJECT_BEFORE_CUE.search(text, start, cue)  # many times faster
    return _SUBJECT_BEFORE_CUE.search(text, start, cue)


def _first_subject(article: _Article, start: int, end: int) -> tuple[int, _Person] | None:
    """The first person or pronoun within a sentence's first words, not after a preposition."""
    masked = article.masked
    first = _FIRST_WORD.match(masked, start, end)
    word = first.group(1) if first else ""
    if word in ("he", "He", "she", "She"):
        person = article.subject_before(start)
        return (start, person) if person else None
    lead = start
    if word.lower() in rules.SUBORDINATORS:  # "When Kirby spoke, he ...": after the clause
        lead = masked.find(",", first.end() if first else start, end) + 1 or start
    for m in article.mentions_from(lead):
        if m.start >= end:
            break
        if m.end > end:
            continue
        words_before = masked[lead : m.start]
        if len(words_before.split()) > 6:
            break
        if m.person.is_person and not _PREPOSITION_BEFORE.search(words_before):
            return m.start, m.person
    return None


def _is_organisation(person: _Person) -> bool:
    return bool({t.lower() for t in person.tokens} & rules.NON_PERSON_WORDS)


def _speaker_after(article: _Article, span: _Span) -> _Speaker | None:
    """A cue right after the quotation: `," Kirby said`, `," said Austin`, `according to`."""
    start = span.mark_end
    text = article.masked[start : article.sentence_end_after(start)]
    m = _SUBJECT_CUE_AFTER.match(text)
    if m:
        pos = start + m.start("subj")
        person = _phrase_speaker(article, m.group("subj"), pos)
        return _Speaker(person, _cue_rule(person, m.group("subj")))
    m = _CUE_SUBJECT_AFTER.match(text) or _ACCORDING_TO.match(text.lstrip(" ,"))
    if m:
        offset = start + len(text) - len(text.lstrip(" ,")) if m.re is _ACCORDING_TO else start
        np = _noun_phrase_head(m.group("np"))
        person = _phrase_speaker(article, np, offset + m.start("np"))
        if person is None and m.re is _CUE_SUBJECT_AFTER:
            person = _appositive_speaker(article, m, start)
        return _Speaker(person, _cue_rule(person, np or m.group("np")))
    return None


def _cue_rule(person: _Person | None, phrase: str) -> str:
    """ "unnamed" when the cue's subject introduces someone new without a name ("said a
    manager"), so that no earlier speaker is carried over to the quotation; a definite phrase
    ("the company said") may point back at someone named before."""
    words = phrase.split()
    if person is None and words and words[0].lower() in rules.INDEFINITE_WORDS:
        return "unnamed"
    return "cue after"


def _noun_phrase_head(np: str) -> str:
    """The words of a phrase after a cue that can name a speaker: "Clinton spokesman Brian
    Fallon" from "Clinton spokesman Brian Fallon in a statement"."""
    kept: list[str] = []
    words = np.split()
    for i, word in enumerate(words):
        near_name = any(w[0].isupper() for w in words[i + 1 : i + 3])
        if not (word[0].isupper() or word.lower() in _NP_LOWER_WORDS or near_name):
            break
        kept.append(word)
    return np[: np.find(kept[-1]) + len(kept[-1])] if kept else ""


def _phrase_speaker(article: _Article, phrase: str, pos: int) -> _Person | None:
    """The speaker a subject phrase names: a pronoun, the last person named, or a role."""
    phrase = phrase.rstrip(". ")
    if not phrase:
        return None
    if phrase.lower() in rules.PERSON_PRONOUNS:
        return article.subject_before(pos)
    mentions = [m for m in article.mentions_in(pos, pos + len(phrase)) if not m.person.is_place]
    people = [m.person for m in _before_preposition(article.masked, pos, mentions)]
    people = [p for p in people if p.is_person] or [
        m.person for m in mentions if m.person.is_person
    ]
    if people or mentions:
        return people[-1] if people else mentions[-1].person
    role = _ROLE_NP_SEARCH.search(phrase)
    return article.resolve(role.group(), pos + role.start()) if role else None


def _before_preposition(masked: str, pos: int, mentions: list[_Mention]) -> list[_Mention]:
    """The mentions of a phrase at `pos` before a preposition that joins two of them: "Nadia
    Farouk" in "Nadia Farouk of the Digital Rights Project"."""
    done = pos
    for i, m in enumerate(mentions):
        if i and _PREPOSITION.search(masked, done, m.start):
            return mentions[:i]
        done = m.end
    return mentions


def _appositive_speaker(article: _Article, cue: re.Match[str], offset: int) -> _Person | None:
    """The name set off after a role that names nobody: "said Lithuania's deputy foreign
    minister, Gediminas Raudonis, in an interview"; the role goes to the person."""
    m = _APPOSITIVE_NAME.match(cue.string, cue.end("np"))
    if m is None:
        return None
    person = _phrase_speaker(article, m.group("name"), offset + m.start("name"))
    if person is not None and person.role is None:
        person.role = cue.group("np").strip()
    return person


def _speaker_before(article: _Article, span: _Span) -> _Speaker | None:
    """A cue earlier in the quotation's sentence: `Austin said: "`, `according to X, "`.

    A quotation opening a paragraph after one that ends in a colon reads that colon's sentence.
    """
    sent_start, _ = article.sentence_of(span.mark_start)
    if not article.masked[sent_start : span.mark_start].strip():
        sent_start = article.colon_sentence_before(sent_start)
    before = article.masked[sent_start : span.mark_start]
    colon = _COLON_INTRO.search(before) if before.rstrip().endswith(":") else None
    if colon:
        return _Speaker(article.resolve(colon.group("subj"), sent_start + colon.start()), "colon")
    m = _ACCORDING_TO.search(before)
    if m:
        np = _noun_phrase_head(m.group("np"))
        return _Speaker(_phrase_speaker(article, np, sent_start + m.start("np")), "according to")
    for cue in reversed(list(_CUE_WORD.finditer(before))):
        person = _cue_subject(article, before, sent_start, cue)
        if person is not None:
            return _Speaker(person, "cue before")
    return None


def _cue_subject(article: _Article, before: str, offset: int, cue: re.Match[str]) -> _Person | None:
    """Who a cue verb in `before` (which starts at `offset`) belongs to.

    "Austin said" names Austin; "Trump saying" names Trump; a participle after a comma
    ("..., saying") belongs to the sentence subject; a name after a preposition ("speaking
    to Fox News said") is never the subject.
    """
    head = before[: cue.start()]
    if cue.group().endswith("ing"):
        adjacent = _RUN_BEFORE_SPACE.search(head)
        if adjacent:
            return _phrase_speaker(article, adjacent.group(1), offset + adjacent.start(1))
        found = _sentence_subject(article, offset, offset + cue.start())
        return found.person if found else None
    subj = _subject_before_cue(head, 0, len(head))
    if subj is None:
        return None
    preposition = _PREPOSITION_BEFORE.search(head[: subj.start("subj")])
    if preposition and not _ROLE_BEFORE.search(head[: preposition.start()]):
        return None  # "speaking to Fox News said", but "a spokesperson for Acme said"
    return _phrase_speaker(article, subj.group("subj"), offset + subj.start("subj"))


def _speaker_later(article: _Article, span: _Span) -> _Speaker | None:
    """A cue closing the quotation's sentence: `"..." about unions, said Marla Kilfoyle.`"""
    start = span.mark_end
    text = article.masked[start : article.sentence_end_after(start)]
    m = _LATER_CUE.search(text)
    if m is None:
        return None
    if m.group("subj"):
        return _Speaker(_phrase_speaker(article, m.group("subj"), start + m.start("subj")), "later")
    np = _noun_phrase_head(m.group("np"))
    return _Speaker(_phrase_speaker(article, np, start + m.start("np")), "later")


def _speaker_subject(article: _Article, span: _Span) -> _Speaker | None:
    """The subject of the sentence around a partial quotation."""
    sent_start, _ = article.sentence_of(span.mark_start)
    return _sentence_subject(article, sent_start, span.mark_start)


def _sentence_subject(article: _Article, sent_start: int, end: int) -> _Speaker | None:
    """The subject of the sentence a partial quotation sits in: `Zelensky called it "..."`."""
    if not article.masked[sent_start:end].strip(" \u201c\"'"):
        return None
    found = article.subjects_in(sent_start, end)
    return _Speaker(found[-1], "subject") if found else None


def _attribute(article: _Article, span: _Span) -> _Speaker | None:
    """The speaker from the quotation's own sentence; a Speaker without a person when a cue
    right after the quotation names nobody ("said a manager"); or None."""
    unnamed = None
    for rule in (_speaker_after, _speaker_before, _speaker_later, _speaker_subject):
        found = rule(article, span)
        if found is not None and found.person is not None:
            return found
        if found is not None and found.rule == "unnamed":
            unnamed = found
    return unnamed


def _attribute_all(article: _Article, spans: list[_Span]) -> list[_Person | None]:
    """Speakers for every span: own cue, then chain and sentence mates, then continuation."""
    own = [_attribute(article, s) for s in spans]
    speakers: list[_Person | None] = [s.person if s else None for s in own]
    _share_within_chains(spans, speakers)
    _share_within_sentences(article, spans, speakers)
    for i, span in enumerate(spans):
        if speakers[i] is None and own[i] is None:  # "said a manager" continues nobody
            speakers[i] = _continuation(article, spans, speakers, i)
        if speakers[i] is not None:
            article.note_subject(span.mark_start, speakers[i])
    return speakers


def _share_within_chains(spans: list[_Span], speakers: list[_Person | None]) -> None:
    """All parts of a quotation broken over paragraphs share the speaker one part names."""
    by_chain: dict[int, _Person] = {}
    for span, person in zip(spans, speakers, strict=True):
        if person is not None:
            by_chain.setdefault(span.chain, person)
    for i, span in enumerate(spans):
        if speakers[i] is None:
            speakers[i] = by_chain.get(span.chain)


def _share_within_sentences(
    article: _Article, spans: list[_Span], speakers: list[_Person | None]
) -> None:
    """A quotation without a cue takes the speaker of a neighbour in the same sentence."""
    for i, span in enumerate(spans):
        if speakers[i] is not None:
            continue
        sentence = article.sentence_of(span.mark_start)
        mates = [j for j in (i - 1, i + 1) if 0 <= j < len(spans)]
        for j in mates:
            if speakers[j] is not None and article.sentence_of(spans[j].mark_start) == sentence:
                speakers[i] = speakers[j]
                break


def _continuation(
    article: _Article, spans: list[_Span], speakers: list[_Person | None], i: int
) -> _Person | None:
    """A subject named since the previous quotation, or that quotation's speaker, when the
    previous quotation is in the same or the previous paragraph."""
    if i == 0:
        return None
    gap = spans[i].paragraph - spans[i - 1].paragraph
    since = article.subjects_in(spans[i - 1].mark_end, spans[i].mark_start)
    if since and gap <= 2:
        return since[-1]
    return speakers[i - 1] if gap <= 1 else None


# ---------------------------------------------------------------- public API


def extract_quotes(body: str) -> list[Quote]:
    """Quotations in `body`, each with its speaker when a credible one is named.

    A quotation is a span in double quotation marks of at least three words that is not a
    title ("Saturday Night Live"). `Quote.text` is the quoted words without the outer marks and
    `start`/`end` are their offsets in `body`; a quotation broken over paragraphs is one
    Quote whose text keeps the paragraph breaks and the marks that reopen them. The speaker
    is the person's fullest name in the article ("Volodymyr Zelensky" for "Zelensky" and
    "he"); a title given with the name goes to `speaker_role`.
    """
    if not _MARKS.search(body):
        return []
    paragraphs = list(_paragraphs(body))
    spans = _find_spans(body, paragraphs)
    for span in spans:
        span.start, span.end = _trim(body, span.start, span.end)
    quoted = [s for s in _broken_or_closed(spans) if _is_quotation(body, s)]
    if not quoted:
        return []
    article = _build_article(body, paragraphs, spans)
    speakers = _attribute_all(article, quoted)
    return [_quote(body, parts, person) for parts, person in _whole_quotations(quoted, speakers)]


def _whole_quotations(
    spans: list[_Span], speakers: list[_Person | None]
) -> Iterator[tuple[list[_Span], _Person | None]]:
    """The parts of each quotation, a quotation broken over paragraphs counting once."""
    for _, group in itertools.groupby(zip(spans, speakers, strict=True), key=lambda p: p[0].chain):
        pairs = list(group)
        yield [span for span, _ in pairs], pairs[0][1]


def _quote(body: str, parts: list[_Span], person: _Person | None) -> Quote:
    """One Quote from the first word of its first part to the last word of its last part."""
    start, end = parts[0].start, parts[-1].end
    return Quote(
        text=body[start:end],
        speaker=person.name if person else None,
        speaker_role=person.role if person else None,
        start=start,
        end=end,
    )


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    """Offsets without surrounding whitespace."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end
