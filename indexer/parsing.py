"""Parsing files for a reindex: each file read, hashed and parsed under its bounds, by one
process per core that a dead, hung or starved process cannot take down with it.

`parse_for_index` turns one file into a ParsedFile (its state for the manifest, its articles
and their MinHash signatures, its errors), never raising: a failure of any kind is the file's
error. `Parsers` runs it in a pool of forked processes, in order, a bounded amount ahead of
the writer (indexer/writer.py), and recovers from a process that dies or hangs.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Protocol

from indexer.children import detach_from_reindex
from indexer.dedupe import prepare_signatures, signature
from indexer.errors import ParseError
from indexer.manifest import FileState
from indexer.model import Article
from indexer.readers import (
    RECORD_IDENTITY,
    Source,
    get_reader,
    identity_key,
    make_id,
    parse_file,
    parse_source,
    read_regular_file,
    unpack,
)
from indexer.storage.pool import exit_reason
from indexer.streams import Part, file_parts, file_sha1, part_source, stream_format

PARSE_CHUNK = 8  # files a parsing process takes at a time
PARSE_CHUNK_BYTES = 16 * 1024 * 1024  # and at most this many bytes (a larger file goes alone)
PARSE_AHEAD = 32  # chunks parsed ahead of the writer (a few thousand articles)
PARSE_AHEAD_BYTES = 256 * 1024 * 1024  # and at most this many bytes of files
# Parts of a streamed file (2 MiB of records each, indexer/streams.py) out at once for each
# parsing process: two keep it busy, and a stream of gigabytes holds no more parts and parsed
# articles than one of 20 MB (PARSE_AHEAD of them was 128 MiB of records and their articles).
# The parts out and their parsed articles waiting for the writer were most of what the main
# process held while a stream was read (4 MiB parts: 25 MB of records, 30 MB of articles).
PARSE_AHEAD_PARTS = 2
PARSE_SECONDS = 120  # one file's parsing time: past it, the file fails (README, Reliability)
PARSE_GRACE = 30  # seconds more before a parsing process stuck in C code is killed


@dataclass
class ParsedFile:
    """One source file after parsing (built in a worker process)."""

    path: str
    key: str
    state: FileState | None
    articles: list[Article]
    errors: list[ParseError]
    signatures: list[Any] = field(default_factory=list)  # MinHash of each article's body
    # A file read as a stream (indexer/streams.py) comes in parts, in order: each with the
    # file's state, the last marked; its ids number on from part to part (`renumber`).
    streamed: bool = False
    part: int = 0
    last: bool = True


def parse_for_index(path: str) -> ParsedFile:
    """Read, hash and parse one file (runs in a worker process), within PARSE_SECONDS; a
    failure of any kind is this file's error, never the run's."""
    key = os.path.abspath(path)
    try:
        st = os.stat(path)
        raw = read_regular_file(path)
    except ParseError as exc:
        return ParsedFile(path, key, None, [], [exc])
    except OSError as exc:
        return ParsedFile(path, key, None, [], [ParseError(path, exc.strerror or str(exc))])
    state = FileState(st.st_size, st.st_mtime_ns, hashlib.sha1(raw).hexdigest())
    articles: list[Article] = []
    errors: list[ParseError] = []
    try:
        with time_limit(PARSE_SECONDS):
            source = Source(path, unpack(path, raw), key)
            del raw
            for item in parse_source(source):
                (errors if isinstance(item, ParseError) else articles).append(item)  # type: ignore[arg-type]
            signatures = [signature(article.body or "") for article in articles]
    except ParseError as exc:  # what the file holds is not an article: it has none now
        return ParsedFile(path, key, state, [], [exc])
    # The parser ran out of time or memory, or met a bug: the file is not known to have
    # changed its articles, so it keeps those indexed (no state) and is tried again next run.
    except ParseTimeout:
        reason = f"parsing took longer than {PARSE_SECONDS} s, skipped"
        return ParsedFile(path, key, None, [], [ParseError(path, reason)])
    except MemoryError:
        return ParsedFile(path, key, None, [], [ParseError(path, "out of memory parsing it")])
    except Exception as exc:
        reason = f"cannot be parsed ({type(exc).__name__}: {exc})"
        return ParsedFile(path, key, None, [], [ParseError(path, reason)])
    state.articles = len(articles)
    return ParsedFile(path, key, state, articles, errors, signatures)


def parse_part(path: str, fmt: str, part: Part, state: FileState) -> ParsedFile:
    """Parse one part of a file read as a stream (runs in a worker process), within
    PARSE_SECONDS; a failure is this part's error: the file's other parts are parsed, and
    its articles indexed before stay (the stream is incomplete: `last` with no state)."""
    key = os.path.abspath(path)
    articles: list[Article] = []
    errors: list[ParseError] = []
    where = f"the part from line {part.first_line}" if fmt != "warc" else f"offset {part.offset}"
    try:
        with time_limit(PARSE_SECONDS):
            source = part_source(path, part, fmt)
            for item in parse_source(source, get_reader(fmt)):
                (errors if isinstance(item, ParseError) else articles).append(item)  # type: ignore[arg-type]
            signatures = [signature(article.body or "") for article in articles]
    except Exception as exc:
        if isinstance(exc, ParseTimeout):
            reason = f"parsing {where} took longer than {PARSE_SECONDS} s, skipped"
        elif isinstance(exc, MemoryError):
            reason = f"out of memory parsing {where}"
        else:
            reason = f"{where} cannot be parsed ({type(exc).__name__}: {exc})"
        return failed_part(path, part, ParseError(path, reason))
    return ParsedFile(path, key, state, articles, errors, signatures, True, part.number, part.last)


def failed_part(path: str, part: Part, error: ParseError) -> ParsedFile:
    """A part whose records are unknown: its file's stream is incomplete, so the file keeps
    the articles indexed from it and is read again by the next run (no state)."""
    return ParsedFile(
        path, os.path.abspath(path), None, [], [error], [], True, part.number, part.last
    )


def renumber(parsed: ParsedFile, earlier: dict[str, int]) -> None:
    """Ids of a part's records that have none of their own, numbered on from the file's
    earlier parts: the second record of one identity is `#2` whichever part it is in, as when
    the file is read whole (`readers.record_key`). `earlier`: identity -> records so far."""
    here: dict[str, int] = {}
    for article in parsed.articles:
        found = article.__dict__.pop(RECORD_IDENTITY, None)
        if found is None:
            continue
        identity, n = found
        before = earlier.get(identity, 0)
        if before:
            article.id = make_id(identity_key(parsed.key, identity, before + n))
        here[identity] = max(here.get(identity, 0), n)
    for identity, n in here.items():
        earlier[identity] = earlier.get(identity, 0) + n


class ParseTimeout(Exception):
    """A file's parsing ran past its time (`time_limit`)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ParseTimeout in the block once `seconds` have passed: in the main thread by a
    real-time timer (SIGALRM), in another thread (a Dask worker runs tasks in threads,
    indexer/cluster.py) by a watchdog thread that raises it in the block's thread. Either
    interrupts Python code; code inside C functions is interrupted when it returns, and the
    parsing processes' parent bounds those (`Parsers`, `ClusterParsers`)."""
    if threading.current_thread() is not threading.main_thread():
        with _watchdog(seconds):
            yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise ParseTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """`time_limit` off the main thread: a timer raises ParseTimeout in this thread
    (`PyThreadState_SetAsyncExc`, the one way Python has to interrupt another thread) unless
    the block has ended first. A lock keeps it from firing once the block is left, and one
    that fired as the block ended, not yet raised, is withdrawn (the block finished)."""
    thread_id = ctypes.c_ulong(threading.get_ident())
    guard = threading.Lock()
    ended = fired = False

    def expired() -> None:
        nonlocal fired
        with guard:
            if not ended:
                fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    thread_id, ctypes.py_object(ParseTimeout)
                )

    timer = threading.Timer(seconds, expired)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with guard:
            ended = True
            if fired:  # raised already (this finally runs for it), or still pending: withdrawn
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread_id, None)
        timer.cancel()


