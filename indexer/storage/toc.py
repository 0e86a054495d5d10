"""The index's table of contents: cleaning up after a commit that did not happen."""

from __future__ import annotations

import contextlib
from typing import Any

from whoosh.index import TOC, clean_files


def remove_uncommitted(ix: Any, indexname: str) -> None:
    """Delete the segment files that no committed table of contents names (those a failed or
    cancelled writer and its processes wrote): Whoosh's own clean-up after each commit, run
    against the last committed generation. Errors are left for the next commit to meet."""
    with contextlib.suppress(Exception):
        storage = ix.storage
        generation = TOC._latest_generation(storage, indexname)
        if generation >= 0:
            toc = TOC.read(storage, indexname, generation)
            clean_files(storage, indexname, generation, toc.segments)


def committed_segments(ix: Any) -> list[Any]:
    """The segments of the index's last commit (Whoosh 3's readers list them; 2.7's do not,
    so they are read from the table of contents, as both versions' `Index` does)."""
    return list(ix._segments())
