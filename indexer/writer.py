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
import fcntl
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import CLEAR

from indexer.children import LOCK_FILE, detach_from_reindex
from indexer.codec import NewsdeskCodec
from indexer.dedupe import CopyStore, prepare_signatures, rewrite_clusters, signature
from indexer.errors import IndexBusy, NewsdeskError, ParseError
from indexer.model import Article
from indexer.readers import iter_corpus, parse_file
from indexer.schema import SCHEMA, article_documents, documents_digest
from indexer.segment import NewsdeskMpWriter, NewsdeskWriter
from indexer.staging import Staged

SCHEMA_VERSION = 7  # 3: quotes as records of their own (`kind`), unstemmed *_exact twins
# 4: `cluster` of syndicated copies (indexer/dedupe.py), signatures in a sidecar file
# 5: searched fields keep frequencies only, exact twins positions (no character offsets)
# 6: postings in array blocks (indexer/codec.py); `date` a column only (`day` is searched)
# 7: positions as arrays (codec.ArrayPositions), kept apart from ids and frequencies
INDEX_NAME = f"newsdesk_v{SCHEMA_VERSION}"
MANIFEST = "newsdesk.json"
# Articles per intermediate commit: bounds the work an interrupt loses (about 2 minutes of a
# build at 200k). Each commit leaves a segment per indexing process, and every term a search
# reads is looked up in each: 9 segments at 200k instead of 23 (at 20,000) made the bench
# queries' median 10% faster in-process and the build no slower; the build's processes hold
# more postings between commits (peak 2.3-2.4 GB for the process tree at 200k, was 1.8).
COMMIT_EVERY = 50_000
SMALL_SEGMENT = 5_000  # documents: a segment under this is an update's, merged with the others
SMALL_SEGMENTS_KEPT = 6  # small segments left as they are (each costs searches a little)
PARALLEL_WRITE_ARTICLES = 200  # an update writing this many is written by a process per core
ONE_COMMIT_FILES = 2_000  # an update of at most this many files is parsed whole, then written
PARSE_CHUNK = 8  # files a parsing process takes at a time
PARSE_AHEAD = 32  # chunks parsed ahead of the writer (a few thousand articles)


@dataclass
class FileState:
    size: int
    mtime_ns: int
    sha1: str
    articles: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha1": self.sha1,
            "articles": self.articles,
        }


@dataclass
class Manifest:
    """What the index holds: corpus roots and the state of every indexed file."""

    index_name: str = INDEX_NAME
    roots: list[str] = field(default_factory=list)
    files: dict[str, FileState] = field(default_factory=dict)
    build: str = ""
    copies: CopyStore | None = field(default=None, repr=False)  # saved with it, just before

    @classmethod
    def load(cls, index_dir: str) -> Manifest:
        path = os.path.join(index_dir, MANIFEST)
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise NewsdeskError(f"{path}: unreadable manifest ({exc}); run reindex --full") from exc
        files = {k: FileState(**v) for k, v in data.get("files", {}).items()}
        return cls(data.get("index_name", ""), data.get("roots", []), files, data.get("build", ""))

    def save(self, index_dir: str) -> None:
        self.stage(index_dir).publish()

    def stage(self, index_dir: str) -> Staged:
        """Write the manifest and the copies sidecar to temporary files, synced; `publish()`
        puts them in place. A commit stages them while its indexing processes finish their
        segments, and publishes them once it has landed."""
        staged = Staged()
        if self.copies is not None:
            self.copies.build = self.build
            self.copies.stage(index_dir, staged)
        data = {
            "index_name": self.index_name,
            "schema_version": SCHEMA_VERSION,
            "build": self.build,
            "roots": self.roots,
            "files": {k: v.to_dict() for k, v in sorted(self.files.items())},
        }
        text = json.dumps(data, ensure_ascii=False)  # one shot: C encoder (json.dump is not)
        with staged.open(os.path.join(index_dir, MANIFEST), "w", encoding="utf-8") as fh:
            fh.write(text)
        return staged


@dataclass
class ReindexSummary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[ParseError] = field(default_factory=list)
    interrupted_pid: int | None = None  # a killed earlier run whose work this one finished

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.failed} failed, {self.unchanged} unchanged in {self.seconds:.1f}s"
        )


