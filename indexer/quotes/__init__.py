"""Direct quotations and their speakers, found in body text.

The work runs in three passes over one article body, one module each:

1. `spans`: pair the double quotation marks of each paragraph (`indexer.paragraphs`) into quoted
   spans, chaining the parts of a quotation broken over paragraphs; mask the quoted words out of
   a copy of the body.
2. `people`: the people the masked body names, each under their fullest name; `subjects` notes
   who each sentence is about, so that "he" can be resolved.
3. `attribution`: the speaker of each quotation, by the first rule that names one.

`patterns` holds the regular expressions and `rules` the word lists they are built from.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator

from indexer.model import Quote
from indexer.paragraphs import paragraph_spans
from indexer.quotes import lexicon
from indexer.quotes.attribution import attribute_all
from indexer.quotes.context import ArticleContext, find_sentences
from indexer.quotes.languages import extract_quotes_in
from indexer.quotes.patterns import MARKS
from indexer.quotes.people import Cast, Person, find_mentions
from indexer.quotes.spans import (
    MIN_WORDS,
    Span,
    broken_or_closed,
    find_spans,
    is_quotation,
    mask,
    trim,
)
from indexer.quotes.subjects import note_sentence_subjects
from indexer.quotes.transcripts import MIN_TURNS, Turn, find_turns

__all__ = ["extract_quotes"]

_WORD = re.compile(r"\w+")


def extract_quotes(body: str, language: str | None = None) -> list[Quote]:
    """Quotations in `body`, each with its speaker when a credible one is named.

    A quotation is a span in double quotation marks of at least three words that is not a
    title ("Saturday Night Live"), or a turn of a transcript (`WALLACE: Do you ...`).
    `Quote.text` is the quoted words without the outer marks and `start`/`end` are their
    offsets in `body`; a quotation broken over paragraphs is one Quote whose text keeps the
    paragraph breaks and the marks that reopen them. The speaker is the person's fullest name
    in the article ("Volodymyr Zelensky" for "Zelensky" and "he"); a title given with the name
    goes to `speaker_role`, and `speaker_kind` says whether a person or an organisation speaks.

    A body in another language than English (`language`, ISO 639-1) is read by the marks and
    reporting verbs of that language (`languages.py`).
    """
    if language and language != "en":
        return extract_quotes_in(body, language)
    turns = find_turns(body)
    if not MARKS.search(body) and not turns:
        return []
    paragraphs = paragraph_spans(body)
    spans = find_spans(body, paragraphs)
    for span in spans:
        span.start, span.end = trim(body, span.start, span.end)
    quoted = [s for s in broken_or_closed(spans) if is_quotation(body, s)]
    turns = [t for t in turns if not any(s.start < t.end and t.start < s.end for s in quoted)]
    if not quoted and not turns:
        return []
    article = _build_context(body, paragraphs, spans)
    speakers = attribute_all(article, quoted)
    _echoes(body, quoted, speakers)
    found = [_quote(body, parts, person) for parts, person in _whole_quotations(quoted, speakers)]
    found += [_quote(body, [_turn_span(t)], p) for t, p in _turn_speakers(article.cast, turns)]
    return sorted(found, key=lambda q: q.start or 0)


def _echoes(body: str, spans: list[Span], speakers: list[Person | None]) -> None:
    """A quotation with no speaker whose words were quoted before, in order, takes the speaker
    of that quotation: the "not there yet" comment is Trump's "I'm not quite there yet"."""
    if all(speakers):
        return  # the common case: every quotation has its speaker

    @functools.cache
    def words(i: int) -> list[str]:
        return _WORD.findall(body[spans[i].start : spans[i].end].lower())

    for i, person in enumerate(speakers):
        if person is not None or len(words(i)) < MIN_WORDS:
            continue
        for j in range(i - 1, -1, -1):
            if speakers[j] is not None and _in_order(words(i), words(j)):
                speakers[i] = speakers[j]
                break


def _in_order(short: list[str], long: list[str]) -> bool:
    if len(short) >= len(long):
        return False
    rest = iter(long)
    return all(word in rest for word in short)


def _turn_speakers(cast: Cast, turns: list[Turn]) -> list[tuple[Turn, Person]]:
    """The turns of a transcript with their speakers, or none when fewer than two people
    speak: capitals that name no one who speaks ("PARAMOUNT:" heading a paragraph on a film
    studio's advertisement) are headings, not turns."""
    spoken = [(turn, cast.speaker_named(turn.name)) for turn in turns if _may_name(turn.name)]
    kept = [(turn, person) for turn, person in spoken if person is not None]
    if len(kept) < MIN_TURNS or len({person.name for _, person in kept}) < 2:
        return []
    return kept


def _may_name(words: tuple[str, ...]) -> bool:
    """Whether capitals before a colon may be someone's name: not only common words that no
    one bears ("PARAMOUNT:", "UNIVERSAL:" heading paragraphs on film studios)."""
    return not all(
        lexicon.is_common_word(w) and not (lexicon.is_surname(w) or lexicon.is_given_name(w))
        for w in words
    )


def _turn_span(turn: Turn) -> Span:
    return Span(turn.start, turn.end, turn.start, turn.end, -1)


def _whole_quotations(
    spans: list[Span], speakers: list[Person | None]
) -> Iterator[tuple[list[Span], Person | None]]:
    """The parts of each quotation, a quotation broken over paragraphs counting once."""
    for _, group in itertools.groupby(zip(spans, speakers, strict=True), key=lambda p: p[0].chain):
        pairs = list(group)
        yield [span for span, _ in pairs], pairs[0][1]


def _quote(body: str, parts: list[Span], person: Person | None) -> Quote:
    """One Quote from the first word of its first part to the last word of its last part."""
    start, end = parts[0].start, parts[-1].end
    if person is not None and person.never_speaks:
        person = None  # a place or a common word was all the sentence named
    return Quote(
        text=body[start:end],
        speaker=person.name if person else None,
        speaker_role=person.role if person else None,
        speaker_kind=person.kind if person else None,
        start=start,
        end=end,
    )


def _build_context(
    body: str, paragraphs: list[tuple[int, int]], spans: list[Span]
) -> ArticleContext:
    """What attribution reads: the masked body, its people, sentences and their subjects."""
    masked = mask(body, spans)  # blanks keep their places, so the paragraphs stay the same
    cast = Cast(masked)
    article = ArticleContext(
        masked, cast, find_mentions(masked, cast), find_sentences(masked, paragraphs)
    )
    note_sentence_subjects(article)
    return article
