"""Arrays built once per index generation: facet values, kinds, date order, copies."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from indexer.language import language_label
from indexer.schema import ARTICLE, FACETS, NO_VALUE, QUOTE, facet_value
from indexer.storage.leaves import NO_DAY, date_column, field_docs, live_mask, term_docs
from webapp.engine import DOCNUM, EMPTY_DOCS, contains, docs_array
from webapp.search.identity import Names, is_domain, source_names, speaker_names
from webapp.search.results import FacetCount

FACET_LIMIT = 20  # values shown per facet; months are all shown


# Matches (as a share of all documents) from which further facet values are found with a
# mask of the matches rather than through each match (FacetColumn.count): 1/16
MASK_FROM = 16


@dataclass
class FacetColumn:
    """One facet's values and, per document, the ids of its values (most have at most one)."""

    values: list[str]
    first: np.ndarray  # docnum → value id, -1 for none
    extra_docs: np.ndarray  # documents with further values (several authors, speakers), sorted
    extra_values: np.ndarray  # the further value id of each entry of extra_docs
    _ids: dict[str, int] | None = None  # value → value id, made on first use

    _extra_start: np.ndarray | None = None  # docnum → its first entry in extra_docs
    names: Names | None = None  # the spellings merged into each value (speaker, source)

    def count(self, docnums: Collection[int]) -> np.ndarray:
        """Per value id, how many of `docnums` have that value."""
        docs = docs_array(docnums)
        first = self.first[docs]
        counts = np.bincount(first[first >= 0], minlength=len(self.values))
        if not len(self.extra_docs) or not len(docs):
            return counts
        if len(docs) * MASK_FROM < len(self.first):
            # Few matches: each one's further values are the entries extra_start[d] to
            # extra_start[d + 1], quicker than looking each entry up among the matches.
            starts = self.extra_start
            low, high = starts[docs], starts[docs + 1]
            has = high > low
            low, sizes = low[has], (high - low)[has]
            entries = np.repeat(low - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
            further = self.extra_values[entries]
        else:  # many: the entries whose document is marked, quicker then than the above
            matched = np.zeros(len(self.first), dtype=bool)
            matched[docs] = True
            further = self.extra_values[matched[self.extra_docs]]
        counts += np.bincount(further, minlength=len(self.values))
        return counts

    @property
    def extra_start(self) -> np.ndarray:
        if self._extra_start is None:
            per_doc = np.bincount(self.extra_docs, minlength=len(self.first))
            self._extra_start = np.concatenate(([0], np.cumsum(per_doc))).astype(np.int64)
        return self._extra_start

    def find(self, typed: str) -> int | None:
        """The id of the value `typed` names: as indexed, or for a merged facet any spelling
        of the entity in any case ("obama" for "Barack Obama")."""
        if typed in self.ids:
            return self.ids[typed]
        shown = self.names.find(typed) if self.names is not None else None
        return self.ids.get(shown) if shown is not None else None

    def having(self, values: Iterable[str]) -> np.ndarray:
        """Which documents (a mask by document number) have one of `values`."""
        wanted = [vid for vid in map(self.find, values) if vid is not None]
        mask = np.isin(self.first, wanted)
        if len(self.extra_docs) and wanted:
            mask[self.extra_docs[np.isin(self.extra_values, wanted)]] = True
        return mask

    @property
    def ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {value: vid for vid, value in enumerate(self.values)}
        return self._ids


class FacetTable:
    """App-side forward arrays docnum → facet values, built once per searcher generation.

    Counting a facet over a set of matching documents is then one pass over the set, instead of
    Whoosh's `FieldFacet(allow_overlap=True)` machinery (see docs/whoosh.md, "Facets").
    """

    def __init__(self, columns: dict[str, FacetColumn]) -> None:
        self.columns = columns
        self._everything: dict[str, dict[str, np.ndarray]] = {}

    @classmethod
    def build(cls, reader: Any) -> FacetTable:
        """Read every f_* field's lexicon and postings, skipping NO_VALUE and deleted documents."""
        live = live_mask(reader)
        columns = {name: _read_column(reader, f"f_{name}", live) for name in FACETS}
        sites = _read_column(reader, "f_site", live)
        outlets = outlets_by_site(columns["source"], sites)
        organisations = frozenset(_read_column(reader, "f_organisation", live).values)
        columns["speaker"] = _merged(columns["speaker"], lambda c: speaker_names(c, organisations))
        columns["source"] = _merged(columns["source"], lambda c: source_names(c, outlets))
        return cls(columns)

    def count(self, name: str, docnums: Collection[int], every: str | None = None) -> np.ndarray:
        """Per value id of facet `name`, how many of `docnums` have that value.

        `every` names the kind when `docnums` are all the documents of that kind (browsing):
        that answer never changes, so it is kept.
        """
        if every is None:
            return self.columns[name].count(docnums)
        kept = self._everything.setdefault(every, {})
        if name not in kept:
            kept[name] = self.columns[name].count(docnums)
        return kept[name]

    def ranked(
        self,
        name: str,
        counts: np.ndarray,
        limit: int | None = FACET_LIMIT,
        search: str = "",
        keep: Collection[str] = (),
    ) -> list[FacetCount]:
        """The counted values (those matching `search`, if any), most frequent first and cut at
        `limit`, but with every value in `keep` (the chosen ones); months: all, newest first.

        Value ids follow the values' order (the lexicon is sorted), so ties go by id; the top
        `limit` are picked with a partition, not by sorting every value counted."""
        values = self.columns[name].values
        present = self._present(name, counts, search)
        if name == "month":
            return [FacetCount(values[v], int(counts[v])) for v in present[::-1].tolist()]
        if name == "language":
            return [
                replace(fc, label=language_label(fc.value))
                for fc in self._ranked(name, counts, present, limit, search, keep)
            ]
        return self._ranked(name, counts, present, limit, search, keep)

    def _ranked(
        self,
        name: str,
        counts: np.ndarray,
        present: np.ndarray,
        limit: int | None,
        search: str,
        keep: Collection[str],
    ) -> list[FacetCount]:
        values = self.columns[name].values
        most = int(counts.max(initial=0))

        def rank_key(ids: np.ndarray) -> np.ndarray:  # count descending, then value
            return (most - counts[ids]) * len(values) + ids

        if limit is not None and len(present) > limit:
            top = present[np.argpartition(rank_key(present), limit - 1)[:limit]]
            shown = set(top.tolist())
            kept = {self.columns[name].ids.get(value, -1) for value in keep}
            extra = [v for v in kept if v >= 0 and counts[v] and v not in shown]
            if search:
                wanted = _value_matcher(search)
                extra = [v for v in extra if wanted(values[v])]
            present = np.concatenate([top, np.array(extra, dtype=present.dtype)])
        order = present[np.argsort(rank_key(present), kind="stable")]
        ranked = [FacetCount(values[v], int(counts[v])) for v in order.tolist()]
        if limit is None:
            return ranked
        return ranked[:limit] + [fc for fc in ranked[limit:] if fc.value in keep]

    def _present(self, name: str, counts: np.ndarray, search: str = "") -> np.ndarray:
        """Value ids counted at least once (and matching `search`, if any), in id order."""
        present = np.flatnonzero(counts)
        if search:
            column, wanted = self.columns[name], _value_matcher(search)
            aliases = column.names.aliases if column.names is not None else {}

            def found(value: str) -> bool:  # the value, or another spelling of it
                return wanted(value) or any(wanted(a) for a in aliases.get(value, ()))

            present = np.array(
                [v for v in present.tolist() if found(column.values[v])], dtype=np.intp
            )
        return present

    def size(self, name: str, counts: np.ndarray, search: str = "") -> int:
        """How many values of facet `name` were counted (those matching `search`, if any)."""
        return len(self._present(name, counts, search))

    def shown(self, name: str, typed: str) -> str:
        """The value of facet `name` that `typed` names, as the facet shows it ("Barack Obama"
        for "obama"); `typed` itself when the index has no such value."""
        column = self.columns.get(name)
        vid = column.find(facet_value(name, typed)) if column is not None else None
        return column.values[vid] if column is not None and vid is not None else typed

    def having(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Which documents (a mask) have one of these values (as typed) in facet `name`."""
        return self.columns[name].having(facet_value(name, value) for value in values)

    def named(self, name: str, counts: np.ndarray) -> dict[str, int]:
        """The counts by value (not value id)."""
        values = self.columns[name].values
        present = np.flatnonzero(counts)
        named = [values[v] for v in present.tolist()]
        return dict(zip(named, counts[present].tolist(), strict=True))


def _value_matcher(search: str) -> Callable[[str], bool]:
    """A test for facet values: the value or one of its words starts with `search` (any case)."""
    text = " ".join(search.lower().split())
    if not text:
        return lambda value: True

    def matches(value: str) -> bool:
        low = value.lower()
        return low.startswith(text) or any(w.startswith(text) for w in _VALUE_WORD.split(low))

    return matches


_VALUE_WORD = re.compile(r"[\s\-/.,;:()'’]+")


def outlets_by_site(sources: FacetColumn, sites: FacetColumn) -> dict[str, str]:
    """For each source written as a domain ("cnn.com"), the outlet name the other articles of
    that site give most ("CNN"): a domain and its publisher's name are one outlet."""
    both = (sources.first >= 0) & (sites.first >= 0)
    pairs, counts = np.unique(
        np.stack([sites.first[both], sources.first[both]]), axis=1, return_counts=True
    )
    best: dict[int, tuple[int, int]] = {}  # site id → (articles, source id) of its top name
    for site, source, n in zip(pairs[0].tolist(), pairs[1].tolist(), counts.tolist(), strict=True):
        if not is_domain(sources.values[source]) and n > best.get(site, (0, -1))[0]:
            best[site] = (n, source)
    named = {}
    for site, source in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        written = sources.values[source]
        if is_domain(written) and site in best and _same_site(written, sites.values[site]):
            named[written] = sources.values[best[site][1]]
    return named


def _same_site(domain: str, site: str) -> bool:
    """Whether a source written as a domain is the site's own ("cnn.com" on edition.cnn.com)."""
    domain, site = domain.lower().removeprefix("www."), site.lower().removeprefix("www.")
    return site == domain or site.endswith("." + domain) or domain.endswith("." + site)


def _merged(column: FacetColumn, grouping: Callable[[dict[str, int]], Names]) -> FacetColumn:
    """The column with the spellings of one entity as one value, its shown name; a document
    with two spellings of one entity (rare: merged within articles) counts once."""
    counts = np.bincount(column.first[column.first >= 0], minlength=len(column.values))
    counts += np.bincount(column.extra_values, minlength=len(column.values))
    names = grouping(dict(zip(column.values, counts.tolist(), strict=True)))
    shown = sorted(set(names.canonical.values()))
    ids = {value: vid for vid, value in enumerate(shown)}
    to_new = np.array([ids[names.shown(v)] for v in column.values] + [-1], dtype=np.int32)
    first = to_new[column.first]  # -1 (no value) indexes the appended -1
    extra_values = to_new[column.extra_values]
    pairs = (
        np.unique(
            np.stack([column.extra_docs.astype(np.int64), extra_values.astype(np.int64)]), axis=1
        )
        if len(column.extra_docs)
        else np.zeros((2, 0), dtype=np.int64)
    )
    keep = pairs[1] != first[pairs[0]]  # a further value the document's first already is
    docs, vids = pairs[0][keep], pairs[1][keep]
    merged = FacetColumn(shown, first, docs.astype(column.extra_docs.dtype), vids.astype(np.int32))
    merged.names = names
    return merged


def _read_column(reader: Any, fieldname: str, live: np.ndarray) -> FacetColumn:
    values: list[str] = []
    first = np.full(len(live), -1, dtype=np.int32)
    extra_docs: list[np.ndarray] = []
    extra_values: list[np.ndarray] = []
    sentinel = NO_VALUE.encode("utf-8")
    for term, docs in field_docs(reader, fieldname).items():
        if term == sentinel:
            continue
        vid = len(values)
        values.append(term.decode("utf-8"))
        docs = docs[live[docs]]
        taken = first[docs] >= 0
        first[docs[~taken]] = vid
        if taken.any():
            extra_docs.append(docs[taken])
            extra_values.append(np.full(int(taken.sum()), vid, dtype=np.int32))
    if not extra_docs:
        return FacetColumn(values, first, EMPTY_DOCS, np.zeros(0, np.int32))
    docs, vids = np.concatenate(extra_docs), np.concatenate(extra_values)
    order = np.argsort(docs, kind="stable")
    return FacetColumn(values, first, docs[order], vids[order])


class KindDocs:
    """The live document numbers of each kind (articles, quotes), sorted arrays built once per
    generation. Intersecting a query's matches with them is cheaper than adding `kind:...` to
    the query."""

    def __init__(self, docs: dict[str, np.ndarray]) -> None:
        self.docs = docs
        self._masks: dict[str, np.ndarray] = {}

    @classmethod
    def build(cls, reader: Any) -> KindDocs:
        live = live_mask(reader)
        docs = {}
        for kind in (ARTICLE, QUOTE):
            found = term_docs(reader, "kind", kind.encode("utf-8"))
            docs[kind] = found[live[found]]
        return cls(docs)

    def of(self, kind: str) -> np.ndarray:
        return self.docs.get(kind, EMPTY_DOCS)

    def mask(self, kind: str, size: int) -> np.ndarray:
        """The documents of `kind` as a mask of `size` document numbers, made once."""
        got = self._masks.get(kind)
        if got is None or len(got) != size:
            got = self._masks[kind] = doc_mask(self.of(kind), size)
        return got


class DateOrder:
    """Every document's rank by date, newest first and oldest first, built once per generation.

    Undated documents come last in both orders; ties keep index order. A page sorted by date is
    then the `n` smallest ranks among the matching documents: no per-request sort key calls.
    """

    def __init__(self, newest: np.ndarray, oldest: np.ndarray) -> None:
        self.ranks = {"newest": newest, "oldest": oldest}
        self.days = np.full(len(newest), NO_DAY, dtype=np.int64)  # day number, or NO_DAY

    @classmethod
    def build(cls, reader: Any) -> DateOrder:
        """Read the sortable `date` column (raw values) of every document."""
        column = date_column(reader, "date")
        docnums = np.arange(len(column.keys))
        newest = np.lexsort((docnums, -column.keys, column.missing))
        oldest = np.lexsort((docnums, column.keys, column.missing))
        order = cls(_ranks(newest), _ranks(oldest))
        order.days = column.days
        return order

    def within(self, first: int | None, last: int | None) -> np.ndarray:
        """Which documents (a mask) are dated from day `first` to day `last` (day numbers)."""
        mask = self.days != NO_DAY
        if first is not None:
            mask &= self.days >= first
        if last is not None:
            mask &= self.days <= last
        return mask

    def first(self, docnums: Collection[int], count: int, sort: str) -> list[int]:
        """The `count` first documents of `docnums` in the `sort` order (newest or oldest)."""
        docs = docs_array(docnums)
        ranks = self.ranks[sort][docs]
        if count < len(docs):
            chosen = np.argpartition(ranks, count - 1)[:count]
        else:
            chosen = np.arange(len(docs))
        return docs[chosen[np.argsort(ranks[chosen])]].tolist()

    def rank(self, sort: str, docnum: int) -> int:
        return int(self.ranks[sort][docnum])


def _ranks(order: np.ndarray) -> np.ndarray:
    rank = np.zeros(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


class Clusters:
    """Per generation: the articles that have syndicated copies (indexer/dedupe.py), grouped by
    cluster. Lone articles are left out, so collapsing touches only the copies among a set."""

    def __init__(self, size: int, members: dict[str, tuple[int, ...]], heads: dict[str, int]):
        self.members = members  # cluster → its articles' docnums
        self.heads = heads  # cluster → docnum of the article whose id names it
        self.keys = list(members)
        self.of = np.full(size, -1, dtype=np.int32)  # docnum → cluster number, -1: no copies
        self.head = np.zeros(size, dtype=bool)  # docnum → it names its cluster
        for number, key in enumerate(self.keys):
            self.of[list(members[key])] = number
            if key in heads:
                self.head[heads[key]] = True

    @classmethod
    def build(cls, reader: Any) -> Clusters:
        """Read the sortable `cluster` column of the live articles."""
        size = reader.doc_count_all()
        if ("kind", ARTICLE) not in reader:
            return cls(size, {}, {})
        keys = [key for leaf, _ in reader.leaf_readers() for key in _cluster_keys(leaf)]
        groups: dict[str, list[int]] = {}
        for docnum in KindDocs.build(reader).of(ARTICLE).tolist():
            if keys[docnum]:
                groups.setdefault(keys[docnum], []).append(docnum)
        members = {key: tuple(docs) for key, docs in groups.items() if len(docs) > 1}
        heads = {key: first_docnum(reader, key) for key in members}
        return cls(size, members, {key: d for key, d in heads.items() if d is not None})

    def any_among(self, docs: np.ndarray) -> bool:
        return bool(self.keys) and bool((self.of[docs] >= 0).any())

    def collapse(self, docs: np.ndarray, oldest: np.ndarray) -> np.ndarray:
        """`docs` with each cluster down to one representative: the article naming the
        cluster if it is among them, else the oldest of them."""
        clusters = self.of[docs]
        copies = clusters >= 0
        if not copies.any():
            return docs
        at = np.flatnonzero(copies)
        members, of = docs[at], clusters[at]
        preference = np.where(self.head[members], -1, oldest[members])
        order = np.lexsort((preference, of))
        of = of[order]
        firsts = np.concatenate(([True], of[1:] != of[:-1]))
        keep = ~copies
        keep[at[order[firsts]]] = True
        return docs[keep]

    def copies(self, docnum: int, among: np.ndarray, oldest: np.ndarray) -> list[int]:
        """The other articles of `docnum`'s cluster within `among` (sorted), oldest first."""
        number = int(self.of[docnum])
        if number < 0:
            return []
        members = np.array(
            [d for d in self.members[self.keys[number]] if d != docnum], dtype=DOCNUM
        )
        members = members[contains(among, members)]
        return members[np.argsort(oldest[members], kind="stable")].tolist()


def _cluster_keys(segment: Any) -> list[str]:
    if segment.has_column("cluster"):
        return list(segment.column_reader("cluster"))
    return [""] * segment.doc_count_all()


def first_docnum(reader: Any, value: str) -> int | None:
    try:
        return reader.first_id("id", value)
    except Exception:  # whoosh raises TermNotFound, a plain Exception subclass
        return None


def doc_mask(docs: np.ndarray, size: int) -> np.ndarray:
    """A mask of `size` document numbers, true for `docs` (those below `size`)."""
    mask = np.zeros(size, dtype=bool)
    mask[docs[docs < size]] = True
    return mask