@dataclass
class ParsedFile:
    """One source file after parsing (built in a worker process)."""

    path: str
    key: str
    state: FileState | None
    articles: list[Article]
    errors: list[ParseError]
    signatures: list[Any] = field(default_factory=list)  # MinHash of each article's body


def open_index(index_dir: str):
    """Open the index for reading; NewsdeskError when there is none, or when it was built by
    an earlier version of Newsdesk (other fields: `newsdesk reindex` rebuilds it)."""
    manifest = Manifest.load(index_dir)
    name = manifest.index_name or INDEX_NAME
    if name != INDEX_NAME:
        raise NewsdeskError(
            f"the index in {index_dir} was built by an earlier version of Newsdesk ({name}, "
            f"this version reads {INDEX_NAME}): run `newsdesk reindex` to rebuild it"
        )
    if not whoosh_index.exists_in(index_dir, indexname=name):
        raise NewsdeskError(f"no index in {index_dir}: run `newsdesk reindex CORPUS` first")
    return whoosh_index.open_dir(index_dir, indexname=name)


def reindex(
    paths: Iterable[str],
    index_dir: str,
    full: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    workers: int | None = None,
    wait: float = 0.0,
) -> ReindexSummary:
    """Bring the index in `index_dir` up to date with the files under `paths`.

    Without paths, the corpus roots recorded in the index are used. Returns a summary whose
    `errors` lists every file or record that could not be parsed (the rest is indexed).
    IndexBusy when another reindex of this index is still running after `wait` seconds.
    """
    started = time.monotonic()
    os.makedirs(index_dir, exist_ok=True)
    with ReindexLock(index_dir, wait) as lock:
        summary = _reindex(list(paths), index_dir, full, progress, on_total, workers)
    summary.interrupted_pid = lock.stale_pid
    summary.seconds = time.monotonic() - started
    return summary


class ReindexLock:
    """One reindex per index at a time: an OS lock (flock) on `newsdesk.lock`, held from before
    the manifest is read until after it is saved, with the holder's pid written in the file.

    The OS drops the lock when its process dies, however it dies (SIGKILL included), so it is
    never stale; a pid still in the file when the lock is free names a run that was killed
    (`stale_pid`), and is overwritten. Its forked children drop their copies of it
    (indexer/children.py).
    """

    def __init__(self, index_dir: str, wait: float = 0.0) -> None:
        self.index_dir, self.wait = index_dir, wait
        self.path = os.path.join(index_dir, LOCK_FILE)
        self.fd: int | None = None
        self.stale_pid: int | None = None

    def __enter__(self) -> ReindexLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(0.0, self.wait)
        while not _try_flock(fd):
            if time.monotonic() >= deadline:
                holder = _holder_pid(fd)
                os.close(fd)
                who = f"another reindex (pid {holder})" if holder else "another reindex"
                raise IndexBusy(
                    f"{self.index_dir}: {who} is running; wait for it to finish "
                    "(or pass --wait SECONDS)"
                )
            time.sleep(0.1)
        self.fd, self.stale_pid = fd, _read_pid(fd)
        _write_pid(fd, os.getpid())
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            _write_pid(self.fd, None)  # finished (or failed) cleanly: no pid left behind
            os.close(self.fd)  # closing the last descriptor releases the flock
            self.fd = None


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder_pid(fd: int, patience: float = 1.0) -> int | None:
    """The pid of the lock's holder, which writes it just after taking the lock: a moment's
    patience covers a holder that has the lock but has not written its pid yet."""
    until = time.monotonic() + patience
    while (pid := _read_pid(fd)) is None and time.monotonic() < until:
        time.sleep(0.02)
    return pid


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def _write_pid(fd: int, pid: int | None) -> None:
    os.ftruncate(fd, 0)
    if pid is not None:
        os.pwrite(fd, f"{pid}\n".encode("ascii"), 0)


