"""Parse throughput per reader, against a peer measured in the same run.

    .venv/bin/python -m bench.parse_throughput [--repeat 3]

Peers: for HTML, trafilatura's own `bare_extraction` with metadata (the library our reader builds
on); for text and JSON Lines, which no library parses for us, the floor of reading and decoding
the same files (so the ratio is what our field rules cost on top of I/O). Also times a reindex of
the HTML pages with one parsing process and with one per core.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import DATA, REPO, reuters_records, write_jsonl
from indexer.quotes import extract_quotes
from indexer.readers import parse_file
from indexer.writer import reindex

SHARED = REPO.parent / "shared" / "corpora"


def html_pages() -> list[Path]:
    pages = sorted((SHARED / "html-articles" / "html").glob("*.html.gz"))
    pages += sorted((SHARED / "html-big9").glob("big5-*/html/*.htm*"))
    pages += sorted((SHARED / "html-dates" / "test_set").glob("*.html"))
    return pages


def text_files(kind: str) -> list[Path]:
    if kind == "aggregator":
        return sorted((SHARED / "aggregator").glob("[0-9]*.txt"))
    return sorted((SHARED / "quotes" / "data").glob("*/text/*.txt"))


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of `repeat` runs (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def ours(paths: list[Path]) -> Callable[[], object]:
    return lambda: [list(parse_file(str(p))) for p in paths]


def read_decode(paths: list[Path]) -> Callable[[], object]:
    def run() -> None:
        for p in paths:
            data = p.read_bytes()
            (gzip.decompress(data) if p.suffix == ".gz" else data).decode("utf-8", "replace")

    return run


def trafilatura_alone(paths: list[Path]) -> Callable[[], object]:
    import trafilatura

    def run() -> None:
        for p in paths:
            data = p.read_bytes()
            text = (gzip.decompress(data) if p.suffix == ".gz" else data).decode("utf-8", "replace")
            trafilatura.bare_extraction(text, with_metadata=True)

    return run


def jsonl_loads(path: Path) -> Callable[[], object]:
    return lambda: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def row(name: str, n: int, ours_s: float, peer: str, peer_s: float) -> str:
    """A table row: rates, and how many times the peer's time ours takes."""
    return (
        f"| {name} | {n} | {n / ours_s:,.0f} | {1000 * ours_s / n:.2f} | {peer} | "
        f"{1000 * peer_s / n:.3f} | {ours_s / peer_s:,.2f}x |"
    )


def reindex_time(paths: list[Path], workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for i, p in enumerate(paths):
            # copies, not links: a link that leads out of the corpus is not followed
            suffix = "".join(p.suffixes[-2:]) if p.suffix == ".gz" else p.suffix
            shutil.copyfile(p, corpus / f"{i:04d}{suffix}")
        start = time.perf_counter()
        summary = reindex([str(corpus)], str(Path(tmp) / "ix"), workers=workers)
        elapsed = time.perf_counter() - start
        if summary.added < len(paths) - len(summary.errors):
            raise SystemExit(f"reindex added {summary.added} of {len(paths)} pages")
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jsonl", type=int, default=5000, help="Reuters records for the JSONL row")
    a = ap.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"{SHARED} is missing: the benchmarks read the shared data sets")
    sample = DATA / f"reuters-{a.jsonl}.jsonl"
    if not sample.exists():
        write_jsonl((r for _, r in zip(range(a.jsonl), reuters_records(), strict=False)), sample)

    print(f"cpus: {os.cpu_count()}; best of {a.repeat} runs; times in ms per article\n")
    print(
        "| reader | articles | Newsdesk articles/s | Newsdesk ms/article | peer | peer ms/article "
        "| Newsdesk time / peer time |"
    )
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    pages = html_pages()
    print(
        row(
            "html",
            len(pages),
            timed(ours(pages), a.repeat),
            "trafilatura.bare_extraction",
            timed(trafilatura_alone(pages), a.repeat),
        )
    )
    for kind in ("aggregator", "plain text"):
        files = text_files(kind)
        print(
            row(
                kind,
                len(files),
                timed(ours(files), a.repeat),
                "read + decode",
                timed(read_decode(files), a.repeat),
            )
        )
    print(
        row(
            "jsonl",
            a.jsonl,
            timed(ours([sample]), a.repeat),
            "json.loads per line",
            timed(jsonl_loads(sample), a.repeat),
        )
    )
    bodies = [next(iter(parse_file(str(p)))).body for p in text_files("plain text")]  # type: ignore[union-attr]
    quotes_s = timed(lambda: [extract_quotes(b) for b in bodies], a.repeat)
    print(f"\nquotes alone (PolNeAR bodies): {len(bodies) / quotes_s:,.0f} articles/s")

    one, two = reindex_time(pages, 1), reindex_time(pages, os.cpu_count() or 2)
    print(
        f"reindex of {len(pages)} HTML pages: {one:.1f}s with 1 parsing process, "
        f"{two:.1f}s with {os.cpu_count()}: speed-up {one / two:.2f}x"
    )


if __name__ == "__main__":
    main()
