"""Where a full reindex spends its time: cProfile of `reindex` on a slice of the scale corpus.

    .venv/bin/python -m bench.profile_reindex --n 20000 --files 1000

Runs in one process (`workers=1`), so parsing and indexing both show in the profile; prints the
top entries by cumulative and by own time, and the wall time of the same slice with the default
parsing processes, without the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from bench.corpus import corpus_files, scale_dir
from bench.profiling import trim_profile
from indexer.writer import reindex


def slice_corpus(n: int, files: int, into: Path) -> int:
    """Copy the first `files` files of the scale-n corpus into `into` (a link out of the corpus
    is not followed by reindex); returns articles."""
    articles = 0
    for path in corpus_files(scale_dir(n) / "corpus")[:files]:
        shutil.copyfile(path, into / path.name)
        articles += sum(1 for line in path.open(encoding="utf-8") if line.strip())
    return articles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="scale corpus to take files from")
    ap.add_argument("--files", type=int, default=1000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        articles = slice_corpus(a.n, a.files, corpus)
        start = time.perf_counter()
        summary = reindex([str(corpus)], str(Path(tmp) / "plain"), full=True)
        plain = time.perf_counter() - start
        if summary.added != articles:
            raise SystemExit(f"{summary.added} of {articles} articles indexed: {summary.line()}")
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        reindex([str(corpus)], str(Path(tmp) / "profiled"), full=True, workers=1)
        profiler.disable()
        profiled = time.perf_counter() - start
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    print(
        f"{articles} articles in {a.files} files: {plain:.1f}s with the default parsing "
        f"processes ({articles / plain:.0f} articles/s); {profiled:.1f}s in one process under "
        f"cProfile\n{trim_profile(out.getvalue())}"
    )


if __name__ == "__main__":
    main()
