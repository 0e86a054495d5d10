"""Scale benchmark (issue 7): Newsdesk against Datasette on SQLite FTS5, same corpus and queries.

    .venv/bin/python -m bench.scale --n 20000 100000 200000     # make bench
    .venv/bin/python -m bench.scale --n 5000 --queries 200      # make bench-quick

Per N: the corpus (bench/data/scale-N/corpus: JSON Lines files of 1-10 articles, see
bench/corpus.py), a full build of both systems (time, articles/s, peak RSS of the process tree,
size on disk), an incremental update after 100 files were edited, then both servers on loopback
answering the same seeded queries (bench/queries.py) from 1 client and from 4 concurrent
clients: p50/p95/p99, requests/s, server peak RSS. Ends with a cProfile of Newsdesk's slowest
queries in-process. Writes bench/out/scale-N.json and the "Scale" section of docs/benchmarks.md.

The peer runs from its own virtualenv, bench/.venv-peer (`make bench` creates it).

The parts: bench/measure.py times commands and samples memory, bench/systems.py builds, updates
and serves each system, bench/profiling.py profiles the slowest queries, bench/scale_report.py
writes the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from typing import Any

from bench.corpus import REPO, corpus_files, restore_files, scale_dir, write_corpus
from bench.profiling import profile_slowest
from bench.queries import build_queries
from bench.scale_report import OUT, report, write_doc
from bench.systems import PEER, newsdesk_side, peer_side


def run(n: int, query_count: int, command: str) -> dict[str, Any]:
    root = scale_dir(n)
    corpus = root / "corpus"
    restore_files(corpus, root / "backup")
    started = time.perf_counter()
    files = write_corpus(n, corpus)
    print(f"N={n}: {files} files in {corpus} ({time.perf_counter() - started:.0f}s)")
    queries = build_queries(query_count)
    version = code_version()
    try:
        ours = newsdesk_side(n, root, queries)
        peer = peer_side(n, root, queries, ours["changed"])
    finally:
        restore_files(corpus, root / "backup")
    profile = profile_slowest(root / "index", queries, ours["served"]["latencies"])
    totals = list(zip(ours["served"]["totals"], peer["served"]["totals"], strict=False))
    same = sum(1 for a, b in totals if a is not None and a == b)
    close = sum(1 for a, b in totals if a is not None and b is not None and _close(a, b))
    for side in (ours, peer):
        side["served"].pop("totals")
    ours.pop("changed")
    return {
        "n": n,
        "date": date.today().isoformat(),
        "code": version,
        "command": command,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "files": len(corpus_files(corpus)),
        "queries": len(queries),
        "filtered": sum(1 for q in queries if q.filters),
        "same_total": same,
        "close_total": close,
        "newsdesk": ours,
        "datasette": peer,
        "profile": profile,
    }


def code_version() -> str:
    """The commit measured, marked dirty when indexer/ or webapp/ have uncommitted changes."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "indexer", "webapp"], capture_output=True, text=True
    )
    return head.stdout.strip() + (" (indexer/webapp modified)" if dirty.stdout.strip() else "")


def _close(a: int, b: int) -> bool:
    return abs(a - b) <= 0.05 * max(a, b, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[20_000])
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    ap.add_argument(
        "--render", action="store_true", help="only rewrite the doc from bench/out/scale-N.json"
    )
    a = ap.parse_args()
    if a.render:
        for n in a.n:
            write_doc(n, report(n, json.loads((OUT / f"scale-{n}.json").read_text())))
        return
    if not (PEER / "datasette").exists():
        raise SystemExit(f"{PEER}/datasette is missing: run `make bench` (it creates the venv)")
    # a SIGTERM (timeout, kill) unwinds like Ctrl-C: servers stopped, edited files restored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = "python -m bench.scale " + " ".join(sys.argv[1:])
    OUT.mkdir(exist_ok=True)
    for n in a.n:
        result = run(n, a.queries, command)
        (OUT / f"scale-{n}.json").write_text(json.dumps(result, indent=1))
        section = report(n, result)
        print("\n" + section)
        if not a.no_doc:
            write_doc(n, section)


if __name__ == "__main__":
    main()
