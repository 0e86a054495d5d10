"""Which of a file's articles a run writes, keeps or drops, as the copy store records them.

The copy store (indexer/copystore.py) holds every indexed article's signature, the digest of
its documents and its cluster of syndicated copies. Before a changed file is written, its articles
are registered there: unchanged ones are kept as they are, new and changed ones get their
final cluster, ids another file holds are duplicates, and the file's other articles go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.copystore import CopyStore
from indexer.manifest import FileState, Manifest
from indexer.parsing import ParsedFile
from indexer.schema import article_documents, documents_digest


def cluster_first(
    parsed_files: list[ParsedFile],
    olds: dict[str, FileState | None],
    copies: CopyStore,
) -> tuple[dict[str, Registered], dict[str, str]]:
    """Record the articles of the files about to be written and recompute the clusters: the
    files' own articles then take their final cluster from `copies` as they are written.
    Returns each changed file's registration (see `register`) and the other articles whose
    cluster changed (article id -> cluster), to rewrite in the same commit."""
    ours: set[str] = set()
    registered: dict[str, Registered] = {}
    for parsed in parsed_files:
        if replaces(parsed, olds.get(parsed.key), rebuild=False):
            done = register(parsed, copies, rebuild=False, changing=olds)
            registered[parsed.key] = done
            ours |= {a.id for a in parsed.articles if a.id not in done.kept}
    changes = copies.recluster()
    copies.mark_written(changes)
    others = {article_id: c for article_id, c in changes.items() if article_id not in ours}
    return registered, others


@dataclass
class Registered:
    """A changed file's articles as recorded in the copy store, before they are written."""

    documents: list[list[dict[str, Any]]]  # each article's documents (schema.article_documents)
    kept: set[str]  # unchanged articles: their documents stay in the index as they are
    dropped: set[str]  # the file's other articles in the index: to delete
    elsewhere: set[str]  # its articles the index holds from another file: to delete by id
    duplicates: dict[int, str] = field(default_factory=dict)  # article number -> the holder


def register(
    parsed: ParsedFile,
    copies: CopyStore,
    rebuild: bool,
    changing: dict[str, FileState | None] | None = None,
) -> Registered:
    """Record a file's new and changed articles in the copy store (their signatures, and their
    cluster for now), keeping its unchanged ones: those whose documents have the digest the
    store has for them from this file. Editing one record of a JSON Lines export or one
    article of a text dump rewrites that article, not the file's others.

    An id belongs to one file: the first to have it. A record whose id this run has taken
    already (the store marks the rows a run puts or keeps), another in the same file has, or
    a file the index holds and this run does not change still has, is a duplicate: not
    written, and reported by `_write_file`. An id whose file changes in this run moves with
    its article."""
    registered, replaced = register_part(parsed, copies, rebuild, changing or {})
    # the file's previous versions of its changed articles, and its articles no longer in it
    registered.dropped = replaced | copies.drop_unseen(parsed.key)
    return registered


@dataclass
class StreamProgress:
    """What the parts of a file read as a stream have registered so far (the store marks
    the articles they put or kept)."""

    written: int = 0
    kept: int = 0
    duplicates: int = 0
    incomplete: bool = False  # a part failed: the file's other indexed articles stay


def register_part(
    parsed: ParsedFile,
    copies: CopyStore,
    rebuild: bool,
    changing: dict[str, FileState | None],
) -> tuple[Registered, set[str]]:
    """`register` for one part of a file read as a stream: its articles recorded, unchanged
    ones kept; returns the registration and the ids whose previous version this file holds in
    the index (to delete before writing the new one). The file's articles that no part has
    are dropped by `finish_stream`, once its last part is in."""
    documents = [article_documents(article, parsed.key) for article in parsed.articles]
    digests = [documents_digest(docs) for docs in documents]
    ids = [article.id for article in parsed.articles]
    known = copies.lookup(ids)  # on a rebuild, only what this run has put
    kept: set[str] = set()
    elsewhere: set[str] = set()
    replaced: set[str] = set()
    duplicates: dict[int, str] = {}
    here: set[str] = set()  # this part's ids taken
    sigs = signatures(parsed)
    put: list[tuple[Any, str, Any, int]] = []
    for n, article_id in enumerate(ids):
        found = known.get(article_id)
        holder = None if found is None or rebuild else found.file
        if article_id in here:
            duplicates[n] = parsed.key
        elif found is not None and found.seen:  # taken by this run: this file or another
            duplicates[n] = found.file
        elif holder not in (None, parsed.key) and holder not in changing:
            duplicates[n] = holder
        else:
            here.add(article_id)
            if (
                found is not None
                and not rebuild
                and found.digest
                and (found.digest, found.file) == (digests[n], parsed.key)
            ):
                kept.add(article_id)  # its documents in the index are already right
                continue
            if holder == parsed.key:
                replaced.add(article_id)
            elif holder is not None:
                elsewhere.add(article_id)  # moved here from a file this run changes
            put.append((parsed.articles[n], parsed.key, sigs[n], digests[n]))
    copies.put_many(put)
    copies.keep(kept)
    return Registered(documents, kept, set(), elsewhere, duplicates), replaced


def finish_stream(key: str, copies: CopyStore, progress: StreamProgress) -> set[str]:
    """The file's articles the index holds that none of its parts has: forgotten, to delete."""
    if progress.incomplete:
        return set()
    return copies.drop_unseen(key)


def load_copies(ix, index_dir: str, manifest: Manifest, rebuild: bool) -> CopyStore:
    """The signatures of the indexed articles: the store, rebuilt from the stored bodies
    when it does not describe the index as committed (a run died between the commits), and
    emptied (in its transaction) for a rebuild."""
    store = CopyStore(index_dir, fresh=rebuild)
    if not rebuild and not store.describes(manifest.build, ix.latest_generation()):
        with ix.searcher() as searcher:
            store.fill_from(searcher)
    return store


def replaces(parsed: ParsedFile, old: FileState | None, rebuild: bool) -> bool:
    """Whether the file's articles are (re)written: it was read, and is new or changed, or
    had duplicates (whose ids may be free now)."""
    if parsed.state is None:
        return False
    return rebuild or old is None or old.sha1 != parsed.state.sha1 or old.duplicates > 0


def signatures(parsed: ParsedFile) -> list[Any]:
    return parsed.signatures or [None] * len(parsed.articles)
