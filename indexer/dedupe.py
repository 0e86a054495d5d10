"""Syndicated copies: near-duplicate articles grouped into clusters at index time.

The same wire story reposted by several sites differs in its headline, its boilerplate and a
few edits, but shares most runs of five words. Each body gets a MinHash signature (datasketch)
of its word 5-shingles (hashed in numpy: `shingle_hashes`); signatures are cut into LSH
bands, articles sharing a band are candidates, and a candidate pair whose estimated Jaccard
similarity reaches THRESHOLD is an edge. A cluster is a connected component; its id is the
id of its earliest article (by date, then id), so a lone article is its own cluster.

Clusters are a function of the set of signatures only, so an incremental reindex computes the
same clusters as a full build. The signatures (4 bytes × NUM_PERM per article, 256 B) live in
the copy store beside the index (indexer/copystore.py) with the cluster each article carries
in the index and a digest of its documents (the writer keeps the unchanged articles of a
changed file); `CopyStore.recluster()` recomputes every cluster a band at a time
(`band_candidates`) and the writer rewrites only the articles whose cluster changed.
"""

from __future__ import annotations

import functools
import os
import re
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from indexer.schema import ARTICLE, article_documents, document_to_article, parse_date

NUM_PERM = 64
BANDS, ROWS = 16, 4  # 16 bands of 4 rows: pairs above ~0.5 similarity become candidates
SHINGLE = 5  # words per shingle
MIN_WORDS = 20  # shorter bodies (briefs, tables of figures) are never clustered
THRESHOLD = 0.8  # estimated Jaccard similarity of shingle sets that makes two articles copies
MAX_DAYS = 3  # copies appear within days of each other; a template reused weekly is no copy
SEED = 20250
# Candidate pairs compared at once (copy_pairs): their signatures side by side take 9 bytes
# a permutation, about 38 MB, whatever the number of pairs (all at once, 576 bytes a pair).
PAIRS_AT_ONCE = 65_536
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
    return band_candidates(lambda band: keys[band], rows)


def band_candidates(keys_of: Callable[[int], np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Row pairs (k × 2, i < j) that share at least one band, given each band's keys of
    `rows` (`keys_of(band)`, read one band at a time: the store reads them from disk)."""
    if len(rows) < 2:
        return np.empty((0, 2), dtype=np.int64)
    mask = np.uint64((1 << max(10, (4 * len(rows)).bit_length())) - 1)  # slots: 4-8x the rows

    def band_pairs(band: int) -> list[np.ndarray]:
        # Only keys that share a slot can be equal: the few rows in such slots are sorted
        # (stably, so equal keys keep the order of their rows), not the whole band.
        band_keys_ = keys_of(band)
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
    # Each pair (i < j) as one number, i·n + j: unique over numbers sorts one column, where
    # np.unique(axis=0) sorted rows through copies of them all.
    count = np.int64(int(rows.max()) + 1)
    keys = np.concatenate(
        [np.minimum(p[:, 0], p[:, 1]) * count + np.maximum(p[:, 0], p[:, 1]) for p in found]
    )
    del found
    keys = np.unique(keys)
    return np.stack([keys // count, keys % count], axis=1)


def copy_pairs(pairs: np.ndarray, sigs: np.ndarray, whens: np.ndarray) -> np.ndarray:
    """The candidate pairs that are copies: similar enough, at most MAX_DAYS apart (an undated
    article is close to any); `sigs` and `whens` are indexed by the pairs' rows."""
    if not len(pairs):
        return pairs
    kept = np.zeros(len(pairs), dtype=bool)
    for start in range(0, len(pairs), PAIRS_AT_ONCE):  # each pair's two signatures side by side
        chunk = pairs[start : start + PAIRS_AT_ONCE]
        agree = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1)
        first, second = whens[chunk[:, 0]], whens[chunk[:, 1]]
        undated = (first == UNDATED) | (second == UNDATED)
        close = undated | (np.abs(first - second) <= MAX_DAYS * 86_400)
        kept[start : start + len(chunk)] = (agree >= THRESHOLD) & close
    return pairs[kept]


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
    pairs = copy_pairs(candidate_pairs(sigs, usable), sigs, whens)
    clusters = list(ids)  # a lone article is its own cluster

    def ids_of(rows: list[int]) -> list[str]:
        return [ids[row] for row in rows]

    for row, cluster in earliest_members(len(ids), pairs, whens, ids_of).items():
        clusters[row] = cluster
    return clusters


def earliest_members(
    n: int, pairs: np.ndarray, whens: np.ndarray, ids_of: Callable[[list[int]], list[str]]
) -> dict[int, str]:
    """Each row in a pair of copies → its cluster: the id of the earliest row (by date, then
    id) connected to it."""
    roots = components(n, pairs)
    joined = np.unique(pairs)  # the rows of clusters with more than one article
    members = list(zip(joined.tolist(), roots[joined].tolist(), strict=True))
    ids = dict(zip(joined.tolist(), ids_of(joined.tolist()), strict=True))
    earliest: dict[int, int] = {}
    for row, root in members:
        best = earliest.get(root)
        if best is None or (whens[row], ids[row]) < (whens[best], ids[best]):
            earliest[root] = row
    return {row: ids[earliest[root]] for row, root in members}


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
