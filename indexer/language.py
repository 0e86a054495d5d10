"""The language of an article: what its source declares, else what its words say.

A page or a record often says its language (`<html lang="uk">`, `og:locale`, a
Content-Language meta, JSON-LD `inLanguage`, a record's `language` field); a declaration is
taken first, as news-please and trafilatura take it, when it names a real ISO 639-1 language.
Otherwise the text decides, through py3langid's model, which ships inside its wheel (nothing is
downloaded); a text too short, or a guess below MIN_PROBABILITY, gives no language rather
than a wrong one. Declarations are often template defaults ("en-US" on a Russian page), so a
declaration the text contradicts with confidence gives way to the text.
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


class Language(NamedTuple):
    """An article's language (ISO 639-1) and where it came from: "declared" or "detected"."""

    code: str
    source: str


def article_language(declared: Iterable[str | None], text: str) -> Language | None:
    """The language the first valid declaration names, unless the text says otherwise with
    near certainty; else the language the text says; None when neither says."""
    stated = next((code for code in map(language_code, declared) if code), None)
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
