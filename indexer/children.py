"""The processes a reindex starts (parse workers forked from it; indexing processes forked by a
lean fork server, `SERVER`) and the index's locks.

A forked child inherits the reindex's open lock files (ours and Whoosh's WRITELOCK); an flock
lasts while any descriptor of it is open, so a child orphaned by a SIGKILLed reindex kept the
index locked for good (seen in tests/test_crash_safety.py, first with parse workers, then with
the indexing processes of an update). `detach_from_reindex`, run first in every child, closes
the child's copies (the parent's lock is intact) and ends the child once its reindex is gone.
`ReindexLock` is the lock itself: one reindex per index at a time.
"""

from __future__ import annotations

import fcntl
import gc
import io
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing import forkserver, popen_forkserver, reduction, resource_tracker, spawn, util
from multiprocessing.context import set_spawning_popen
from typing import Any

from indexer.errors import IndexBusy

LOCK_FILE = "newsdesk.lock"  # held (flock) by a reindex from start to end, with its pid in it
WHOOSH_LOCK = "_WRITELOCK"  # Whoosh's own write lock file ends so


def detach_from_reindex(role: str, through_server: bool = False) -> None:
    """In a child of a reindex: let go of the index locks, take the name of its `role`
    (`ps` and `top` show `newsdesk-parse` and `newsdesk-index` processes), leave Ctrl-C to
    the reindex, and die with the reindex. The objects it inherits are left out of its
    garbage collections (`gc.freeze`): a collection writes to every object it visits, and
    each page written is copied from the reindex's (copy on write), so that every child came
    to hold its own copy of the heap.

    A child forked by the reindex watches its parent pid. One started `through_server`
    (`ServerPopen`) has the fork server for parent: it watches its parent sentinel instead, a
    pipe whose write end the reindex holds (and parse processes it forks later, which end
    with it), closed by the kernel when the reindex ends however it ends, with no pid to be
    reused; and it ends with the server too, which would otherwise report it gone while it
    ran on."""
    gc.freeze()
    close_lock_descriptors()
    name_process(f"newsdesk-{role}")
    # Ctrl-C in a terminal reaches the whole process group: the reindex stops its children
    # (and says what the index keeps), they print no KeyboardInterrupt of their own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The process that forked this one, not whoever is its parent now: a reindex killed
    # before this line ran has left the child to init already, and it must end too.
    forked_by = multiprocessing.parent_process()
    if through_server and forked_by is not None:
        server_pid = os.getppid()

        def reindex_alive() -> bool:
            return forked_by.is_alive() and os.getppid() == server_pid

    else:
        parent = forked_by.pid if forked_by is not None and forked_by.pid else os.getppid()

        def reindex_alive() -> bool:
            return os.getppid() == parent

    def watch() -> None:
        while reindex_alive():
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# The indexing processes (indexer/storage/pool.py) are started by multiprocessing's fork
# server, not forked from the reindex: forked from it, each window's pair began as a copy of
# its heap as it then was (parts of a stream in flight, parsed articles waiting), and both
# sides' writes made those pages private, so that an indexing process grew with the
# reindex's history rather than with its own work. The server is lean: it imports the
# indexing processes' modules only (SERVER_MODULES, not the program: no parsing, no web
# app), once in the reindex's process (a program that reindexes many times keeps the one
# server, with the environment it was started in), and each process it forks starts from
# that. It is started with SIGINT blocked, and the processes it forks inherit that: Ctrl-C
# interrupts the reindex, which stops them (`NewsdeskMpWriter.cancel`), and neither the
# server importing its modules nor they print a KeyboardInterrupt of their own.
SERVER = multiprocessing.get_context("forkserver")
SERVER_MODULES = ["indexer.storage.pool"]


def server() -> Any:
    """The fork server's multiprocessing context, the server started (see above) with its
    modules to preload, and multiprocessing's resource tracker (`_start_tracker_quietly`)."""
    if getattr(forkserver._forkserver, "_forkserver_pid", None) is None:  # not started yet
        SERVER.set_forkserver_preload(SERVER_MODULES)
        _start_tracker_quietly()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            forkserver.ensure_running()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return SERVER


def _start_tracker_quietly() -> None:
    """Start multiprocessing's resource tracker, which unlinks the named semaphores of the
    indexing processes' queues if the reindex is killed, without its warning then ("There
    appear to be 6 leaked semaphore objects to clean up at shutdown"): cleaning them up is
    its job, done, not a fault to report. The tracker takes its warning filters from the
    command line it is started with (`sys.warnoptions`)."""
    option = "ignore::UserWarning:multiprocessing.resource_tracker"
    sys.warnoptions.append(option)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(option)


class ServerPopen(popen_forkserver.Popen):
    """multiprocessing's fork-server start of a process, without the program's main module.

    The standard one has the child import the reindex's `__main__` again (the `newsdesk`
    script, with all it imports: ~30 MB in each indexing process), and Python 3.11's
    server cannot preload it (`forkserver.ensure_running` passes no main path). The process
    object (a class of indexer/storage/pool.py) is unpickled by its module's name, which the
    server has imported, so the child needs no main module. This is `Popen._launch` of
    Python 3.11 with the main module's entries left out of the preparation data."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj.name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        # The child's parent sentinel: the write end of its data pipe, held here only
        _parent_w = os.dup(w)
        close = util.close_fds  # type: ignore[attr-defined]
        self.finalizer = util.Finalize(self, close, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


def close_lock_descriptors() -> None:
    """Close this process's descriptors of index lock files (Linux: listed in /proc)."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return
    for fd in fds:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith((os.sep + LOCK_FILE, WHOOSH_LOCK)):
            os.close(int(fd))


def name_process(name: str) -> None:
    """Set the name `ps -o comm` shows for this process (Linux, at most 15 bytes)."""
    try:
        with open("/proc/self/comm", "w", encoding="ascii") as fh:
            fh.write(name[:15])
    except OSError:
        pass


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
