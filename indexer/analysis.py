"""How text becomes index terms, in the language it is written in.

Every searched field (`title`, `body`, `quotes`) keeps two kinds of terms:

- exact words (the `_exact` twins, with positions, for "quoted phrases"): each word lower-cased
  as written; runs of Chinese, Japanese or Korean characters, written without spaces, become
  overlapping character pairs (`写真集` → `写真`, `真集`), as Elasticsearch's `cjk_bigram` and
  Lucene's CJKAnalyzer make them, so a word inside a longer run is a phrase of its pairs;
- searched terms (the stemmed fields BM25F ranks by): each word reduced by its article's
  language, then stripped of the accents of Latin letters (`Zürich` and `Zurich` are one term).

The reduction of a word, by language (`term_function`):

- English: Porter's stemmer, as the ranking was measured with (docs/benchmarks.md); no stop words.
- The languages Whoosh ships a Snowball stemmer for (Russian, German, French, Spanish, Italian,
  Portuguese, Dutch, the Nordic languages, Finnish, Hungarian, Romanian, Turkish, Arabic): its
  stop words dropped, and the word's dictionary form (LemmaGen's lemmatizer, `lemmagen3`, where it
  has the language) stemmed. A stemmer alone misses forms whose stems differ (Spanish `ciudad`
  is `ciud` and `ciudades` is `ciudad`; `dijo` and `decir`, German `sagte` and `sagen`); the
  lemma first joins them, the stem after joins what the lemmatizer does not know.
- Languages LemmaGen lemmatizes and no stemmer covers (Ukrainian, Polish, Czech, Bulgarian,
  Serbian, Croatian, Slovak, Slovenian, Macedonian, Estonian, Persian): the dictionary form
  (`Києві` → `Київ`).
- Chinese, Japanese, Korean and every other language: the word lower-cased.

LemmaGen's models ship inside its wheel (nothing is downloaded) and take a few megabytes each
(simplemma's dictionaries took 40 to 160 MB a language: docs/benchmarks.md). A lemmatizer
reads a word as written, capital and all: lower-case `київ` is also the plural genitive of
`кий`, a cue, and only `Київ` is the city; so a query's lower-case word is also read
capitalised (`query_terms`).

A query's words are reduced in every language of the index (or the ones the request's
`language` filter names), and a word matches any of its readings: `Москва` finds Russian
`Москве` and Ukrainian `Москві`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import lemmagen3
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.lang.porter import stem as porter_stem

ENGLISH = "en"
# Words as Whoosh's default tokenizer finds them.
WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")
# Scripts written without spaces between words: Hiragana, Katakana, CJK ideographs (and
# extension A, compatibility), Hangul syllables and jamo, half-width Katakana.
_CJK_CHARS = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUNS = re.compile(f"([{_CJK_CHARS}]+)")

# Language tags of the detectors and records → the names the stemmers and lemmatizer use.
_WHOOSH_NAMES = {"nb": "no", "nn": "no"}
_LEMMAGEN = frozenset(lemmagen3.Lemmatizer.list_supported_languages())


def _latin_folding() -> dict[int, str]:
    """Each Latin letter with a diacritic → its base letters (`ü` → `u`, `ß` → `ss`)."""
    table: dict[int, str] = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii())
        if base.isalpha() and base != char:
            table[code] = base
    for char, base in {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
                       "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d",
                       "Ð": "D", "ı": "i", "ħ": "h", "ŧ": "t"}.items():  # fmt: skip
        table[ord(char)] = base
    return table


_FOLD = _latin_folding()
# The same, one letter for one (`ß` → `s`), so that places in folded text are the text's
_FOLD_IN_PLACE = {code: base[0] for code, base in _FOLD.items()}


def fold(word: str) -> str:
    """`word` with the accents of its Latin letters removed; other scripts unchanged."""
    return word if word.isascii() else word.translate(_FOLD)


def fold_in_place(text: str) -> str:
    """`text` with each accented Latin letter replaced by one base letter: the same length."""
    return text if text.isascii() else text.translate(_FOLD_IN_PLACE)


def words(text: str) -> list[str]:
    """The words of `text` as written, in order (a word's position is its index), runs of CJK
    characters as their overlapping pairs (a lone character as itself)."""
    found = WORD.findall(text)
    if CJK.search(text) is None:
        return found
    return [piece for word in found for piece in split_cjk(word)]


def split_cjk(word: str) -> list[str]:
    """A word's pieces: its runs of CJK characters as overlapping pairs, the rest whole."""
    if CJK.search(word) is None:
        return [word]
    pieces: list[str] = []
    for i, part in enumerate(_CJK_RUNS.split(word)):
        if i % 2 == 0:
            pieces.extend(WORD.findall(part))
        elif len(part) == 1:
            pieces.append(part)
        else:
            pieces.extend(part[j : j + 2] for j in range(len(part) - 1))
    return pieces


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """`words` with where each is in `text` (start and end characters)."""
    for match in WORD.finditer(text):
        word, start = match.group(), match.start()
        if CJK.search(word) is None:
            yield word, start, match.end()
            continue
        for i, part in enumerate(_CJK_RUNS.split(word)):
            if i % 2 == 0:
                for inner in WORD.finditer(part):
                    yield inner.group(), start + inner.start(), start + inner.end()
            elif len(part) == 1:
                yield part, start, start + 1
            else:
                for j in range(len(part) - 1):
                    yield part[j : j + 2], start + j, start + j + 2
            start += len(part)


def exact_words(text: str) -> list[str]:
    """The exact terms of `text`: its words lower-cased, in order."""
    return [word.lower() for word in words(text)]


def language_name(language: str | None) -> str:
    """The stemmers' and lemmatizer's name for a language tag ("en" when none)."""
    if not language:
        return ENGLISH
    return _WHOOSH_NAMES.get(language, language)


@functools.cache
def term_function(language: str | None) -> Callable[[str], str]:
    """The searched term of a word (as written) in `language`; "" for a stop word."""
    name = language_name(language)
    if name == ENGLISH:
        return _english_term
    stem = _stemmer(name)
    lemmatizer = lemmagen3.Lemmatizer(name) if name in _LEMMAGEN else None
    stops = frozenset(stopwords_for_language(name)) if has_stopwords(name) else frozenset()

    @functools.lru_cache(maxsize=100_000)
    def term(word: str) -> str:
        lower = word.lower()
        if lower in stops:
            return ""
        if CJK.search(word) is not None:
            return lower
        reduced = lemmatizer.lemmatize(word).lower() if lemmatizer is not None else lower
        if stem is not None:
            reduced = stem(reduced)
        return fold(reduced)

    return term


# A word each stemmer is tried on before it is used
_PROBES = {"ar": "الكتاب"}


def _stemmer(name: str) -> Callable[[str], str] | None:
    """Whoosh's Snowball (or ISRI) stemmer of a language, if it has one that runs: Whoosh
    2.7.4's Arabic stemmer fails on Python 3 (a regex of Python 2), so there Arabic words are
    only lower-cased."""
    if not has_stemmer(name):
        return None
    stem: Callable[[str], str] = stemmer_for_language(name)
    try:
        stem(_PROBES.get(name, "probe"))
    except re.error:
        return None
    return stem


@functools.lru_cache(maxsize=100_000)
def _english_term(word: str) -> str:
    lower = word.lower()
    if CJK.search(word) is not None:
        return lower
    return fold(porter_stem(lower))


def _lemmatized(language: str | None) -> bool:
    name = language_name(language)
    return name != ENGLISH and name in _LEMMAGEN


def terms(found: Iterable[str], language: str | None) -> list[str]:
    """The searched terms of words (as `words` gives them) in `language`, stop words left out."""
    return [t for t in map(term_function(language), found) if t]


def query_terms(word: str, languages: Iterable[str | None]) -> list[tuple[str, ...]]:
    """The readings of a query's word (`query_readings`), in order."""
    return list(query_readings(word, languages))


def query_readings(
    word: str, languages: Iterable[str | None]
) -> dict[tuple[str, ...], list[str | None]]:
    """The readings of a query's word, each with the languages that read it so: for each
    language, the terms of its pieces (one, or a CJK run's pairs), distinct and in order; a
    piece that is a stop word in a language is left out of that reading. A lower-case word is
    also read capitalised where a lemmatizer reads it (`київ` is `кий` and `Київ`)."""
    pieces = words(word)
    readings: dict[tuple[str, ...], list[str | None]] = {}
    for language in dict.fromkeys(languages):
        term = term_function(language)
        spellings = [pieces]
        if _lemmatized(language) and word.islower():
            spellings.append([piece.capitalize() for piece in pieces])
        for spelling in spellings:
            reading = tuple(t for t in map(term, spelling) if t)
            if reading:
                found = readings.setdefault(reading, [])
                if language not in found:
                    found.append(language)
    return readings


class InLanguage(str):
    """Text that says its language to Whoosh's own analysis (`WordTokenizer`, `TermFilter`):
    Whoosh's writer, given `InLanguage(body, "uk")`, indexes the terms Newsdesk's writer
    finds for a Ukrainian body (tests/test_segment.py holds the two writers to that)."""

    language: str | None

    def __new__(cls, text: str, language: str | None) -> InLanguage:
        made = super().__new__(cls, text)
        made.language = language
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (InLanguage, (str(self), self.language))


class WordTokenizer(Tokenizer):
    """Whoosh's tokenizer of `words` (for queries and Whoosh's own analysis); each token
    carries the language of `InLanguage` text (None: English)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        language = getattr(value, "language", None)
        found = spans(value) if tokenize else iter([(value, 0, len(value))])
        for pos, (word, start, end) in enumerate(found, start=start_pos):
            token.text = word
            token.language = language  # type: ignore[attr-defined]
            token.boost = 1.0
            if keeporiginal:
                token.original = word  # type: ignore[attr-defined]
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class TermFilter(Filter):
    """Each token's searched term in its language (`term_function`), else in this filter's;
    stop words dropped."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        for token in tokens:
            token.text = term_function(getattr(token, "language", None) or self.language)(
                token.text
            )
            if token.text:
                yield token