def _reindex(
    paths: list[str],
    index_dir: str,
    full: bool,
    progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
    workers: int | None,
) -> ReindexSummary:
    manifest = Manifest.load(index_dir)
    roots = [os.path.abspath(p) for p in paths] or list(manifest.roots)
    if not roots:
        raise NewsdeskError("no corpus given and none recorded in the index")
    rebuild = (
        full
        or manifest.index_name != INDEX_NAME
        or not whoosh_index.exists_in(index_dir, indexname=INDEX_NAME)
    )
    if rebuild:
        manifest = Manifest(roots=manifest.roots)
        if not whoosh_index.exists_in(index_dir, indexname=INDEX_NAME):
            whoosh_index.create_in(index_dir, SCHEMA, indexname=INDEX_NAME)
    summary = ReindexSummary()
    given = [p for p in paths] or [_display(r) for r in roots]
    ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    parsers = Parsers(workers) if workers > 1 else None
    try:
        # The signatures load while the corpus is walked (a stat a file): 0.3 s each at 200k.
        with ThreadPoolExecutor(max_workers=1) as thread:
            copies = thread.submit(_copies, ix, index_dir, manifest, rebuild)
            todo, seen = _plan(given, manifest, summary)
        manifest.copies = copies.result()
        gone = [k for k in manifest.files if _under(k, roots) and k not in seen]
        if on_total:
            on_total(len(todo))
        manifest.roots = sorted(set(manifest.roots) | {r for r in roots if os.path.exists(r)})
        manifest.index_name = INDEX_NAME
        _apply(ix, index_dir, manifest, todo, gone, rebuild, summary, progress, parsers)
    finally:
        if parsers is not None:
            parsers.close()
    _remove_other_versions(index_dir)
    return summary


_VERSIONED_FILE = re.compile(r"_?newsdesk_v(\d+)[_.]")


def _remove_other_versions(index_dir: str) -> None:
    """Delete the files of indexes other Newsdesk versions wrote, once this version's index
    holds the corpus (a reindex ran to its end): a 200k-article v4 index left 2 GB behind."""
    for entry in os.listdir(index_dir):
        found = _VERSIONED_FILE.match(entry)
        if found and int(found.group(1)) != SCHEMA_VERSION:
            path = os.path.join(index_dir, entry)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)


def _display(root: str) -> str:
    rel = os.path.relpath(root)
    return rel if not rel.startswith("..") else root


def _under(key: str, roots: list[str]) -> bool:
    return any(key == r or key.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _plan(
    given: list[str], manifest: Manifest, summary: ReindexSummary
) -> tuple[list[tuple[str, FileState | None]], set[str]]:
    """Files to (re)parse, with their previous state; and every file key seen."""
    todo: list[tuple[str, FileState | None]] = []
    seen: set[str] = set()
    for top in given:
        # Walked from the absolute root, so the keys need no abspath (0.2 s at 200k); the
        # files to parse keep the path as given, for messages.
        root = os.path.abspath(top)
        try:
            for key in iter_corpus([root]):
                if key in seen:
                    continue
                seen.add(key)
                old = manifest.files.get(key)
                if old and _same_stat(key, old):
                    summary.unchanged += old.articles
                    continue
                todo.append((_as_given(top, root, key), old))
        except ParseError as exc:  # a missing corpus path: named as given
            summary.failed += 1
            summary.errors.append(ParseError(top, exc.reason, exc.line))
    return todo, seen


def _as_given(top: str, root: str, key: str) -> str:
    """A file's path as the user gave its folder (`top`, which is `root` made absolute)."""
    return top if key == root else os.path.join(top, key[len(root) :].lstrip(os.sep))


def _same_stat(path: str, state: FileState) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_size == state.size and st.st_mtime_ns == state.mtime_ns


def parse_for_index(path: str) -> ParsedFile:
    """Read, hash and parse one file (runs in a worker process)."""
    key = os.path.abspath(path)
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            digest = hashlib.sha1(fh.read()).hexdigest()
    except OSError as exc:
        return ParsedFile(path, key, None, [], [ParseError(path, exc.strerror or str(exc))])
    state = FileState(st.st_size, st.st_mtime_ns, digest)
    articles: list[Article] = []
    errors: list[ParseError] = []
    for item in parse_file(path):
        (errors if isinstance(item, ParseError) else articles).append(item)  # type: ignore[arg-type]
    state.articles = len(articles)
    signatures = [signature(article.body or "") for article in articles]
    return ParsedFile(path, key, state, articles, errors, signatures)


class Parsers:
    """The processes that parse files for a reindex, one per core, forked as it starts.

    Each loads the MinHash library first (`prepare_signatures`: datasketch imports scipy,
    0.4-0.5 s) while the main process walks the corpus and loads the signatures; the main
    process never loads it. Files go out PARSE_CHUNK at a time, at most PARSE_AHEAD chunks
    ahead of the writer (`pool.map` parsed the whole corpus ahead and held it: 3.6 GB at 200k,
    and every indexing process forked later inherited that heap).
    """

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("fork")  # fast: the readers are already imported
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_start_parser
        )
        self.pool.submit(int)  # forks them all now, before this process starts any thread

    def parse(self, paths: list[str]) -> Iterator[ParsedFile]:
        """The files parsed, in order."""
        chunks = (paths[i : i + PARSE_CHUNK] for i in range(0, len(paths), PARSE_CHUNK))
        ahead: deque[Future[list[ParsedFile]]] = deque(
            self.pool.submit(_parse_chunk, chunk) for chunk in itertools.islice(chunks, PARSE_AHEAD)
        )
        try:
            while ahead:
                done = ahead.popleft().result()
                if (chunk := next(chunks, None)) is not None:
                    ahead.append(self.pool.submit(_parse_chunk, chunk))
                yield from done
        finally:
            for future in ahead:
                future.cancel()
        self.pool.shutdown()  # all parsed: the processes end before an indexing one is forked

    def close(self) -> None:
        """Let the processes go, without waiting for one still loading the library."""
        self.pool.shutdown(wait=False, cancel_futures=True)


