"""'Did you mean' (webapp/search/spelling.py): its search for words two edits away finds exactly
what Whoosh's own does, and a word two edits from the vocabulary is corrected through it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.reading import IndexReader

from helpers.paths import SAMPLES
from indexer.writer import reindex
from webapp.search import IndexHandle
from webapp.search.spelling import better_word, terms_within

FIELDS = ("title_exact", "body_exact", "quotes_exact")


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    index: Path = tmp_path_factory.mktemp("spelling") / "index"
    reindex([str(SAMPLES)], str(index))
    handle = IndexHandle(str(index))
    yield handle.searcher().reader()
    handle.close()


def _misspelt(word: str, rng: random.Random) -> list[str]:
    """The word with one or two letters dropped, doubled, swapped or replaced."""
    found = []
    for _ in range(4):
        letters = list(word)
        for _ in range(rng.choice([1, 2, 2, 3])):
            at = rng.randrange(2, len(letters)) if len(letters) > 2 else 0
            change = rng.choice(["drop", "double", "swap", "replace"])
            if change == "drop" and len(letters) > 3:
                del letters[at]
            elif change == "double":
                letters.insert(at, letters[at])
            elif change == "swap" and at + 1 < len(letters):
                letters[at], letters[at + 1] = letters[at + 1], letters[at]
            else:
                letters[at] = rng.choice("aeiourstn")
        found.append("".join(letters))
    return found


def test_words_two_edits_away_are_whoosh_s(reader) -> None:
    rng = random.Random(3)
    vocabulary = sorted(t.decode() for t in reader.lexicon("body_exact") if t.isalpha())
    words = [w for w in rng.sample(vocabulary, 150) if len(w) >= 5]
    found = 0
    for word in words:
        for typo in [word, *_misspelt(word, rng)]:
            for name in FIELDS:
                ours = set(terms_within(reader, name, typo, 2, prefix=2))
                whoosh = set(IndexReader.terms_within(reader, name, typo, 2, prefix=2))
                assert ours == whoosh, (name, typo)
                found += len(ours)
    assert found > 500


def test_a_word_two_edits_off_is_corrected(reader) -> None:
    assert better_word(reader, "corirdro", FIELDS) == "corridor"  # none one edit away
    assert better_word(reader, "corridor", FIELDS) is None  # a word of the index
