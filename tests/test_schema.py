"""The schema's analyzers, as highlighting relies on them (webapp/search/snippets.py,
Matched.places)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.analysis import ENGLISH, WORD, term_function
from indexer.schema import EXACT_ANALYZER, SCHEMA, TEXT_ANALYZER
from webapp.search.snippets import Matched

FIELDS = ("body", "body_exact")

TEXTS = [
    "Grain exports rose 4.5% in the U.S. on Monday, officials said.",
    "“We’re not going anywhere,” Zelensky told CNN — e-mail: press@gov.ua",
    "Straße café naïve 東京 Kyiv’s 2024-05-01 and *starred* words",
]

stem = term_function(ENGLISH)  # the English term of a word


@pytest.mark.parametrize("text", TEXTS)
def test_searched_words_are_the_exact_words_stemmed(text: str) -> None:
    """Highlighting finds a searched field's words as WORD matches, lowercased and stemmed:
    that must be exactly what the index holds, at the same places."""
    exact = [(t.text, t.startchar, t.endchar) for t in EXACT_ANALYZER(text, chars=True)]
    stemmed = [(t.text, t.startchar, t.endchar) for t in TEXT_ANALYZER(text, chars=True)]
    found = [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(text)]
    assert exact == found
    assert stemmed == [(stem(w), s, e) for w, s, e in found]


def test_searched_fields_keep_no_positions_and_twins_keep_no_offsets() -> None:
    """Searched fields hold frequencies (fast to read); phrases use the twins' positions."""
    for name in ("title", "body", "quotes"):
        assert not SCHEMA[name].format.supports("positions")
        assert SCHEMA[name].format.supports("frequency")
        twin = SCHEMA[f"{name}_exact"].format
        assert twin.supports("positions") and not twin.supports("characters")


TRICKY = (
    "Happily, the probability was ably and hopefully met: HAPPINESS in the U.S. and u.s-based "
    "KNBW.T shares; a..b .start x.y.z *starred* co-operation İstanbul’s mayor Ödön said "
    "ΟΔΟΣ naïve Naïvely. The agreed agreement: agreeing agrees. Generalization generally."
)


def _word_by_word(text: str, exact: set[str], stems: set[str]) -> list[tuple[int, int]]:
    """The places highlighting must mark: every WORD match, lowercased, that is one of
    `exact` or whose stem is one of `stems`."""
    found = []
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in exact or stem(word) in stems:
            found.append((match.start(), match.end()))
    return found


def _sample_texts() -> list[str]:
    texts = [TRICKY, *TEXTS]
    for path in sorted((Path(__file__).parent.parent / "samples" / "text").glob("*.txt"))[:6]:
        texts.append(path.read_text(encoding="utf-8"))
    return texts


@pytest.mark.parametrize("text", _sample_texts())
def test_highlighting_marks_every_place_of_each_word_and_no_other(text: str) -> None:
    """Highlighting looks for a hit's words among the words that start like them (not by
    stemming every word of the article): for each word of the text, searched stemmed
    (body) or exact (body_exact), the places marked are those a word-by-word pass finds."""
    words = {m.group().lower() for m in WORD.finditer(text)}
    assert len(words) > 10
    for word in sorted(words):
        stemmed = Matched({("body", stem(word).encode())})
        got = [(start, end) for start, end, _ in stemmed.places(FIELDS, text, None)]
        assert got == _word_by_word(text, set(), {stem(word)}), word
        exact = Matched({("body_exact", word.encode())})
        got = [(start, end) for start, end, _ in exact.places(FIELDS, text, None)]
        assert got == _word_by_word(text, {word}, set()), word
    both = Matched({("body", stem(w).encode()) for w in list(words)[::3]})
    got = [(start, end) for start, end, _ in both.places(FIELDS, text, 200)]
    expected = _word_by_word(text[:200], set(), {stem(w) for w in list(words)[::3]})
    assert got == expected
