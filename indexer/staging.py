"""Files written in full beside their destination and put in place together, later.

A reindex writes its manifest and the copy store's changes while the index commit is still
running (a parallel writer's processes are indexing their last documents), and puts them in
place (renames the files, commits the store's transaction) only once the commit has landed: a
run that dies before then leaves the previous files and store, which still describe the
previous index.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import IO, Any


class Staged:
    """Temporary files, each synced to disk, waiting to replace their destinations, and
    transactions waiting to be committed (`on_publish`) or rolled back (`on_discard`)."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, str]] = []
        self.commits: list[Callable[[], None]] = []
        self.rollbacks: list[Callable[[], None]] = []

    def transaction(self, commit: Callable[[], None], rollback: Callable[[], None]) -> None:
        """A transaction to commit with the files' renames, or roll back if they are
        discarded."""
        self.commits.append(commit)
        self.rollbacks.append(rollback)

    @contextlib.contextmanager
    def open(self, path: str, mode: str = "wb", **kwargs: Any) -> Iterator[IO[Any]]:
        """A file to write in place of `path` (as `path.tmp.PID`), flushed and fsynced on
        leaving the block; removed again if the block fails."""
        tmp = f"{path}.tmp.{os.getpid()}"
        self.moves.append((tmp, path))
        try:
            with open(tmp, mode, **kwargs) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            self.discard()
            raise

    def publish(self) -> None:
        """Commit the transactions, then rename every staged file over its destination (each
        rename is atomic)."""
        commits, self.commits, self.rollbacks = self.commits, [], []
        for commit in commits:
            commit()
        for tmp, path in self.moves:
            os.replace(tmp, path)
        self.moves = []

    def discard(self) -> None:
        """Remove the staged files and roll the transactions back; the destinations stay as
        they were."""
        rollbacks, self.commits, self.rollbacks = self.rollbacks, [], []
        for rollback in rollbacks:
            rollback()
        for tmp, _ in self.moves:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)
        self.moves = []
