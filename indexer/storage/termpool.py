"""The pool of postings a segment writer gathers (indexer/storage/pool.py), in flat arrays, and
spilled to run files on disk past a budget.

Whoosh's SegmentWriter puts every posting in a pool as a tuple (field, term, document,
weight, value), sorts the pool at commit and hands the postings one by one to the codec.
Here `TermPool` keeps each field's postings as add_document produces them, in flat arrays
(term numbers, document numbers, weights; values in a list), and a term's number comes from
one dict lookup. At commit a stable argsort by term number groups each term's postings,
still in document order (`FieldPostings.by_term`).

The pool's memory is bounded whatever a commit holds: past SPILL_POSTINGS postings it writes
what it holds to a run file beside the index (each field's terms in order, each term's
postings in document order) and starts again empty, as Whoosh's own pool spilled sorted runs
past `limitmb`. At commit the runs and what is left in memory are merged term by term
(`TermPool.terms`): runs hold consecutive documents, so a term's postings from each, taken in
run order, are in document order. A stream of gigabytes (indexer/streams.py) is then indexed
with the memory of a small export, its windows between commits still large, one segment
each, rather than many small segments to merge (docs/benchmarks.md, "One large export read
as a stream").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import heapq
import pickle
import tempfile
from array import array
from collections.abc import Iterator
from itertools import groupby, pairwise
from operator import itemgetter
from typing import IO, Any

import numpy as np
from whoosh.formats import Existence, Frequency
from whoosh.system import emptybytes


class FieldPostings:
    """One field's postings as they were added: term numbers, document numbers, weights
    and values (when the field's format has them) in flat arrays, and the term numbers."""

    def __init__(self, with_values: bool, shared: bool = False) -> None:
        self.term_ids: dict[bytes, int] = {}
        self.terms = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.values: list[bytes] | None = [] if with_values else None
        # With `shared` (a Frequency field: each value is its posting's count, packed), equal
        # values are one object: a posting holds a reference, not a bytes object of its own.
        self.shared: dict[bytes, bytes] | None = {} if shared else None

    def add(self, btext: bytes, docnum: int, weight: float, value: bytes | None) -> None:
        term_ids = self.term_ids
        term = term_ids.get(btext)
        if term is None:
            term = term_ids[btext] = len(term_ids)
        self.terms.append(term)
        self.docs.append(docnum)
        self.weights.append(weight)
        if self.values is not None:
            value = value or emptybytes
            if self.shared is not None:
                value = self.shared.setdefault(value, value)
            self.values.append(value)

    def by_term(self) -> Iterator[tuple[bytes, array, array, list[bytes]]]:
        """Each term (in byte order) with its postings in document order."""
        terms = np.frombuffer(self.terms, dtype=np.uint32)
        docs = np.frombuffer(self.docs, dtype=np.uint32)
        order = np.argsort(terms, kind="stable")  # each term's postings as they were added
        ordered = docs[order]
        if len(ordered) > 1:
            same_term = terms[order][1:] == terms[order][:-1]
            if (same_term & (ordered[1:] <= ordered[:-1])).any():  # not in document order
                order = np.lexsort((docs, terms))
                ordered = docs[order]
        docs_by_term = array("I", ordered.astype(np.uint32).tobytes())
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        weights_by_term = array("f", weights.astype(np.float32).tobytes())
        values = self.values
        if values:  # reordered as an array of references: no Python int for each posting
            held = np.empty(len(values), dtype=object)
            held[:] = values
            values_by_term = held[order]
            del held
        counts = np.bincount(terms, minlength=len(self.term_ids))
        ends = np.cumsum(counts).tolist()
        sizes = counts.tolist()
        for btext, term in sorted(self.term_ids.items()):
            end = ends[term]
            start = end - sizes[term]
            yield (
                btext,
                docs_by_term[start:end],
                weights_by_term[start:end],
                values_by_term[start:end].tolist() if values else [],
            )


# The postings a pool holds in memory before it spills them to a run file: about 20 MB, the
# postings of some 2,000 articles. A posting costs about 40 bytes in the pool (12 in arrays,
# the rest the exact twins' packed positions and each new term's entry: 1.9 million held
# 75 MB); an article of the scale corpus makes about 250, its quotations' documents included.
# Sorting them for a spill takes about a third more for a moment. A smaller budget makes
# more runs, each read a batch at a time when the commit merges them: 1,000,000 left an
# indexing process at 164 MB on a large export, 500,000 at 127 MB, with the build as fast
# (docs/benchmarks.md, "Fifth session").
SPILL_POSTINGS = 500_000
# The postings of one pickled batch of terms in a run file. The commit's merge holds a batch
# of every run (a window of a large export makes about 20 runs): 8,192 took an indexing
# process 15 MB up while it wrote its segment.
RUN_BATCH_POSTINGS = 2_048

Term = tuple[str, bytes, array, array, list[bytes]]  # field, term, documents, weights, values


class TermPool:
    """Postings by field (see the module), with Whoosh's pool interface where a writer
    uses it. With a `spill_dir`, postings past `budget` are written to run files there."""

    def __init__(self, spill_dir: str | None = None, budget: int = SPILL_POSTINGS) -> None:
        if spill_dir is not None:
            _large_blocks_mapped()
        self.fields: dict[str, FieldPostings] = {}
        self.fieldnames: set[str] = set()  # as Whoosh's pool has them (MpWriter reads them)
        self.spill_dir = spill_dir
        self.budget = budget
        self.runs: list[IO[bytes]] = []

    def field(self, fieldname: str, fieldobj: Any) -> FieldPostings:
        postings = self.fields.get(fieldname)
        if postings is None:
            format_ = fieldobj.format
            with_values = not isinstance(format_, Existence)  # no value to keep
            shared = isinstance(format_, Frequency)
            postings = self.fields[fieldname] = FieldPostings(with_values, shared)
            self.fieldnames.add(fieldname)
        return postings

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """A posting of a merged segment (Whoosh's add_reader): (field, term, document,
        weight, value)."""
        fieldname, btext, docnum, weight, value = item
        if docnum < 0:  # a word for a spelling graph, not a posting (Whoosh skips it too)
            return
        field = self.fields.get(fieldname)
        if field is None:  # not seen in this writer's documents: keep values, if any
            field = self.fields[fieldname] = FieldPostings(with_values=True)
            self.fieldnames.add(fieldname)
        field.add(btext, docnum, weight, value)

    def check(self) -> bool:
        """Spill the postings held to a run file if they are past the budget (between two
        documents, or two terms of a merge: a caller holding a field's FieldPostings takes
        it again after a spill, which this tells)."""
        if self.spill_dir is None:
            return False
        if sum(len(field.docs) for field in self.fields.values()) < self.budget:
            return False
        self.spill()
        return True

    def spill(self) -> None:
        """Write the postings held to a new run file (an anonymous temporary file beside the
        index: gone when closed, or when the process ends however it ends) and let go of
        them."""
        run = tempfile.TemporaryFile(dir=self.spill_dir, prefix="pool-", suffix=".run")  # noqa: SIM115 (kept open until the commit)
        try:
            for fieldname, batch in self._batches():
                pickle.dump((fieldname, batch), run, pickle.HIGHEST_PROTOCOL)
            run.flush()
        except BaseException:
            run.close()
            raise
        self.runs.append(run)
        self.fields = {}
        release_free_memory()

    def _batches(self) -> Iterator[tuple[str, list[tuple[bytes, bytes, bytes, list[bytes]]]]]:
        for fieldname in sorted(self.fields):
            batch: list[tuple[bytes, bytes, bytes, list[bytes]]] = []
            size = 0
            for btext, docs, weights, values in self.fields[fieldname].by_term():
                batch.append((btext, docs.tobytes(), weights.tobytes(), values))
                size += len(docs)
                if size >= RUN_BATCH_POSTINGS:
                    yield fieldname, batch
                    batch, size = [], 0
            if batch:
                yield fieldname, batch

    def terms(self) -> Iterator[Term]:
        """Every term with all its postings, in field and term order, each term's postings
        in document order: those in memory, or, once the pool has spilled, its run files'
        merged (what it holds spilled to one more first: sorting it for the merge would
        double its memory while the segment is written)."""
        if not self.runs:
            yield from self._held()
            return
        if self.fields:  # spilled too: the merge then holds a batch of each run, no more
            self.spill()
        merged = heapq.merge(*map(_run_terms, self.runs), key=_field_and_term)
        for (fieldname, btext), found in groupby(merged, key=_field_and_term):
            parts = list(found)  # the term's postings from each run, in run order
            if len(parts) == 1:
                yield parts[0]
                continue
            docs, weights, values = array("I"), array("f"), []
            for _, _, more_docs, more_weights, more_values in parts:
                docs.extend(more_docs)
                weights.extend(more_weights)
                values.extend(more_values)
            if any(a[2][-1] >= b[2][0] for a, b in pairwise(parts)):
                docs, weights, values = _in_document_order(docs, weights, values)
            yield fieldname, btext, docs, weights, values

    def _held(self) -> Iterator[Term]:
        for fieldname in sorted(self.fields):
            for btext, docs, weights, values in self.fields[fieldname].by_term():
                yield fieldname, btext, docs, weights, values

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Whoosh's sorted posting tuples, for a caller that wants them one by one."""
        for fieldname, btext, docs, weights, values in self.terms():
            padded = values or [emptybytes] * len(docs)
            for docnum, weight, value in zip(docs, weights, padded, strict=True):
                yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        self.fields.clear()
        for run in self.runs:
            run.close()
        self.runs.clear()


_field_and_term = itemgetter(0, 1)

# glibc's malloc serves a block of at least this many bytes from its own mapping, returned to
# the system when freed. Its default threshold (128 KiB) rises to the size of each large block
# freed, up to 32 MiB: once a spill frees a pool's arrays, the next pool's grew on the heap,
# which freed them and kept them, and an indexing process grew with each spill.
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h


@functools.cache
def _large_blocks_mapped() -> bool:
    """Fix glibc's mmap threshold for this process (and those it forks), so that the memory
    of a spilled pool goes back to the system; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    return bool(mallopt and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim): what a spilled
    pool or a committed window let go of, held in the heap's middle, counts in the process's
    memory otherwise. Nothing where the C library is not glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def _in_document_order(
    docs: array, weights: array, values: list[bytes]
) -> tuple[array, array, list[bytes]]:
    """A term's postings sorted by document (stable), for runs that did not add documents
    in order (a writer that added a segment's documents before its own, say)."""
    order = np.argsort(np.frombuffer(docs, dtype=np.uint32), kind="stable")
    sorted_docs = array("I", np.frombuffer(docs, dtype=np.uint32)[order].tobytes())
    sorted_weights = array("f", np.frombuffer(weights, dtype=np.float32)[order].tobytes())
    return sorted_docs, sorted_weights, [values[n] for n in order.tolist()] if values else []


def _run_terms(run: IO[bytes]) -> Iterator[Term]:
    """The terms of a run file (TermPool.spill), in order, read a batch at a time."""
    run.seek(0)
    while True:
        try:
            fieldname, batch = pickle.load(run)
        except EOFError:
            return
        for btext, docs, weights, values in batch:
            yield fieldname, btext, array("I", docs), array("f", weights), values
