"""The two kinds of search (articles, quotes): their fields and weights, and how a hit is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from indexer.schema import ARTICLE, DEFAULT_FIELDS, QUOTE, QUOTE_DEFAULT_FIELDS
from webapp.search.hits import article_hit, quote_hit

if TYPE_CHECKING:
    from webapp.search.hits import MakeHit


@dataclass(frozen=True)
class SearchKind:
    """What a search returns: its documents' `kind`, the fields a query searches and its hits."""

    name: str  # the `kind` field's value, also the noun shown ("article", "quote")
    fields: Mapping[str, float]  # default query fields and their weights
    make_hit: MakeHit  # stored fields, score, the matched hit (with a query) → a hit


ARTICLES = SearchKind(ARTICLE, DEFAULT_FIELDS, article_hit)


QUOTES = SearchKind(QUOTE, QUOTE_DEFAULT_FIELDS, quote_hit)
