"""Pass 3: who said each quotation.

For each quotation, in order, the first rule that names a speaker wins: a cue right after it
(`," Kirby said`), a cue before it in its sentence (`Austin said: "`), a cue closing its
sentence, or the sentence's subject. The parts of a quotation broken over paragraphs share a
speaker, and so do quotations of one sentence; a quotation still without one continues the
speaker of the previous quotation in the same or the previous paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.quotes import rules
from indexer.quotes.context import ArticleContext
from indexer.quotes.kinds import ORGANISATION
from indexer.quotes.patterns import (
    ACCORDING_TO,
    APPOSITIVE_NAME,
    COLON_INTRO,
    CUE_SUBJECT_AFTER,
    CUE_WORD,
    DETERMINER_BEFORE,
    LATER_CUE,
    MASK,
    NEXT_QUOTATION,
    NOUN_AFTER,
    PASSIVE_ASKED,
    PASSIVE_BEFORE_CUE,
    PERFORMED_AFTER,
    PERFORMED_BEFORE,
    POSSESSIVE_SUBJECT,
    POSSESSOR_BEFORE,
    PREPOSITION_BEFORE,
    RELATIVE_BEFORE_CUE,
    ROLE_BEFORE,
    ROLE_THEN_NAME_CUE_AFTER,
    RUN_BEFORE_SPACE,
    SPEECH_NOUN_AFTER,
    SUBJECT_CUE_AFTER,
    UNNAMED_SUBJECT,
)
from indexer.quotes.people import Person
from indexer.quotes.spans import Span
from indexer.quotes.subjects import phrase_speaker, subject_before_cue

# Paragraphs a speaker's quotations may run over with no one named between them
CONTINUED_PARAGRAPHS = 3

# Words that may follow a cue closing the sentence before a quotation: "in a statement Monday".
CLOSING_WORDS = 5

# Words opening a clause after a quotation that is not its cue ("as Trump said" is one).
_CLAUSE_OPENERS = rules.SUBORDINATORS - {"as"}

_NP_LOWER_WORDS = frozenset(
    {"the", "a", "an", "former", "retired", "late", "longtime", "top", "senior", "running", "mate"}
    | {"campaign", "state", "and", "his", "her", "their", "its"}
    | rules.ROLE_NOUNS
)


@dataclass
class _Speaker:
    person: Person | None
    rule: str


def _speaker_after(article: ArticleContext, span: Span) -> _Speaker | None:
    """A cue right after the quotation: `," Kirby said`, `," said Austin`, `according to`."""
    start = span.mark_end
    text = article.masked[start : article.sentence_end_after(start)]
    if _closed_by_full_stop(article, span) and text.lstrip()[:1].isupper():
        return None  # `." One source said`: a new sentence, with a cue of its own
    m = SUBJECT_CUE_AFTER.match(text)
    if m and m.group("subj").split()[0].lower() in _CLAUSE_OPENERS:
        m = None  # `," when Clinton blasted him`: a clause of its own, not the quotation's cue
    m = m or ROLE_THEN_NAME_CUE_AFTER.match(text)
    if m and _introduces_next(article, span, start + m.end()):
        return None  # `." Director James Comey added, "...`: the cue is the next quotation's
    if m:
        pos = start + m.start("subj")
        person = phrase_speaker(article, m.group("subj"), pos)
        return _Speaker(person, _cue_rule(person, m.group("subj")))
    m = CUE_SUBJECT_AFTER.match(text) or ACCORDING_TO.match(text.lstrip(" ,"))
    if m:
        offset = start + len(text) - len(text.lstrip(" ,")) if m.re is ACCORDING_TO else start
        np = _noun_phrase_head(m.group("np"))
        person = phrase_speaker(article, np, offset + m.start("np"))
        if person is None and m.re is CUE_SUBJECT_AFTER:
            person = _appositive_speaker(article, m, start)
        return _Speaker(person, _cue_rule(person, np or m.group("np")))
    return None


def _introduces_next(article: ArticleContext, span: Span, cue_end: int) -> bool:
    """Whether a cue after a quotation that closed its sentence (`."`) opens the next one
    instead (`Comey added, "`)."""
    next_one = NEXT_QUOTATION.match(article.masked, cue_end) is not None
    return next_one and _closed_by_full_stop(article, span)


def _closed_by_full_stop(article: ArticleContext, span: Span) -> bool:
    return article.masked[span.mark_start : span.mark_end].rstrip("\u201d\"' ").endswith(".")


def _cue_rule(person: Person | None, phrase: str) -> str:
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


def _appositive_speaker(article: ArticleContext, cue: re.Match[str], offset: int) -> Person | None:
    """The name set off after a role that names nobody: "said Lithuania's deputy foreign
    minister, Gediminas Raudonis, in an interview"; the role goes to the person."""
    m = APPOSITIVE_NAME.match(cue.string, cue.end("np"))
    if m is None:
        return None
    person = phrase_speaker(article, m.group("name"), offset + m.start("name"))
    if person is not None and person.role is None:
        person.role = cue.group("np").strip()
    return person


