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
import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from indexer.analysis import CJK, ENGLISH, WORD, fold_in_place, language_name, spans, term_function
from indexer.schema import EXACT_FIELDS

OPENING_CHARS = 200  # the body's opening shown when the body has no match
SNIPPET_CHARS = 300  # a hit's passages (body and quotations), by default: `snippet_chars`
MAX_SNIPPET_CHARS = 5_000
PASSAGES = 3  # the most passages a hit shows by default; one more per PASSAGE_SHARE characters
PASSAGE_SHARE = 100
CHARLIMIT = 1_000_000  # characters of a text looked at for matched words
BETWEEN = " … "  # between passages
_SPACES = re.compile(r"\s+")

# A matched word: where it starts and ends in the text, and its lower case
Place = tuple[int, int, str]


@dataclass
class Matched:
    """The query's terms (field, text) that a hit contains, for highlighting it."""

    terms: set[tuple[str, bytes]]
    chars: int = SNIPPET_CHARS  # the characters of passages the hit shows
    language: str | None = None  # the hit's, in which its words were reduced to terms

    @property
    def passages(self) -> int:
        """The most passages the hit shows: PASSAGES, more when it shows more characters."""
        return max(PASSAGES, self.chars // PASSAGE_SHARE)

    def places(self, fieldnames: Sequence[str], text: str, charlimit: int | None) -> list[Place]:
        """Where `text` has the hit's matched words of these fields, one per place, in order
        (a CJK word's overlapping character pairs as one place).

        The index keeps no character offsets (its postings read faster without them), so the
        words are found again: `text` is what the fields indexed, and a searched field's terms
        are the exact twin's words reduced in the hit's language (indexer/analysis.py).
        """
        words = [(name, term.decode("utf-8")) for name, term in self.terms if name in fieldnames]
        stemmed = frozenset(word for name, word in words if name in EXACT_FIELDS)  # searched
        exact = frozenset(word for name, word in words if name not in EXACT_FIELDS)
        if not words:
            return []
        end = min(len(text), charlimit or len(text))
        lowered = fold_in_place(text[:end].lower())
        if language_name(self.language) != ENGLISH or CJK.search(text, 0, end) is not None:
            # a lemma need not begin like its word (`dijo`, `decir`): every word is looked at
            found: Iterator[tuple[int, int]] = ((s, e) for _, s, e in spans(text[:end]))
        elif len(lowered) == end:
            found = _word_places(text, lowered, _word_finder(exact, stemmed), end)
        else:  # a letter whose lower case is longer: places differ, look word by word
            found = ((m.start(), m.end()) for m in WORD.finditer(text, 0, end))
        term = term_function(self.language)
        places: list[Place] = []
        for start, stop in found:
            written = text[start:stop]
            word = written.lower()
            if word in exact or (stemmed and term(written) in stemmed):
                if places and start < places[-1][1]:  # CJK pairs overlap: one place
                    start = places[-1][0]
                    places[-1] = (start, stop, text[start:stop].lower())
                else:
                    places.append((start, stop, word))
        return places


# Porter's stem of a word is the word with its ending replaced: in the words of Reuters and
# PolNeAR at most its last letter is not the word's (`ably` -> `abli`). A word can have a
# stem only if it starts like the stem without its last STEM_ENDING letters (Latin accents
# folded, as in the term: `zurich` for "Zürich").
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

# Where a sentence may end: its closing mark (and a quotation mark or bracket after it) and the
# white space after, or the end of a paragraph (a blank line: indexer/paragraphs.py; a single
# line break is a hard-wrapped line's). Not after an initial or a common abbreviation ("U.S.",
# "Mr.", "Jan."), where a full stop does not end the sentence (`_abbreviated`).
_SENTENCE_END = re.compile(r"[.!?…]([\"'”’»)\]]*)\s+|\n\s*\n\s*")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "gen",
        "gov",
        "sen",
        "rep",
        "lt",
        "col",
        "sgt",
        "capt",
        "prof",
        "no",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_OPENING = "\"'“‘(«["


def _abbreviated(text: str, dot: int) -> bool:
    """Whether the full stop at `dot` ends an initial or an abbreviation, not a sentence."""
    before = text[max(0, dot - 6) : dot].split()
    word = before[-1].rsplit(".", 1)[-1].lstrip(_OPENING) if before else ""
    return (len(word) == 1 and word.isalpha()) or word.lower() in _ABBREVIATIONS


# Where a clause ends inside a sentence: a comma, semicolon, colon or dash and the space after.
_CLAUSE_END = re.compile(r"[,;:]\s+|\s+[—–-]\s+|[—–]")
MIN_PASSAGE = 60  # a passage is not begun with fewer characters of the budget left
TAIL = 40  # characters a passage keeps for its first matched word and what follows it


class _Passage:
    """A stretch of the text and the matched words in it; `cut_start`/`cut_end` when it
    begins or ends inside its sentence (shown with '…')."""

    __slots__ = ("at_boundary", "cut_end", "cut_start", "end", "places", "start")

    def __init__(
        self,
        start: int,
        end: int,
        places: list[Place],
        cut_start: bool = False,
        cut_end: bool = False,
    ) -> None:
        self.start, self.end, self.places = start, end, places
        self.cut_start, self.cut_end = cut_start, cut_end
        self.at_boundary = True  # begins where its sentence or a clause of it begins


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """The sentences of `text`, as (start, end), white space left out."""
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.group(1) is None:  # a blank line
            end = boundary.start()
        elif text[boundary.start()] == "." and _abbreviated(text, boundary.start()):
            continue
        else:
            end = boundary.end(1)
        if end > start:
            yield start, end
        start = boundary.end()
    last = len(text.rstrip())
    if start < last:
        yield start, last


def passages(text: str, places: list[Place], budget: int, count: int) -> list[_Passage]:
    """At most `count` passages with `budget` characters between them, in text order: the
    sentences with the most distinct matched words (then the most matches, then the first),
    each whole when it fits, else from the last clause boundary before its first matched word;
    never a sentence whose text was already chosen (a repeated paragraph, a wire copy
    pasted twice)."""
    found: list[tuple[tuple[int, int, int], int, int, list[Place]]] = []
    at = 0
    for start, end in sentences(text):
        if at == len(places):
            break  # no matched word further on
        inside = []
        while at < len(places) and places[at][0] < end:
            if places[at][0] >= start:
                inside.append(places[at])
            at += 1
        if inside:
            rank = (-len({word for _, _, word in inside}), -len(inside), start)
            found.append((rank, start, end, inside))
    chosen: list[_Passage] = []
    seen: list[str] = []
    left = budget
    for _, start, end, inside in sorted(found, key=lambda f: f[0]):
        if len(chosen) == count or left < MIN_PASSAGE:
            break
        key = _flat(text[start:end]).lower()
        if _repeats(key, seen):
            continue
        passage = _fitted(text, start, end, inside, left, required=not chosen)
        if passage is None:
            continue
        chosen.append(passage)
        seen.append(key)
        left -= passage.end - passage.start + len(BETWEEN)
    return sorted(chosen, key=lambda p: p.start)


def _fitted(
    text: str, start: int, end: int, places: list[Place], limit: int, required: bool
) -> _Passage | None:
    """The sentence `text[start:end]` within `limit` characters: whole if it fits; else from
    its start or a clause boundary that keeps its first matched word in view (the first one
    after which the word is in the passage's first half, or the last one), cut at the last
    whole word. None when no boundary keeps the word in view, unless the passage is
    `required` (a hit's first): then it begins a few words before the word, after '…'."""
    if end - start <= limit:
        return _Passage(start, end, places)
    first = places[0][0]
    bounds = [start, *(clause.end() for clause in _CLAUSE_END.finditer(text, start, first))]
    begin = next((at for at in bounds if first - at < limit // 2), bounds[-1])
    at_boundary = first - begin <= limit - TAIL
    if not at_boundary:
        if not required:
            return None
        space = text.rfind(" ", begin, max(begin, first - limit // 4))
        begin = space + 1 if space >= 0 else begin
    stop = min(end, begin + limit)
    if stop < end:
        space = text.rfind(" ", begin, stop)
        stop = space if space > begin else stop
    kept = [place for place in places if place[0] >= begin and place[1] <= stop]
    passage = _Passage(begin, stop, kept, begin > start, stop < end)
    passage.at_boundary = at_boundary
    return passage


def _flat(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def joined(text: str, found: Sequence[_Passage]) -> str:
    """Passages of `text` as HTML, BETWEEN them, with '…' before the first if it begins
    inside its sentence and after the last if it ends inside (BETWEEN says it between)."""
    out = BETWEEN.join(marked(text, passage) for passage in found)
    if found and found[0].cut_start:
        out = "… " + out
    return out + " …" if found and found[-1].cut_end else out


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
    """The `count` best passages of `text` around the words matched in any of `fieldnames`,
    within the hit's characters (or, `whole`, all of the text with them marked), as escaped
    HTML; "" if none matched.

    A field and its unstemmed twin index the same text with the same tokenizer, so the words
    matched in either (a stemmed word, the words of an exact phrase) are found in `text`.
    """
    places = hit.places(fieldnames, text, CHARLIMIT)
    if not places:
        return ""
    if whole:
        return marked(text, _Passage(0, len(text), places))
    return joined(text, passages(text, places, hit.chars, count))


def highlights(hit: Matched, stored: Mapping[str, Any]) -> dict[str, str]:
    """Snippets of title, body and quotes around the matched terms (escaped HTML): the
    title whole; at most `hit.passages` passages of the body, then of the quotations, within the
    hit's characters, and no quotation passage that the body's passages already show."""
    plain = plain_highlights(stored)
    title = _highlight(hit, "title", stored, 1, whole=True)
    body_text, quotes_text = stored.get("body") or "", stored.get("quotes") or ""
    body = _passages(hit, "body", body_text, hit.passages, hit.chars)
    left = hit.chars - sum(p.end - p.start + len(BETWEEN) for p in body)
    shown = [_flat(body_text[p.start : p.end]).lower() for p in body]
    quotes = [
        passage
        for passage in _passages(hit, "quotes", quotes_text, hit.passages - len(body), left)
        if not _repeats(_flat(quotes_text[passage.start : passage.end]).lower(), shown)
    ]
    return {
        "title": title or plain["title"],
        "body": joined(body_text, body) or plain["body"],
        "quotes": joined(quotes_text, quotes),
    }


def _passages(hit: Matched, fieldname: str, text: str, count: int, budget: int) -> list[_Passage]:
    if not text or count < 1 or budget < MIN_PASSAGE:
        return []
    places = hit.places((fieldname, EXACT_FIELDS[fieldname]), text, CHARLIMIT)
    return passages(text, places, budget, count) if places else []


def _repeats(passage: str, shown: Sequence[str]) -> bool:
    """Whether a passage's text is one shown already, or part of one, or holds one."""
    return any(passage in other or other in passage for other in shown)


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


def opening(text: str, limit: int = OPENING_CHARS) -> str:
    """The first `limit` characters of `text`, cut at a word boundary, with '…' if cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + " …"
