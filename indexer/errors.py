"""Exceptions that carry what the user needs to see."""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class for errors reported to the user without a traceback."""


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


class IndexBusy(NewsdeskError):
    """Another process holds the index's write lock."""