def _speaker_before(article: ArticleContext, span: Span) -> _Speaker | None:
    """A cue earlier in the quotation's sentence: `Austin said: "`, `according to X, "`.

    A quotation opening a paragraph after one that ends in a colon reads that colon's sentence.
    """
    sent_start, _ = article.sentence_of(span.mark_start)
    if not article.masked[sent_start : span.mark_start].strip():
        sent_start = article.colon_sentence_before(sent_start)
    before = article.masked[sent_start : span.mark_start]
    colon = COLON_INTRO.search(before) if before.rstrip().endswith(":") else None
    if colon and CUE_WORD.search(before) is None:  # "Peggy Drexler, CNN:", "Kinnock said:"
        person = article.resolve(colon.group("subj"), sent_start + colon.start())
        if person is not None:
            return _Speaker(person, "colon")
    if before.rstrip().endswith(":") and CUE_WORD.search(before) is None:
        source = _organisation_named(article, sent_start, span.mark_start)
        if source is not None:  # "this headline from the Washington Post, ...: "
            return _Speaker(source, "colon")
    m = ACCORDING_TO.search(before)
    if m:
        np = _noun_phrase_head(m.group("np"))
        return _Speaker(phrase_speaker(article, np, sent_start + m.start("np")), "according to")
    m = POSSESSIVE_SUBJECT.search(before)
    if m is None and SPEECH_NOUN_AFTER.match(article.masked, span.mark_end):
        m = POSSESSOR_BEFORE.search(before)  # `Obama's "..." promise`, not `Padilla's "..." ruled`
    if m:  # the mention runs to the possessive's end
        subj = before[m.start("subj") : m.end("subj") + 2]
        person = phrase_speaker(article, subj, sent_start + m.start("subj"))
        if person is not None and not person.never_speaks:
            return _Speaker(person, "possessor")
    cues = list(CUE_WORD.finditer(before))
    for cue in reversed(cues):
        person = _cue_subject(article, before, sent_start, cue)
        if person is not None:
            return _Speaker(person, "cue before")
    if cues and UNNAMED_SUBJECT.match(before):
        return _Speaker(None, "unnamed")  # "One intelligence source said ...": no one named
    return None


