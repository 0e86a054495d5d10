"""IndexHandle: the index opened once, one searcher per thread, derived data per generation."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from whoosh import scoring
from whoosh.qparser import QueryParser
from whoosh.searching import Searcher

from indexer.analysis import ENGLISH
from indexer.errors import NewsdeskError
from indexer.manifest import open_index
from indexer.schema import NO_VALUE, QUOTE
from webapp.engine import Engine
from webapp.engine.scoring import Bm25f
from webapp.search.cursors import index_key
from webapp.search.errors import IndexUnavailable
from webapp.search.kinds import ARTICLES
from webapp.search.query import make_parser
from webapp.search.quote_copies import build_quote_copies
from webapp.search.tables import Clusters, DateOrder, FacetTable, KindDocs

if TYPE_CHECKING:
    from webapp.search.kinds import SearchKind
    from webapp.search.matching import Scope


T = TypeVar("T")


SCOPES_KEPT = 256  # filter sets remembered per generation


# BM25F (webapp/engine/scoring.py): term saturation K1, length normalisation B (the title's
# own TITLE_B) and the saturation K3 of a word the query repeats, chosen by leaving one
# collection out (docs/benchmarks.md, "Ranking across collections").
BM25_K1 = 3.0
BM25_B = 0.6
TITLE_B = 0.3
BM25_K3 = 10.0
RANKING = Bm25f(k1=BM25_K1, b=BM25_B, k3=BM25_K3, field_b=(("title", TITLE_B),))


class IndexHandle:
    """The index opened once, one searcher per thread, and caches per searcher generation.

    `searcher()` gives the calling thread its searcher; when a reindex has committed since
    (`up_to_date()`, a cheap check) it is replaced by a searcher on the new generation, so a
    running app picks up a reindex without a restart.

    Why not `Searcher.refresh()`: in whoosh3 3.54.0 it reuses the open reader of a segment that
    the new commit gave deletions to, with its old deletion list, so the replaced versions of
    updated articles stay visible beside the new ones. Opening a searcher on non-compound
    segments is cheap (docs/whoosh.md, "Searchers"), and happens once per thread per commit.
    """

    KEEP_GENERATIONS = 2  # derived data kept: threads may briefly straddle a commit
    RETIRED_KEPT = 4  # replaced searchers left open for requests still reading from them
    SETTLED_SECONDS = 2  # a directory unmodified this long is trusted by its modification time

    def __init__(
        self, index_dir: str, cursor_secret: str | None = None, ranking: Bm25f = RANKING
    ) -> None:
        self.index_dir = index_dir
        self.ranking = ranking
        self.cursor_secret = cursor_secret  # signs cursors (else the index's own key)
        self._cursor_key: bytes | None = None
        # scores what the engine leaves to Whoosh (wildcards, ranges): the same k1 and b
        self.weighting = scoring.BM25F(B=ranking.b, K1=ranking.k1)
        self._ix: Any = None
        self._parsers: dict[tuple[str, tuple[str | None, ...]], QueryParser] = {}
        self._lock = threading.Lock()
        self._searchers: dict[int, Searcher] = {}  # thread id → that thread's searcher
        self._retired: list[Searcher] = []  # replaced searchers, closed a little later
        # thread id → the directory's modification time at its last listing, and that time
        self._listed: dict[int, tuple[int, int]] = {}
        self._cache: dict[tuple[Callable[[Any], Any], int], Any] = {}  # (builder, generation)

    def index(self) -> Any:
        """The open Whoosh index; IndexUnavailable when there is none."""
        with self._lock:
            if self._ix is None:
                try:
                    self._ix = open_index(self.index_dir)
                except NewsdeskError as exc:
                    raise IndexUnavailable(str(exc)) from exc
            return self._ix

    def searcher(self) -> Searcher:
        """This thread's searcher, on the index's latest generation.

        Keyed by the OS thread: under gevent (`newsdesk serve`) every connection is a greenlet
        of one thread, and they share its searcher (a greenlet switches only between reads,
        as a streamed export waits on its socket). A replaced searcher is closed only after
        RETIRED_KEPT newer ones, since an export may still be reading from it."""
        thread = threading.get_native_id()
        current = self._searchers.get(thread)
        if current is not None and self._is_current(thread, current):
            return current
        fresh = self.index().searcher(weighting=self.weighting)
        with self._lock:
            self._searchers[thread] = fresh
            if current is not None:
                self._retired.append(current)
            old, self._retired = (
                self._retired[: -self.RETIRED_KEPT],
                self._retired[-self.RETIRED_KEPT :],
            )
        for searcher in old:
            searcher.close()
        return fresh

    def _is_current(self, thread: int, searcher: Searcher) -> bool:
        """Whether no commit has come since the searcher opened. Whoosh lists the directory
        (slow once it holds many files); here a stat of it is enough while
        its modification time is the one seen at the last listing, if that listing came
        SETTLED_SECONDS after it (a commit then changes it, however coarse the clock)."""
        try:
            modified = os.stat(self.index_dir).st_mtime_ns
        except OSError:
            modified = None
        seen = self._listed.get(thread)
        settled = seen is not None and seen[1] - seen[0] > self.SETTLED_SECONDS * 1e9
        if settled and seen is not None and seen[0] == modified:  # unchanged since listed
            return True
        listed_at = time.time_ns()
        current = _is_current(searcher)
        if current and modified is not None:
            self._listed[thread] = (modified, listed_at)
        return current

    def parser(
        self, kind: SearchKind | None = None, languages: Sequence[str | None] = (ENGLISH,)
    ) -> QueryParser:
        """The query parser of a kind reading words in `languages`: AND by default, over its
        fields with their weights, "quoted phrases" sent to the unstemmed twin fields (mode
        "any" is read from its tree: query.relax_free_words)."""
        kind = kind or ARTICLES
        key = (kind.name, tuple(languages))
        parser = self._parsers.get(key)
        if parser is None:
            parser = make_parser(self.index().schema, kind.fields, key[1])
            self._parsers[key] = parser
        return parser

    def languages(self, searcher: Searcher) -> tuple[str | None, ...]:
        """The languages of the searcher's generation (None for articles of no known
        language, whose words are read as English), from the language facet's terms."""
        return self.derived(searcher, index_languages)

    def scopes(self, searcher: Searcher) -> dict[tuple[Any, ...], Scope]:
        """The scopes (documents before the query) of recent filter sets, per generation."""
        cache = self.derived(searcher, _scope_cache)
        if len(cache) > SCOPES_KEPT:
            cache.clear()
        return cache

    def facet_table(self, searcher: Searcher) -> FacetTable:
        """The facet table of the searcher's generation, built on first use."""
        return self.derived(searcher, FacetTable.build)

    def date_order(self, searcher: Searcher) -> DateOrder:
        """The date ranks of the searcher's generation, built on first use."""
        return self.derived(searcher, DateOrder.build)

    def engine(self, searcher: Searcher) -> Engine:
        """The query engine (postings arrays) of the searcher's generation."""
        return self.derived(searcher, self.new_engine)

    def new_engine(self, reader: Any) -> Engine:
        """The engine of a generation, scoring with this handle's ranking."""
        return Engine(reader, self.ranking)

    def kind_docs(self, searcher: Searcher) -> KindDocs:
        """The documents of each kind in the searcher's generation, built on first use."""
        return self.derived(searcher, KindDocs.build)

    def cursor_key(self) -> bytes:
        """The key cursors are signed with: the configured secret, else the random key kept
        in the index directory (made on first use, so cursors survive a restart)."""
        if self.cursor_secret:
            return str(self.cursor_secret).encode("utf-8")
        if self._cursor_key is None:
            self._cursor_key = index_key(self.index_dir)
        return self._cursor_key

    def clusters(self, searcher: Searcher) -> Clusters:
        """The clusters of syndicated copies of the searcher's generation, built on first use."""
        return self.derived(searcher, Clusters.build)

    def quote_clusters(self, searcher: Searcher) -> Clusters:
        """The quotations repeated by syndicated copies, grouped (quote_copies.py), built on
        first use."""
        return self.derived(searcher, build_quote_copies)

    def copy_groups(self, searcher: Searcher, kind: str) -> Clusters:
        """What `dedupe` folds for a kind of search: clusters of articles, or of quotations."""
        return self.quote_clusters(searcher) if kind == QUOTE else self.clusters(searcher)

    def derived(self, searcher: Searcher, build: Callable[[Any], T]) -> T:
        generation = searcher.reader().generation()
        key = (build, -1 if generation is None else generation)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build(searcher.reader())
                recent = sorted({g for _, g in self._cache}, reverse=True)[: self.KEEP_GENERATIONS]
                self._cache = {k: v for k, v in self._cache.items() if k[1] in recent}
            return self._cache[key]

    def close(self) -> None:
        """Close every thread's searcher (the handle reopens them on demand)."""
        with self._lock:
            searchers, self._searchers = [*self._searchers.values(), *self._retired], {}
            self._retired = []
            self._listed = {}
            self._cache = {}
        for searcher in searchers:
            searcher.close()


def _is_current(searcher: Searcher) -> bool:
    try:
        return searcher.up_to_date()
    except OSError:  # the directory is being replaced: keep serving what is open
        return True


def _scope_cache(reader: Any) -> dict[tuple[Any, ...], Scope]:
    return {}


def index_languages(reader: Any) -> tuple[str | None, ...]:
    """The languages an index's documents are in (None: no known language), in order."""
    if "f_language" not in reader.schema:
        return (ENGLISH,)
    found = {term.decode("utf-8") for term in reader.lexicon("f_language")}
    codes = {None if code == NO_VALUE else code for code in found}
    return tuple(sorted(codes, key=lambda code: code or "")) or (ENGLISH,)
