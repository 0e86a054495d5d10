"""The schema's analyzers, as highlighting relies on them (webapp/search.py, Matched.tokens)."""

from __future__ import annotations

import pytest

from indexer.schema import EXACT_ANALYZER, SCHEMA, TEXT_ANALYZER, WORD, stem

TEXTS = [
    "Grain exports rose 4.5% in the U.S. on Monday, officials said.",
    "“We’re not going anywhere,” Zelensky told CNN — e-mail: press@gov.ua",
    "Straße café naïve 東京 Kyiv’s 2024-05-01 and *starred* words",
]


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
