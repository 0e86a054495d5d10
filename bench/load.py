"""HTTP load on loopback: one keep-alive connection per client, clients in separate processes.

Latency is the time from sending a request to having read the whole response; responses are
decoded only after the clock stops.

Run as a module, it is the load test of issue 8: `newsdesk serve` on loopback, `--clients`
concurrent clients for `--seconds`, each looping over a seeded mix of searches, facet clicks,
article pages and quote searches drawn from the index itself; any answer but 200 is an error.

    .venv/bin/python -m bench.load --clients 8 --seconds 60        # Reuters, 5,000 articles
    .venv/bin/python -m bench.load --corpus samples --seconds 10   # any corpus
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode


@dataclass
class Sample:
    path: str
    status: int
    seconds: float
    body: bytes = b""


@dataclass
class LoadResult:
    clients: int
    wall: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return [s.seconds for s in self.samples if s.status == 200]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.status != 200)

    @property
    def rate(self) -> float:
        return len(self.samples) / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful latencies, in ms."""
        values = sorted(self.latencies)
        if not values:
            return float("nan")
        rank = max(1, min(len(values), round(p / 100 * len(values) + 0.5)))
        return 1000 * values[rank - 1]


class Client:
    """One keep-alive HTTP/1.1 connection to a loopback server."""

    def __init__(
        self, port: int, timeout: float = 120.0, headers: dict[str, str] | None = None
    ) -> None:
        self.port, self.timeout = port, timeout
        self.headers = headers or {}
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, keep_body: bool = False) -> Sample:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError, TimeoutError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return Sample(path, 0, time.perf_counter() - start)
                continue
            elapsed = time.perf_counter() - start
            if response.getheader("connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return Sample(path, response.status, elapsed, body if keep_body else b"")
        raise AssertionError("unreachable")


def _run_client(args: tuple[int, list[str], float, bool]) -> list[Sample]:
    port, paths, deadline, keep_bodies = args
    client = Client(port)
    samples = []
    for path in paths:
        if time.time() > deadline:
            break
        samples.append(client.get(path, keep_bodies))
    return samples


def run_load(
    port: int, paths: list[str], clients: int, max_seconds: float, keep_bodies: bool = False
) -> LoadResult:
    """Send every path once, spread round-robin over `clients` concurrent clients."""
    deadline = time.time() + max_seconds
    shares = [(port, paths[i::clients], deadline, keep_bodies) for i in range(clients)]
    if clients == 1:
        start = time.perf_counter()
        samples = _run_client(shares[0])
    else:
        with _client_pool(clients) as pool:
            start = time.perf_counter()
            samples = [s for part in pool.map(_run_client, shares) for s in part]
    return LoadResult(clients, time.perf_counter() - start, samples)


def _client_pool(clients: int) -> Any:
    """Client processes started (not timed) from a fresh forkserver: a fork of the benchmark
    itself inherits the locks of its memory-sampling thread, and a client once hung there
    for good (bench.scale at 20k, 2026-12-02)."""
    return multiprocessing.get_context("forkserver").Pool(clients)


def wait_until_up(port: int, path: str, seconds: float = 120.0) -> float:
    """Poll until `path` answers 200; returns the seconds waited (TimeoutError if never)."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"nothing answers on 127.0.0.1:{port}{path}")


def decode(sample: Sample) -> dict[str, Any]:
    return json.loads(sample.body) if sample.status == 200 and sample.body else {}


# ---------------------------------------------------------------- the load test (issue 8)

REPO = Path(__file__).resolve().parent.parent
NEWSDESK = Path(sys.executable).with_name("newsdesk")


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    index_dir: Path | str, workers: int = 2, extra: tuple[str, ...] = (), log: Path | None = None
) -> Iterator[int]:
    """`newsdesk serve` on 127.0.0.1 and a free port, in its own process group; yields the port.

    On exit the group (gunicorn's master and workers) gets SIGTERM, then SIGKILL if need be.
    """
    port = free_port()
    cmd = [str(NEWSDESK), "serve", "--index", str(index_dir), "--port", str(port)]
    cmd += ["--workers", str(workers), *extra]
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_http(port, proc, 60)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def _wait_for_http(port: int, proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Until the server answers anything at all (a 401 too: it may want a token)."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"newsdesk serve exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("HEAD", "/")
            conn.getresponse().read()
            conn.close()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    raise TimeoutError(f"nothing answers on 127.0.0.1:{port}")


def mixed_paths(port: int, count: int, seed: int = 8) -> list[str]:
    """A seeded mix drawn from what the index holds: searches (words of real titles), facet
    clicks (real author, source, location, month values), article pages and JSON, quote
    searches (speakers, words) and speaker pages."""
    client = Client(port)
    first = decode(client.get("/api/search?per_page=100", keep_body=True))
    quotes = decode(client.get("/api/quotes?per_page=100", keep_body=True))
    hits, facets = first.get("hits", []), first.get("facets", {})
    if not hits:
        raise SystemExit("the index is empty: nothing to load")
    words = sorted({w.lower() for h in hits for w in h["title"].split() if w.isalpha()})
    values = [(name, fc["value"]) for name in facets for fc in facets[name][:10]]
    speakers = [fc["value"] for fc in quotes.get("facets", {}).get("speaker", [])[:10]]
    ids = [h["id"] for h in hits]
    rng = random.Random(seed)

    def search() -> str:
        return "/api/search?" + urlencode({"q": " ".join(rng.sample(words, rng.randint(1, 2)))})

    def search_page() -> str:
        return "/search?" + urlencode({"q": rng.choice(words)})

    def facet_click() -> str:
        name, value = rng.choice(values)
        params = {"q": rng.choice(words), name: value} if rng.random() < 0.5 else {name: value}
        return rng.choice(("/search?", "/api/search?")) + urlencode(params)

    def article() -> str:
        return rng.choice(("/articles/", "/api/articles/")) + quote(rng.choice(ids), safe="")

    def quote_search() -> str:
        if speakers and rng.random() < 0.5:
            return "/api/quotes?" + urlencode({"speaker": rng.choice(speakers)})
        return rng.choice(("/quotes?", "/api/quotes?")) + urlencode({"q": rng.choice(words)})

    def speaker_page() -> str:
        name = rng.choice(speakers) if speakers else ""
        return f"/api/speakers/{quote(name, safe='')}" if name else quote_search()

    mix = [search] * 4 + [search_page, article, article, quote_search, quote_search]
    mix += [facet_click] * 3 + [speaker_page]
    return [rng.choice(mix)() for _ in range(count)]


def _run_timed_client(args: tuple[int, list[str], float, dict[str, str]]) -> list[Sample]:
    port, paths, seconds, headers = args
    client = Client(port, timeout=30, headers=headers)
    deadline = time.perf_counter() + seconds
    samples = []
    for path in itertools.cycle(paths):
        if time.perf_counter() >= deadline:
            break
        samples.append(client.get(path))
    return samples


def run_timed_load(
    port: int,
    paths: list[str],
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """`clients` concurrent clients, each looping over its share of `paths` for `seconds`."""
    shares = [(port, paths[i::clients] or paths, seconds, headers or {}) for i in range(clients)]
    with _client_pool(clients) as pool:
        start = time.perf_counter()
        samples = [s for part in pool.map(_run_timed_client, shares) for s in part]
    return LoadResult(clients, time.perf_counter() - start, samples)


def report(result: LoadResult) -> dict[str, float]:
    """Requests, errors, req/s and p50/p95/p99 in ms."""
    return {
        "requests": len(result.samples),
        "errors": result.errors,
        "rate": round(result.rate, 1),
        "p50": round(result.percentile(50), 1),
        "p95": round(result.percentile(95), 1),
        "p99": round(result.percentile(99), 1),
    }


def _default_corpus() -> Path:
    """5,000 Reuters articles as JSON Lines under bench/data/ (written once)."""
    from bench.corpus import DATA, reuters_records, write_jsonl

    path = DATA / "load" / "reuters-5000.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        if not write_jsonl(itertools.islice(reuters_records(), 5000), partial):
            raise SystemExit("no Reuters data in ../shared/corpora/reuters21578: pass --corpus")
        partial.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="corpus to index (default: 5k Reuters)")
    parser.add_argument("--index", type=Path, help="index directory (default: bench/data/load)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--paths", type=int, default=2000, help="distinct requests in the mix")
    args = parser.parse_args(argv)
    corpus = args.corpus or _default_corpus()
    index = args.index or REPO / "bench" / "data" / "load" / "index"
    subprocess.run([str(NEWSDESK), "reindex", str(corpus), "--index", str(index)], check=True)
    with serving(index, args.workers) as port:
        paths = mixed_paths(port, args.paths)
        run_timed_load(port, paths[:50], 2, 2)  # warm every worker's searcher and caches
        figures = report(run_timed_load(port, paths, args.clients, args.seconds))
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, **figures}))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
