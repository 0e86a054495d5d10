"""The processes a reindex forks (parse workers, indexing processes) and the index's locks.

A forked child inherits the reindex's open lock files (ours and Whoosh's WRITELOCK); an flock
lasts while any descriptor of it is open, so a child orphaned by a SIGKILLed reindex kept the
index locked for good (seen in tests/test_crash_safety.py, first with parse workers, then with
the indexing processes of an update). `detach_from_reindex`, run first in every child, closes
the child's copies (the parent's lock is intact) and ends the child once its reindex is gone.
"""

from __future__ import annotations

import os
import threading
import time

LOCK_FILE = "newsdesk.lock"  # held (flock) by a reindex from start to end, with its pid in it
WHOOSH_LOCK = "_WRITELOCK"  # Whoosh's own write lock file ends so


def detach_from_reindex(role: str) -> None:
    """In a forked child of a reindex: let go of the index locks, take the name of its `role`
    (`ps` and `top` show `newsdesk-parse` and `newsdesk-index` processes), and die with the
    reindex."""
    close_lock_descriptors()
    name_process(f"newsdesk-{role}")
    parent = os.getppid()

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