class Parsers:
    """The processes that parse files for a reindex, one per core, forked as it starts.

    Each loads the MinHash library first (`prepare_signatures`: datasketch imports scipy, which
    takes a while) while the main process walks the corpus and loads the signatures; the main
    process never loads it. Files go out PARSE_CHUNK at a time (at most PARSE_CHUNK_BYTES),
    at most PARSE_AHEAD chunks and PARSE_AHEAD_BYTES (PARSE_AHEAD_PARTS parts of a streamed
    file for each process) ahead of the writer (`pool.map` parsed
    the whole corpus ahead and held it, gigabytes on a large corpus, and every indexing
    process forked later inherited that heap).

    A parsing process that dies (killed, out of memory) or hangs past its files' time breaks
    the pool: the processes are replaced and the files that were out are parsed again one at
    a time, so that a file that kills its process again fails alone, named, and every other
    file is parsed (red team, issue 18: a BrokenProcessPool traceback and a run that never
    ended).
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("fork")  # fast: the readers are already imported
        pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_start_parser
        )
        pool.submit(int)  # forks them all now, before this process starts any thread
        # Its processes (a "fork" pool starts them all at its first task), for their exit
        # codes: the pool forgets them once it breaks.
        self.processes: list[Any] = list((getattr(pool, "_processes", None) or {}).values())
        return pool

    def parse(self, jobs: Iterator[Job]) -> Iterator[ParsedFile]:
        """The jobs' files and parts parsed, in order."""
        ahead: deque[tuple[Job, Future[list[ParsedFile]]]] = deque()
        out_bytes = parts_out = 0
        parts_ahead = PARSE_AHEAD_PARTS * self.workers
        job: Job | None = None  # taken, not yet out
        # Abandoned (an interrupt, a failed commit), this leaves the jobs still ahead to the
        # pool, which the reindex ends (`close`). Cancelled here, Python 3.11's pool thread
        # could fail on them once their processes were killed (`terminate_broken` sets an
        # error on each; on a cancelled one it raises InvalidStateError: a traceback after
        # Ctrl-C).
        while True:
            try:
                while len(ahead) < PARSE_AHEAD and (not ahead or out_bytes < PARSE_AHEAD_BYTES):
                    if job is None and (job := next(jobs, None)) is None:
                        break
                    if job.part is not None and ahead and parts_out >= parts_ahead:
                        break  # out when a part ahead comes back
                    ahead.append((job, self._submit(job)))
                    out_bytes += job.size
                    parts_out += job.part is not None
                    job = None
                if not ahead:
                    break
                first, future = ahead[0]
                done = self._result(future, PARSE_SECONDS * first.count + PARSE_GRACE)
            except Exception as exc:  # a process died or hung; or a result not sent back
                suspects = [taken for taken, _ in ahead]
                if job is not None:
                    suspects.append(job)
                    job = None
                if not isinstance(exc, (BrokenProcessPool, FutureTimeout)):
                    for _, dropped in ahead:
                        dropped.cancel()  # parsed again below, one file or part at a time
                # else the pool's thread sets an error on each as it ends the pool (once the
                # stuck processes are killed): one cancelled in between made it fail
                ahead.clear()
                out_bytes = parts_out = 0
                yield from self._one_by_one(suspects, broke=exc)
                continue
            ahead.popleft()
            out_bytes -= first.size
            parts_out -= first.part is not None
            yield from done
        self.pool.shutdown()  # all parsed: the processes end before an indexing one is forked

    def _submit(self, job: Job) -> Future[list[ParsedFile]]:
        if job.done is not None:
            ready: Future[list[ParsedFile]] = Future()
            ready.set_result(job.done)
            return ready
        if job.part is not None:
            return self.pool.submit(_parse_part_job, job.part)
        return self.pool.submit(_parse_chunk, job.paths)

    def _one_by_one(self, jobs: list[Job], broke: BaseException) -> Iterator[ParsedFile]:
        """After the pool broke, or a batch's result failed to come back (`broke`): the files
        and parts that were out parsed one at a time (by new processes if those died); one
        that fails again (its process dies, runs out of time, or its result cannot be sent
        back, as when memory runs out) fails alone with the reason."""
        if isinstance(broke, (BrokenProcessPool, FutureTimeout)):
            self._replace(stuck=isinstance(broke, FutureTimeout))
        for job in jobs:
            if job.done is not None:
                yield from job.done
                continue
            alone = [Job([path], 0) for path in job.paths] if job.part is None else [job]
            for single in alone:
                try:
                    yield from self._result(self._submit(single), PARSE_SECONDS + PARSE_GRACE)
                except Exception as exc:
                    yield self._failure(single, exc)

    def _failure(self, job: Job, exc: BaseException) -> ParsedFile:
        lost = isinstance(exc, (BrokenProcessPool, FutureTimeout))
        died = self._replace(stuck=isinstance(exc, FutureTimeout)) if lost else ""
        if isinstance(exc, FutureTimeout):
            reason = f"parsing took longer than {PARSE_SECONDS} s, skipped"
        elif isinstance(exc, BrokenProcessPool):
            reason = f"the process parsing it {died}, skipped"
        elif isinstance(exc, MemoryError):
            reason = "out of memory in the process parsing it, skipped"
        else:
            reason = f"its parsing process failed ({type(exc).__name__}: {exc}), skipped"
        return failed_job(job, reason)

    def _died(self) -> str:
        codes = [code for p in self.processes if (code := _exit_code(p)) not in (None, 0)]
        codes.sort(key=lambda code: code == -signal.SIGTERM)  # the pool ends the others so
        return exit_reason(codes[0]) if codes else "died"

    def _replace(self, stuck: bool = False) -> str:
        """New processes for the pool's; how the first old one that failed ended. A broken
        pool ends its other processes itself (SIGTERM): their ends are awaited, and read,
        before a `stuck` one (or any left) is killed here."""
        if not stuck:
            for process in self.processes:
                process.join(5)
        died = self._died()
        self._end()
        self.pool = self._start()
        return died

    def close(self) -> None:
        """End the processes (one may be stuck in a file, or still loading the library):
        a pool's processes are joined when Python exits, which would wait for them."""
        self._end()

    def _end(self) -> None:
        """Kill the pool's processes and wait for the pool's own thread to finish.

        Waited for, because a pool left to end on its own while Python exits raced the exit's
        wake-up call on its pipe (now and then, a "Bad file descriptor" traceback after the
        run's own error). A process killed while it sent a batch back leaves half a message in
        the results pipe, and the pool's thread would wait for the rest for ever: this process's
        copy of the pipe's writing end is closed once they are dead, so that it reads the end
        of the pipe instead and the pool ends as broken."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
        for process in self.processes:
            process.join(5)
        results = getattr(self.pool, "_result_queue", None)
        writer = getattr(results, "_writer", None)
        if writer is not None and not any(p.is_alive() for p in self.processes):
            with contextlib.suppress(OSError):
                writer.close()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _result(self, future: Future[list[ParsedFile]], seconds: float) -> list[ParsedFile]:
        """The batch's result within `seconds`; BrokenProcessPool as soon as a process has
        died and the pool has not said so within a second (it cannot when the process died
        half way through sending a batch back: its thread then waits on the pipe)."""
        deadline = time.monotonic() + seconds
        dead_seen = False
        while True:
            try:
                return future.result(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            except FutureTimeout:
                if time.monotonic() >= deadline:
                    raise
                dead = any(p.exitcode is not None for p in self.processes)
                if dead and dead_seen:
                    raise BrokenProcessPool("a parsing process died") from None
                dead_seen = dead


def _exit_code(process: Any) -> int | None:
    """A dead process's exit code, once whichever thread reaps it (the pool's) has read it."""
    for _ in range(100):
        if process.exitcode is not None or process.is_alive():
            break
        time.sleep(0.01)
    return process.exitcode


@dataclass
class Job:
    """Work for a parsing process: whole files, or one part of a file read as a stream, or
    an answer known without parsing (`done`)."""

    paths: list[str]
    size: int  # bytes of the files or the part
    part: tuple[str, str, Part, FileState] | None = None  # path, format, part, file state
    done: list[ParsedFile] | None = None

    @property
    def count(self) -> int:
        return max(1, len(self.paths))


def jobs(paths: list[str], sizes: list[int], known: dict[str, str]) -> Iterator[Job]:
    """The files in order, PARSE_CHUNK at a time and at most PARSE_CHUNK_BYTES (but one); a
    container file larger than a part (`streams.stream_format`) in parts. `known`: file key ->
    the SHA-1 the index has it at, so that a large file touched but not changed is not read
    in parts."""
    chunk: list[str] = []
    total = 0
    for path, size in zip(paths, sizes, strict=True):
        fmt = stream_format(path, size)
        if fmt is None:
            if chunk and (len(chunk) >= PARSE_CHUNK or total + size > PARSE_CHUNK_BYTES):
                yield Job(chunk, total)
                chunk, total = [], 0
            chunk.append(path)
            total += size
            continue
        if chunk:
            yield Job(chunk, total)
            chunk, total = [], 0
        yield from _stream_jobs(path, fmt, known)
    if chunk:
        yield Job(chunk, total)


def _stream_jobs(path: str, fmt: str, known: dict[str, str]) -> Iterator[Job]:
    key = os.path.abspath(path)
    try:
        st = os.stat(path)
        state = FileState(st.st_size, st.st_mtime_ns, file_sha1(path))
    except OSError as exc:
        error = ParseError(path, exc.strerror or str(exc))
        yield Job([], 0, done=[ParsedFile(path, key, None, [], [error], streamed=True)])
        return
    if known.get(key) == state.sha1:  # touched, not changed: nothing to parse
        yield Job([], 0, done=[ParsedFile(path, key, state, [], [], streamed=True)])
        return
    number = 0
    try:
        for part in file_parts(path, fmt):
            number = part.number + 1
            yield Job([], len(part.data), part=(path, fmt, part, state))
    except Exception as exc:  # the file cannot be read on (truncated gzip, broken archive)
        error = ParseError(path, f"cannot be read on ({type(exc).__name__}: {exc})")
        failed = failed_part(path, Part(b"", 0, 0, number, last=True), error)
        yield Job([], 0, done=[failed])


def failed_job(job: Job, reason: str) -> ParsedFile:
    """A job of one file or one part that failed for `reason` (its parsing process died,
    hung, or could not send its result back)."""
    if job.part is not None:
        path, fmt, part, _ = job.part
        return part_failure(path, fmt, part, reason)
    return file_failure(job.paths[0], reason)


def file_failure(path: str, reason: str) -> ParsedFile:
    """A file whose parsing failed for `reason`: it keeps its indexed articles (no state)."""
    return ParsedFile(path, os.path.abspath(path), None, [], [ParseError(path, reason)])


def part_failure(path: str, fmt: str, part: Part, reason: str) -> ParsedFile:
    """A part of a stream whose parsing failed for `reason`, named by where it starts."""
    where = f"line {part.first_line}" if fmt != "warc" else f"offset {part.offset}"
    return failed_part(path, part, ParseError(path, f"the part from {where}: {reason}"))


def _parse_part_job(job: tuple[str, str, Part, FileState]) -> list[ParsedFile]:
    return [parse_part(*job)]


def _start_parser() -> None:
    """First thing in a parsing process: drop the reindex's locks, load the MinHash library."""
    detach_from_reindex("parse")
    prepare_signatures()


