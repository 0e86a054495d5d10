"""The search hot path before and after tuning, in one run: Whoosh's matchers against the array
engine (webapp/engine/) on the same index and the same seeded queries.

    .venv/bin/python -m bench.engine --index bench/data/scale-100000/index --queries 600

For every query of bench/queries.py (parsed as /api/search parses it, articles, mode "all"):
"whoosh" is `searcher.search(query, limit=None)`, which finds and scores every match (what the
app did before, once for the set and once more to rank); "engine" is `Engine.run`, which
returns the same documents with the same scores (checked here on every query). Then the whole
`run_search` (facets, histogram, copies, page, highlights) with the engine, as /api/search runs
it. Each is timed on a warm index (postings already read once), as a running server sees it.
Prints p50/p95 per query kind and the ratio; with --profile, a cProfile of run_search.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections import defaultdict
from pathlib import Path

from bench.queries import build_queries
from webapp.engine import SCORE_DECIMALS
from webapp.search import ARTICLES, IndexHandle, SearchRequest, read_query, run_search


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    handle = IndexHandle(str(a.index))
    searcher = handle.searcher()
    engine = handle.engine(searcher)
    queries = build_queries(a.queries)
    times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    requests = []
    for query in queries:
        args: dict[str, list[str]] = {}
        for name, value in query.newsdesk_params():
            args.setdefault(name, []).append(value)
        requests.append(SearchRequest.from_args(args))
        parsed = read_query(handle, query.q, ARTICLES, "all")
        if parsed is None:
            continue
        engine.run(searcher, parsed.query)  # warm: postings read once
        start = time.perf_counter()
        results = searcher.search(parsed.query, limit=None)
        whoosh = sorted((-round(hit.score or 0.0, SCORE_DECIMALS), hit.docnum) for hit in results)
        middle = time.perf_counter()
        found = engine.run(searcher, parsed.query)
        ranked = found.ranked()
        end = time.perf_counter()
        if [d for _, d in whoosh] != [d for _, d in ranked]:
            raise SystemExit(f"different rankings for {query.q!r}")
        times[query.kind]["whoosh"].append((middle - start) * 1000)
        times[query.kind]["engine"].append((end - middle) * 1000)
    for request in requests:  # warm
        run_search(handle, request)
    profiler = cProfile.Profile() if a.profile else None
    for query, request in zip(queries, requests, strict=True):
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        run_search(handle, request)
        times[query.kind]["run_search"].append((time.perf_counter() - start) * 1000)
        if profiler:
            profiler.disable()
    docs = searcher.reader().doc_count_all()
    print(f"index {a.index}: {docs:,} documents; {len(queries)} queries; times in ms, warm")
    print()
    print(
        "| queries | n | Whoosh match+score p50 / p95 | engine p50 / p95 | Whoosh / engine (p50) "
        "| whole run_search p50 / p95 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    every: dict[str, list[float]] = defaultdict(list)
    for kind in sorted(times):
        row = times[kind]
        for name, values in row.items():
            every[name].extend(values)
        print(_row(kind, row))
    print(_row("all", every))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print()
        print(out.getvalue())


def _row(label: str, row: dict[str, list[float]]) -> str:
    w, e, r = row["whoosh"], row["engine"], row["run_search"]
    if not w:
        return f"| {label} | 0 | | | | |"
    ratio = statistics.median(w) / statistics.median(e)
    return (
        f"| {label} | {len(w)} | {statistics.median(w):.1f} / {percentile(w, 0.95):.1f} "
        f"| {statistics.median(e):.1f} / {percentile(e, 0.95):.1f} | {ratio:.1f}x "
        f"| {statistics.median(r):.1f} / {percentile(r, 0.95):.1f} |"
    )


if __name__ == "__main__":
    main()
