"""Parsing on a Dask cluster (issue 23): HTML pages per second with the local pool and with 1, 2
and 4 Dask workers on this machine, and the writer's own ceiling in articles per second.

    .venv/bin/python -m bench.cluster [--repeat 2]

The pages are the real ones of ../shared (html-articles, html-big9, html-dates: those of
bench/parse_throughput.py), reindexed from scratch into an empty index each time. Every
configuration runs on this machine's cores, so the Dask figures show the cluster's overhead
against the local pool, not a speed-up: a worker here shares the cores with the reindex's own
process and its indexing processes. The writer's ceiling is a reindex whose parsing is already
done: real Reuters articles (bench/corpus.py) parsed first, then handed to the writer as fast
as it takes them. From the per-worker rate and that ceiling, the report says how many workers
(one core each) a million pages would need to be parsed within an hour, and whether one writer
keeps up with them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import indexer.writer
from bench.corpus import reuters_records
from bench.dask_cluster import dask_cluster
from bench.parse_throughput import html_pages
from indexer.parsing import parse_files
from indexer.writer import reindex

MILLION = 1_000_000
HOUR = 3600.0
WRITER_RECORDS = 20_000


def best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best wall time of `repeat` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def build(corpus: Path, index_dir: Path, **options: Any) -> Any:
    shutil.rmtree(index_dir, ignore_errors=True)
    return reindex([str(corpus)], str(index_dir), full=True, **options)


def writer_ceiling(folder: Path, repeat: int) -> tuple[float, int]:
    """Articles per second the writer takes when parsing costs nothing: the articles of
    WRITER_RECORDS real Reuters stories, parsed before the clock starts."""
    export = folder / "writer" / "reuters.jsonl"
    export.parent.mkdir(parents=True)
    with export.open("w", encoding="utf-8") as fh:
        for record in itertools.islice(reuters_records(), WRITER_RECORDS):
            fh.write(json.dumps(record) + "\n")
    parsed = pickle.dumps(list(parse_files([str(export)], [export.stat().st_size], None)))
    real = indexer.writer.parse_files
    times = []
    articles = 0
    try:
        for _ in range(repeat):
            ready = pickle.loads(parsed)  # a fresh copy each run: writing changes them
            articles = sum(len(p.articles) for p in ready)
            indexer.writer.parse_files = lambda *args, ready=ready, **kwargs: iter(ready)  # type: ignore[assignment]
            started = time.perf_counter()
            build(export.parent, folder / "writer-index")
            times.append(time.perf_counter() - started)
    finally:
        indexer.writer.parse_files = real  # type: ignore[assignment]
    return articles / min(times), articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure (the best)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-cluster-") as tmp:
        folder = Path(tmp)
        corpus = folder / "pages"
        corpus.mkdir()
        for n, page in enumerate(html_pages()):
            shutil.copy(page, corpus / f"{n:03d}-{page.name.replace(' ', '_')}")
        pages = len(list(corpus.iterdir()))
        rows: list[tuple[str, float]] = []
        seconds, summary = best(lambda: build(corpus, folder / "index"), args.repeat)
        rows.append((f"local pool ({os.cpu_count()} processes)", pages / seconds))
        for workers in (1, 2, 4):
            with dask_cluster(workers, folder / f"dask-{workers}") as address:
                seconds, on_cluster = best(
                    lambda address=address: build(corpus, folder / "index", scheduler=address),
                    args.repeat,
                )
            same = (on_cluster.added, on_cluster.failed) == (summary.added, summary.failed)
            assert same, (on_cluster.line(), summary.line())
            rows.append(
                (f"Dask, {workers} worker{'s' * (workers > 1)} (1 thread each)", pages / seconds)
            )
        ceiling, articles = writer_ceiling(folder, args.repeat)
    print(
        f"{pages} real HTML pages ({summary.added} articles, {summary.failed} without article "
        "text), reindexed from scratch, "
        f"best of {args.repeat}"
    )
    print("| parsing by | pages/s | vs local |")
    print("| --- | ---: | ---: |")
    for name, rate in rows:
        print(f"| {name} | {rate:.1f} | {rate / rows[0][1]:.2f}x |")
    print(
        f"| the writer alone ({articles} Reuters articles parsed before) "
        f"| {ceiling:.0f} articles/s | |"
    )
    one_worker = rows[1][1]
    needed = MILLION / HOUR
    print(f"\nA million pages in an hour: {needed:.0f} pages/s.")
    print(
        f"One Dask worker here parses {one_worker:.1f} pages/s: about "
        f"{math.ceil(needed / one_worker)} workers (one core each) on machines of their own."
    )
    verdict = "keeps up" if ceiling >= needed else "does not keep up"
    print(f"The writer takes {ceiling:.0f} articles/s: it {verdict} ({needed:.0f} needed).")


if __name__ == "__main__":
    main()
