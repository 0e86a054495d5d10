"""HTTP load on loopback: one keep-alive connection per client, clients in separate processes.

Latency is the time from sending a request to having read the whole response; responses are
decoded only after the clock stops.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any


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

    def __init__(self, port: int, timeout: float = 120.0) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, keep_body: bool = False) -> Sample:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                self.conn.request("GET", path)
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
    start = time.perf_counter()
    if clients == 1:
        samples = _run_client(shares[0])
    else:
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            samples = [s for part in pool.map(_run_client, shares) for s in part]
    return LoadResult(clients, time.perf_counter() - start, samples)


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