def _cue_subject(
    article: ArticleContext, before: str, offset: int, cue: re.Match[str]
) -> Person | None:
    """Who a cue verb in `before` (which starts at `offset`) belongs to.

    "Austin said" names Austin; "Trump saying" names Trump; a participle after a comma
    ("..., saying") belongs to the sentence subject; a name after a preposition ("speaking
    to Fox News said") is never the subject.
    """
    head = before[: cue.start()]
    if cue.group().endswith("ing"):
        adjacent = RUN_BEFORE_SPACE.search(head)
        preposition = PREPOSITION_BEFORE.search(head[: adjacent.start(1)]) if adjacent else None
        if adjacent and (preposition is None or preposition.group().split()[0].lower() == "with"):
            # "Trump saying", "with the teachers' union calling her": the participle's subject
            return phrase_speaker(article, adjacent.group(1), offset + adjacent.start(1))
        found = article.subjects_in(offset, offset + cue.start())
        return found[0] if found else None  # the clause's subject, not a name it goes on to
    if PASSIVE_BEFORE_CUE.search(head):
        return None  # "Pence was asked about ...": asked, not asking
    relative = RELATIVE_BEFORE_CUE.search(head)
    if relative:  # "a White House official who spoke anonymously said": the official
        head = head[: relative.start()] + " "
    subj = subject_before_cue(head, 0, len(head))
    if subj is None:
        return None
    preposition = PREPOSITION_BEFORE.search(head[: subj.start("subj")])
    if preposition and not _subject_after(head, preposition):
        return None  # "speaking to Fox News said", but "a spokesperson for Acme said"
    return phrase_speaker(article, subj.group("subj"), offset + subj.start("subj"))


def _subject_after(head: str, preposition: re.Match[str]) -> bool:
    """Whether the phrase after a preposition is a cue's subject all the same: "a spokesperson
    for Acme said", "as Pollak observed" (but not "such as Pollak said")."""
    before = head[: preposition.start()]
    if preposition.group().split()[0].lower() == "as":
        return not before.rstrip().lower().endswith("such")
    return ROLE_BEFORE.search(before) is not None


def _speaker_later(article: ArticleContext, span: Span) -> _Speaker | None:
    """A cue closing the quotation's sentence: `"..." about unions, said Marla Kilfoyle.`"""
    start = span.mark_end
    text = article.masked[start : article.sentence_end_after(start)]
    m = LATER_CUE.search(text)
    if m is None:
        return None
    if m.group("subj"):
        return _Speaker(phrase_speaker(article, m.group("subj"), start + m.start("subj")), "later")
    np = _noun_phrase_head(m.group("np"))
    return _Speaker(phrase_speaker(article, np, start + m.start("np")), "later")


def _speaker_subject(article: ArticleContext, span: Span) -> _Speaker | None:
    """The subject of the sentence around a partial quotation."""
    sent_start, _ = article.sentence_of(span.mark_start)
    return _sentence_subject(article, sent_start, span.mark_start)


def _sentence_subject(article: ArticleContext, sent_start: int, end: int) -> _Speaker | None:
    """The subject of the sentence a partial quotation sits in: `Zelensky called it "..."`."""
    if not article.masked[sent_start:end].strip(" \u201c\"'"):
        return None
    found = article.subjects_in(sent_start, end)
    if found and PASSIVE_ASKED.search(article.masked, sent_start, end):
        # "Pence was asked about the "not there yet" comment": someone else's words, unnamed
        return _Speaker(None, "unnamed")
    return _Speaker(found[-1], "subject") if found else None


def _organisation_named(article: ArticleContext, start: int, end: int) -> Person | None:
    """The last organisation a sentence names (no person among its subjects)."""
    if article.subjects_in(start, end):
        return None
    for mention in reversed(article.mentions_in(start, end)):
        if mention.person.kind == ORGANISATION and not mention.person.never_speaks:
            return mention.person
    return None


def _speaker_told(article: ArticleContext, span: Span) -> _Speaker | None:
    """A quotation opening its sentence right after one that ends on its cue: `Lau said in a
    statement. "There are no ballots to recount."` The cue must close that sentence (a few
    words may follow: "in a statement", "on Tuesday"), so that it introduces what comes next."""
    sent_start, _ = article.sentence_of(span.mark_start)
    if article.masked[sent_start : span.mark_start].strip() or sent_start == 0:
        return None
    prev_start, prev_end = article.sentence_of(sent_start - 1)
    previous = article.masked[prev_start:prev_end]
    if "\n" in article.masked[prev_end:sent_start] or MASK in previous:
        return None  # another paragraph, or a sentence with a quotation of its own
    cues = list(CUE_WORD.finditer(previous))
    if not cues or len(previous[cues[-1].end() :].split()) > CLOSING_WORDS:
        return None
    person = _cue_subject(article, previous, prev_start, cues[-1])
    return _Speaker(person, "told") if person is not None else None


