"""Highlighted snippets: where a hit's matched words are in its stored text, the passages
around them, and those passages as escaped HTML with the words in `<mark>`.

The passages are Whoosh's (`whoosh.highlight`: PinpointFragmenter, BasicFragmentScorer,
top_fragments, Formatter), computed here without a Token and a Fragment object per matched
word and without its generators: building the hits of a page (title, body, quotes of each)
was a large part of a median search, most of it in those objects.
tests/test_snippets.py checks the output against Whoosh's pipeline, character for character.

    matched = Matched({("body", b"grain")})
    highlights(matched, stored_fields)   # {"title": ..., "body": ..., "quotes": ...}
"""

from __future__ import annotations

import functools
import heapq
import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from indexer.schema import EXACT_FIELDS, WORD, stem

SNIPPET_CHARS = 200  # the body's opening shown when the body has no match
PASSAGE_CHARS = 240  # a passage's most characters around its matched words
SURROUND = 80  # characters of context before the first matched word and after the last
CHARLIMIT = 1_000_000  # characters of a text looked at for matched words
BETWEEN = " … "  # between passages
_SPACES = re.compile(r"\s+")

# A matched word: where it starts and ends in the text, and its lower case
Place = tuple[int, int, str]


@dataclass
class Matched:
    """The query's terms (field, text) that a hit contains, for highlighting it."""

    terms: set[tuple[str, bytes]]

    def places(self, fieldnames: Sequence[str], text: str, charlimit: int | None) -> list[Place]:
        """Where `text` has the hit's matched words of these fields, one per place, in order.

        The index keeps no character offsets (its postings read faster without them), so the
        words are found again: `text` is what the fields indexed, and a searched field's words
        are the exact twin's words stemmed (indexer/schema.py).
        """
        words = [(name, term.decode("utf-8")) for name, term in self.terms if name in fieldnames]
        stemmed = frozenset(word for name, word in words if name in EXACT_FIELDS)  # searched
        exact = frozenset(word for name, word in words if name not in EXACT_FIELDS)
        if not words:
            return []
        end = min(len(text), charlimit or len(text))
        lowered = text[:end].lower()
        if len(lowered) == end:
            found = _word_places(text, lowered, _word_finder(exact, stemmed), end)
        else:  # a letter whose lower case is longer: places differ, look word by word
            found = ((m.start(), m.end()) for m in WORD.finditer(text, 0, end))
        places = []
        for start, stop in found:
            word = text[start:stop].lower()
            if word in exact or (stemmed and stem(word) in stemmed):
                places.append((start, stop, word))
        return places


# Porter's stem of a word is the word with its ending replaced: in the words of Reuters and
# PolNeAR at most its last letter is not the word's (`ably` -> `abli`). A word can have a
# stem only if it starts like the stem without its last STEM_ENDING letters.
STEM_ENDING = 3


