"""The arrays of one index generation: live documents, term postings, field lengths.

`Engine` reads each term's postings once into arrays (document numbers and term
frequencies, through indexer/storage/leaves.py), keeps the recently used ones within
POSTINGS_BUDGET, and holds what BM25F needs per field (lengths as Whoosh quantises them, the
length normalisation) and the number of live documents (the N of the idf). It is shared by
the threads serving one generation: its arrays are read-only once made, and each call reads
through the calling thread's own searcher, as Whoosh readers are not meant to be shared
between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.query import Query
from whoosh.searching import Searcher

from indexer.storage.blocks import RawBlock, decode_blocks
from indexer.storage.leaves import (
    DOCNUM,
    EMPTY_DOCS,
    LENGTH_OF_BYTE,
    blocks_positions_at,
    length_codes,
    live_mask,
    segment_frequencies,
    term_blocks,
)
from webapp.engine.scoring import Bm25f
from webapp.engine.sets import Found, contains, distinct
from webapp.limits import seconds_left

POSTINGS_BUDGET = 64 * 2**20  # bytes of decoded postings kept per index generation
NODES_KEPT = 64  # results of Whoosh-run nodes kept (highlighting asks for them again)
BLOCKS_AT_ONCE = 256  # blocks of positions read and decoded together (a phrase's words)
FREQUENCIES_KEPT = 200_000  # document frequencies kept (relevance feedback looks words up)
SCORE_DECIMALS = 9  # scores are rounded: summing in another order must not reorder equal scores


@dataclass(frozen=True)
class _Postings:
    """A term's live postings, and where each of its blocks starts (leaf, file position)."""

    docs: np.ndarray
    tf: np.ndarray
    blocks: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # first docnum, leaf, position

    @property
    def nbytes(self) -> int:
        extra = sum(a.nbytes for a in self.blocks) if self.blocks is not None else 0
        return self.docs.nbytes + self.tf.nbytes + extra


