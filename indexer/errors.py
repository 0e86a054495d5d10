"""Newsdesk's one exception hierarchy: each error carries what the user needs to see.

As click's `ClickException` carries its exit code, a `NewsdeskError` carries the HTTP status
the web app answers it with (`status`) and the exit status of the command line
(`exit_code`); one handler at each edge renders them (webapp/views.py for HTTP,
`reported` in indexer/cli.py for the command line), so raising code never thinks of either.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class for errors reported to the user without a traceback."""

    status = 500  # the HTTP status of a request that fails with it
    exit_code = 1  # the exit status of a command that fails with it

    @property
    def message(self) -> str:
        """What the user is told."""
        return str(self)


class ParseError(NewsdeskError):
    """A file (or one record in it) could not be turned into an article."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        super().__init__(str(self))

    def __reduce__(self):  # keep path/reason/line across process boundaries
        return (type(self), (self.path, self.reason, self.line))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


class Unlisted(ParseError):
    """A corpus path that does not exist or a folder that cannot be listed: what it holds is
    unknown, not gone, so a reindex removes none of the articles indexed from under it."""


class Skipped(ParseError):
    """A corpus entry that is not a file to read (a FIFO, socket or device; a symbolic link
    out of the corpus folder): reported, never read, and not kept in the index."""


class IndexBusy(NewsdeskError):
    """Another process holds the index's write lock."""


class IndexingFailed(NewsdeskError):
    """A commit could not be written whole (an indexing process died, the disk filled): it
    is not written at all, and the index keeps its last committed state."""

    def __str__(self) -> str:
        return (
            f"{super().__str__()}. Nothing since the last commit was written: the index keeps "
            "its last committed state; run `newsdesk reindex` again to finish"
        )
