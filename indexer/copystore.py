"""The copy store: every indexed article's signature, date, file, digest and cluster, on disk.

One SQLite database beside the index (`newsdesk-copies.sqlite`), a row per article. A reindex
holds one transaction open: the rows it puts and deletes are committed with each index commit
(`stage`, through indexer/staging.py) and rolled back if the commit fails, so the store always
describes the index as committed; its `meta` table says which build and index generation it
describes, and a store that does not describe the index (a run died between the two commits)
is rebuilt from the stored bodies (`fill_from`).

Nothing grows in memory with the articles: SQLite keeps a bounded page cache and spills a
large transaction to its journal, lookups go by the primary key or the file's index, and a
run marks the rows it has put or kept (`seen`) instead of holding their ids, which tells an id
this run took already (a duplicate) and a file's rows no part of it had (dropped). Clusters
are recomputed (`recluster`) a band at a time: each band's keys of every signature written to
a temporary file, then sorted one band at a time (indexer/dedupe.py, `band_candidates`); what
is held is a band's keys and each row's number and date, 8 bytes each.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from indexer.dedupe import (
    _EMPTY,
    BANDS,
    NUM_PERM,
    PARAMS,
    band_candidates,
    band_keys,
    copy_pairs,
    earliest_members,
    signature,
    sort_key,
)
from indexer.model import Article
from indexer.schema import ARTICLE, document_to_article
from indexer.staging import Staged

STORE = "newsdesk-copies.sqlite"
OLD_SIDECAR = "newsdesk-copies.npz"  # the store before schema 9's second session: replaced
CHUNK = 20_000  # rows read at a time when clustering
IN_CLAUSE = 500  # ids or rows per `IN (...)` query

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    row INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    file BLOB NOT NULL,
    at INTEGER NOT NULL,
    written BLOB NOT NULL,
    digest INTEGER NOT NULL,
    seen INTEGER NOT NULL,
    sig BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_file ON articles (file);
"""


class Known(NamedTuple):
    """What the store has for an article id: its file, digest and whether this run has put
    or kept it already."""

    file: str
    digest: int
    seen: bool


