"""A fixed, seeded set of realistic queries derived from the Reuters corpus, for both systems.

Words come from the real articles: frequent and rare terms, two and three words from one real
headline, two- and three-word phrases that recur in the bodies. About a third of the queries
carry a filter (location, author, source or a date window), as a reader clicking a facet would.

    .venv/bin/python -m bench.queries --count 600 > queries.json

Every query is written in the common subset of both query languages: lowercase words (no
operators: `and`, `or`, `not`, `near` are never used) and double-quoted phrases.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from bench.corpus import reuters_records

_WORD = re.compile(r"[a-z]+")
_OPERATORS = {"and", "or", "not", "near", "to"}
_STOP_WORDS = """a an the of in on at for by with from as is was were be been are it its this that
    these those he she they we you i his her their our said says say will would could should may
    might
    can has have had do does did but if than then so such also which who whom what when where why
    how all any each other some more most no nor only own same too very s t just into over after
    before under up down out off about against between through during while mln dlrs pct cts vs
    reuter reuters inc corp co ltd year years one two three new last first"""
STOP = _OPERATORS | set(_STOP_WORDS.split())
KINDS = (  # kind, share of the queries
    ("frequent term", 0.25),
    ("rare term", 0.15),
    ("two words", 0.20),
    ("three words", 0.10),
    ("phrase", 0.15),
    ("frequent pair", 0.15),
)
FILTER_SHARE = 0.33
FILTERS = (("location", 0.4), ("date", 0.3), ("author", 0.15), ("source", 0.15))


@dataclass
class BenchQuery:
    q: str
    kind: str
    filters: dict[str, str] = field(default_factory=dict)

    def newsdesk_params(self) -> list[tuple[str, str]]:
        """Parameters of Newsdesk's /api/search (10 hits, every facet, highlights, total)."""
        pairs = [("q", self.q), ("per_page", "10")]
        for name, value in self.filters.items():
            pairs.append((name, value))
        return pairs

    def datasette_params(self) -> list[tuple[str, str]]:
        """Parameters of Datasette's table JSON: `_search` (escaped mode), 3 facets, 10 rows."""
        pairs = [("_search", self.q)]
        for name, value in self.filters.items():
            if name == "from":
                pairs.append(("date__gte", value))
            elif name == "to":
                pairs.append(("date__lte", value))
            else:
                pairs.append((f"{name}__exact", value))
        pairs += [("_facet", "location"), ("_facet", "author"), ("_facet", "source")]
        return [*pairs, ("_size", "10")]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class _Vocabulary:
    """Document frequencies, headlines and recurring phrases of the original articles."""

    def __init__(self, records: list[dict]) -> None:
        self.df: Counter[str] = Counter()
        bigrams: Counter[tuple[str, ...]] = Counter()
        self.titles: list[list[str]] = []
        for r in records:
            words = _words(f"{r['title']} {r['body']}")
            self.df.update(set(words))
            body = _words(r["body"])
            bigrams.update(itertools.pairwise(body))
            title = list(dict.fromkeys(w for w in _words(r["title"]) if self._content(w)))
            if len(title) >= 3:
                self.titles.append(title)
        # Ties by word: most_common() keeps first-seen order, which came from a set (hash-seeded)
        ordered = sorted(self.df.items(), key=lambda item: (-item[1], item[0]))
        ranked = [w for w, _ in ordered if self._content(w)]
        self.frequent = ranked[:400]
        self.rare = sorted(w for w in ranked if 3 <= self.df[w] <= 25)
        self.phrases = sorted(
            p for p, n in bigrams.items() if n >= 20 and all(self._content(w) for w in p)
        )
        locations = Counter(r["location"] for r in records if r["location"])
        self.locations = [loc for loc, n in locations.most_common() if n >= 20]
        authors = Counter(r["author"] for r in records if r["author"])
        self.authors = [a for a, n in authors.most_common() if n >= 3]

    @staticmethod
    def _content(word: str) -> bool:
        return len(word) >= 3 and word not in STOP


def _text(kind: str, vocab: _Vocabulary, rng: random.Random) -> str:
    if kind == "frequent term":
        return rng.choice(vocab.frequent)
    if kind == "rare term":
        return rng.choice(vocab.rare)
    if kind in ("two words", "three words"):
        title = rng.choice(vocab.titles)
        return " ".join(rng.sample(title, 2 if kind == "two words" else 3))
    if kind == "phrase":
        return '"' + " ".join(rng.choice(vocab.phrases)) + '"'
    return " ".join(rng.sample(vocab.frequent[:150], 2))


def _filter(vocab: _Vocabulary, rng: random.Random) -> dict[str, str]:
    name = rng.choices([f for f, _ in FILTERS], [w for _, w in FILTERS])[0]
    if name == "location":
        return {"location": rng.choice(vocab.locations[:40])}
    if name == "author":
        return {"author": rng.choice(vocab.authors)}
    if name == "source":
        return {"source": "Reuters"}
    # the originals are dated 1987, the scaled articles 2015-2024 (see corpus.scaled_records)
    if rng.random() < 0.3:
        start = date(1987, 2, 26) + timedelta(rng.randrange(200))
    else:
        start = date(2015, 1, 1) + timedelta(rng.randrange(3500))
    end = start + timedelta(days=rng.choice([31, 92, 365, 1095]))
    return {"from": start.isoformat(), "to": end.isoformat()}


def build_queries(count: int = 600, seed: int = 2024) -> list[BenchQuery]:
    """`count` queries, the same for every N and both systems (fixed by `seed`)."""
    vocab = _Vocabulary(list(reuters_records()))
    rng = random.Random(seed)
    queries: list[BenchQuery] = []
    seen: set[tuple[str, str]] = set()
    while len(queries) < count:
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        query = BenchQuery(_text(kind, vocab, rng), kind)
        if rng.random() < FILTER_SHARE:
            query.filters = _filter(vocab, rng)
        key = (query.q, json.dumps(query.filters, sort_keys=True))
        if key not in seen:
            seen.add(key)
            queries.append(query)
    return queries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()
    print(json.dumps([asdict(q) for q in build_queries(a.count, a.seed)], indent=1))


if __name__ == "__main__":
    main()