def _start_parser() -> None:
    """First thing in a parsing process: drop the reindex's locks, load the MinHash library."""
    detach_from_reindex()
    prepare_signatures()


def _parsed(paths: list[str], parsers: Parsers | None) -> Iterator[ParsedFile]:
    """The files parsed, in order: by the parsing processes, or here without them."""
    if parsers is None:
        yield from map(parse_for_index, paths)
    else:
        yield from parsers.parse(paths)


def _parse_chunk(paths: list[str]) -> list[ParsedFile]:
    return [parse_for_index(path) for path in paths]


def _apply(
    ix,
    index_dir: str,
    manifest: Manifest,
    todo: list[tuple[str, FileState | None]],
    gone: list[str],
    rebuild: bool,
    summary: ReindexSummary,
    progress: Callable[[int], None] | None,
    parsers: Parsers | None,
) -> None:
    """Write the changes, committing every COMMIT_EVERY articles and at the end.

    An update of up to ONE_COMMIT_FILES files is parsed first and its copy clusters computed
    before anything is written, so it commits once; a full build or a larger update streams
    files into the index and rewrites the articles whose cluster changed in a last commit.
    """
    pending = 0
    first_commit = rebuild
    written_ids: set[str] = set()
    copies = manifest.copies or CopyStore()
    manifest.copies = copies
    olds = {os.path.abspath(p): old for p, old in todo}
    parsed_files: Iterable[ParsedFile] = _parsed([p for p, _ in todo], parsers)
    for key in gone:  # forgotten here, deleted from the index by the writer below
        copies.drop_file(key)
        summary.removed += manifest.files.pop(key).articles
    clustered = not rebuild and len(todo) <= ONE_COMMIT_FILES
    registered: dict[str, Registered] = {}
    others: dict[str, str] = {}
    parallel = True
    if clustered:
        parsed_files = list(parsed_files)
        registered, others = _cluster_first(parsed_files, olds, copies)
        # A small update is written by this process: as fast up to about 200 articles (at
        # 200k: 3.1-3.4 s either way for 100, 5.2-5.3 s against 3.5-4.4 s for 515), and one
        # segment, not one per process, for searches to visit and merges to rewrite.
        changed = sum(
            len(p.articles) - len(r.kept) for p in parsed_files if (r := registered.get(p.key))
        )
        parallel = changed + len(others) >= PARALLEL_WRITE_ARTICLES
    writer = _writer(ix, index_dir, parallel)
    try:
        for key in gone:
            writer.delete_by_term("file", key)
        if others:
            with ix.searcher() as searcher:
                rewrite_clusters(searcher, writer, others)
        for parsed in parsed_files:
            pending += _write_file(
                writer,
                parsed,
                olds.get(parsed.key),
                manifest,
                summary,
                rebuild,
                written_ids,
                registered.get(parsed.key),
            )
            if progress:
                progress(1)
            if pending >= COMMIT_EVERY and not clustered:
                _commit(writer, manifest, index_dir, clear=first_commit)
                first_commit, pending = False, 0
                writer = _writer(ix, index_dir, parallel)
        if writer_has_changes(summary, first_commit):
            _commit(writer, manifest, index_dir, clear=first_commit)
        else:
            writer.cancel()
            manifest.save(index_dir)  # touched-but-unchanged files get their new mtimes
    except BaseException:
        writer.cancel()
        raise
    _recluster(ix, index_dir, manifest, copies)


