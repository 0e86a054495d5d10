"""The two kinds of search (articles, quotes): their fields and weights, and how a hit is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from indexer.schema import ARTICLE, DEFAULT_FIELDS, QUOTE, QUOTE_DEFAULT_FIELDS
from webapp.search.hits import article_hit, quote_hit

if TYPE_CHECKING:
    from webapp.search.hits import MakeHit
    from webapp.search.identity import Names


@dataclass(frozen=True)
class SearchKind:
    """What a search returns: its documents' `kind`, the fields a query searches and its hits."""

    name: str  # the `kind` field's value, also the noun shown ("article", "quote")
    fields: Mapping[str, float]  # default query fields and their weights
    make_hit: MakeHit  # stored fields, score, the matched hit (with a query) → a hit

    def named(self, names: Names | None) -> SearchKind:
        """This kind, its quote hits showing each speaker under the entity's shown name
        ("Barack Obama" for a quotation of "Obama"), as the speaker facet counts them."""
        if names is None or self.name != QUOTE:
            return self
        make_hit = self.make_hit

        def named_hit(stored: Mapping[str, Any], score: float | None, matched: Any) -> Any:
            hit = make_hit(stored, score, matched)
            return replace(hit, speaker=names.shown(hit.speaker)) if hit.speaker else hit

        return replace(self, make_hit=named_hit)


ARTICLES = SearchKind(ARTICLE, DEFAULT_FIELDS, article_hit)


QUOTES = SearchKind(QUOTE, QUOTE_DEFAULT_FIELDS, quote_hit)
