"""Builds and updates the Whoosh index: incremental, interruptible, atomic per commit.

The index directory holds the Whoosh index and a manifest (`newsdesk.json`) that records the
corpus roots and, per source file, its size, mtime and content hash. A file whose size and
mtime are unchanged is skipped; otherwise its hash decides. The manifest is replaced atomically
after each Whoosh commit; if a run dies between the two, the next run redoes those files, which
is harmless because a file's articles (and their quote records) are always deleted before they
are added again.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import CLEAR

from indexer import streams
from indexer.children import ReindexLock
from indexer.cluster import ClusterParsers
from indexer.copies import (
    Registered,
    StreamProgress,
    cluster_first,
    finish_stream,
    load_copies,
    register,
    register_part,
    replaces,
)
from indexer.copystore import CopyStore
from indexer.dedupe import rewrite_clusters
from indexer.errors import (
    IndexBusy,
    IndexingFailed,
    NewsdeskError,
    ParseError,
)
from indexer.manifest import INDEX_NAME, SCHEMA_VERSION, FileState, Manifest
from indexer.parsing import JobParser, ParsedFile, Parsers, parse_files
from indexer.plan import Plan, ReindexSummary, display, plan_run, under
from indexer.schema import SCHEMA, file_term
from indexer.storage.codec import NewsdeskCodec
from indexer.storage.merging import merge_segments
from indexer.storage.pool import NewsdeskMpWriter, NewsdeskWriter
from indexer.storage.termpool import release_free_memory
from indexer.storage.toc import remove_uncommitted

# The window of a build between two commits: at most COMMIT_EVERY articles or
# COMMIT_EVERY_BYTES characters of their text, whichever comes first. It bounds the work an
# interrupt loses. Each commit leaves a segment per indexing process, and every term a
# search reads is looked up in each: fewer, larger commits made searches faster and the
# build no slower; `merge_tiers` keeps them few past that. The memory of a window is bounded
# apart from it: an indexing process spills its postings to run files past SPILL_POSTINGS
# (indexer/storage/termpool.py). Windows small enough to bound memory themselves (16 Mi
# characters) made many segments, and merging them (in Python, about 1 ms an article) more
# than doubled the 200k build (docs/benchmarks.md, "One large export read as a stream").
COMMIT_EVERY = 50_000
COMMIT_EVERY_BYTES = 256 * 1024 * 1024
SMALL_SEGMENT = 5_000  # documents: a segment under this is an update's, merged with the others
SMALL_SEGMENTS_KEPT = 6  # small segments left as they are (each costs searches a little)
MERGE_FACTOR = 10  # segments of one size tier merged into one (merge_tiers; Lucene's 10)
PARALLEL_WRITE_ARTICLES = 200  # an update writing this many is written by a process per core
ONE_COMMIT_FILES = 2_000  # an update of at most this many files is parsed whole, then written
ONE_COMMIT_BYTES = 256 * 1024 * 1024  # an update parsed whole first holds at most this much


def reindex(
    paths: Iterable[str],
    index_dir: str,
    full: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    workers: int | None = None,
    wait: float = 0.0,
    forget: Iterable[str] = (),
    scheduler: str | None = None,
) -> ReindexSummary:
    """Bring the index in `index_dir` up to date with the files under `paths`.

    Without paths, the corpus roots recorded in the index are used. Returns a summary whose
    `errors` lists every file or record that could not be parsed (the rest is indexed).
    Articles are removed only when their file is known to be gone: a corpus path that does
    not exist or a folder that cannot be listed is an error that removes nothing under it;
    `forget` names recorded corpus paths whose articles are to be removed. With `scheduler`
    (a Dask scheduler's address), the files are parsed on that cluster (indexer/cluster.py).
    IndexBusy when another reindex of this index is still running after `wait` seconds;
    IndexingFailed when a commit could not be written whole (the index keeps its last commit).
    """
    started = time.monotonic()
    paths = list(paths)
    # A cluster is reached before anything is written (the index folder and its lock too)
    cluster = _connect(scheduler, paths, index_dir) if scheduler else None
    try:
        os.makedirs(index_dir, exist_ok=True)
        with ReindexLock(index_dir, wait) as lock:
            summary = _reindex(
                paths, index_dir, full, progress, on_total, workers, [*forget], cluster
            )
    finally:
        if cluster is not None:
            cluster.close()
    summary.interrupted_pid = lock.stale_pid
    summary.seconds = time.monotonic() - started
    return summary


def _reindex(
    paths: list[str],
    index_dir: str,
    full: bool,
    progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
    workers: int | None,
    forget: list[str],
    cluster: ClusterParsers | None = None,
) -> ReindexSummary:
    manifest = Manifest.load(index_dir)
    forgotten = [os.path.abspath(p) for p in forget]
    for path in forgotten:
        if not any(under(r, [path]) or under(path, [r]) for r in manifest.roots):
            raise NewsdeskError(f"{path}: not a corpus path of this index, nothing to forget")
    recorded = [r for r in manifest.roots if not under(r, forgotten)]
    roots = [os.path.abspath(p) for p in paths] or recorded
    if any(under(r, forgotten) for r in roots):
        raise NewsdeskError("a corpus path to index is also one to forget")
    if not roots and not forgotten:
        raise NewsdeskError("no corpus given and none recorded in the index")
    workers = workers if workers is not None else (os.cpu_count() or 1)
    parsers: JobParser | None = cluster
    if cluster is None:
        parsers = Parsers(workers) if workers > 1 else None
    rebuild = (
        full
        or manifest.index_name != INDEX_NAME
        or not whoosh_index.exists_in(index_dir, indexname=INDEX_NAME)
    )
    summary = ReindexSummary()
    given = [p for p in paths] or [display(r) for r in roots]
    try:
        if rebuild:
            manifest = Manifest(roots=recorded)
            if not whoosh_index.exists_in(index_dir, indexname=INDEX_NAME):
                whoosh_index.create_in(index_dir, SCHEMA, indexname=INDEX_NAME)
        ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
        # The signatures load while the corpus is walked (a stat a file): neither waits for
        # the other.
        with ThreadPoolExecutor(max_workers=1) as thread:
            copies = thread.submit(load_copies, ix, index_dir, manifest, rebuild)
            plan = plan_run(given, manifest, summary)
        manifest.copies = copies.result()
        gone = [
            k
            for k in manifest.files
            if (under(k, roots) and k not in plan.seen and not under(k, plan.unlisted))
            or under(k, forgotten)
        ]
        summary.unchanged += sum(  # under recorded corpus paths not walked this time
            state.articles
            for k, state in manifest.files.items()
            if not under(k, roots) and not under(k, forgotten)
        )
        if on_total:
            on_total(len(plan.todo))
        manifest.roots = sorted(
            ({*manifest.roots} - {r for r in manifest.roots if under(r, forgotten)})
            | {r for r in roots if os.path.exists(r)}
        )
        manifest.index_name = INDEX_NAME
        _apply(ix, index_dir, manifest, plan, gone, rebuild, summary, progress, parsers)
    except OSError as exc:  # the disk filled, or the index folder went away
        raise IndexingFailed(_write_failure(index_dir, exc)) from exc
    finally:
        if parsers is not None:
            parsers.close()
        if manifest.copies is not None:
            manifest.copies.close()  # what no commit published is rolled back
    _remove_other_versions(index_dir)
    return summary


def _connect(scheduler: str, paths: list[str], index_dir: str) -> ClusterParsers:
    """The Dask cluster at `scheduler`, checked to see the corpus paths (those given, or
    those the index records)."""
    roots = [os.path.abspath(p) for p in paths]
    if not roots and os.path.isdir(index_dir):
        roots = Manifest.load(index_dir).roots
    return ClusterParsers(scheduler, [r for r in roots if os.path.exists(r)])


def _write_failure(index_dir: str, exc: OSError) -> str:
    what = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{index_dir}: writing the index failed: {what}{where}"


_VERSIONED_FILE = re.compile(r"_?newsdesk_v(\d+)[_.]")


def _remove_other_versions(index_dir: str) -> None:
    """Delete the files of indexes other Newsdesk versions wrote, once this version's index
    holds the corpus (a reindex ran to its end): an old version's index of a large corpus
    would otherwise stay on disk, gigabytes of it."""
    for entry in os.listdir(index_dir):
        found = _VERSIONED_FILE.match(entry)
        if found and int(found.group(1)) != SCHEMA_VERSION:
            path = os.path.join(index_dir, entry)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)


def _apply(
    ix,
    index_dir: str,
    manifest: Manifest,
    plan: Plan,
    gone: list[str],
    rebuild: bool,
    summary: ReindexSummary,
    progress: Callable[[int], None] | None,
    parsers: JobParser | None,
) -> None:
    """Write the changes, committing every COMMIT_EVERY articles (or once articles were
    written and COMMIT_EVERY_BYTES of text read) and at the end.

    An update of up to ONE_COMMIT_FILES files (and ONE_COMMIT_BYTES) is parsed first and its
    copy clusters computed before anything is written, so it commits once; a full build or a
    larger update streams files into the index and rewrites the articles whose cluster
    changed in a last commit. A commit that fails leaves the index as the last one left it,
    with no file of the failed one (`_discard`).
    """
    pending = pending_bytes = 0
    first_commit = rebuild
    copies = manifest.copies if manifest.copies is not None else CopyStore()
    manifest.copies = copies
    todo = plan.todo
    olds = {os.path.abspath(p): old for p, old in todo}
    known = {} if rebuild else {key: old.sha1 for key, old in olds.items() if old is not None}
    parsed_files: Iterable[ParsedFile] = parse_files(
        [p for p, _ in todo], plan.sizes, parsers, known
    )
    in_parts: dict[str, StreamProgress] = {}  # files read as streams, while their parts come
    for key in gone:  # forgotten here, deleted from the index by the writer below
        copies.drop_file(key)
        summary.removed += manifest.files.pop(key).articles
    clustered = (
        not rebuild
        and len(todo) <= ONE_COMMIT_FILES
        and sum(plan.sizes) <= ONE_COMMIT_BYTES
        and max(plan.sizes, default=0) <= streams.STREAM_BYTES  # a file in parts: as it comes
    )
    registered: dict[str, Registered] = {}
    others: dict[str, str] = {}
    parallel = True
    if clustered:
        parsed_files = list(parsed_files)
        registered, others = cluster_first(parsed_files, olds, copies)
        # A small update is written by this process: as fast below PARALLEL_WRITE_ARTICLES,
        # and one segment, not one per process, for searches to visit and merges to rewrite.
        changed = sum(
            len(p.articles) - len(r.kept) for p in parsed_files if (r := registered.get(p.key))
        )
        parallel = changed + len(others) >= PARALLEL_WRITE_ARTICLES
    writer = _writer(ix, index_dir, parallel)
    try:
        for key in gone:
            writer.delete_by_term("file", file_term(key))
        if others:
            with ix.searcher() as searcher:
                rewrite_clusters(searcher, writer, others)
        for parsed in parsed_files:
            old = olds.get(parsed.key)
            if parsed.streamed and (parsed.state is None or replaces(parsed, old, rebuild)):
                stream = in_parts.setdefault(parsed.key, StreamProgress())
                pending += _write_part(
                    writer, parsed, old, manifest, summary, rebuild, olds, stream
                )
                if parsed.last:
                    del in_parts[parsed.key]
            else:
                pending += _write_file(
                    writer,
                    parsed,
                    old,
                    manifest,
                    summary,
                    rebuild,
                    olds,
                    registered.get(parsed.key),
                )
            pending_bytes += sum(len(a.body) + len(a.title or "") for a in parsed.articles)
            if progress and parsed.last:
                progress(1)
            full = pending >= COMMIT_EVERY or (pending and pending_bytes >= COMMIT_EVERY_BYTES)
            if full and not clustered:
                _commit(writer, manifest, index_dir, clear=first_commit)
                first_commit, pending, pending_bytes = False, 0, 0
                writer = _writer(ix, index_dir, parallel)
        if writer_has_changes(summary, first_commit):
            _commit(writer, manifest, index_dir, clear=first_commit)
        else:
            writer.cancel()
            manifest.save(index_dir)  # touched-but-unchanged files get their new mtimes
    except BaseException:
        _discard(writer, ix)
        raise
    _recluster(ix, index_dir, manifest, copies)


def _discard(writer: Any, ix: Any) -> None:
    """Cancel a writer whose commit will not come (a failure, an interrupt): its indexing
    processes are stopped, and the files it and they wrote are deleted (Whoosh's own clean-up
    after each commit, run against the last committed table of contents): a disk that filled
    up during a build stays full of orphan segments otherwise, and later updates fail too."""
    try:
        if not getattr(writer, "is_closed", False):  # a failed commit closes its writer
            writer.cancel()
    finally:
        remove_uncommitted(ix, INDEX_NAME)


def _recluster(ix, index_dir: str, manifest: Manifest, copies: CopyStore) -> None:
    """Recompute the clusters of syndicated copies if signatures changed since they were last
    computed; rewrite the articles whose cluster changed."""
    if not copies.changed:
        return
    changes = copies.recluster()
    if not changes:
        copies.save(index_dir)  # known clustered: the next run need not compute them again
        return
    writer = _writer(ix, index_dir)
    try:
        with ix.searcher() as searcher:
            rewrite_clusters(searcher, writer, changes)
        copies.mark_written(changes)
        _commit(writer, manifest, index_dir, clear=False)
    except BaseException:
        _discard(writer, ix)
        raise


def merge_policy(writer, segments: list[Any]) -> list[Any]:
    """The merge policy of every commit: small segments (updates) into the new one
    (`merge_small_segments`), then larger ones by size tier (`merge_tiers`)."""
    return merge_tiers(writer, merge_small_segments(writer, segments))


def merge_small_segments(writer, segments: list[Any]) -> list[Any]:
    """The small segments (updates) are merged together into the commit's new segment once
    there are more than SMALL_SEGMENTS_KEPT of them.

    Whoosh's default, MERGE_SMALL, merges every segment once an index holds enough of similar
    size (its Fibonacci test passes at the largest): on a large index, a commit of a small
    update then rewrote the whole index (gigabytes of sort runs, for many minutes).
    A merge here reads at most SMALL_SEGMENTS_KEPT + 1 segments under SMALL_SEGMENT
    documents into the writer's memory.
    """
    segments = [seg for seg in segments if seg.doc_count()]  # none left: nothing to merge
    small = [seg for seg in segments if seg.doc_count_all() < SMALL_SEGMENT]
    if len(small) <= SMALL_SEGMENTS_KEPT:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    merged = {id(seg) for seg in small}
    return [seg for seg in segments if id(seg) not in merged]


def merge_tiers(writer, segments: list[Any]) -> list[Any]:
    """Lucene's log merge policy: a segment's tier is the power of MERGE_FACTOR its live
    documents are of SMALL_SEGMENT; once a tier holds MERGE_FACTOR segments they become one
    of the next tier, merged a term at a time (indexer/storage/merging.py: memory for one
    term, not for the segments), in the place of the first. An index keeps fewer than
    MERGE_FACTOR segments per tier, a few tiers in all, and a build rewrites each article
    about once a tier it climbs. A merge costs about what indexing the articles again does
    (docs/benchmarks.md, "One large export read as a stream"): the 200k build's 8 segments
    stay as they are; with a factor of 8 its last commit merged them all and the build took
    twice as long."""
    while True:
        tiers: dict[int, list[Any]] = {}
        for seg in segments:
            if seg.doc_count_all() >= SMALL_SEGMENT:
                tiers.setdefault(_tier(seg.doc_count()), []).append(seg)
        full = [tier for tier, members in tiers.items() if len(members) >= MERGE_FACTOR]
        if not full:
            return segments
        group = tiers[min(full)][:MERGE_FACTOR]
        merged = merge_segments(writer, group)
        if merged is None:  # segments another codec wrote: left as they are
            return segments
        ids = {id(seg) for seg in group}
        first = next(n for n, seg in enumerate(segments) if id(seg) in ids)
        rest = [seg for seg in segments if id(seg) not in ids]
        segments = [*rest[:first], merged, *rest[first:]]


def _tier(documents: int) -> int:
    if documents < SMALL_SEGMENT:
        return 0
    return int(math.log(documents / SMALL_SEGMENT, MERGE_FACTOR) + 1e-9)


def _codec() -> NewsdeskCodec:
    return NewsdeskCodec()


def writer_has_changes(summary: ReindexSummary, rebuild: bool) -> bool:
    return rebuild or bool(summary.added or summary.updated or summary.removed)


def _writer(ix, index_dir: str, parallel: bool = False):
    """The writer: with `parallel`, one indexing process per core (docs/whoosh.md, "Building
    in parallel"), each committing its own segment. Both keep their postings in memory
    (indexer/storage/pool.py)."""
    procs = min(2, os.cpu_count() or 1)
    try:
        if procs > 1 and parallel:
            return NewsdeskMpWriter(ix, procs=procs, compound=False, codec=_codec())
        return NewsdeskWriter(ix, compound=False, codec=_codec())
    except LockError as exc:
        raise IndexBusy(
            f"{index_dir}: another reindex holds the write lock; try again later"
        ) from exc


def _write_file(
    writer,
    parsed: ParsedFile,
    old: FileState | None,
    manifest: Manifest,
    summary: ReindexSummary,
    rebuild: bool,
    changing: dict[str, FileState | None],
    registered: Registered | None = None,
) -> int:
    """Replace one file's changed articles in the index; returns the number written. With
    `registered` (`cluster_first`), its articles are already in the copy store with their
    final cluster. The file's state in the manifest counts the articles the index holds from
    it, so that later runs count them right (duplicates left out)."""
    summary.errors.extend(parsed.errors)
    summary.failed += len(parsed.errors)
    if parsed.state is None:  # not read: its articles stay as they were (tried next run)
        summary.unchanged += old.articles if old is not None and not rebuild else 0
        return 0
    if old is not None and not replaces(parsed, old, rebuild):
        old.size, old.mtime_ns = parsed.state.size, parsed.state.mtime_ns  # touched only
        manifest.files[parsed.key] = old
        summary.unchanged += old.articles
        return 0
    copies = manifest.copies if manifest.copies is not None else CopyStore()
    if registered is None:
        registered = register(parsed, copies, rebuild, changing)
    if old is not None and not rebuild:
        if registered.kept:  # the others, one by one (each with its quote records)
            for article_id in sorted(registered.dropped):
                writer.delete_by_term("article", article_id)
        else:
            writer.delete_by_term("file", file_term(parsed.key))
    previous = registered.dropped | registered.elsewhere  # versions the index had
    written, updated = _add_articles(
        writer, parsed, registered, copies, summary, registered.elsewhere, previous
    )
    summary.unchanged += len(registered.kept)
    ids = {article.id for article in parsed.articles}
    summary.removed += sum(  # records gone from the file (not moved to another one)
        1 for a in registered.dropped if a not in ids and copies.file_of(a) is None
    )
    summary.updated += updated
    summary.added += written - updated
    _record(manifest, parsed, written + len(registered.kept), len(registered.duplicates))
    return written


def _add_articles(
    writer,
    parsed: ParsedFile,
    registered: Registered,
    copies: CopyStore,
    summary: ReindexSummary,
    delete: set[str],
    previous: set[str],
) -> tuple[int, int]:
    """Write a file's (or part's) registered articles: duplicates reported and skipped, kept
    ones left as they are, those in `delete` first deleted by id (with their quote records).
    Returns the articles written, and how many of them are new versions of `previous` ones."""
    written = updated = 0
    clusters = copies.clusters_of([article.id for article in parsed.articles])
    for n, (article, docs) in enumerate(zip(parsed.articles, registered.documents, strict=True)):
        if n in registered.duplicates:
            holder = registered.duplicates[n]
            where = "earlier in this file" if holder == parsed.key else f"also in {holder}"
            summary.errors.append(
                ParseError(parsed.path, f"duplicate article id {article.id!r} ({where}), skipped")
            )
            summary.failed += 1
            continue
        if article.id in registered.kept:
            continue
        if article.id in delete:
            writer.delete_by_term("article", article.id)
        cluster = clusters.get(article.id) or article.id
        for doc in docs:
            writer.add_document(**doc, cluster=cluster)
        written += 1
        updated += article.id in previous
    return written, updated


def _record(manifest: Manifest, parsed: ParsedFile, articles: int, duplicates: int) -> None:
    """A written file's state in the manifest: the articles the index holds from it (so that
    later runs count them right), its duplicates (tried again by the next run)."""
    assert parsed.state is not None
    parsed.state.articles = articles
    parsed.state.duplicates = duplicates
    if articles:
        manifest.files[parsed.key] = parsed.state
    else:
        manifest.files.pop(parsed.key, None)


def _write_part(
    writer,
    parsed: ParsedFile,
    old: FileState | None,
    manifest: Manifest,
    summary: ReindexSummary,
    rebuild: bool,
    changing: dict[str, FileState | None],
    stream: StreamProgress,
) -> int:
    """Write one part of a file read as a stream (indexer/streams.py): its new and changed
    articles, each replacing its previous version by id; with the last part, the file's
    articles no part had are deleted and its state recorded. A commit between parts leaves
    the index and the copy store agreeing article by article, and the manifest with the
    file's previous state: an interrupted run's next one reads the file again and rewrites
    only what is not yet written. A part that failed leaves the stream incomplete: the
    file's other indexed articles stay, and it is read again next run."""
    summary.errors.extend(parsed.errors)
    summary.failed += len(parsed.errors)
    copies = manifest.copies if manifest.copies is not None else CopyStore()
    written = updated = 0
    if parsed.state is None:
        stream.incomplete = True
    else:
        registered, replaced = register_part(parsed, copies, rebuild, changing)
        previous = replaced | registered.elsewhere  # versions the index had
        delete = set() if rebuild else previous
        written, updated = _add_articles(
            writer, parsed, registered, copies, summary, delete, previous
        )
        stream.duplicates += len(registered.duplicates)
        stream.kept += len(registered.kept)
        stream.written += written
        summary.unchanged += len(registered.kept)
        summary.updated += updated
        summary.added += written - updated
    if parsed.last:
        dropped = finish_stream(parsed.key, copies, stream)
        if not rebuild:
            for article_id in sorted(dropped):
                writer.delete_by_term("article", article_id)
        summary.removed += sum(1 for a in dropped if copies.file_of(a) is None)
        if stream.incomplete or parsed.state is None:
            return written  # the manifest keeps the file's previous state: read again next run
        _record(manifest, parsed, stream.written + stream.kept, stream.duplicates)
    return written


def _commit(writer, manifest: Manifest, index_dir: str, clear: bool) -> None:
    if manifest.copies is not None:
        manifest.copies.generation = writer.generation  # the generation this commit makes
    manifest.build = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    # Staged while a parallel writer's processes index their last documents, off the commit's
    # critical path.
    staged = manifest.stage(index_dir)
    try:
        writer.commit(mergetype=CLEAR if clear else merge_policy)
    except BaseException:
        staged.discard()
        raise
    staged.publish()
    release_free_memory()  # the window's articles and documents, let go of
