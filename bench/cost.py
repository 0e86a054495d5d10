"""The cost of a change: this checkout against an earlier commit, same corpus and queries, one run.

Issue 22 set three bounds on what languages may cost on the 200k scale corpus (bench/corpus.py,
English Reuters articles): reindex throughput at least 90% of before, index size at most 30%
more, English query latency within 10%. This benchmark builds the corpus with both versions
of Newsdesk and serves both, in turns, so that the machine's noise falls on both alike:

- both commits (the head by default HEAD: uncommitted edits are not measured) are checked out
  as git worktrees under bench/data/ and run with this checkout's virtualenv (`python -c
  "from webapp.cli import main; main()"` in a worktree imports the worktree's code);
- full builds alternate (base, head, head, base with --rounds 2) and the best of each is kept;
- both servers (`newsdesk serve --workers 2`) answer the scale benchmark's seeded queries from
  one client, then from 4, alternating base and head for every round.

    .venv/bin/python -m bench.cost --base 4823eea --n 200000
    .venv/bin/python -m bench.cost --base 4823eea --n 5000 --queries 200 --rounds 1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.corpus import REPO, scale_dir, write_corpus
from bench.load import run_load
from bench.measure import Server, free_port, measured, size_on_disk
from bench.queries import build_queries

PYTHON = str(REPO / ".venv" / "bin" / "python")
WORKTREES = REPO / "bench" / "data" / "worktrees"


def checkout(rev: str) -> Path:
    """A worktree of `rev` (made once, kept under bench/data/worktrees)."""
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = WORKTREES / sha
    if not path.exists():
        WORKTREES.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), sha],
            check=True,
            capture_output=True,
        )
    return path


def newsdesk(code: Path) -> list[str]:
    return [PYTHON, "-c", "from webapp.cli import main; main()"]


def imported_from(code: Path) -> str:
    """Where the code run in `code` is imported from (guards against the editable install)."""
    out = subprocess.run(
        [
            PYTHON,
            "-c",
            "import indexer, os; print(os.path.dirname(os.path.dirname(indexer.__file__)))",
        ],
        capture_output=True,
        text=True,
        cwd=code,
        check=True,
    )
    return out.stdout.strip()


def build(code: Path, corpus: Path, index: Path) -> dict[str, Any]:
    shutil.rmtree(index, ignore_errors=True)
    # exit status 1: some records failed (reported in the summary), the rest indexed
    run = measured(
        [*newsdesk(code), "reindex", str(corpus), "--index", str(index), "--full"],
        cwd=code,
        ok=(0, 1),
    )
    return {
        "seconds": run.seconds,
        "peak_rss": run.peak_rss,
        "summary": run.output.splitlines()[-1],
        "size": size_on_disk(index),
    }


def serve(code: Path, index: Path, paths: list[str], log: Path) -> dict[str, Any]:
    port = free_port()
    cmd = [*newsdesk(code), "serve", "--index", str(index), "--port", str(port), "--workers", "2"]
    server = Server(cmd, port, "/api/search?q=oil", log, cwd=code)
    try:
        run_load(server.port, paths[:40], 4, 300)
        one = run_load(server.port, paths, 1, 900)
        four = run_load(server.port, paths, 4, 900)
    finally:
        peak = server.stop()
    return {
        "one": [s.seconds for s in one.samples],
        "four": [s.seconds for s in four.samples],
        "errors": one.errors + four.errors,
        "rps_four": four.rate,
        "peak_rss": peak,
    }


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(base: str, head: str, n: int, query_count: int, rounds: int) -> dict[str, Any]:
    root = scale_dir(n)
    corpus = root / "corpus"
    write_corpus(n, corpus)
    sides = {"base": checkout(base), "head": checkout(head)}
    for name, code in sides.items():
        where = imported_from(code)
        if Path(where).resolve() != code.resolve():
            raise SystemExit(f"{name}: code imported from {where}, not {code}")
    builds: dict[str, list[dict[str, Any]]] = {"base": [], "head": []}
    order = (
        ["base", "head", "head", "base"][: 2 * rounds] if rounds <= 2 else ["base", "head"] * rounds
    )
    for name in order:
        result = build(sides[name], corpus, root / f"cost-index-{name}")
        builds[name].append(result)
        size = result["size"] / 1e6
        print(f"  build {name}: {result['seconds']:.1f}s, {size:.0f} MB ({result['summary']})")
    queries = build_queries(query_count)
    paths = ["/api/search?" + urlencode(q.newsdesk_params()) for q in queries]
    served: dict[str, list[dict[str, Any]]] = {"base": [], "head": []}
    for round_ in range(rounds):
        for name in ["base", "head"] if round_ % 2 == 0 else ["head", "base"]:
            result = serve(
                sides[name], root / f"cost-index-{name}", paths, root / f"cost-serve-{name}.log"
            )
            served[name].append(result)
            print(f"  served {name}: 1 client p50 {1000 * _p(result['one'], 0.5):.1f} ms")
    for name in sides:
        shutil.rmtree(root / f"cost-index-{name}", ignore_errors=True)
    return {
        "base": base,
        "head": head,
        "n": n,
        "queries": len(paths),
        "rounds": rounds,
        "builds": builds,
        "served": served,
    }


def figures(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    n = result["n"]
    for name in ("base", "head"):
        best = min(result["builds"][name], key=lambda b: b["seconds"])
        one = [s for r in result["served"][name] for s in r["one"]]
        four = [s for r in result["served"][name] for s in r["four"]]
        out[name] = {
            "articles/s": n / best["seconds"],
            "size (MB)": best["size"] / 1e6,
            "build peak RSS (MB)": best["peak_rss"] / 1e6,
            "1 client p50 (ms)": 1000 * _p(one, 0.5),
            "1 client p95 (ms)": 1000 * _p(one, 0.95),
            "1 client mean (ms)": 1000 * statistics.fmean(one),
            "4 clients p50 (ms)": 1000 * _p(four, 0.5),
            "4 clients p95 (ms)": 1000 * _p(four, 0.95),
            "server peak RSS (MB)": max(r["peak_rss"] for r in result["served"][name]) / 1e6,
        }
    return out


BOUNDS = {  # measure: (head / base must be ..., bound)
    "articles/s": (">=", 0.90),
    "size (MB)": ("<=", 1.30),
    "1 client p50 (ms)": ("<=", 1.10),
    "1 client p95 (ms)": ("<=", 1.10),
    "1 client mean (ms)": ("<=", 1.10),
}


def table(result: dict[str, Any]) -> str:
    f = figures(result)
    lines = [
        f"| measure | base {result['base']} | head {result['head']} | head / base | bound |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for measure in f["base"]:
        base, head = f["base"][measure], f["head"][measure]
        ratio = head / base if base else float("nan")
        bound = ""
        if measure in BOUNDS:
            op, limit = BOUNDS[measure]
            met = ratio >= limit if op == ">=" else ratio <= limit
            bound = f"{op} {limit:.2f}: " + ("met" if met else "**missed**")
        lines.append(f"| {measure} | {base:,.1f} | {head:,.1f} | {ratio:.2f}x | {bound} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the commit to compare with")
    ap.add_argument("--head", default="HEAD", help="the commit measured (default: HEAD)")
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", a.head],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    result = run(a.base, head, a.n, a.queries, a.rounds)
    out = REPO / "bench" / "out" / f"cost-{a.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print("\npython -m bench.cost " + " ".join(sys.argv[1:]))
    print(table(result))


if __name__ == "__main__":
    main()
