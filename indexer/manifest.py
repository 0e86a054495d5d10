"""The index contract both sides read: where the index is, which version, what it holds.

An index directory holds the Whoosh index named INDEX_NAME and a manifest (`newsdesk.json`)
that records the corpus roots, the build, and per source file its size, mtime, content hash
and the articles the index holds from it (`FileState`). `newsdesk reindex` (indexer/writer.py)
writes both; the web app (webapp/) only reads them, through `open_index` and `Manifest.load`.
This module imports neither the readers nor the writer, so the read side stays light.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index

from indexer.errors import NewsdeskError
from indexer.staging import Staged

if TYPE_CHECKING:
    from indexer.copystore import CopyStore

SCHEMA_VERSION = 9  # 3: quotes as records of their own (`kind`), unstemmed *_exact twins
# 4: `cluster` of syndicated copies (indexer/dedupe.py), signatures in a sidecar file
# 5: searched fields keep frequencies only, exact twins positions (no character offsets)
# 6: postings in array blocks (indexer/codec.py); `date` a column only (`day` is searched)
# 7: positions as arrays (codec.ArrayPositions), kept apart from ids and frequencies
# 8: quotes' `speaker_kind`; speakers read anew (indexer/quotes/kinds.py), sources keep "The";
#    `f_site`, the site's domain, which joins an outlet's domain to its name
# 9: `language` and its facet; words reduced in their article's language, CJK runs as pairs,
#    Latin accents folded (indexer/analysis.py)
INDEX_NAME = f"newsdesk_v{SCHEMA_VERSION}"
MANIFEST = "newsdesk.json"


def holds_index(names: Collection[str]) -> bool:
    """Whether a folder with these file names holds a Newsdesk index (its manifest and a
    Whoosh table of contents, `_newsdesk_vN_GEN.toc`, of this schema version or an older
    one): a corpus walk does not read its manifest as an article (an index kept inside its
    corpus folder). Given the names the walk has listed already: no I/O of its own."""
    return MANIFEST in names and any(
        n.startswith("_newsdesk_v") and n.endswith(".toc") for n in names
    )


@dataclass
class FileState:
    """One source file as the index last took it: size, mtime and content hash."""

    size: int
    mtime_ns: int
    sha1: str
    articles: int = 0  # articles the index holds from the file
    duplicates: int = 0  # records whose id another file (or record) holds: parsed each run

    def to_dict(self) -> dict[str, Any]:
        data = {
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha1": self.sha1,
            "articles": self.articles,
        }
        if self.duplicates:
            data["duplicates"] = self.duplicates
        return data


@dataclass
class Manifest:
    """What the index holds: corpus roots and the state of every indexed file."""

    index_name: str = INDEX_NAME
    roots: list[str] = field(default_factory=list)
    files: dict[str, FileState] = field(default_factory=dict)
    build: str = ""
    copies: CopyStore | None = field(default=None, repr=False)  # saved with it, just before

    @classmethod
    def load(cls, index_dir: str) -> Manifest:
        path = os.path.join(index_dir, MANIFEST)
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise NewsdeskError(f"{path}: unreadable manifest ({exc}); run reindex --full") from exc
        files = {k: FileState(**v) for k, v in data.get("files", {}).items()}
        return cls(data.get("index_name", ""), data.get("roots", []), files, data.get("build", ""))

    def save(self, index_dir: str) -> None:
        self.stage(index_dir).publish()

    def stage(self, index_dir: str) -> Staged:
        """Write the manifest to a temporary file, synced, and the copy store's changes to its
        open transaction; `publish()` commits and puts them in place. A commit stages them
        while its indexing processes finish their segments, and publishes them once it has
        landed."""
        staged = Staged()
        if self.copies is not None:
            self.copies.build = self.build
            self.copies.stage(index_dir, staged)
        data = {
            "index_name": self.index_name,
            "schema_version": SCHEMA_VERSION,
            "build": self.build,
            "roots": self.roots,
            "files": {k: v.to_dict() for k, v in sorted(self.files.items())},
        }
        # One shot: C encoder (json.dump is not). ASCII: a file name that is not UTF-8 is kept
        # as its escaped surrogates, which read back as the same name.
        text = json.dumps(data, ensure_ascii=True)
        with staged.open(os.path.join(index_dir, MANIFEST), "w", encoding="utf-8") as fh:
            fh.write(text)
        return staged


def open_index(index_dir: str):
    """Open the index for reading; NewsdeskError when there is none, or when it was built by
    an earlier version of Newsdesk (other fields: `newsdesk reindex` rebuilds it)."""
    manifest = Manifest.load(index_dir)
    name = manifest.index_name or INDEX_NAME
    if name != INDEX_NAME:
        raise NewsdeskError(
            f"the index in {index_dir} was built by an earlier version of Newsdesk ({name}, "
            f"this version reads {INDEX_NAME}): run `newsdesk reindex` to rebuild it"
        )
    if not whoosh_index.exists_in(index_dir, indexname=name):
        raise NewsdeskError(f"no index in {index_dir}: run `newsdesk reindex CORPUS` first")
    return whoosh_index.open_dir(index_dir, indexname=name)
