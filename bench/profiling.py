"""cProfile of Newsdesk's slowest queries, run in-process, and a profile listing trimmed of
path prefixes (bench/profile_reindex.py uses it too)."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

from bench.corpus import REPO
from bench.queries import BenchQuery


def profile_slowest(index: Path, queries: list[BenchQuery], latencies: list[float]) -> str:
    """cProfile of the 10 slowest queries (1-client latencies), each run 3 times in-process."""
    from webapp.search import IndexHandle, SearchRequest, run_search

    ranked = sorted(range(len(latencies)), key=latencies.__getitem__, reverse=True)[:10]
    handle = IndexHandle(str(index))
    requests = []
    for i in ranked:
        args: dict[str, list[str]] = {}
        for name, value in queries[i].newsdesk_params():
            args.setdefault(name, []).append(value)
        requests.append(SearchRequest.from_args(args))
    run_search(handle, requests[0])  # per-generation tables built outside the profile
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(3):
        for request in requests:
            run_search(handle, request)
    profiler.disable()
    per_query = (time.perf_counter() - start) / (3 * len(requests))
    handle.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(22)
    stats.sort_stats("tottime").print_stats(12)
    slow = "\n".join(
        f"  {1000 * latencies[i]:7.1f} ms  {queries[i].q}  {queries[i].filters or ''}"
        for i in ranked
    )
    text = trim_profile(out.getvalue())
    return (
        f"slowest queries (1 client, through HTTP):\n{slow}\n\n"
        f"in-process, under cProfile: {1000 * per_query:.0f} ms per query\n{text}"
    )


def trim_profile(text: str) -> str:
    keep = []
    for line in text.splitlines():
        line = line.replace(str(REPO) + "/", "").replace(sys.prefix + "/", "")
        line = line.replace(str(Path(sys.prefix).resolve()) + "/", "")
        if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced")):
            keep.append(line.rstrip())
    return "\n".join(keep)