class CopyStore:
    """Every indexed article's signature, date key, file, digest and the cluster the index
    holds for it (see the module). Without a directory, a store in memory."""

    def __init__(self, index_dir: str | None = None, fresh: bool = False) -> None:
        self.dir = index_dir
        path = os.path.join(index_dir, STORE) if index_dir else ":memory:"
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.executescript(_TABLES)
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        self.build: str = meta.get("build", "")
        generation = meta.get("generation")
        self.generation: int | None = int(generation) if generation else None
        self.params = json.loads(meta["params"]) if "params" in meta else None
        # signatures added or removed since the clusters were computed
        self.changed = meta.get("clustered") != "1"
        self.run = time.time_ns()  # the mark of the rows this run puts or keeps
        # emptied for a rebuild: every row is then this run's, and its cluster its own id
        # until `recluster` (so some questions need no query)
        self.fresh = fresh
        self.db.execute("BEGIN")
        if fresh:
            self.clear()

    # -- state

    def describes(self, build: str, generation: int | None) -> bool:
        """Whether the store is the one committed with this build and index generation."""
        return (self.params, self.build, self.generation) == (PARAMS, build, generation)

    def clear(self) -> None:
        self.db.execute("DELETE FROM articles")
        self.changed = True

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    @property
    def ids(self) -> list[str]:
        """Every article id, in the order they were put."""
        return [_text(row[0]) for row in self.db.execute("SELECT id FROM articles ORDER BY row")]

    # -- changes

    def put_many(self, items: Iterable[tuple[Article, str, np.ndarray | None, int]]) -> None:
        """Record articles (article, file, signature or None, digest), marked as this run's.
        An article the store has keeps the cluster recorded for it (the one the index holds)
        until `recluster`; a new one is its own cluster for now."""
        rows = [
            (
                _blob(article.id),
                _blob(file_key),
                sort_key(article.date),
                _blob(article.id),
                _signed(digest),
                self.run,
                np.asarray(
                    signature(article.body or "") if sig is None else sig, dtype=np.uint32
                ).tobytes(),
            )
            for article, file_key, sig, digest in items
        ]
        self.db.executemany(
            "INSERT INTO articles (id, file, at, written, digest, seen, sig)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET file = excluded.file,"
            " at = excluded.at, digest = excluded.digest, seen = excluded.seen,"
            " sig = excluded.sig, written = CASE WHEN articles.written = x''"
            " THEN excluded.written ELSE articles.written END",
            rows,
        )
        if rows:
            self.changed = True

    def keep(self, ids: Iterable[str]) -> None:
        """Mark articles this run keeps as they are (unchanged) as seen."""
        self.db.executemany(
            "UPDATE articles SET seen = ? WHERE id = ?", ((self.run, _blob(i)) for i in ids)
        )

    def lookup(self, ids: list[str]) -> dict[str, Known]:
        """What the store has for each of these ids (those it has)."""
        return {
            _text(article_id): Known(_text(file_key), _unsigned(digest), seen == self.run)
            for article_id, file_key, digest, seen in _where_in(
                self.db, "id, file, digest, seen", "id", [_blob(i) for i in ids]
            )
        }

    def drop_file(self, file_key: str) -> int:
        """Forget every article of a file (it is gone); returns how many."""
        cursor = self.db.execute("DELETE FROM articles WHERE file = ?", (_blob(file_key),))
        if cursor.rowcount:
            self.changed = True
        return int(cursor.rowcount)

    def drop_unseen(self, file_key: str) -> set[str]:
        """Forget the articles of a file that this run has neither put nor kept (no part of
        the file has them any more); returns their ids."""
        if self.fresh:
            return set()
        where = (_blob(file_key), self.run)
        dropped = {
            _text(row[0])
            for row in self.db.execute(
                "SELECT id FROM articles WHERE file = ? AND seen != ?", where
            )
        }
        if dropped:
            self.db.execute("DELETE FROM articles WHERE file = ? AND seen != ?", where)
            self.changed = True
        return dropped

    def file_of(self, article_id: str) -> str | None:
        """The file an article was indexed from, if the store has it."""
        found = self.db.execute("SELECT file FROM articles WHERE id = ?", (_blob(article_id),))
        row = found.fetchone()
        return _text(row[0]) if row is not None else None

    def clusters_of(self, ids: list[str]) -> dict[str, str]:
        """The cluster recorded for each of these articles (those the store has; none in a
        rebuild before `recluster`: each is its own)."""
        if self.fresh and self.changed:
            return {}
        rows = _where_in(self.db, "id, written", "id", [_blob(i) for i in ids])
        return {_text(article_id): _text(written) for article_id, written in rows}

    # -- clusters

    def recluster(self) -> dict[str, str]:
        """Recompute every cluster, if any signature came or went since the last time;
        article id → new cluster for those whose cluster in the index differs (mark them
        written with `mark_written` once rewritten)."""
        if not self.changed:
            return {}
        changes = cluster_changes(self)
        self.changed = False
        self.fresh = False
        return changes

    def mark_written(self, changes: dict[str, str]) -> None:
        self.db.executemany(
            "UPDATE articles SET written = ? WHERE id = ?",
            ((_blob(cluster), _blob(article_id)) for article_id, cluster in changes.items()),
        )

    # -- persistence

    def stage(self, index_dir: str, staged: Staged) -> None:
        """Record which build and generation the store describes; the transaction commits
        when `staged` is published, and rolls back if it is discarded."""
        self._write_meta()
        staged.transaction(self._commit, self._rollback)

    def save(self, index_dir: str) -> None:
        staged = Staged()
        self.stage(index_dir, staged)
        staged.publish()

    def _write_meta(self) -> None:
        meta = {
            "params": json.dumps(PARAMS),
            "build": self.build,
            "generation": "" if self.generation is None else str(self.generation),
            "clustered": "0" if self.changed else "1",
        }
        self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items())
        self.params = PARAMS

    def _commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")
        if self.dir:  # the store of an older version, read once to rebuild this one
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(self.dir, OLD_SIDECAR))

    def _rollback(self) -> None:
        self.db.execute("ROLLBACK")
        self.db.execute("BEGIN")

    def close(self) -> None:
        """Close the database; what was not committed is rolled back."""
        self.db.close()

    def fill_from(self, searcher: Any) -> None:
        """Rebuild from the articles' stored fields (when the store does not describe the
        index as committed)."""
        self.clear()
        reader = searcher.reader()
        if ("kind", ARTICLE) not in reader:
            return
        items: list[tuple[Article, str, np.ndarray | None, int]] = []
        written: dict[str, str] = {}
        for docnum in reader.postings("kind", ARTICLE).all_ids():
            if reader.is_deleted(docnum):
                continue
            stored = reader.stored_fields(docnum)
            article = document_to_article(stored)
            items.append((article, stored.get("file", ""), None, 0))
            written[article.id] = stored.get("cluster") or ""
            if len(items) >= CHUNK:
                self.put_many(items)
                self.mark_written(written)
                items, written = [], {}
        self.put_many(items)
        self.mark_written(written)

    @classmethod
    def from_index(cls, searcher: Any) -> CopyStore:
        """A store in memory rebuilt from the articles' stored fields."""
        store = cls()
        store.fill_from(searcher)
        return store


