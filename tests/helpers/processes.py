"""A reindex in a process of its own, and what the index serves after it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from indexer.manifest import open_index
from indexer.schema import document_to_article


def newsdesk_popen(*args: str) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("newsdesk")
    return subprocess.Popen([str(exe), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_article(corpus: Path, n: int, version: int) -> None:
    body = " ".join(f"Paragraph {p} of story {n}, version {version}." for p in range(40))
    (corpus / f"story-{n:04d}.txt").write_text(f"Story {n} v{version}\n\n{body}\n")


def snapshot(index_dir: Path) -> dict[str, str]:
    """Article id -> title of every article the index serves (opening it must not fail)."""
    with open_index(str(index_dir)).searcher() as searcher:
        docs = [document_to_article(d) for d in searcher.all_stored_fields()]
    return {a.id: a.title or "" for a in docs if a.format}


def descendants(pid: int) -> set[int]:
    """Every live process under `pid` (children, their children...), from /proc: the
    indexing processes are children of a fork server the reindex starts."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if state not in ("Z", "X"):
                parents[int(entry)] = int(ppid)
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = {p for p, pp in parents.items() if pp == parent}
        todo += children - found
        found |= children
    return found


def named(pid: int, name: str) -> list[int]:
    """The live descendants of `pid` named `name` (`newsdesk-parse`, `newsdesk-index`:
    indexer/children.py), as `ps` shows them."""
    found = []
    for child in descendants(pid):
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() == name:
                found.append(child)
        except OSError:
            continue
    return sorted(found)
