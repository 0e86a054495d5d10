"""Reading postings, the cost under every search that meets a term not yet kept: the engine's
arrays (indexer/storage blocks, webapp/engine/) against Whoosh's own matcher walking the same
posting lists, in one run, on one index.

    .venv/bin/python -m bench.postings --index bench/data/scale-200000/index --queries 300

The terms are those of the first `--queries` benchmark queries (bench/queries.py), parsed as
/api/search parses them (every field a query searches, phrases' words included). "engine" reads
each term's postings into arrays of document numbers and frequencies, from every segment, as a
search does when the term is not in its cache (the cache is bypassed here); "whoosh" walks the
same lists with Whoosh's matcher (`id()`, `weight()`, `next()`), the way Whoosh's searcher
reads them. Both see the same documents (checked). Each pass runs twice; the faster counts.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from whoosh.reading import TermNotFound

from bench.queries import build_queries
from webapp.search import ARTICLES, IndexHandle, read_query


def query_terms(handle: IndexHandle, count: int) -> list[tuple[str, bytes]]:
    searcher = handle.searcher()
    terms: set[tuple[str, bytes]] = set()
    for query in build_queries(count)[:count]:
        parsed = read_query(handle, query.q, ARTICLES, "all")
        if parsed is None:
            continue
        for fieldname, text in parsed.query.iter_all_terms(phrases=True):
            try:
                field = searcher.schema[fieldname]
            except KeyError:
                continue
            if not field.indexed:
                continue
            terms.add((fieldname, text if isinstance(text, bytes) else field.to_bytes(text)))
    return sorted(terms)


def whoosh_walk(reader: Any, fieldname: str, text: bytes) -> int:
    found = 0
    for leaf, _ in reader.leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        while matcher.is_active():
            matcher.id()
            matcher.weight()
            found += 1
            matcher.next()
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=300)
    a = ap.parse_args()
    handle = IndexHandle(str(a.index))
    searcher = handle.searcher()
    engine = handle.engine(searcher)
    reader = searcher.reader()
    terms = query_terms(handle, a.queries)
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    for _ in range(2):
        for name in ("engine", "whoosh"):
            start = time.perf_counter()
            total = 0
            for fieldname, text in terms:
                if name == "engine":
                    # Deleted documents included, as the walk sees them: compare like with like.
                    total += len(engine._read_postings(searcher, fieldname, text).docs)
                else:
                    total += whoosh_walk(reader, fieldname, text)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
            counts[name] = total
    live = int(engine.live.sum())
    postings = counts["whoosh"]
    print(
        f"{len(terms)} terms of {a.queries} queries, {postings:,} postings "
        f"({len(reader.leaf_readers())} segments, {live:,} live documents)"
    )
    for name in ("whoosh", "engine"):
        seconds = best[name]
        print(
            f"  {name:7s} {seconds:7.2f} s  {1e6 * seconds / postings:6.3f} us a posting  "
            f"{1e3 * seconds / len(terms):6.2f} ms a term"
        )
    print(f"  engine / whoosh: {best['engine'] / best['whoosh']:.2f}x")
    if not reader.has_deletions() and counts["engine"] != counts["whoosh"]:
        raise SystemExit(f"engine read {counts['engine']} postings, whoosh {counts['whoosh']}")


if __name__ == "__main__":
    main()
