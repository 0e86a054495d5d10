"""Snippets (webapp/search/snippets.py): what a reader of a results page sees under a hit.

Checked on the demo corpus and on Reuters articles, with frequent, rare and repeated words
and several words at once: every matched word inside a passage is marked and nothing else
is; the passages together keep to the hit's characters (300 by default); each begins where
a sentence or clause begins (or says with '…' that it does not); no passage is shown twice;
and through HTTP, `snippet_chars` asks for more.
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from helpers.pages import api
from helpers.paths import SAMPLES, shared_path
from helpers.records import build_index
from indexer.analysis import ENGLISH, WORD, term_function
from webapp import create_app
from webapp.search.snippets import (
    BETWEEN,
    SNIPPET_CHARS,
    Matched,
    highlight_fields,
    highlights,
    passages,
)

FIELDS = ("body", "body_exact")
SLACK = 4  # '… ' before the first passage and ' …' after the last
BOUNDARY = ".!?…\"'”’»)]:;,—–-"  # what ends the sentence or clause before a passage

stem = term_function(ENGLISH)  # the English term of a word


def plain(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def parts(snippet: str) -> list[str]:
    """The passages of a snippet, as plain text without the '…' marks."""
    return [p.strip(" …") for p in plain(snippet).split(BETWEEN)]


def _texts() -> list[str]:
    texts = []
    for path in sorted(SAMPLES.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if record.get("language", "en") == "en":  # `_hits` stems as English does
                    texts.append(record["body"])
    return texts


def _reuters_texts(count: int) -> list[str]:
    shared_path("corpora", "reuters21578")
    from bench.corpus import reuters_records

    return [r["body"] for r in itertools.islice(reuters_records(), count) if r["body"]]


def _hits(text: str, rng: random.Random) -> Iterator[tuple[Matched, set[str]]]:
    """Hits on `text` (stemmed or exact words) with the lower-case words each one marks."""
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
        stems = {stem(w) for w in chosen}
        yield (
            Matched({("body", s.encode()) for s in stems}),
            {w for w in set(words) if stem(w) in stems},
        )
        yield Matched({("body_exact", w.encode()) for w in chosen}), set(chosen)


def _check(texts: list[str]) -> int:
    rng = random.Random(11)
    checked = 0
    for text in texts:
        flat = " ".join(text.split())
        for hit, words in _hits(text, rng):
            snippet = highlight_fields(hit, FIELDS, text, 3)
            if not snippet:
                continue
            checked += 1
            shown = parts(snippet)
            assert len(plain(snippet)) <= SNIPPET_CHARS + SLACK, snippet
            assert 1 <= len(shown) <= 3
            for passage in shown:
                assert passage in flat, passage  # the text as written, spaces folded
            assert len({p.lower() for p in shown}) == len(shown), snippet  # never twice
            for marked in re.findall(r"<mark>(.*?)</mark>", snippet):
                assert html.unescape(marked).lower() in words, (marked, words)
            unmarked = re.sub(r"<mark>.*?</mark>", " ", snippet)
            for word in WORD.findall(html.unescape(unmarked)):
                assert word.lower() not in words, (word, snippet)
            places = hit.places(FIELDS, text, None)
            found = passages(text, places, SNIPPET_CHARS, 3)
            first = min(found, key=lambda p: p.start) if found else None
            for passage in found:
                before = text[: passage.start]
                if not passage.at_boundary:
                    assert passage is first and passage.cut_start  # shown after '…'
                    continue
                assert (
                    not before.strip()
                    or "\n" in before[len(before.rstrip()) :]
                    or (before.rstrip()[-1] in BOUNDARY)
                ), (before[-30:], text[passage.start : passage.end])
    return checked


def test_snippets_of_the_demo_corpus() -> None:
    assert _check(_texts()) >= 90


def test_snippets_of_reuters_articles() -> None:
    assert _check(_reuters_texts(400)) > 2000


def test_a_repeated_paragraph_is_shown_once() -> None:
    paragraph = "Grain exports resumed on Tuesday, officials said."
    text = "\n\n".join([paragraph, "Ships left Odesa.", paragraph, "The corridor held."])
    snippet = highlight_fields(Matched({("body_exact", b"grain")}), FIELDS, text, 3)
    assert plain(snippet) == paragraph


def test_a_long_sentence_begins_at_a_clause_near_its_match() -> None:
    text = (
        "The ministry, which had for months resisted calls from farmers, traders and "
        "foreign governments to reopen the ports, said on Tuesday after a long meeting in "
        "the capital with shipping companies and insurers from several countries that grain "
        "exports would resume within days if the corridor held and if the navy agreed."
    )
    snippet = highlight_fields(Matched({("body_exact", b"grain")}), FIELDS, text, 3)
    assert snippet.startswith("… ") and "<mark>grain</mark>" in snippet
    assert len(plain(snippet)) <= SNIPPET_CHARS + SLACK


def test_quotations_repeat_no_body_passage() -> None:
    quote = "We will keep the corridor open whatever it costs."
    stored = {
        "title": "Odesa",
        "body": f'The minister spoke. "{quote}" The ships left.',
        "quotes": quote,
    }
    shown = highlights(
        Matched({("body_exact", b"corridor"), ("quotes_exact", b"corridor")}), stored
    )
    assert "<mark>corridor</mark>" in shown["body"] and shown["quotes"] == ""


# ---------------------------------------------------------------- through HTTP

LONG = [
    {
        "id": f"s{n}",
        "title": f"Report {n}",
        "body": " ".join(
            f"Sentence {i} says the harvest of grain in region {i} rose again this year."
            for i in range(40)
        ),
    }
    for n in range(3)
]


@pytest.fixture(scope="module")
def long_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    index = build_index(tmp_path_factory.mktemp("snippets"), LONG)[1]
    return create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()


def test_hits_show_about_300_characters_and_more_on_request(long_client: FlaskClient) -> None:
    short = api(long_client, q="grain harvest")["hits"]
    assert all(len(plain(h["highlights"]["body"])) <= SNIPPET_CHARS + SLACK for h in short)
    assert all(len(parts(h["highlights"]["body"])) in (2, 3) for h in short)
    long = api(long_client, q="grain harvest", snippet_chars=1000)["hits"]
    assert all(700 < len(plain(h["highlights"]["body"])) <= 1000 + SLACK for h in long)
    response = long_client.get("/api/search", query_string={"q": "grain", "snippet_chars": "9"})
    assert (
        response.status_code == 400 and "snippet_chars" in response.get_json()["error"]["message"]
    )
