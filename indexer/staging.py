"""Files written in full beside their destination and put in place together, later.

A reindex writes its manifest and the copies sidecar while the index commit is still running
(a parallel writer's processes are indexing their last documents), and renames them into
place only once the commit has landed: a run that dies before then leaves the previous files,
which still describe the previous index.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO, Any


class Staged:
    """Temporary files, each synced to disk, waiting to replace their destinations."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, str]] = []

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
        """Rename every staged file over its destination (each rename is atomic)."""
        for tmp, path in self.moves:
            os.replace(tmp, path)
        self.moves = []

    def discard(self) -> None:
        """Remove the staged files; the destinations stay as they were."""
        for tmp, _ in self.moves:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)
        self.moves = []
