"""The processes a reindex forks (parse workers, indexing processes) and the index's locks.

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
import multiprocessing
import os
import threading
import time

from indexer.errors import IndexBusy

LOCK_FILE = "newsdesk.lock"  # held (flock) by a reindex from start to end, with its pid in it
WHOOSH_LOCK = "_WRITELOCK"  # Whoosh's own write lock file ends so


def detach_from_reindex(role: str) -> None:
    """In a forked child of a reindex: let go of the index locks, take the name of its `role`
    (`ps` and `top` show `newsdesk-parse` and `newsdesk-index` processes), and die with the
    reindex. The objects it inherits are left out of its garbage collections (`gc.freeze`):
    a collection writes to every object it visits, and each page written is copied from the
    reindex's (copy on write), so that every child came to hold its own copy of the heap."""
    gc.freeze()
    close_lock_descriptors()
    name_process(f"newsdesk-{role}")
    # The process that forked this one, not whoever is its parent now: a reindex killed
    # before this line ran has left the child to init already, and it must end too.
    forked_by = multiprocessing.parent_process()
    parent = forked_by.pid if forked_by is not None and forked_by.pid else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


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
