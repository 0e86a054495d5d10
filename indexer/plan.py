"""What a reindex run is to do (the plan), and what it did (the summary).

The plan walks the corpus paths and compares each file with the manifest: new and changed
files are to parse, files known to be gone are to remove. A path that does not exist or a
folder that cannot be listed is `Unlisted`: what it holds is unknown, so nothing under it is
removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from indexer.errors import ParseError, Skipped, Unlisted
from indexer.manifest import FileState, Manifest
from indexer.readers import walk_corpus


@dataclass
class ReindexSummary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[ParseError] = field(default_factory=list)
    interrupted_pid: int | None = None  # a killed earlier run whose work this one finished

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.failed} failed, {self.unchanged} unchanged in {self.seconds:.1f}s"
        )


def display(root: str) -> str:
    rel = os.path.relpath(root)
    return rel if not rel.startswith("..") else root


def under(key: str, roots: list[str]) -> bool:
    return any(key == r or key.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


@dataclass
class Plan:
    """What a reindex has to do, from the walk of the corpus."""

    todo: list[tuple[str, FileState | None]] = field(default_factory=list)  # (path, before)
    sizes: list[int] = field(default_factory=list)  # each todo file's size in bytes
    seen: set[str] = field(default_factory=set)  # every file key found (not gone)
    unlisted: list[str] = field(default_factory=list)  # unknown, not gone: nothing removed


def plan_run(given: list[str], manifest: Manifest, summary: ReindexSummary) -> Plan:
    """Files to (re)parse, with their previous state; every file key seen; the paths that
    could not be listed. Errors of the walk are counted and reported."""
    plan = Plan()
    seen = plan.seen
    for top in given:
        # Walked from the absolute root, so the keys need no abspath (a call per file adds up
        # on a large corpus); the files to parse keep the path as given, for messages.
        root = os.path.abspath(top)
        for key in walk_corpus([root]):
            if isinstance(key, ParseError):
                if isinstance(key, Unlisted):
                    plan.unlisted.append(key.path)
                    reason = key.reason
                    if kept := sum(
                        state.articles
                        for k, state in manifest.files.items()
                        if under(k, [key.path])
                    ):
                        reason += f"; its {kept} indexed articles are kept"
                        summary.unchanged += kept
                        if key.path == root:
                            reason += f" (gone for good? newsdesk reindex --forget {top})"
                else:
                    reason = key.reason
                    if not isinstance(key, Skipped):
                        seen.add(key.path)  # there, if unreadable now: its articles stay
                summary.failed += 1
                summary.errors.append(ParseError(as_given(top, root, key.path), reason))
                continue
            if key in seen:
                continue
            seen.add(key)
            old = manifest.files.get(key)
            try:
                st = os.stat(key)
            except OSError:
                st = None
            same = old and st and (st.st_size, st.st_mtime_ns) == (old.size, old.mtime_ns)
            if same and old and not old.duplicates:
                summary.unchanged += old.articles
                continue
            plan.todo.append((as_given(top, root, key), old))
            plan.sizes.append(st.st_size if st else 0)
    return plan


def as_given(top: str, root: str, key: str) -> str:
    """A file's path as the user gave its folder (`top`, which is `root` made absolute)."""
    return top if key == root else os.path.join(top, key[len(root) :].lstrip(os.sep))
