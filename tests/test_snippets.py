"""Snippets (webapp/search/snippets.py) are Whoosh's highlights, character for character.

The reference is Whoosh's own pipeline as Newsdesk configured it before passages were
computed without it: PinpointFragmenter(maxchars=240, surround=80) with passages cut back to
whole words, BasicFragmentScorer, top_fragments and a Formatter escaping text and marking
words, over the same matched places. Texts: the demo corpus's articles and Reuters articles,
with frequent, rare and repeated words and several words at once.
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from whoosh import highlight

from helpers.paths import SAMPLES, shared_path
from indexer.schema import WORD, stem
from webapp.search.snippets import BETWEEN, PASSAGE_CHARS, SURROUND, Matched, highlight_fields

_SPACES = re.compile(r"\s+")
FIELDS = ("body", "body_exact")


class _Formatter(highlight.Formatter):
    between = BETWEEN

    def _text(self, text: str) -> str:  # Whoosh's hook, overridden as its HtmlFormatter does
        return html.escape(_SPACES.sub(" ", text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"


class _Fragmenter(highlight.PinpointFragmenter):
    def fragment_matches(self, text: str, tokens: Any) -> Iterator[highlight.Fragment]:
        for fragment in super().fragment_matches(text, tokens):
            start, end = fragment.startchar, fragment.endchar
            first = min(m.startchar for m in fragment.matches)
            last = max(m.endchar for m in fragment.matches)
            space = text.find(" ", start, first)
            if start > 0 and space >= 0:
                fragment.startchar = space + 1
            space = text.rfind(" ", last, end)
            if end < len(text) and space >= 0:
                fragment.endchar = space
            yield fragment


def whoosh_snippet(hit: Matched, text: str, count: int, whole: bool) -> str:
    places = hit.places(FIELDS, text, None)
    if not places:
        return ""
    tokens = [
        highlight.Token(text=word, pos=n, startchar=start, endchar=end, matched=True)
        for n, (start, end, word) in enumerate(places)
    ]
    if whole:
        fragments: Any = [highlight.Fragment(text, tokens, 0, len(text))]
    else:
        fragmenter = _Fragmenter(maxchars=PASSAGE_CHARS, surround=SURROUND, charlimit=None)
        fragments = fragmenter.fragment_matches(text, tokens)
    scorer = highlight.BasicFragmentScorer()
    best = highlight.top_fragments(fragments, count, scorer, highlight.FIRST, minscore=1)
    return _Formatter().format(best)


def _texts() -> list[str]:
    texts = []
    for path in sorted(SAMPLES.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["body"])
    return texts


def _reuters_texts(count: int) -> list[str]:
    shared_path("corpora", "reuters21578")
    from bench.corpus import reuters_records

    return [r["body"] for r in itertools.islice(reuters_records(), count) if r["body"]]


def _hits(text: str, rng: random.Random) -> Iterator[Matched]:
    words = [m.group().lower() for m in WORD.finditer(text)]
    if not words:
        return
    distinct = sorted(set(words))
    frequent = max(distinct, key=words.count)
    for chosen in (
        [frequent],
        [rng.choice(distinct)],
        rng.sample(distinct, min(3, len(distinct))),
        [frequent, *rng.sample(distinct, min(5, len(distinct)))],
    ):
        yield Matched({("body", stem(w).encode()) for w in chosen})
        yield Matched({("body_exact", w.encode()) for w in chosen})


def _assert_same(texts: list[str]) -> int:
    rng = random.Random(11)
    compared = 0
    for text in texts:
        for hit in _hits(text, rng):
            for count, whole in ((3, False), (2, False), (1, True)):
                expected = whoosh_snippet(hit, text, count, whole)
                assert highlight_fields(hit, FIELDS, text, count, whole) == expected
                compared += bool(expected)
    return compared


def test_snippets_of_the_demo_corpus_are_whoosh_s() -> None:
    assert _assert_same(_texts()) > 250


def test_snippets_of_reuters_articles_are_whoosh_s() -> None:
    assert _assert_same(_reuters_texts(400)) > 2000


@pytest.mark.parametrize(
    "text",
    [
        "grain  grain\n\ngrain, grain. " * 40,  # a word everywhere: passages side by side
        "<b>grain</b> & 'grain' " + "x" * 500 + " grain",  # markup to escape, a long word
        "grain",
        " " * 300 + "grain" + " " * 300,
    ],
)
def test_snippets_of_hard_texts_are_whoosh_s(text: str) -> None:
    hit = Matched({("body_exact", b"grain")})
    for count, whole in ((3, False), (1, False), (1, True)):
        assert highlight_fields(hit, FIELDS, text, count, whole) == whoosh_snippet(
            hit, text, count, whole
        )