def cluster_changes(store: CopyStore) -> dict[str, str]:
    """Every article whose cluster (dedupe.cluster_ids's rule) differs from the one written,
    with its new cluster; read from the database a chunk and a band at a time."""
    db = store.db
    count = store.count()
    rows = np.empty(count, dtype=np.int64)  # dense number → the database's row
    whens = np.empty(count, dtype=np.int64)
    usable = np.zeros(count, dtype=bool)
    with tempfile.TemporaryDirectory(dir=store.dir, prefix="newsdesk-bands-") as tmp:
        paths = [os.path.join(tmp, f"band-{band}") for band in range(BANDS)]
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(open(path, "wb")) for path in paths]
            start = 0
            for chunk in _fetch(db, "SELECT row, at, sig FROM articles ORDER BY row"):
                end = start + len(chunk)
                rows[start:end] = [r[0] for r in chunk]
                whens[start:end] = [r[1] for r in chunk]
                sigs = np.frombuffer(b"".join(r[2] for r in chunk), dtype=np.uint32)
                sigs = sigs.reshape(len(chunk), NUM_PERM)
                ok = ~(sigs == _EMPTY).all(axis=1)
                usable[start:end] = ok
                keys = band_keys(sigs[ok])
                for band, fh in enumerate(files):
                    fh.write(np.ascontiguousarray(keys[:, band]).tobytes())
                start = end
        dense = np.nonzero(usable)[0]
        pairs = band_candidates(lambda band: np.fromfile(paths[band], dtype=np.uint64), dense)
    joined = np.unique(pairs)
    sigs_of = _signatures(db, rows[joined])
    local = np.searchsorted(joined, pairs)  # pairs in rows of `joined`
    kept = copy_pairs(local, sigs_of, whens[joined])
    edges = joined[kept]

    def ids_of(dense_rows: list[int]) -> list[str]:
        by_row = _column(db, "id", rows[dense_rows].tolist())
        return [_text(by_row[int(rows[n])]) for n in dense_rows]

    clusters = earliest_members(count, edges, whens, ids_of)
    written = _column(db, "written", rows[list(clusters)].tolist())
    ids = _column(db, "id", rows[list(clusters)].tolist())
    changes = {
        _text(ids[int(rows[n])]): cluster
        for n, cluster in clusters.items()
        if _text(written[int(rows[n])]) != cluster
    }
    in_clusters = {int(rows[n]) for n in clusters}
    for row, article_id in db.execute("SELECT row, id FROM articles WHERE written != id"):
        if row not in in_clusters:  # alone now: its own cluster again
            changes[_text(article_id)] = _text(article_id)
    return changes


def _signatures(db: sqlite3.Connection, rows: np.ndarray) -> np.ndarray:
    """The signatures of these database rows, in their order."""
    found = _column(db, "sig", rows.tolist())
    data = b"".join(found[row] for row in rows.tolist())
    return np.frombuffer(data, dtype=np.uint32).reshape(len(rows), NUM_PERM)


def _column(db: sqlite3.Connection, name: str, rows: list[int]) -> dict[int, Any]:
    return dict(_where_in(db, f"row, {name}", "row", rows))


def _where_in(db: sqlite3.Connection, columns: str, key: str, values: list[Any]) -> Iterator[Any]:
    """The articles' `columns` whose `key` is one of `values`, IN_CLAUSE values a query."""
    for chunk in _chunks(values):
        marks = ",".join("?" * len(chunk))
        yield from db.execute(f"SELECT {columns} FROM articles WHERE {key} IN ({marks})", chunk)


def _fetch(db: sqlite3.Connection, query: str) -> Iterator[list[Any]]:
    cursor = db.execute(query)
    while chunk := cursor.fetchmany(CHUNK):
        yield chunk


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), IN_CLAUSE):
        yield values[start : start + IN_CLAUSE]


def _blob(text: str) -> bytes:
    """Text as stored: UTF-8, a lone surrogate (a file name that is not UTF-8, a record's
    broken escape) kept as it is, which SQLite's text would refuse."""
    return text.encode("utf-8", "surrogatepass")


def _text(blob: bytes) -> str:
    return bytes(blob).decode("utf-8", "surrogatepass")


def _signed(digest: int) -> int:
    """A 64-bit digest as SQLite's signed integer."""
    return digest - (1 << 64) if digest >= 1 << 63 else digest


def _unsigned(digest: int) -> int:
    return digest + (1 << 64) if digest < 0 else digest