@functools.lru_cache(maxsize=1024)
def _word_finder(exact: frozenset[str], stemmed: frozenset[str]) -> re.Pattern[str]:
    """A pattern of the beginnings of `exact` words and of words with the `stemmed` stems,
    to find in lower case text: highlighting then stems the few words starting so instead
    of every word of an article (a noticeable part of a median search)."""
    prefixes = set(exact)
    prefixes.update(word[: max(1, len(word) - STEM_ENDING)] for word in stemmed)
    return re.compile("|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True)))


def _word_places(
    text: str, lowered: str, finder: re.Pattern[str], end: int
) -> Iterator[tuple[int, int]]:
    """Where the words (WORD matches) of `text` that start with one of `finder`'s beginnings
    are, in order; `lowered` is text[:end] in lower case, of the same length."""
    for match in finder.finditer(lowered):
        start = match.start()
        if start and _in_word(text, start):
            continue  # inside a word (a beginning can never hold a word's start)
        word = WORD.match(text, start, end)
        if word is not None:
            yield start, word.end()


def _in_word(text: str, at: int) -> bool:
    """Whether WORD's match of the text before `at` would go on at `at`: the character
    before is a word character, or a dot after one ("u.s")."""
    before = text[at - 1]
    if before.isalnum() or before in "_*":
        return True
    return before == "." and at >= 2 and (text[at - 2].isalnum() or text[at - 2] in "_*")


# ---------------------------------------------------------------- passages


class _Passage:
    """A stretch of the text and the matched words in it. Ordered by where it starts, and
    equal only to itself, as Whoosh's Fragment: `top` then breaks ties as Whoosh does."""

    __slots__ = ("end", "places", "start")

    def __init__(self, start: int, end: int, places: list[Place]) -> None:
        self.start, self.end, self.places = start, end, places

    def __lt__(self, other: _Passage) -> bool:
        return self.start < other.start

    @property
    def score(self) -> float:
        """BasicFragmentScorer: the matched words, times 100 per distinct word."""
        return float(len(self.places)) * (len({word for _, _, word in self.places}) * 100 or 1)


def passages(text: str, places: list[Place]) -> Iterator[_Passage]:
    """PinpointFragmenter(maxchars=PASSAGE_CHARS, surround=SURROUND): runs of matched words
    close enough together, with SURROUND characters either side, each cut back to whole
    words where it cuts into the text (Whoosh's `autotrim` would also drop a word at the
    text's own start or end)."""
    count, size = len(places), len(text)
    i = 0
    while i < count:
        left, right, _ = places[i]
        j, length = i, right - left
        while j < count - 1 and length < PASSAGE_CHARS:
            start, end, _ = places[j + 1]
            if end - right <= SURROUND and end - left <= PASSAGE_CHARS:
                j, right, length = j + 1, end, length + end - start
            else:
                break
        first, last = places[i][0], right
        left, right = max(0, left - SURROUND), min(size, right + SURROUND)
        space = text.find(" ", left, first)
        if left > 0 and space >= 0:
            left = space + 1
        space = text.rfind(" ", last, right)
        if right < size and space >= 0:
            right = space
        yield _Passage(left, right, places[i : j + 1])
        i = j + 1


def top(found: Iterable[_Passage], count: int) -> list[_Passage]:
    """top_fragments: the `count` best passages (minimum score 1), in text order."""
    best = heapq.nlargest(count, ((passage.score, passage) for passage in found))
    return sorted((passage for score, passage in best if score >= 1), key=lambda p: p.start)


def marked(text: str, passage: _Passage) -> str:
    """The passage as HTML: its text escaped (runs of white space as one space), each
    matched word escaped inside `<mark>`; a word overlapping one before it is left out."""
    out = []
    at = passage.start
    for start, end, _ in sorted(passage.places, key=lambda p: (p[0], p[0] - p[1])):
        if start < at:
            continue
        if start > at:
            out.append(_escaped(text[at:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        at = end
    out.append(_escaped(text[at : passage.end]))
    return "".join(out)


def _escaped(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text))


# ---------------------------------------------------------------- a hit's snippets


def highlight_fields(
    hit: Matched, fieldnames: Sequence[str], text: str, count: int, whole: bool = False
) -> str:
    """The `count` best passages of `text` around the words matched in any of `fieldnames`
    (or, `whole`, all of the text with them marked), as escaped HTML; "" if none matched.

    A field and its unstemmed twin index the same text with the same tokenizer, so the words
    matched in either (a stemmed word, the words of an exact phrase) are found in `text`.
    """
    places = hit.places(fieldnames, text, CHARLIMIT)
    if not places:
        return ""
    found = [_Passage(0, len(text), places)] if whole else passages(text, places)
    return BETWEEN.join(marked(text, passage) for passage in top(found, count))


def highlights(hit: Matched, stored: Mapping[str, Any]) -> dict[str, str]:
    """Snippets of title, body and quotes around the matched terms (escaped HTML)."""
    plain = plain_highlights(stored)
    title = _highlight(hit, "title", stored, 1, whole=True)
    body = _highlight(hit, "body", stored, 3)
    quotes = _highlight(hit, "quotes", stored, 2)
    return {"title": title or plain["title"], "body": body or plain["body"], "quotes": quotes}


def quote_highlight(hit: Matched, text: str) -> str:
    """The whole quotation with its matched words marked (escaped HTML); "" when none matched."""
    return highlight_fields(hit, ("quotes", "quotes_exact"), text, 1, whole=True)


def plain_highlights(stored: Mapping[str, Any]) -> dict[str, str]:
    """The no-match snippets: the escaped title and the opening of the body."""
    return {
        "title": html.escape(stored.get("title") or ""),
        "body": html.escape(opening(stored.get("body") or "")),
        "quotes": "",
    }


def _highlight(
    hit: Matched, fieldname: str, stored: Mapping[str, Any], count: int, whole: bool = False
) -> str:
    text = stored.get(fieldname) or ""
    if not text:
        return ""
    return highlight_fields(hit, (fieldname, EXACT_FIELDS[fieldname]), text, count, whole)


def opening(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The first `limit` characters of `text`, cut at a word boundary, with '…' if cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + " …"
