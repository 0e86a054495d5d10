"""Syndicated copies of quotations: one quotation per wire story, as articles are one per story.

A wire story printed by three outlets is three articles of one cluster (indexer/dedupe.py), and
each copy carries the story's quotations: without folding, a speaker's quotes and every count
over quotes would count the story three times. Quotations of the copies of one story are
grouped here, once per index generation, into the same `Clusters` structure the articles use,
so that `collapse_copies` (matching.py) folds both kinds alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from indexer.schema import ARTICLE, QUOTE
from webapp.search.tables import Clusters, KindDocs

_WORD = re.compile(r"\w+")


def quote_text_key(text: str) -> str:
    """A quotation's text as copies of one story share it: compatibility-normalised (NFKC),
    case folded, its words only. Outlets retype a wire story's quotes: curly or straight
    marks and apostrophes, dashes, spacing, a capital after an edit, an ellipsis; none of
    that makes another statement."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def quote_copy_key(cluster: str, text: str, occurrence: int) -> str:
    """The identity of a quotation across the copies of one story: the cluster of its
    article, its normalised text (`quote_text_key`), and which occurrence of that text in its
    article it is (1 for the first).

    - The cluster, not the text alone: two stories quoting the same words ("We will win") are
      two statements, each counted.
    - The text, not the position `n`: copies cut or add paragraphs, which shifts positions.
    - Not the speaker: copies of one quotation attributed differently (a byline's edit, a
      name the finder read in one copy and not the other) are still one statement; the copy
      kept (`Clusters.collapse`: the quote in the article naming the cluster, else the
      oldest) gives its speaker.
    - The occurrence: an article that repeats a quotation (a pull quote) keeps both in every
      copy, as an article without copies does.
    """
    return f"{cluster}\x00{occurrence}\x00{quote_text_key(text)}"


def _cluster_column(segment: Any) -> list[str]:
    """Each document's `cluster` in one segment (an index older than the column: none)."""
    if segment.has_column("cluster"):
        return list(segment.column_reader("cluster"))
    return [""] * segment.doc_count_all()


def build_quote_copies(reader: Any) -> Clusters:
    """The quotations of the articles that have syndicated copies, grouped by
    `quote_copy_key`; a group's head is the quotation in the article naming the cluster.
    Quotations of lone articles, and those only one copy has, are left out: a search folds
    only what has copies."""
    size = reader.doc_count_all()
    if ("kind", QUOTE) not in reader:
        return Clusters(size, {}, {})
    keys = [key for leaf, _ in reader.leaf_readers() for key in _cluster_column(leaf)]
    kinds = KindDocs.build(reader)
    copies = Counter(keys[d] for d in kinds.of(ARTICLE).tolist() if keys[d])
    quotes = [d for d in kinds.of(QUOTE).tolist() if copies[keys[d]] > 1]
    groups: dict[str, list[int]] = {}
    heads: dict[str, int] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for docnum in quotes:  # in document order: an article's quotes in their order
        stored = reader.stored_fields(docnum)
        article, text = stored.get("article", ""), stored.get("quotes") or ""
        seen[(article, quote_text_key(text))] += 1
        key = quote_copy_key(keys[docnum], text, seen[(article, quote_text_key(text))])
        groups.setdefault(key, []).append(docnum)
        if article == keys[docnum]:
            heads.setdefault(key, docnum)
    members = {key: tuple(docs) for key, docs in groups.items() if len(docs) > 1}
    return Clusters(size, members, {key: d for key, d in heads.items() if key in members})
