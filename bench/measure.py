"""Measuring processes for the scale benchmark: wall time and peak RSS of a process tree,
size on disk, and a server on loopback answering the seeded queries from 1 and 4 clients."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import REPO
from bench.load import LoadResult, decode, run_load, wait_until_up

WARMUP = 40
MAX_LOAD_SECONDS = 900.0


# ---------------------------------------------------------------- memory


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/<pid>/task/*/children)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in children.read_text().split())
    return pids


def _status(path: str, key: str) -> int:
    """A size in bytes from a /proc file's `key:` line (in kB there), 0 when it is gone."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _rss(pid: int) -> int:
    return _status(f"/proc/{pid}/status", "VmRSS:")


def _pss(pid: int) -> int:
    """A process's proportional set size: its private pages, and its share of the pages it
    shares (forked processes share their parent's pages until written, which RSS counts in
    each of them)."""
    return _status(f"/proc/{pid}/smaps_rollup", "Pss:")


class RssSampler:
    """Peak of the summed RSS (or, `proportional`, PSS) of a process and its descendants,
    sampled every 50 ms."""

    def __init__(self, pid: int, proportional: bool = False) -> None:
        self.pid, self.peak = pid, 0
        self.at_peak: list[tuple[str, int]] = []  # each process's name and size at the peak
        self.peak_seconds = 0.0  # when it came, from the start
        self._size = _pss if proportional else _rss
        self._stop = threading.Event()
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [(p, self._size(p)) for p in _tree(self.pid)]
            total = sum(size for _, size in sizes)
            if total > self.peak:
                self.peak, self.peak_seconds = total, time.perf_counter() - self._started
                self.at_peak = [(_name(p), size) for p, size in sizes]
            self._stop.wait(0.05)

    def composition(self) -> str:
        """The peak's parts: 'at 12.3 s: newsdesk 130 MB, newsdesk-index 150 MB, ...'."""
        parts = ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in self.at_peak)
        return f"at {self.peak_seconds:.1f} s: {parts}"

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _name(pid: int) -> str:
    """A process's name (`newsdesk-parse`, `newsdesk-index`: indexer/children.py)."""
    try:
        with open(f"/proc/{pid}/comm") as fh:
            return fh.read().strip()
    except OSError:
        return "?"


@dataclass
class Run:
    seconds: float
    peak_rss: int
    output: str
    at_peak: str = ""  # the peak's parts, process by process (RssSampler.composition)


def measured(
    cmd: list[str],
    env: dict[str, str] | None = None,
    proportional: bool = False,
    cwd: Path = REPO,
    ok: tuple[int, ...] = (0,),
) -> Run:
    """Run a command to completion; wall time and peak RSS (or PSS) of its process tree.
    An exit status not in `ok` ends the benchmark."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd
    )
    sampler = RssSampler(proc.pid, proportional)
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    peak = sampler.stop()
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    return Run(seconds, peak, output.strip(), sampler.composition())


def size_on_disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process on loopback, its RSS sampled from start to stop."""

    def __init__(self, cmd: list[str], port: int, probe: str, log: Path, cwd: Path = REPO) -> None:
        self.port = port
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
        )
        self.sampler = RssSampler(self.proc.pid)
        self.startup = wait_until_up(port, probe)

    def stop(self) -> int:
        """Stop the server (its own process group); returns its peak RSS."""
        peak = self.sampler.stop()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()
        return peak


@dataclass
class ServedFigures:
    startup_s: float
    first_ms: float
    one: dict[str, float]
    four: dict[str, float]
    peak_rss: int
    totals: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # 1 client, per query, seconds


def load_figures(result: LoadResult) -> dict[str, float]:
    return {
        "requests": len(result.samples),
        "errors": result.errors,
        "p50": result.percentile(50),
        "p95": result.percentile(95),
        "p99": result.percentile(99),
        "rps": result.rate,
    }


def serve_and_query(server: Server, paths: list[str], total_of) -> ServedFigures:
    """First request, warm-up, one client over every query, then 4 clients over every query."""
    try:
        first = run_load(server.port, paths[:1], 1, 120)
        run_load(server.port, paths[:WARMUP], 4, 300)
        one = run_load(server.port, paths, 1, MAX_LOAD_SECONDS, keep_bodies=True)
        four = run_load(server.port, paths, 4, MAX_LOAD_SECONDS)
    finally:
        peak = server.stop()
    totals = [total_of(decode(s)) if s.status == 200 else None for s in one.samples]
    return ServedFigures(
        server.startup,
        1000 * first.samples[0].seconds,
        load_figures(one),
        load_figures(four),
        peak,
        totals,
        [s.seconds if s.status == 200 else 0.0 for s in one.samples],
    )
