"""Sentence subjects, and the person a subject phrase names.

Each sentence's subject, and each name a cue verb follows, is noted in order, so that "he" and
"the senator" resolve to the person last named, and a quotation without a cue of its own can
take the subject of its sentence.
"""

from __future__ import annotations

import bisect
import re

from indexer.quotes import rules
from indexer.quotes.context import ArticleContext
from indexer.quotes.patterns import (
    BARE_SUBJECT_BEFORE_CUE,
    FIRST_WORD,
    MASK,
    PREPOSITION,
    PREPOSITION_BEFORE,
    ROLE_NP_SEARCH,
    SUBJECT_BEFORE_CUE,
)
from indexer.quotes.people import Mention, Person

SUBJECT_REACH = 400


def note_sentence_subjects(article: ArticleContext) -> None:
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
            subj = subject_before_cue(masked, max(start, cue - SUBJECT_REACH), cue)
            if subj:
                pos = subj.start("subj")
                person = phrase_speaker(article, subj.group("subj"), pos)
                if person is not None and not _is_organisation(person):
                    person.is_person = True
                article.note_subject(pos, person)


def subject_before_cue(text: str, start: int, cue: int) -> re.Match[str] | None:
    """The subject (and appositive) that ends right before a cue verb at `cue`."""
    if text.find("(", start, cue) < 0:
        # outside brackets no part of the match holds a blanked word: start after the last
        start = text.rfind(MASK, start, cue) + 1 or start
        if text.find(",", start, cue) < 0:
            return BARE_SUBJECT_BEFORE_CUE.search(text, start, cue)  # many times faster
    return SUBJECT_BEFORE_CUE.search(text, start, cue)


def _first_subject(article: ArticleContext, start: int, end: int) -> tuple[int, Person] | None:
    """The first person or pronoun within a sentence's first words, not after a preposition."""
    masked = article.masked
    first = FIRST_WORD.match(masked, start, end)
    word = first.group(1) if first else ""
    if word in ("he", "He", "she", "She"):
        person = article.subject_before(start)
        return (start, person) if person else None
    if first is None:
        return _subject_from(article, start, end)
    if word.lower() in rules.SUBORDINATORS:  # "When Kirby spoke, he ...": after the clause
        return _subject_from(article, masked.find(",", first.end(), end) + 1 or start, end)
    if word.lower() in rules.OPENING_PREPOSITIONS:  # "On the ties with Manila, Trump ..."
        after = masked.find(",", first.end(), end) + 1
        found = _subject_from(article, after, end) if after else None
        if found is not None:
            return found
    return _subject_from(article, start, end)


def _subject_from(article: ArticleContext, lead: int, end: int) -> tuple[int, Person] | None:
    """The first person named within six words of `lead`, not after a preposition."""
    for m in article.mentions_from(lead):
        if m.start >= end:
            break
        if m.end > end:
            continue
        words_before = article.masked[lead : m.start]
        if len(words_before.split()) > 6:
            break
        if m.person.is_person and not PREPOSITION_BEFORE.search(words_before):
            return m.start, m.person
    return None


def _is_organisation(person: Person) -> bool:
    return bool({t.lower() for t in person.tokens} & rules.NON_PERSON_WORDS)


def phrase_speaker(article: ArticleContext, phrase: str, pos: int) -> Person | None:
    """The speaker a subject phrase names: a pronoun, the last person named, or a role."""
    phrase = phrase.rstrip(". ")
    if not phrase:
        return None
    if phrase.lower() in rules.PERSON_PRONOUNS:
        return article.subject_before(pos)
    mentions = [m for m in article.mentions_in(pos, pos + len(phrase)) if not m.person.never_speaks]
    people = [m.person for m in _before_preposition(article.masked, pos, mentions)]
    people = [p for p in people if p.is_person] or [
        m.person for m in mentions if m.person.is_person
    ]
    if people or mentions:
        return people[-1] if people else mentions[-1].person
    role = ROLE_NP_SEARCH.search(phrase)
    return article.resolve(role.group(), pos + role.start()) if role else None


def _before_preposition(masked: str, pos: int, mentions: list[Mention]) -> list[Mention]:
    """The mentions of a phrase at `pos` before a preposition that joins two of them: "Nadia
    Farouk" in "Nadia Farouk of the Digital Rights Project"."""
    done = pos
    for i, m in enumerate(mentions):
        if i and PREPOSITION.search(masked, done, m.start):
            return mentions[:i]
        done = m.end
    return mentions
