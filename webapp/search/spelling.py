"""'Did you mean': words of a query replaced by better-attested neighbours from the index.

Suggestions come from the unstemmed fields (`title_exact`, `body_exact`, `quotes_exact`), so
they are words as written, never stems (docs/whoosh.md, "Spelling": a stemmed field gives
poor ones).
A word is replaced only when no document has it: a word the index has, however rarely
("grinder", "São", "emoji"), is what the user meant. Its replacement is a word one edit away
(two for longer words, when none is one edit away), swapped letters first ("Zelenksy" is
"Zelensky"), in at least MIN_DOCUMENTS documents, that keeps every letter outside a-z the
word has (an accent is meant, never an edit), written in the word's case. run.py offers the
new query only if it finds more than the original.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from whoosh.support.levenshtein import distance

from indexer.storage.leaves import segment_frequencies
from webapp.search.syntax import query_words

MIN_DOCUMENTS = 2  # a replacement is in at least this many documents
MIN_LENGTH = 3  # shorter words are left alone


def suggest_query(reader: Any, text: str, fieldnames: Sequence[str]) -> str | None:
    """The query text with its rare words replaced by likelier ones, or None if none is."""
    fields = [name for name in fieldnames if name in reader.schema]
    pieces: list[str] = []
    last = 0
    for match in query_words(text):
        typed = match.group(1)
        better = better_word(reader, typed.lower(), fields)
        if better:
            pieces += [text[last : match.start(1)], in_case_of(typed, better)]
            last = match.end(1)
    return "".join(pieces) + text[last:] if pieces else None


def better_word(reader: Any, word: str, fieldnames: Sequence[str]) -> str | None:
    """A likelier spelling of `word` from the index's vocabulary, or None.

    Words one edit away are looked up directly (a few hundred lexicon lookups, quick); only
    when none is better are words two edits away scanned for, sharing the first two letters
    (Whoosh's `terms_within` is slow with one shared letter, far quicker with two).
    """
    if len(word) < MIN_LENGTH or documents_with(reader, word, fieldnames):
        return None
    swapped, near = (
        {
            t
            for t in group
            if keeps_letters(word, t) and any(_has(reader, name, t) for name in fieldnames)
        }
        for group in (transposed(word), one_edit(word))
    )
    # Swapped letters are the commonest slip: "whaet" is "wheat" before it is "what".
    best = _likeliest(reader, swapped, fieldnames) or _likeliest(reader, near, fieldnames)
    if best or len(word) < 5:
        return best
    far = {
        term
        for name in fieldnames
        for term in terms_within(reader, name, word, 2, prefix=2)
        if term != word and term not in near and keeps_letters(word, term)
    }
    return _likeliest(reader, far, fieldnames)


def keeps_letters(word: str, other: str) -> bool:
    """Whether `other` has each letter outside a-z of `word` as often (São never becomes so)."""
    return all(other.count(c) >= word.count(c) for c in set(word) if not c.isascii())


def in_case_of(typed: str, word: str) -> str:
    """`word` written as `typed` is: ZELENSKY, Zelensky or zelensky."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


def terms_within(
    reader: Any, fieldname: str, word: str, maxdist: int, prefix: int
) -> Iterator[str]:
    """Whoosh's `reader.terms_within`: the field's words starting with the word's first
    `prefix` letters and at most `maxdist` edits from it (Damerau-Levenshtein), with two
    cheap tests first, as an edit changes a word's length by at most one and adds at most
    one letter it lacked or removes one it had. Whoosh computes the distance of each word
    of the prefix, a large part of a misspelt query's time."""
    size, letters = len(word), set(word)
    for btext in reader.expand_prefix(fieldname, word[:prefix]):
        term = btext.decode("utf-8")
        if abs(len(term) - size) > maxdist:
            continue
        found = set(term)
        if len(found - letters) > maxdist or len(letters - found) > maxdist:
            continue
        if distance(term, word, limit=maxdist) <= maxdist:
            yield term


def _likeliest(reader: Any, candidates: set[str], fieldnames: Sequence[str]) -> str | None:
    counted = sorted((-documents_with(reader, t, fieldnames), t) for t in candidates)
    for minus_count, term in counted:
        if -minus_count >= MIN_DOCUMENTS:
            return term
    return None


LETTERS = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгґдеєжзиіїйклмнопрстуфхцчшщъыьэюяё"  # Ukrainian and Russian


def transposed(word: str) -> set[str]:
    """Every string with two neighbouring letters of `word` swapped."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}


def one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away (with Latin
    letters, and Cyrillic ones for a Cyrillic word)."""
    letters = LETTERS + (CYRILLIC if any(c in CYRILLIC for c in word) else "")
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in letters]
    inserts = [a + c + b for a, b in splits for c in letters]
    return set(deletes + transposes + replaces + inserts) - {word}


def documents_with(reader: Any, word: str, fieldnames: Sequence[str]) -> int:
    """The most documents any one of the fields has the word in."""
    return max((_doc_frequency(reader, name, word) for name in fieldnames), default=0)


def _has(reader: Any, fieldname: str, word: str) -> bool:
    """Whether a segment has the word in the field (stopping at the first that has it)."""
    return any(_segment_frequencies(reader, fieldname, word))


def _doc_frequency(reader: Any, fieldname: str, word: str) -> int:
    """The documents (deleted ones too, as Whoosh counts) with the word in the field."""
    return sum(_segment_frequencies(reader, fieldname, word))


def _segment_frequencies(reader: Any, fieldname: str, word: str) -> Iterator[int]:
    """Each segment's document frequency of the word in the field: hundreds of candidates
    are looked up in each segment, through storage's single read where it can."""
    return segment_frequencies(reader, fieldname, word.encode("utf-8"))
