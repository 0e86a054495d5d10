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

import itertools
from collections.abc import Iterator

from indexer.model import Quote
from indexer.paragraphs import paragraph_spans
from indexer.quotes.attribution import attribute_all
from indexer.quotes.context import ArticleContext, find_sentences
from indexer.quotes.patterns import MARKS
from indexer.quotes.people import Cast, Person, find_mentions
from indexer.quotes.spans import Span, broken_or_closed, find_spans, is_quotation, mask, trim
from indexer.quotes.subjects import note_sentence_subjects

__all__ = ["extract_quotes"]


def extract_quotes(body: str) -> list[Quote]:
    """Quotations in `body`, each with its speaker when a credible one is named.

    A quotation is a span in double quotation marks of at least three words that is not a
    title ("Saturday Night Live"). `Quote.text` is the quoted words without the outer marks and
    `start`/`end` are their offsets in `body`; a quotation broken over paragraphs is one
    Quote whose text keeps the paragraph breaks and the marks that reopen them. The speaker
    is the person's fullest name in the article ("Volodymyr Zelensky" for "Zelensky" and
    "he"); a title given with the name goes to `speaker_role`.
    """
    if not MARKS.search(body):
        return []
    paragraphs = paragraph_spans(body)
    spans = find_spans(body, paragraphs)
    for span in spans:
        span.start, span.end = trim(body, span.start, span.end)
    quoted = [s for s in broken_or_closed(spans) if is_quotation(body, s)]
    if not quoted:
        return []
    article = _build_context(body, paragraphs, spans)
    speakers = attribute_all(article, quoted)
    return [_quote(body, parts, person) for parts, person in _whole_quotations(quoted, speakers)]


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
    return Quote(
        text=body[start:end],
        speaker=person.name if person else None,
        speaker_role=person.role if person else None,
        start=start,
        end=end,
    )


def _build_context(
    body: str, paragraphs: list[tuple[int, int]], spans: list[Span]
) -> ArticleContext:
    """What attribution reads: the masked body, its people, sentences and their subjects."""
    masked = mask(body, spans)  # blanks keep their places, so the paragraphs stay the same
    cast = Cast()
    article = ArticleContext(
        masked, cast, find_mentions(masked, cast), find_sentences(masked, paragraphs)
    )
    note_sentence_subjects(article)
    return article
