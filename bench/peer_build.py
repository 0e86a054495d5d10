"""The peer's build: the scale corpus into SQLite with an FTS5 index, as sqlite-utils makes it.

Runs in the peer's virtualenv (bench/.venv-peer: datasette, sqlite-utils), never in Newsdesk's:

    bench/.venv-peer/bin/python bench/peer_build.py build CORPUS_DIR DB
    bench/.venv-peer/bin/python bench/peer_build.py update DB FILE...

`build` inserts every article (id as primary key; title, author, date, location, source, body),
then `enable_fts(["title", "body"], tokenize="porter", create_triggers=True)`: stemmed like
Newsdesk, and kept up to date by triggers. `update` upserts the articles of the given files (the
peer has no change detection: it is told which files changed). Prints one JSON line of timings.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

COLUMNS = ("id", "title", "author", "date", "location", "source", "body")


def rows(files: list[Path]) -> Iterator[dict]:
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                yield {key: record.get(key) for key in COLUMNS}


def build(corpus: Path, db_path: Path) -> dict:
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    files = sorted(corpus.glob("batch-*/*.jsonl"))
    db["articles"].insert_all(rows(files), pk="id", batch_size=1000)
    inserted = time.perf_counter()
    db["articles"].enable_fts(["title", "body"], tokenize="porter", create_triggers=True)
    db.conn.close()
    done = time.perf_counter()
    return {"insert_s": inserted - started, "fts_s": done - inserted, "total_s": done - started}


def update(db_path: Path, files: list[Path]) -> dict:
    started = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    with db.conn:
        db["articles"].upsert_all(rows(files), pk="id")
    db.conn.close()
    return {"total_s": time.perf_counter() - started}


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "build":
        result = build(Path(args[0]), Path(args[1]))
    else:
        result = update(Path(args[0]), [Path(a) for a in args[1:]])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
