"""Slow clients against `newsdesk serve`: N connections trickle their request headers (a byte
every few seconds) while another client times ordinary searches. Loopback only; bounded.

    .venv/bin/python -m bench.slow_clients --corpus samples --slow 16 --seconds 30
"""

from __future__ import annotations

import argparse
import http.client
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.load import serving

REQUEST = b"GET /api/search?q=the HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000


@contextmanager
def trickling(port: int, count: int, every: float) -> Iterator[list[socket.socket]]:
    """`count` connections each sending one byte of a request every `every` seconds."""
    stop = threading.Event()
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]

    def trickle(sock: socket.socket) -> None:
        for byte in REQUEST:
            if stop.wait(every):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return  # the server closed it: a read time-out

    threads = [threading.Thread(target=trickle, args=(s,), daemon=True) for s in socks]
    for thread in threads:
        thread.start()
    try:
        yield socks
    finally:
        stop.set()
        for sock in socks:
            sock.close()


def timed_requests(port: int, count: int, timeout: float) -> list[float | None]:
    """Seconds each of `count` fresh-connection GETs took (None: no answer within timeout)."""
    times: list[float | None] = []
    for _ in range(count):
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", "/api/search?q=the")
            response = conn.getresponse()
            response.read()
            conn.close()
            times.append(time.perf_counter() - start if response.status == 200 else None)
        except (OSError, http.client.HTTPException):
            times.append(None)
        time.sleep(0.2)
    return times


def measure(
    index: Path, slow: int, seconds: float, every: float, extra: tuple[str, ...] = ()
) -> str:
    with serving(index, workers=2, extra=extra) as port:
        before = timed_requests(port, 3, 20)
        with trickling(port, slow, every):
            time.sleep(1.0)
            during = timed_requests(port, max(3, int(seconds / 2.2)), 20)

    def show(times: list[float | None]) -> str:
        ok = [t for t in times if t is not None]
        worst = f"{max(ok) * 1000:.0f} ms" if ok else "-"
        return f"{len(ok)}/{len(times)} answered, worst {worst}"

    return f"before: {show(before)}; with {slow} trickling: {show(during)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default="samples")
    parser.add_argument("--slow", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--every", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from indexer.writer import reindex

        reindex([args.corpus], str(Path(tmp) / "index"), workers=1)
        print(measure(Path(tmp) / "index", args.slow, args.seconds, args.every))


if __name__ == "__main__":
    main()
