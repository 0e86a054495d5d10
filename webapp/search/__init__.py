"""Search over a Newsdesk index: requests, results, facets and highlights. Imports no Flask.

The index holds two kinds of document, articles and quotes (each quotation is also a record of
its own); a `SearchKind` says which one a search returns and how its hits look.

The read path, per request: validate a `SearchRequest` (request.py), read the query once
(syntax.py, query.py), collect the set of matching document numbers once: kind AND query AND
filters (matching.py), count facets over that set with the per-generation tables (facets.py,
tables.py), then rank only the requested page, by score or by date, and highlight only its
hits (hits.py). run.py puts these together; documents.py answers for one article or speaker.

    handle = IndexHandle("index")
    result = run_search(handle, SearchRequest.from_args({"q": ["grain"], "author": ["Ann Lee"]}))
    result.to_dict()  # the JSON API's answer
    quotes = run_search(handle, SearchRequest.from_args({"speaker": ["Ann Lee"]}), QUOTES)
"""

from webapp.search.documents import facet_labels, get_article, related_articles, speaker_quotes
from webapp.search.errors import (
    ArticleNotFound,
    BadQuery,
    BadRequest,
    FacetNotFound,
    IndexUnavailable,
    SpeakerNotFound,
)
from webapp.search.facets import histogram, month_key, search_facet
from webapp.search.handle import IndexHandle
from webapp.search.hits import highlighted, quote_link
from webapp.search.kinds import ARTICLES, QUOTES, SearchKind
from webapp.search.matching import Matches, collapse_copies, find_matches
from webapp.search.query import read_query
from webapp.search.request import DEFAULT_PER_PAGE, MAX_PER_PAGE, SearchRequest
from webapp.search.results import (
    Copy,
    FacetCount,
    FacetSearch,
    Hit,
    QuoteHit,
    Related,
    SearchResult,
    SpeakerQuotes,
)
from webapp.search.run import run_search
from webapp.search.syntax import check_query_syntax, matches_all

__all__ = [
    "ARTICLES",
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "QUOTES",
    "ArticleNotFound",
    "BadQuery",
    "BadRequest",
    "Copy",
    "FacetCount",
    "FacetNotFound",
    "FacetSearch",
    "Hit",
    "IndexHandle",
    "IndexUnavailable",
    "Matches",
    "QuoteHit",
    "Related",
    "SearchKind",
    "SearchRequest",
    "SearchResult",
    "SpeakerNotFound",
    "SpeakerQuotes",
    "check_query_syntax",
    "collapse_copies",
    "facet_labels",
    "find_matches",
    "get_article",
    "highlighted",
    "histogram",
    "matches_all",
    "month_key",
    "quote_link",
    "read_query",
    "related_articles",
    "run_search",
    "search_facet",
    "speaker_quotes",
]
