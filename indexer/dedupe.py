"""Syndicated copies: near-duplicate articles grouped into clusters at index time.

The same wire story reposted by several sites differs in its headline, its boilerplate and a
few edits, but shares most runs of five words. Each body gets a MinHash signature (datasketch)
of its word 5-shingles (hashed in numpy: `shingle_hashes`); signatures are cut into LSH
bands, articles sharing a band are candidates, and a candidate pair whose estimated Jaccard
similarity reaches THRESHOLD is an edge. A cluster is a connected component; its id is the
id of its earliest article (by date, then id), so a lone article is its own cluster.

Clusters are a function of the set of signatures only, so an incremental reindex computes the
same clusters as a full build. The signatures live in a sidecar file beside the manifest
(`newsdesk-copies.npz`: 4 bytes × NUM_PERM per article, 256 B) together with the cluster each
article carries in the index and a digest of its documents (the writer keeps the unchanged
articles of a changed file); `CopyStore.recluster()` recomputes every cluster (banding is
vectorised over all signatures, cheap enough to run at every update) and the writer rewrites
only the articles whose cluster changed. A sidecar that does not describe the index's current
generation (a run died between the commit and the save) is rebuilt from the stored bodies.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from indexer.model import Article
from indexer.schema import ARTICLE, article_documents, document_to_article, parse_date
from indexer.staging import Staged

NUM_PERM = 64
BANDS, ROWS = 16, 4  # 16 bands of 4 rows: pairs above ~0.5 similarity become candidates
SHINGLE = 5  # words per shingle
MIN_WORDS = 20  # shorter bodies (briefs, tables of figures) are never clustered
THRESHOLD = 0.8  # estimated Jaccard similarity of shingle sets that makes two articles copies
MAX_DAYS = 3  # copies appear within days of each other; a template reused weekly is no copy
SEED = 20250
SMALL_BUCKET = 16  # a band bucket up to this size is compared pairwise, larger ones as a chain
SIDECAR = "newsdesk-copies.npz"
PARAMS = {"num_perm": NUM_PERM, "bands": BANDS, "shingle": SHINGLE, "min_words": MIN_WORDS,
          "threshold": THRESHOLD, "max_days": MAX_DAYS, "seed": SEED, "version": 2}  # fmt: skip
UNDATED = np.iinfo(np.int64).max

_WORD = re.compile(r"\w+")
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


# ---------------------------------------------------------------- signatures


# Odd 64-bit multipliers, one per word of a shingle, and MurmurHash3's 64-bit finalizer.
_POSITION_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD][:SHINGLE], dtype=np.uint64,
)  # fmt: skip
_FMIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the body's distinct word 5-shingles (lowercased words), sorted; empty
    when it has fewer than MIN_WORDS words.

    Each word is hashed once (CRC-32 of its UTF-8), and a shingle's hash mixes its five words'
    hashes by position, in numpy for all shingles at once: hashing each shingle's text with
    SHA-1 (datasketch's default) was most of what a signature cost."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return np.zeros(0, np.uint64)
    crc = zlib.crc32
    hashed = np.fromiter(
        (crc(word.encode("utf-8", "surrogatepass")) for word in words), np.uint64, len(words)
    )
    count = len(words) - SHINGLE + 1
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64
        mixed = hashed[:count] * _POSITION_MIX[0]
        for k in range(1, SHINGLE):
            mixed += hashed[k : k + count] * _POSITION_MIX[k]
        mixed ^= mixed >> np.uint64(33)
        mixed *= _FMIX[0]
        mixed ^= mixed >> np.uint64(33)
        mixed *= _FMIX[1]
        mixed ^= mixed >> np.uint64(33)
    return np.unique(mixed >> np.uint64(32))


def _as_is(value: int) -> int:
    return value


@functools.cache
def prepare_signatures() -> Any:
    """The MinHash whose permutations every signature shares. datasketch is imported here, on
    first use: its package imports scipy (slow to import, large in memory), which the server
    and a reindex's main process do not need (its parsing processes call this as they start)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def signature(text: str) -> np.ndarray:
    """The MinHash signature of a body (NUM_PERM uint32) over its shingles' hashes;
    all-max when it is too short."""
    hashes = shingle_hashes(text)
    if not len(hashes):
        return _EMPTY.copy()
    template = prepare_signatures()
    minhash = type(template)(
        num_perm=NUM_PERM,
        seed=SEED,
        hashfunc=_as_is,  # the values are hashes already
        permutations=template.permutations,
        scheme=template.scheme,
    )
    minhash.update_batch(hashes.tolist())
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures (0 when either body is too short)."""
    if _is_empty(a) or _is_empty(b):
        return 0.0
    return float(np.mean(a == b))


def _is_empty(sig: np.ndarray) -> bool:
    return bool((sig == _EMPTY).all())


_UNIX_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


def sort_key(date_text: str | None) -> int:
    """An article's place in time for choosing a cluster's earliest member (undated last)."""
    when = parse_date(date_text)  # naive, read as UTC (timestamp() fails before year 2)
    return (when - _UNIX_EPOCH) // _SECOND if when else int(UNDATED)


# ---------------------------------------------------------------- clustering


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """One 64-bit key per band and signature (n × BANDS): a band's ROWS 32-bit values read as
    ROWS / 2 64-bit words (no copy) and mixed. Equal bands give equal keys; a collision only
    adds a candidate pair, which the similarity test then rejects."""
    words = np.ascontiguousarray(sigs[:, : BANDS * ROWS]).view(np.uint64)
    words = words.reshape(len(sigs), BANDS, ROWS // 2)
    keys = words[:, :, 0].copy()
    with np.errstate(over="ignore"):
        for r in range(1, ROWS // 2):
            keys *= np.uint64(0x9E3779B97F4A7C15)  # in place: n × BANDS keys of 8 bytes
            keys ^= words[:, :, r]
    return keys


def candidate_pairs(sigs: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Row pairs (k × 2, i < j) that share at least one band."""
    rows = np.nonzero(usable)[0]
    if len(rows) < 2:
        return np.empty((0, 2), dtype=np.int64)
    keys = np.ascontiguousarray(band_keys(sigs[rows]).T)  # a band's keys side by side
    mask = np.uint64((1 << max(10, (4 * len(rows)).bit_length())) - 1)  # slots: 4-8x the rows

    def band_pairs(band: int) -> list[np.ndarray]:
        # Only keys that share a slot can be equal: the few rows in such slots are sorted
        # (stably, so equal keys keep the order of their rows), not the whole band.
        band_keys_ = keys[band]
        slot = (band_keys_ & mask).astype(np.intp)
        shared = np.flatnonzero(np.bincount(slot)[slot] > 1)
        if len(shared) < 2:
            return []
        order = shared[np.argsort(band_keys_[shared], kind="stable")]
        sorted_keys = band_keys_[order]
        same = sorted_keys[1:] == sorted_keys[:-1]
        return list(_bucket_pairs(rows[order], same)) if same.any() else []

    # Bands in two threads: numpy sorts without the GIL.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as threads:
        found = [pairs for band in threads.map(band_pairs, range(BANDS)) for pairs in band]
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def _bucket_pairs(members: np.ndarray, same: np.ndarray) -> Iterator[np.ndarray]:
    """Pairs within each run of equal keys: all pairs in small runs; in large ones a chain
    and a star from the run's first row."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
    starts, sizes = edges[::2], edges[1::2] + 1 - edges[::2]
    for size in np.unique(sizes[sizes <= SMALL_BUCKET]).tolist():
        # Every run of this size at once: its members side by side, then all their pairs.
        i, j = np.triu_indices(size, k=1)
        run = members[starts[sizes == size][:, None] + np.arange(size)]
        yield np.stack([run[:, i].ravel(), run[:, j].ravel()], axis=1)
    large = sizes > SMALL_BUCKET
    for start, size in zip(starts[large].tolist(), sizes[large].tolist(), strict=True):
        run = members[start : start + size]
        yield np.stack([run[:-1], run[1:]], axis=1)
        yield np.stack([np.full(size - 1, run[0]), run[1:]], axis=1)


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Union-find over `edges`: each row's component root (its smallest row)."""
    roots = np.arange(n)
    if not len(edges):
        return roots
    nodes, local = np.unique(edges, return_inverse=True)  # only the rows in an edge
    parent = list(range(len(nodes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in local.reshape(-1, 2).tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots[nodes] = nodes[[find(x) for x in range(len(nodes))]]
    return roots


def cluster_ids(ids: list[str], whens: np.ndarray, sigs: np.ndarray) -> list[str]:
    """Each article's cluster: the id of the earliest article (by date, then id) it is
    connected to through pairs of copies (similar enough, at most MAX_DAYS apart)."""
    usable = ~(sigs == _EMPTY).all(axis=1)
    pairs = candidate_pairs(sigs, usable)
    if len(pairs):
        agree = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
        first, second = whens[pairs[:, 0]], whens[pairs[:, 1]]
        undated = (first == UNDATED) | (second == UNDATED)
        close = undated | (np.abs(first - second) <= MAX_DAYS * 86_400)
        pairs = pairs[(agree >= THRESHOLD) & close]
    roots = components(len(ids), pairs)
    clusters = list(ids)  # a lone article is its own cluster
    joined = np.unique(pairs)  # the rows of clusters with more than one article
    members = list(zip(joined.tolist(), roots[joined].tolist(), strict=True))
    earliest: dict[int, int] = {}
    for row, root in members:
        best = earliest.get(root)
        if best is None or (whens[row], ids[row]) < (whens[best], ids[best]):
            earliest[root] = row
    for row, root in members:
        clusters[row] = ids[earliest[root]]
    return clusters


# ---------------------------------------------------------------- the sidecar


class CopyStore:
    """Every indexed article's signature, date key, file and the cluster the index holds for it.

    Kept columnar (a signature matrix plus lists, saved as one array per column) so that a
    large corpus's store loads quickly; rows of removed articles are dropped when the store is
    saved or reclustered.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.files: list[str] = []
        self.whens: list[int] = []
        self.written: list[str] = []  # the cluster in the index ("" when not yet written)
        self.digests: list[int] = []  # schema.documents_digest of its documents (0: unknown)
        self.sigs = np.empty((0, NUM_PERM), dtype=np.uint32)
        self.added: list[np.ndarray] = []  # signatures of rows appended since the last compact
        self.alive: list[bool] = []
        self.rows: dict[str, int] = {}
        self.by_file: dict[str, set[int]] | None = None
        self.build = ""
        self.generation: int | None = None
        self.changed = False  # signatures added or removed since the clusters were computed

    # -- changes

    def put(
        self, article: Article, file_key: str, sig: np.ndarray | None = None, digest: int = 0
    ) -> str:
        """Record an article (its signature computed unless given); returns the cluster to
        write for now: the one it had, or its own id (fixed by `recluster`)."""
        sig = signature(article.body or "") if sig is None else sig
        old = self.rows.get(article.id)
        if old is not None:
            was = self.written[old]
            self._kill(old)
        else:
            was = ""
        row = len(self.ids)
        self.ids.append(article.id)
        self.files.append(file_key)
        self.whens.append(sort_key(article.date))
        self.written.append(was or article.id)
        self.digests.append(digest)
        self.added.append(np.asarray(sig, dtype=np.uint32))
        self.alive.append(True)
        self.rows[article.id] = row
        if self.by_file is not None:
            self.by_file.setdefault(file_key, set()).add(row)
        self.changed = True
        return self.written[row]

    def drop_file(self, file_key: str, keep: set[str] | frozenset[str] = frozenset()) -> set[str]:
        """Forget the articles of a file (it was removed or is about to be re-added), but for
        the ids in `keep`; returns the ids forgotten."""
        dropped = set()
        for row in list(self._file_rows().get(file_key, ())):
            if self.ids[row] not in keep:
                dropped.add(self.ids[row])
                self._kill(row)
        return dropped

    def unchanged(self, file_key: str, ids: list[str], digests: list[int]) -> set[str]:
        """The ids among a file's articles that the store has from that same file with the
        same (known) digest: their documents in the index are already right."""
        rows = [self.rows.get(article_id) for article_id in ids]
        return {
            article_id
            for article_id, row, digest in zip(ids, rows, digests, strict=True)
            if row is not None
            and digest
            and (self.digests[row], self.files[row]) == (digest, file_key)
        }

    def _kill(self, row: int) -> None:
        if self.alive[row]:
            self.changed = True
            self.alive[row] = False
            self.rows.pop(self.ids[row], None)
            if self.by_file is not None:
                self.by_file.get(self.files[row], set()).discard(row)

    def _file_rows(self) -> dict[str, set[int]]:
        if self.by_file is None:
            self.by_file = {}
            for row, key in enumerate(self.files):
                if self.alive[row]:
                    self.by_file.setdefault(key, set()).add(row)
        return self.by_file

    def compact(self) -> None:
        """Drop dead rows and fold appended signatures into the matrix (one copy of it)."""
        if all(self.alive):
            if self.added:
                self.sigs = np.vstack([self.sigs, *self.added])
                self.added = []
            return
        alive = np.array(self.alive, dtype=bool)
        loaded = len(self.sigs)
        added = [sig for sig, keep in zip(self.added, self.alive[loaded:], strict=True) if keep]
        sigs = np.empty((int(alive.sum()), NUM_PERM), dtype=np.uint32)
        kept = int(alive[:loaded].sum())
        np.compress(alive[:loaded], self.sigs, axis=0, out=sigs[:kept])
        if added:
            sigs[kept:] = added
        self.sigs, self.added = sigs, []
        self.ids = list(itertools.compress(self.ids, self.alive))
        self.files = list(itertools.compress(self.files, self.alive))
        self.whens = list(itertools.compress(self.whens, self.alive))
        self.written = list(itertools.compress(self.written, self.alive))
        self.digests = list(itertools.compress(self.digests, self.alive))
        self.alive = [True] * len(self.ids)
        self.rows = dict(zip(self.ids, range(len(self.ids)), strict=True))
        self.by_file = None

    # -- clusters

    def recluster(self) -> dict[str, str]:
        """Recompute every cluster, if any signature came or went since the last time;
        article id → new cluster for those whose cluster in the index differs (mark them
        written with `mark_written` once rewritten)."""
        if not self.changed:
            return {}
        self.compact()
        clusters = cluster_ids(self.ids, np.asarray(self.whens, dtype=np.int64), self.sigs)
        self.changed = False
        return {
            article_id: cluster
            for article_id, cluster, written in zip(self.ids, clusters, self.written, strict=True)
            if cluster != written
        }

    def mark_written(self, changes: dict[str, str]) -> None:
        for article_id, cluster in changes.items():
            row = self.rows.get(article_id)
            if row is not None:
                self.written[row] = cluster

    def file_of(self, article_id: str) -> str | None:
        """The file an article was indexed from, if the store has it."""
        row = self.rows.get(article_id)
        return self.files[row] if row is not None else None

    def cluster_of(self, article_id: str) -> str | None:
        """The cluster recorded for an article (written, or to be written)."""
        row = self.rows.get(article_id)
        return self.written[row] if row is not None else None

    # -- persistence

    def save(self, index_dir: str) -> None:
        """Write the sidecar atomically (temporary file, fsync, rename)."""
        staged = Staged()
        self.stage(index_dir, staged)
        staged.publish()

    def stage(self, index_dir: str, staged: Staged) -> None:
        """Write the sidecar to a temporary file in `staged`, to be published later."""
        self.compact()
        files = sorted(set(self.files))
        index = {key: n for n, key in enumerate(files)}
        meta = {
            "params": PARAMS,
            "build": self.build,
            "generation": self.generation,
            "clustered": not self.changed,
        }
        with staged.open(os.path.join(index_dir, SIDECAR)) as fh:
            np.savez(
                fh,
                meta=np.array(json.dumps(meta)),
                ids=np.array(self.ids, dtype=str),
                files=np.array(files, dtype=str),
                file_of=np.array([index[k] for k in self.files], dtype=np.int32),
                whens=np.array(self.whens, dtype=np.int64),
                written=np.array(self.written, dtype=str),
                digests=np.array(self.digests, dtype=np.uint64),
                sigs=self.sigs,
            )

    @classmethod
    def load(cls, index_dir: str, build: str, generation: int | None) -> CopyStore | None:
        """The sidecar if it describes this build and index generation, else None."""
        path = os.path.join(index_dir, SIDECAR)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if (meta.get("params"), meta.get("build"), meta.get("generation")) != (
                    PARAMS,
                    build,
                    generation,
                ):
                    return None
                store = cls()
                store.ids = data["ids"].tolist()
                files = data["files"].tolist()
                store.files = [files[n] for n in data["file_of"].tolist()]
                store.whens = data["whens"].tolist()
                store.written = data["written"].tolist()
                store.digests = (  # sidecars written before digests: all unknown
                    data["digests"].tolist() if "digests" in data.files else [0] * len(store.ids)
                )
                store.sigs = data["sigs"].astype(np.uint32)
        except (OSError, ValueError, KeyError):
            return None
        store.alive = [True] * len(store.ids)
        store.rows = {article_id: row for row, article_id in enumerate(store.ids)}
        store.build, store.generation = build, generation
        store.changed = not meta.get("clustered", False)
        return store

    @classmethod
    def from_index(cls, searcher: Any) -> CopyStore:
        """Rebuild from the articles' stored fields (when the sidecar is missing or stale)."""
        store = cls()
        reader = searcher.reader()
        if ("kind", ARTICLE) in reader:
            for docnum in reader.postings("kind", ARTICLE).all_ids():
                if reader.is_deleted(docnum):
                    continue
                stored = reader.stored_fields(docnum)
                row = len(store.ids)
                store.put(document_to_article(stored), stored.get("file", ""))
                store.written[row] = stored.get("cluster") or ""
        store.compact()
        return store


def rewrite_clusters(searcher: Any, writer: Any, changes: dict[str, str]) -> set[str]:
    """Replace each changed article's documents (article and quotes) by copies carrying the
    new cluster, rebuilt from the stored fields; returns the ids no longer in the index."""
    missing = set()
    for article_id, cluster in changes.items():
        # By the unique id alone: adding `kind` makes Whoosh walk every article's posting.
        docnum = searcher.document_number(id=article_id)
        stored = searcher.stored_fields(docnum) if docnum is not None else None
        if stored is None or stored.get("kind") != ARTICLE:
            missing.add(article_id)
            continue
        writer.delete_by_term("article", article_id)
        for doc in article_documents(document_to_article(stored), stored.get("file", "")):
            writer.add_document(**doc, cluster=cluster)
    return missing
