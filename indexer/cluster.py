"""Parsing on a Dask distributed cluster: `newsdesk reindex --scheduler tcp://HOST:PORT`.

`ClusterParsers` is `parsing.Parsers` with its processes on the workers of a running Dask
cluster (`dask scheduler`, `dask worker`): the same `parse(jobs)`, results in order, a bounded
amount ahead of the writer, which stays in this process and writes as it does with the local
pool (Whoosh has one writer). Only names travel: a worker reads the files from storage it
shares with this machine, at the same absolute paths (checked when connecting), and a part of
a container file (indexer/streams.py) goes out as its byte range in the file, read and checked
against its SHA-1 by the worker, so that one large export or web archive is parsed by every
worker. Only a part whose bytes are not the file's (a gzipped JSON Lines, CSV or mailbox,
whose offsets are in the uncompressed stream; a part with a record cut at MAX_RECORD_BYTES)
goes out with its bytes.

What holds locally holds here: a file's error names the file (a worker that cannot read it
says so for that file); the sizes and times recorded in the manifest are this machine's, so
that the next run finds the files unchanged. Dask runs the tasks of a worker that dies again
on the others; a task that killed Dask's allowed number of workers (`KilledWorker`), hung past
its time, or failed outside `parse_for_index` is sent again a file at a time (a part: the same
range), so that only the file to blame fails. An unreachable scheduler, a cluster with no
workers, or workers that cannot see the corpus is a `ClusterUnavailable` before anything is
written; a scheduler lost during the run is one too, and the index keeps its last commit (the
next run finishes).

Dask is an optional extra (`pip install 'newsdesk[cluster]'`): this module imports it when a
cluster is asked for. The task functions at the end run on the workers, which import them
from the installed `newsdesk` (every machine of the cluster needs it, README "A cluster").
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from indexer import parsing
from indexer.dedupe import prepare_signatures
from indexer.errors import NewsdeskError, ParseError
from indexer.manifest import SCHEMA_VERSION, FileState
from indexer.parsing import Job, ParsedFile, parse_for_index, parse_part
from indexer.streams import Part

CONNECT_SECONDS = 10.0  # to reach the scheduler, and for a first worker to be there
NTHREADS_EVERY = 5.0  # seconds between asking the scheduler how many threads it has (workers join)


class ClusterUnavailable(NewsdeskError):
    """The Dask cluster cannot be reached or cannot parse this corpus."""


@dataclass(frozen=True)
class Task:
    """A job as a worker is sent it (a task function of this module and its arguments), and
    what names its results here: each file's key (absolute path) and its path as the user
    gave it, this machine's (size, mtime) of each whole file when it was sent; for a part, the
    part (its bytes let go when they go as a range) and its format."""

    function: Callable[..., list[ParsedFile]]
    arguments: tuple[Any, ...]
    given: dict[str, str]
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)
    part: Part | None = None
    fmt: str = ""

    def alone(self) -> list[Task]:
        """The task a file at a time (a part's task is one already)."""
        if self.part is not None or len(self.given) == 1:
            return [self]
        return [
            Task(_parse_files, ([key],), {key: path}, self.stats)
            for key, path in self.given.items()
        ]

    def failed(self, reason: str) -> ParsedFile:
        """The task's one file or part failed for `reason`."""
        (path,) = self.given.values()
        if self.part is None:
            return parsing.file_failure(path, reason)
        return parsing.part_failure(path, self.fmt, self.part, reason)


class ClusterParsers:
    """The parsing of a reindex on the workers of a Dask cluster (see the module)."""

    def __init__(self, address: str, roots: list[str], timeout: float = CONNECT_SECONDS) -> None:
        try:
            from distributed import Client
            from distributed.comm import parse_address, parse_host_port
            from distributed.comm.registry import backends
        except ImportError:
            raise ClusterUnavailable(
                "--scheduler needs Dask distributed: pip install 'newsdesk[cluster]'"
            ) from None
        for name in ("distributed", "distributed.client", "distributed.worker"):
            logging.getLogger(name).setLevel(logging.CRITICAL)  # its faults are reported here
        self.address = address
        try:  # checked first: a Client made with a bad address waits to close when collected
            scheme, location = parse_address(address)
            host, port = parse_host_port(location)
            if scheme not in backends:
                raise ValueError(f"no transport {scheme!r}; Dask's: {', '.join(sorted(backends))}")
        except (ValueError, TypeError) as exc:
            raise ClusterUnavailable(
                f"{address}: not a Dask scheduler address, tcp://HOST:PORT ({exc})"
            ) from None
        if scheme in ("tcp", "tls"):  # refused or unknown at once, with the system's reason
            try:
                socket.create_connection((host, port), timeout=timeout).close()
            except OSError as exc:
                raise ClusterUnavailable(
                    f"cannot reach the Dask scheduler at {address}: {_reason(exc)}"
                ) from None
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except OSError as exc:  # refused, unknown host, no route: after `timeout` s
            raise ClusterUnavailable(
                f"cannot reach the Dask scheduler at {address}: {_reason(exc)}"
            ) from None
        except Exception as exc:  # an address scheme Dask has no transport for ("udp://")
            raise ClusterUnavailable(f"{address}: not a Dask scheduler address ({exc})") from None
        try:
            self._check(roots, timeout)
        except BaseException:
            self.close()
            raise
        self.threads = 1
        self.threads_read = 0.0

    def _check(self, roots: list[str], timeout: float) -> None:
        """Before anything is written: a worker is there, and every worker runs this version
        of Newsdesk and sees the corpus paths."""
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except Exception:  # TimeoutError: a scheduler with no worker
            raise ClusterUnavailable(
                f"the Dask scheduler at {self.address} has no workers (start some with "
                f"`dask worker {self.address}`)"
            ) from None
        try:
            seen = self.client.run(_probe, roots)
        except Exception as exc:  # the workers cannot import newsdesk, or one left
            raise ClusterUnavailable(
                f"the workers of the Dask cluster at {self.address} cannot run Newsdesk "
                f"({type(exc).__name__}: {exc}); install newsdesk[cluster] on every machine"
            ) from None
        here = (_version(), SCHEMA_VERSION)
        for worker, (version, schema, missing) in sorted(seen.items()):
            if (version, schema) != here:
                raise ClusterUnavailable(
                    f"Dask worker {worker} runs Newsdesk {version} (index version {schema}), "
                    f"this machine {here[0]} ({here[1]}): install the same on every machine"
                )
            if missing:
                raise ClusterUnavailable(
                    f"Dask worker {worker} cannot see {', '.join(missing)}: the corpus must be "
                    "at the same absolute path on every machine (a shared or mounted folder)"
                )

    def parse(self, jobs: Iterator[Job]) -> Iterator[ParsedFile]:
        """The jobs' files and parts parsed on the cluster, in order."""
        ahead: deque[tuple[Job, Task | None, Any]] = deque()
        out_bytes = 0
        job: Job | None = None
        try:
            while True:
                cap = max(4, 2 * self._threads())
                while len(ahead) < cap and (not ahead or out_bytes < parsing.PARSE_AHEAD_BYTES):
                    if job is None and (job := next(jobs, None)) is None:
                        break
                    task = self._task(job)
                    # kept while out: the task (a part's range, not its bytes), to name its
                    # results and to send it again
                    kept = Job(job.paths, job.size, None, job.done)
                    ahead.append((kept, task, self._submit(task)))
                    out_bytes += job.size
                    job = None
                if not ahead:
                    return
                first, task, future = ahead.popleft()
                out_bytes -= first.size
                yield from self._results(first, task, future)
        finally:
            for _, _, future in ahead:
                if future is not None:
                    with contextlib.suppress(Exception):  # a client whose scheduler is gone
                        future.cancel()

    def _threads(self) -> int:
        """The cluster's worker threads, asked again every NTHREADS_EVERY seconds."""
        if time.monotonic() - self.threads_read > NTHREADS_EVERY:
            try:
                self.threads = max(1, sum(self.client.nthreads().values()))
            except Exception as exc:
                raise self._lost(exc) from None
            self.threads_read = time.monotonic()
        return self.threads

    def _task(self, job: Job) -> Task | None:
        """What a worker is sent for a job (None: the job's answer is known here)."""
        if job.done is not None:
            return None
        if job.part is None:
            given = {os.path.abspath(path): path for path in job.paths}
            stats = {}
            for key in given:  # the manifest records this machine's view of the file
                with contextlib.suppress(OSError):
                    st = os.stat(key)
                    stats[key] = (st.st_size, st.st_mtime_ns)
            return Task(_parse_files, (list(given),), given, stats)
        path, fmt, part, state = job.part
        key = os.path.abspath(path)
        if not part.in_file:
            return Task(_parse_part, (key, fmt, part, state), {key: path}, part=part, fmt=fmt)
        data = part.data[part.head :]
        head = replace(part, data=part.data[: part.head])  # a CSV's header, or nothing
        arguments = (key, fmt, head, len(data), hashlib.sha1(data).hexdigest(), state)
        return Task(_parse_range, arguments, {key: path}, part=head, fmt=fmt)

    def _submit(self, task: Task | None) -> Any:
        if task is None:
            return None
        try:
            return self.client.submit(task.function, *task.arguments, pure=False)
        except Exception as exc:  # the client is closed: the scheduler went away
            raise self._lost(exc) from None

    def _results(self, job: Job, task: Task | None, future: Any) -> Iterator[ParsedFile]:
        """A job's results, named as the user gave its paths, with this machine's file
        states; a task that failed is run again a file at a time."""
        if task is None:
            yield from job.done or []
            return
        from distributed import KilledWorker

        try:
            done = self._result(future, parsing.PARSE_SECONDS * job.count + parsing.PARSE_GRACE)
        except ClusterUnavailable:
            raise
        except KilledWorker:
            done = self._one_by_one(task, "the Dask worker parsing it died, skipped")
        except TimeoutError:
            self._unstick(future)
            reason = f"parsing took longer than {parsing.PARSE_SECONDS} s, skipped"
            done = self._one_by_one(task, reason)
        except Exception as exc:  # raised outside parse_for_index's own catch
            reason = f"its Dask task failed ({type(exc).__name__}: {exc}), skipped"
            done = self._one_by_one(task, reason)
        finally:
            with contextlib.suppress(Exception):
                future.release()
        for parsed in done:
            _as_given(parsed, task.given.get(parsed.key, parsed.path), task.stats.get(parsed.key))
        yield from done

    def _result(self, future: Any, seconds: float) -> list[ParsedFile]:
        """The task's result, or the error that is the cluster's, not a file's."""
        from distributed.client import FutureCancelledError

        try:
            return future.result(timeout=seconds)
        except FutureCancelledError as exc:  # the scheduler went away
            raise self._lost(exc) from None
        except (ImportError, RuntimeError) as exc:  # the scheduler or a worker lacks newsdesk
            if "deserializ" in str(exc) or isinstance(exc, ImportError):
                raise ClusterUnavailable(
                    f"the Dask cluster at {self.address} cannot run Newsdesk's parsing "
                    f"({type(exc).__name__}: {exc}); install newsdesk[cluster] on every machine"
                ) from None
            raise

    def _one_by_one(self, task: Task, reason: str) -> list[ParsedFile]:
        """After a task failed: its files (or its part) sent again alone, so that a file that
        fails again fails alone, with `reason`, and the others are parsed."""
        out: list[ParsedFile] = []
        for single in task.alone():
            future = self._submit(single)
            try:
                out.extend(self._result(future, parsing.PARSE_SECONDS + parsing.PARSE_GRACE))
            except ClusterUnavailable:
                raise
            except Exception as exc:
                if isinstance(exc, TimeoutError):
                    self._unstick(future)
                out.append(single.failed(reason))
            finally:
                with contextlib.suppress(Exception):
                    future.release()
        return out

    def _unstick(self, future: Any) -> None:
        """A task stuck past its time (in C code, which the worker's own limit cannot stop):
        cancelled first, so that no other worker runs it, then its worker restarted."""
        try:
            stuck = [
                worker for worker, keys in self.client.processing().items() if future.key in keys
            ]
            future.cancel()
            if stuck:
                self.client.restart_workers(stuck, timeout=parsing.PARSE_GRACE)
        except Exception:
            logging.getLogger(__name__).warning("could not restart a stuck Dask worker")

    def _lost(self, exc: BaseException) -> ClusterUnavailable:
        return ClusterUnavailable(
            f"lost the Dask scheduler at {self.address} ({_reason(exc)}); the index keeps "
            "its last commit, and the next reindex finishes the work"
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a client whose scheduler is gone
            self.client.close(timeout=5)


def _reason(exc: BaseException) -> str:
    """The cause of a connection failure, as its deepest error says it."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _as_given(parsed: ParsedFile, path: str, stat: tuple[int, int] | None) -> None:
    """A worker's result as the local pool gives it: named by the path as the user gave it
    (a worker read it by its absolute path), its size and time those this machine saw."""
    worker_path = parsed.path
    parsed.path = path
    for error in parsed.errors:
        if error.path == worker_path:
            error.path = path
    for article in parsed.articles:
        if article.path == worker_path:
            article.path = path
    if stat is not None and parsed.state is not None and not parsed.streamed:
        parsed.state.size, parsed.state.mtime_ns = stat


# On the workers -------------------------------------------------------------------------


def _probe(roots: list[str]) -> tuple[str, int, list[str]]:
    """What a worker runs when the reindex connects: its Newsdesk version, index version,
    and the corpus paths it cannot see; it loads the MinHash library meanwhile, as a local
    parsing process does as it starts (`parsing._start_parser`)."""
    prepare_signatures()
    return _version(), SCHEMA_VERSION, [r for r in roots if not os.path.exists(r)]


def _version() -> str:
    from importlib.metadata import version

    return version("newsdesk")


def _parse_files(keys: list[str]) -> list[ParsedFile]:
    return [parse_for_index(key) for key in keys]


def _parse_part(key: str, fmt: str, part: Part, state: FileState) -> list[ParsedFile]:
    return [parse_part(key, fmt, part, state)]


def _parse_range(
    key: str, fmt: str, head: Part, length: int, sha1: str, state: FileState
) -> list[ParsedFile]:
    """A part of a container file read here: `length` bytes of the file from the part's
    offset, after its `head` (a CSV's header), checked against the SHA-1 they had when the
    reindex cut the file into parts."""
    try:
        with open(key, "rb") as fh:
            fh.seek(head.offset)
            data = fh.read(length)
    except OSError as exc:
        reason = f"cannot be read on this Dask worker ({exc.strerror or exc})"
        return [parsing.failed_part(key, head, ParseError(key, reason))]
    if len(data) != length or hashlib.sha1(data).hexdigest() != sha1:
        reason = "changed while it was being indexed (its next reindex reads it again)"
        return [parsing.failed_part(key, head, ParseError(key, reason))]
    return [parse_part(key, fmt, replace(head, data=head.data + data), state)]