def _cluster_first(
    parsed_files: list[ParsedFile],
    olds: dict[str, FileState | None],
    copies: CopyStore,
) -> tuple[dict[str, Registered], dict[str, str]]:
    """Record the articles of the files about to be written and recompute the clusters: the
    files' own articles then take their final cluster from `copies` as they are written.
    Returns each changed file's registration (see `_register`) and the other articles whose
    cluster changed (article id -> cluster), to rewrite in the same commit."""
    ours: set[str] = set()
    registered: dict[str, Registered] = {}
    for parsed in parsed_files:
        if _replaces(parsed, olds.get(parsed.key), rebuild=False):
            registered[parsed.key] = done = _register(parsed, copies, rebuild=False)
            ours |= {a.id for a in parsed.articles if a.id not in done.kept}
    changes = copies.recluster()
    copies.mark_written(changes)
    others = {article_id: c for article_id, c in changes.items() if article_id not in ours}
    return registered, others


@dataclass
class Registered:
    """A changed file's articles as recorded in the copy store, before they are written."""

    documents: list[list[dict[str, Any]]]  # each article's documents (schema.article_documents)
    kept: set[str]  # unchanged articles: their documents stay in the index as they are
    dropped: set[str]  # the file's other articles in the index: to delete
    elsewhere: set[str]  # its articles the index holds from another file: to delete by id


def _register(
    parsed: ParsedFile,
    copies: CopyStore,
    rebuild: bool,
    written_ids: frozenset[str] | set[str] = frozenset(),
) -> Registered:
    """Record a file's new and changed articles in the copy store (their signatures, and their
    cluster for now), keeping its unchanged ones: those whose documents have the digest the
    store has for them from this file. Editing one record of a JSON Lines export or one
    article of a text dump rewrites that article, not the file's others. A full build skips
    the ids it has written already (`_write_file` reports them)."""
    documents = [article_documents(article, parsed.key) for article in parsed.articles]
    digests = [documents_digest(docs) for docs in documents]
    ids = [article.id for article in parsed.articles]
    kept = set() if rebuild else copies.unchanged(parsed.key, ids, digests)
    elsewhere = _elsewhere(parsed, copies)
    dropped = copies.drop_file(parsed.key, keep=kept)
    here: set[str] = set()
    for article, sig, digest in zip(parsed.articles, _signatures(parsed), digests, strict=True):
        if article.id in kept or (rebuild and (article.id in written_ids or article.id in here)):
            continue
        here.add(article.id)
        copies.put(article, parsed.key, sig, digest)
    return Registered(documents, kept, dropped, elsewhere)


def _elsewhere(parsed: ParsedFile, copies: CopyStore) -> set[str]:
    """Ids of the file's articles indexed from another file (an article moved): those need
    deleting by id; the file's own were deleted with the file (one lookup per segment each,
    0.5 s for 100 files at 200k)."""
    return {a.id for a in parsed.articles if copies.file_of(a.id) not in (None, parsed.key)}


def _copies(ix, index_dir: str, manifest: Manifest, rebuild: bool) -> CopyStore:
    """The signatures of the indexed articles: the sidecar, or rebuilt from the stored bodies
    when it does not describe the index as committed (a run died between commit and save)."""
    if rebuild:
        return CopyStore()
    store = CopyStore.load(index_dir, manifest.build, ix.latest_generation())
    if store is None:
        with ix.searcher() as searcher:
            store = CopyStore.from_index(searcher)
    return store


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
        writer.cancel()
        raise