def _performed(article: ArticleContext, span: Span) -> bool:
    """Whether the quotation is sung or recited: `Blige sang "..."`, `"...," she sang`."""
    sent_start, _ = article.sentence_of(span.mark_start)
    before = article.masked[sent_start : span.mark_start]
    after = article.masked[span.mark_end : article.sentence_end_after(span.mark_end)]
    return bool(PERFORMED_BEFORE.search(before) or PERFORMED_AFTER.match(after))


def _attribute(article: ArticleContext, span: Span) -> _Speaker | None:
    """The speaker from the quotation's own sentence; a Speaker without a person when a cue
    right after the quotation names nobody ("said a manager") or the words are performed
    (sung, recited), so that no earlier speaker is carried over to them; or None."""
    if _performed(article, span):
        return _Speaker(None, "unnamed")
    for rule in (_speaker_after, _speaker_before, _speaker_later, _speaker_subject, _speaker_told):
        found = rule(article, span)
        if found is not None and found.person is not None and found.person.never_speaks:
            found = _Speaker(None, found.rule)  # a place or a common word: read on
        if found is not None and (found.person is not None or found.rule == "unnamed"):
            return found  # someone, or a cue's subject that names no one ("said a manager")
    if _named_phrase(article, span):
        return _Speaker(None, "unnamed")  # `the "law and order" issue`: a phrase mentioned
    return None


def _named_phrase(article: ArticleContext, span: Span) -> bool:
    """Whether a quotation is a phrase mentioned by name, between a determiner and a noun
    (`the "law and order" issue`), so that no earlier speaker is carried over to it."""
    return bool(
        DETERMINER_BEFORE.search(article.masked, max(0, span.mark_start - 12), span.mark_start)
        and NOUN_AFTER.match(article.masked, span.mark_end)
    )


def attribute_all(article: ArticleContext, spans: list[Span]) -> list[Person | None]:
    """Speakers for every span: own cue, then chain and sentence mates, then continuation."""
    own = [_attribute(article, s) for s in spans]
    speakers: list[Person | None] = [s.person if s else None for s in own]
    _share_within_chains(spans, speakers)
    _share_within_sentences(article, spans, speakers)
    for i, span in enumerate(spans):
        if speakers[i] is None and own[i] is None:  # "said a manager" continues nobody
            speakers[i] = _continuation(article, spans, speakers, i)
        if speakers[i] is not None:
            article.note_subject(span.mark_start, speakers[i])
    return speakers


def _share_within_chains(spans: list[Span], speakers: list[Person | None]) -> None:
    """All parts of a quotation broken over paragraphs share the speaker one part names."""
    by_chain: dict[int, Person] = {}
    for span, person in zip(spans, speakers, strict=True):
        if person is not None:
            by_chain.setdefault(span.chain, person)
    for i, span in enumerate(spans):
        if speakers[i] is None:
            speakers[i] = by_chain.get(span.chain)


def _share_within_sentences(
    article: ArticleContext, spans: list[Span], speakers: list[Person | None]
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
    article: ArticleContext, spans: list[Span], speakers: list[Person | None], i: int
) -> Person | None:
    """A subject named since the previous quotation, or that quotation's speaker, when the
    previous quotation is in the same or the previous paragraph, or a little further when
    the paragraphs between name no one ("She pauses." / "Pause.")."""
    if i == 0:
        return None
    gap = spans[i].paragraph - spans[i - 1].paragraph
    since = article.subjects_in(spans[i - 1].mark_end, spans[i].mark_start)
    if since and gap <= 2:
        return since[-1]
    if gap <= 1:
        return speakers[i - 1]
    between = article.mentions_in(spans[i - 1].mark_end, spans[i].mark_start)
    named = [m for m in between if m.person.is_person and m.person is not speakers[i - 1]]
    return speakers[i - 1] if gap <= CONTINUED_PARAGRAPHS and not named else None
