"""Search latency of the indexes a scale run left, served again without building them.

    .venv/bin/python -m bench.served --n 200000 1000000 --base 6a59b7d

A change to the search side is measured in minutes where `make bench-1m` takes hours: for
each N, the index and the peer's database that `python -m bench.scale` left in
bench/data/scale-N are served as the scale benchmark serves them (`newsdesk serve --workers
2`, `datasette serve` with the same settings; bench/systems.py) and answer the same seeded
queries (bench/queries.py) from 1 client, then from 4. Newsdesk runs from a git worktree of
the head (HEAD by default: uncommitted edits are not measured) and, with --base, of a second
commit, served in turn on the same index (head, base, base, head with 2 rounds, latencies
pooled), so the two differ only in their code. Prints p50/p95 for each, their ratio to
Datasette's, and the growth from the smallest N to the largest. The indexes are those of
the last scale run, as that run's code wrote them: this measures serving, never building.
Both systems' files are read once before they are served, as a build leaves them in the page
cache before the scale run serves them.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.corpus import scale_dir
from bench.cost import checkout, imported_from, newsdesk
from bench.load import run_load
from bench.measure import MAX_LOAD_SECONDS, WARMUP, Server, free_port
from bench.queries import build_queries
from bench.systems import datasette_server


def measure(server: Server, paths: list[str]) -> dict[str, Any]:
    """Warm-up, one client over every query, then 4 clients; the server is stopped."""
    try:
        run_load(server.port, paths[:WARMUP], 4, 300)
        one = run_load(server.port, paths, 1, MAX_LOAD_SECONDS)
        four = run_load(server.port, paths, 4, MAX_LOAD_SECONDS)
    finally:
        peak = server.stop()
    return {
        "one": one.latencies,
        "four": four.latencies,
        "errors": one.errors + four.errors,
        "peak_rss": peak,
    }


def read_through(paths: list[Path]) -> None:
    """Read every file under `paths` once, into the page cache (when memory allows)."""
    for top in paths:
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file():
                with path.open("rb") as fh:
                    while fh.read(1 << 24):
                        pass


def pooled(before: dict[str, Any] | None, got: dict[str, Any]) -> dict[str, Any]:
    """Two servings' figures as one: latencies pooled, errors summed, the higher peak."""
    if before is None:
        return got
    return {
        "one": before["one"] + got["one"],
        "four": before["four"] + got["four"],
        "errors": before["errors"] + got["errors"],
        "peak_rss": max(before["peak_rss"], got["peak_rss"]),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(got: dict[str, Any]) -> str:
    p50, p95 = percentile(got["one"], 0.5), percentile(got["one"], 0.95)
    return f"1 client p50 {p50:.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", required=True)
    ap.add_argument("--head", default="HEAD", help="the commit measured (default: HEAD)")
    ap.add_argument("--base", help="a second commit, served in turn on the same index")
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=2, help="servings of each Newsdesk, pooled")
    a = ap.parse_args()
    # a SIGTERM (timeout, kill) unwinds like Ctrl-C: each server is stopped by `measure`
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sides = {"head": checkout(a.head)}
    if a.base:
        sides["base"] = checkout(a.base)
    for name, code in sides.items():
        where = imported_from(code)
        if Path(where).resolve() != code.resolve():
            raise SystemExit(f"{name}: code imported from {where}, not {code}")
    queries = build_queries(a.queries)
    ours = ["/api/search?" + urlencode(q.newsdesk_params()) for q in queries]
    theirs = ["/db/articles.json?" + urlencode(q.datasette_params()) for q in queries]
    figures: dict[int, dict[str, dict[str, Any]]] = {}
    for n in a.n:
        root = scale_dir(n)
        index, db = root / "index", root / "peer" / "db.db"
        if not index.is_dir() or not db.is_file():
            raise SystemExit(f"{root}: no index or peer database; run python -m bench.scale first")
        figures[n] = {}
        # in the page cache, as after the scale run's build: a cold first serving is no figure
        read_through([index, db])
        # head, base, then base, head: a warming cache favours neither
        for round_ in range(a.rounds):
            for name, code in sides.items() if round_ % 2 == 0 else reversed(sides.items()):
                port = free_port()
                cmd = [*newsdesk(code), "serve", "--index", str(index), "--port", str(port)]
                log = root / f"served-{name}.log"
                server = Server([*cmd, "--workers", "2"], port, "/api/search?q=oil", log, code)
                got = measure(server, ours)
                print(f"  N={n} newsdesk {name}: {summary(got)}")
                figures[n][name] = pooled(figures[n].get(name), got)
        server = datasette_server(db, root / "served-datasette.log")
        figures[n]["datasette"] = measure(server, theirs)
        print(f"  N={n} datasette: {summary(figures[n]['datasette'])}")
    print()
    print(report(figures, list(sides), a))


def report(figures: dict[int, dict[str, dict[str, Any]]], names: list[str], a: Any) -> str:
    sizes = sorted(figures)
    command = f"python -m bench.served --n {' '.join(map(str, a.n))} --rounds {a.rounds}"
    command += f" --head {a.head}" + (f" --base {a.base}" if a.base else "")
    lines = [
        command,
        "| N | system | 1 client p50 / p95 (ms) | x Datasette (p50, p95) "
        "| 4 clients p50 / p95 (ms) | errors | peak RSS (MB) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        peer = figures[n]["datasette"]
        for name in [*names, "datasette"]:
            got = figures[n][name]
            ratio = ""
            if name != "datasette":
                ratio = (
                    f"{percentile(got['one'], 0.5) / percentile(peer['one'], 0.5):.2f}x, "
                    f"{percentile(got['one'], 0.95) / percentile(peer['one'], 0.95):.2f}x"
                )
            lines.append(
                f"| {n:,} | {name} | {percentile(got['one'], 0.5):.1f} / "
                f"{percentile(got['one'], 0.95):.1f} | {ratio} | {percentile(got['four'], 0.5):.1f}"
                f" / {percentile(got['four'], 0.95):.1f} | {got['errors']} "
                f"| {got['peak_rss'] / 2**20:,.0f} |"
            )
    if len(sizes) > 1:
        small, large = figures[sizes[0]], figures[sizes[-1]]
        for name in names:
            growth = [
                percentile(large[name]["one"], share) / percentile(small[name]["one"], share)
                for share in (0.5, 0.95)
            ]
            lines.append(
                f"\n{name}: 1 client growth from {sizes[0]:,} to {sizes[-1]:,}: "
                f"p50 {growth[0]:.2f}x, p95 {growth[1]:.2f}x"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
