"""The language of an article: what its source declares, else what its words say.

A page or a record often says its language (`<html lang="uk">`, `og:locale`, a
Content-Language meta, JSON-LD `inLanguage`, a record's `language` field); a declaration is
taken first, as news-please and trafilatura take it, when it names a real ISO 639-1 language.
Otherwise the text decides: a text whose words are plainly English's function words is English
(most English articles: a cheap first test), any other through py3langid's model, which ships
inside its wheel (nothing is downloaded); a text too short, or a guess below
MIN_PROBABILITY, gives no language rather than a wrong one. Declarations are often template
defaults ("en-US" on a Russian page), so a declaration the text contradicts with confidence
gives way to the text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

import pycountry
from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Letters the detector needs before it is trusted: a headline alone is too little
MIN_LETTERS = 40
# The normalised probability below which a guess is no answer
MIN_PROBABILITY = 0.9
# The probability with which the text overrules what the page declares
OVERRULE_PROBABILITY = 0.99
# Characters of the text the detector reads (the opening of an article says its language)
READ_CHARS = 2000

_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*\s*$")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")

# English's commonest function words that no other language written in Latin letters uses as
# a common word of its own (not "in", "is", "was", "a", "to", "for", "die"...; Dutch "of" is
# rare enough)
ENGLISH_WORDS = frozenset(
    {"the", "and", "of", "that", "with", "said", "from", "his", "her", "their", "this",
     "which", "were", "have", "has", "been", "would", "will", "they", "are", "not", "but",
     "by"}
)  # fmt: skip
# The share of a text's words those make up from which it is English beyond doubt: about 0.2
# in English news, at most 0.016 on the 44 other pages of html-dates whose language was
# established (docs/benchmarks.md, "Language detection")
ENGLISH_SHARE = 0.10
MIN_ENGLISH_WORDS = 30


class Language(NamedTuple):
    """An article's language (ISO 639-1) and where it came from: "declared" or "detected"."""

    code: str
    source: str


def article_language(declared: Iterable[str | None], text: str) -> Language | None:
    """The language the first valid declaration names, unless the text says otherwise with
    near certainty; else the language the text says; None when neither says. A text that is
    plainly English (`plainly_english`) is English without the model, unless the source
    declares another language (then the model decides whether the text overrules it)."""
    stated = next((code for code in map(language_code, declared) if code), None)
    if stated in (None, "en") and plainly_english(text[:READ_CHARS]):
        return Language("en", "declared" if stated else "detected")
    guess = detect(text)
    if stated is not None:
        if guess is not None and guess[0] != stated and guess[1] >= OVERRULE_PROBABILITY:
            return Language(guess[0], "detected")
        return Language(stated, "declared")
    return Language(guess[0], "detected") if guess is not None else None


def language_code(tag: str | None) -> str | None:
    """The ISO 639-1 code a language tag names: "en-US" → "en", "uk_UA" → "uk", "rus" →
    "ru"; None for a tag that names no language ("x-default", "zz")."""
    if not tag:
        return None
    m = _TAG.match(tag)
    if m is None:
        return None
    return _iso_639_1(m.group(1).lower())


@functools.lru_cache(maxsize=1024)
def _iso_639_1(code: str) -> str | None:
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    if found is None and len(code) == 3:
        found = pycountry.languages.get(alpha_3=code)
    return getattr(found, "alpha_2", None) if found is not None else None


def plainly_english(sample: str) -> bool:
    """Whether a text is English by its function words alone (a tenth of its words or more,
    of at least MIN_ENGLISH_WORDS): most English articles are, and this costs a tenth of
    the model's reading."""
    words = _WORD.findall(sample.lower())
    if len(words) < MIN_ENGLISH_WORDS:
        return False
    return sum(word in ENGLISH_WORDS for word in words) >= ENGLISH_SHARE * len(words)


def detect(text: str) -> tuple[str, float] | None:
    """The language of `text` and its probability, or None when the text is too short or the
    model unsure."""
    sample = text[:READ_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    code, probability = _identifier().classify(sample)
    if probability < MIN_PROBABILITY:
        return None
    return (_iso_639_1(code) or code), float(probability)


@functools.cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.lru_cache(maxsize=1024)
def language_label(code: str) -> str | None:
    """The English name of an ISO 639-1 language ("uk" → "Ukrainian"), or None."""
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    if found is None:
        return None
    name: str = found.name
    return name.split(" (")[0]  # "Greek, Modern (1453-)" keeps "Greek, Modern"