class JobParser(Protocol):
    """What parses a reindex's jobs, in order: the local processes (`Parsers`) or a Dask
    cluster's workers (indexer/cluster.py)."""

    def parse(self, jobs: Iterator[Job]) -> Iterator[ParsedFile]: ...

    def close(self) -> None: ...


def parse_files(
    paths: list[str],
    sizes: list[int],
    parsers: JobParser | None,
    known: dict[str, str] | None = None,
) -> Iterator[ParsedFile]:
    """The files parsed, in order (a file read as a stream in parts, its ids numbered on):
    by the parsing processes, or here without them."""
    work = jobs(paths, sizes, known or {})
    if parsers is None:
        parsed: Iterator[ParsedFile] = (p for job in work for p in _run_here(job))
    else:
        parsed = parsers.parse(work)
    identities: dict[str, int] = {}
    for one in parsed:
        if one.streamed:
            if one.part == 0:
                identities = {}
            renumber(one, identities)
        yield one


def parse_file_in_parts(path: str) -> Iterator[Article | ParseError]:
    """`readers.parse_file` for `newsdesk parse`: a container file larger than a part is read
    as a stream, as a reindex reads it (its articles and errors the same), the others whole."""
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0
    fmt = stream_format(path, size)
    if fmt is None:
        yield from parse_file(path)
        return
    identities: dict[str, int] = {}
    state = FileState(size, 0, "")
    try:
        for part in file_parts(path, fmt):
            parsed = parse_part(path, fmt, part, state)
            renumber(parsed, identities)
            yield from parsed.articles
            yield from parsed.errors
    except Exception as exc:  # the file cannot be read on (truncated gzip, broken archive)
        yield ParseError(path, f"cannot be read on ({type(exc).__name__}: {exc})")


def _run_here(job: Job) -> list[ParsedFile]:
    if job.done is not None:
        return job.done
    if job.part is not None:
        return _parse_part_job(job.part)
    return _parse_chunk(job.paths)


def _parse_chunk(paths: list[str]) -> list[ParsedFile]:
    return [parse_for_index(path) for path in paths]