class Engine:
    """The arrays of one index generation (live documents, postings read so far, field
    lengths) and the query evaluator over them. Safe to share between threads."""

    def __init__(self, reader: Any, model: Bm25f) -> None:
        self.model = model
        self.size = reader.doc_count_all()
        self.live = live_mask(reader)
        self.documents = int(self.live.sum())  # N of the idf
        self._postings: OrderedDict[tuple[str, bytes], _Postings] = OrderedDict()
        self._held = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._norms: dict[str, np.ndarray] = {}
        self._nodes: OrderedDict[Query, Found] = OrderedDict()
        self._frequencies: dict[tuple[str, bytes], int] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ reading

    def postings(
        self, searcher: Searcher, fieldname: str, text: bytes
    ) -> tuple[np.ndarray, np.ndarray]:
        """Live documents containing the term, sorted, and the term's frequency in each."""
        got = self._postings_of(searcher, fieldname, text)
        return got.docs, got.tf

    def _postings_of(self, searcher: Searcher, fieldname: str, text: bytes) -> _Postings:
        key = (fieldname, text)
        with self._lock:
            got = self._postings.get(key)
            if got is not None:
                self._postings.move_to_end(key)
                return got
        got = self._read_postings(searcher, fieldname, text)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = got
                self._held += got.nbytes
            while self._held > POSTINGS_BUDGET and len(self._postings) > 1:
                _, dropped = self._postings.popitem(last=False)
                self._held -= dropped.nbytes
        return got

    def _read_postings(self, searcher: Searcher, fieldname: str, text: bytes) -> _Postings:
        blocks: list[RawBlock] = []
        offsets: list[int] = []
        leaves: list[int] = []
        for number, (leaf, offset) in enumerate(searcher.reader().leaf_readers()):
            found = term_blocks(leaf, fieldname, text)
            blocks += found
            offsets += [offset] * len(found)
            leaves += [number] * len(found)
        if not blocks:
            return _Postings(EMPTY_DOCS, np.zeros(0, np.float32), None)
        ids, tf, firsts = decode_blocks(blocks, offsets)
        ids = ids.astype(DOCNUM)
        keep = self.live[ids]
        starts = [block[3] for block in blocks]
        index = None
        if all(start is not None for start in starts):
            index = (firsts, np.array(leaves), np.array(starts, dtype=np.int64))
        return _Postings(ids[keep], tf[keep], index)

    def positions(
        self, searcher: Searcher, fieldname: str, text: bytes, docs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's positions in `docs` (sorted live documents containing it) as two arrays,
        the document of each position and the position, in document order: only the blocks
        holding them are read, each once. None when a block has no array positions (a
        segment that is not Newsdesk's, or postings kept in the term table)."""
        postings = self._postings_of(searcher, fieldname, text)
        if postings.blocks is None:
            return None
        firsts, leaf_numbers, starts = postings.blocks
        leaves = searcher.reader().leaf_readers()
        wanted = distinct(np.searchsorted(firsts, docs, side="right") - 1)
        wanted = wanted[wanted >= 0]
        ids, counts, positions = [], [], []
        # the wanted blocks of each segment, read together a run at a time (a phrase of two
        # common words reads every block of both, so the clock is looked at between runs)
        numbers = leaf_numbers[wanted]
        cuts = np.flatnonzero(np.diff(numbers)) + 1
        for run in np.split(wanted, cuts) if len(wanted) else []:
            leaf, offset = leaves[int(leaf_numbers[run[0]])]
            for at in range(0, len(run), BLOCKS_AT_ONCE):
                seconds_left()
                found = blocks_positions_at(leaf, starts[run[at : at + BLOCKS_AT_ONCE]].tolist())
                if found is None:
                    return None
                run_ids, run_counts, run_positions = found
                ids.append(run_ids + offset)
                counts.append(run_counts)
                positions.append(run_positions)
        if not ids:
            return EMPTY_DOCS.astype(np.int64), EMPTY_DOCS.astype(np.int64)
        every_id, every_count = np.concatenate(ids), np.concatenate(counts)
        keep = np.repeat(contains(docs, every_id), every_count)
        return np.repeat(every_id, every_count)[keep], np.concatenate(positions)[keep]

    def document_frequency(self, searcher: Searcher, fieldname: str, text: bytes) -> int:
        """The documents with the term (deleted ones too, as Whoosh counts them), through one
        read of each segment's term table, kept for the generation (up to FREQUENCIES_KEPT)."""
        key = (fieldname, text)
        got = self._frequencies.get(key)
        if got is None:
            got = sum(segment_frequencies(searcher.reader(), fieldname, text))
            with self._lock:
                if len(self._frequencies) >= FREQUENCIES_KEPT:
                    self._frequencies.clear()
                self._frequencies[key] = got
        return got

    def lengths(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """Every document's length in the field as Whoosh scores it (quantised to a byte)."""
        got = self._lengths.get(fieldname)
        if got is None:
            leaves = searcher.reader().leaf_readers()
            parts = [length_codes(leaf, fieldname) for leaf, _ in leaves]
            codes = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
            got = self._lengths[fieldname] = LENGTH_OF_BYTE[codes]
        return got

    def norms(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """Every document's length normalisation in the field (Bm25f.length_norm), against
        the average length of the documents that have the field, computed once."""
        got = self._norms.get(fieldname)
        if got is None:
            lengths = self.lengths(searcher, fieldname)
            having = lengths[self.live & (lengths > 0)] if len(lengths) else lengths
            average = float(having.mean()) if len(having) else 1.0
            got = self._norms[fieldname] = self.model.length_norm(lengths, average, fieldname)
        return got

    # ------------------------------------------------------------ evaluating

    def run(self, searcher: Searcher, query: Query) -> Found:
        """Every live document matching `query`, with its score (BM25F: scoring.py; rounded
        to SCORE_DECIMALS)."""
        from webapp.engine.evaluate import Evaluation

        found = Evaluation(self, searcher).eval(query)
        return Found(found.docs, np.round(found.scores, SCORE_DECIMALS))

    def node(self, query: Query) -> Found | None:
        """A Whoosh-run node's result, if kept."""
        with self._lock:
            return self._nodes.get(query)

    def keep_node(self, query: Query, found: Found) -> None:
        with self._lock:
            self._nodes[query] = found
            while len(self._nodes) > NODES_KEPT:
                self._nodes.popitem(last=False)

    def every(self) -> Found:
        docs = np.flatnonzero(self.live).astype(DOCNUM)
        return Found(docs, np.ones(len(docs)))

    # ------------------------------------------------------------ highlighting
