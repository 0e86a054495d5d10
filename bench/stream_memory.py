"""Peak memory of reindexing one large JSON Lines export against a small one, in the same run.

Issue 22: a single export is read as a stream of parts (indexer/streams.py), so reindexing a
file of gigabytes should peak at most 100 MB above reindexing a 20 MB one. Both exports are
real Reuters-21578 headlines over recombined real sentences (bench/corpus.py), one article
per line; each is reindexed from scratch (`newsdesk reindex --full`) into an empty index,
with the peak memory of the reindex and its processes sampled every 50 ms: their summed
proportional set sizes (PSS), as RSS counts the pages forked processes share once in each.

    .venv/bin/python -m bench.stream_memory                  # 20 MB and 2,000 MB
    .venv/bin/python -m bench.stream_memory --large-mb 200   # a quicker look
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bench.corpus import REPO, scaled_records
from bench.measure import measured

DATA = REPO / "bench" / "data" / "streams"
MB = 1_000_000


def export(size_mb: int) -> Path:
    """A JSON Lines export of about `size_mb` MB (made once, kept under bench/data)."""
    path = DATA / f"export-{size_mb}mb" / "export.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    import json

    written = 0
    with path.open("w", encoding="utf-8") as fh:
        for record in scaled_records(10**9):
            line = json.dumps(record, ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode())
            if written >= size_mb * MB:
                break
    return path


def reindex(path: Path) -> tuple[float, int, str]:
    index = DATA / f"index-{path.parent.name}"
    shutil.rmtree(index, ignore_errors=True)
    newsdesk = str(Path(sys.executable).parent / "newsdesk")
    cmd = [newsdesk, "reindex", "--full", "--index", str(index)]
    run = measured([*cmd, str(path.parent)], proportional=True)
    shutil.rmtree(index, ignore_errors=True)
    print(f"{path.parent.name}: peak {run.at_peak}", flush=True)
    return run.seconds, run.peak_rss, run.output.splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-mb", type=int, default=20)
    parser.add_argument("--large-mb", type=int, default=2_000)
    args = parser.parse_args()
    rows = []
    for size in (args.small_mb, args.large_mb):
        path = export(size)
        seconds, peak, line = reindex(path)
        rows.append((size, path.stat().st_size, seconds, peak, line))
    print("| export | bytes | reindex | peak PSS | summary |")
    print("| --- | ---: | ---: | ---: | --- |")
    for size, size_bytes, seconds, peak, line in rows:
        print(f"| {size} MB | {size_bytes:,} | {seconds:.0f} s | {peak / MB:.0f} MB | {line} |")
    extra = (rows[1][3] - rows[0][3]) / MB
    print(
        f"\npeak of the {args.large_mb} MB export minus the {args.small_mb} MB one: {extra:+.0f} MB"
    )


if __name__ == "__main__":
    main()