def merge_small_segments(writer, segments: list[Any]) -> list[Any]:
    """The merge policy of every commit: the small segments (updates) are merged together
    once there are more than SMALL_SEGMENTS_KEPT of them; large ones are never rewritten.

    Whoosh's default, MERGE_SMALL, merges every segment once an index holds about two dozen
    of similar size (its Fibonacci test passes at the largest): on 200,000 articles a commit
    of 100 changed files then rewrote the whole index (9 GB of sort runs, over 15 minutes).
    A merge here reads at most SMALL_SEGMENTS_KEPT + 1 segments under SMALL_SEGMENT
    documents, and a full build (reindex --full) leaves one segment per process and commit.
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


def _codec() -> NewsdeskCodec:
    return NewsdeskCodec()


def writer_has_changes(summary: ReindexSummary, rebuild: bool) -> bool:
    return rebuild or bool(summary.added or summary.updated or summary.removed)


def _writer(ix, index_dir: str, parallel: bool = False):
    """The writer: with `parallel`, one indexing process per core (whoosh-notes: 2.5x faster;
    measured here 13.5 s -> 8.3 s for 5,000 articles), each committing its own segment. Both
    keep their postings in memory (indexer/segment.py)."""
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
    written_ids: set[str],
    registered: Registered | None = None,
) -> int:
    """Replace one file's changed articles in the index; returns the number written. With
    `registered` (`_cluster_first`), its articles are already in the copy store with their
    final cluster."""
    summary.errors.extend(parsed.errors)
    summary.failed += len(parsed.errors)
    if parsed.state is None:
        return 0
    if not _replaces(parsed, old, rebuild):
        manifest.files[parsed.key] = parsed.state  # touched but not changed
        summary.unchanged += parsed.state.articles
        return 0
    copies = manifest.copies or CopyStore()
    if registered is None:
        registered = _register(parsed, copies, rebuild, written_ids)
    if old is not None and not rebuild:
        if registered.kept:  # the others, one by one (each with its quote records)
            for article_id in sorted(registered.dropped):
                writer.delete_by_term("article", article_id)
        else:
            writer.delete_by_term("file", parsed.key)
    written = 0
    for article, docs in zip(parsed.articles, registered.documents, strict=True):
        if article.id in registered.kept:
            continue
        if rebuild and article.id in written_ids:
            # A full build writes in parallel processes, where a document added in this run
            # cannot be replaced: the first record with an id wins, and the user is told.
            duplicate = ParseError(parsed.path, f"duplicate article id {article.id!r}, skipped")
            summary.errors.append(duplicate)
            summary.failed += 1
            continue
        if not rebuild and article.id in registered.elsewhere:
            # The article and every quote record of its previous version, in another file.
            writer.delete_by_term("article", article.id)
        cluster = copies.cluster_of(article.id) or article.id
        for doc in docs:
            writer.add_document(**doc, cluster=cluster)
        written_ids.add(article.id)
        written += 1
    summary.unchanged += len(registered.kept)
    ids = {article.id for article in parsed.articles}
    summary.removed += sum(  # records gone from the file (not moved to another one)
        1 for a in registered.dropped if a not in ids and copies.file_of(a) is None
    )
    if old is not None:
        summary.updated += written
    else:
        summary.added += written
    if parsed.articles:
        manifest.files[parsed.key] = parsed.state
    else:
        manifest.files.pop(parsed.key, None)
    return written


def _replaces(parsed: ParsedFile, old: FileState | None, rebuild: bool) -> bool:
    """Whether the file's articles are (re)written: it was read, and is new or changed."""
    if parsed.state is None:
        return False
    return rebuild or old is None or old.sha1 != parsed.state.sha1


def _signatures(parsed: ParsedFile) -> list[Any]:
    return parsed.signatures or [None] * len(parsed.articles)


def _commit(writer, manifest: Manifest, index_dir: str, clear: bool) -> None:
    if manifest.copies is not None:
        manifest.copies.generation = writer.generation  # the generation this commit makes
    manifest.build = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    # Staged while a parallel writer's processes index their last documents: 0.6 s at 200k.
    staged = manifest.stage(index_dir)
    try:
        writer.commit(mergetype=CLEAR if clear else merge_small_segments)
    except BaseException:
        staged.discard()
        raise
    staged.publish()
