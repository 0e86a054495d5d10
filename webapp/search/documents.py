"""One article, one speaker's quotes, and an article's copies and similar articles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from whoosh.query import QueryError

from indexer.model import Article
from indexer.schema import ARTICLE, FACETS, document_to_article
from webapp.search.errors import ArticleNotFound, SpeakerNotFound
from webapp.search.hits import copy_of
from webapp.search.kinds import QUOTES
from webapp.search.request import SearchRequest
from webapp.search.results import Related, SearchResult, SpeakerQuotes
from webapp.search.run import run_search
from webapp.search.tables import first_docnum

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle


SPEAKER_PARAMS = ("page", "per_page", "dedupe")  # what a speaker's page and JSON read


def speaker_quotes(
    handle: IndexHandle, name: str, args: Mapping[str, Sequence[str]]
) -> SpeakerQuotes:
    """The quotations of the speaker `name` (page, per_page and dedupe from `args`), newest
    first; the copies of a quotation in syndicated copies of one story count once unless
    dedupe=0.

    `name` is any spelling of the speaker in any case ("obama", "Barack Obama"): the page is
    the entity's, under its shown name, with the other spellings as aliases.
    Raises SpeakerNotFound when no quotation has that speaker, BadRequest for a bad page.
    """
    paging = SearchRequest.from_args({k: v for k, v in args.items() if k in SPEAKER_PARAMS})
    table = handle.facet_table(handle.searcher())
    shown = table.shown("speaker", name)
    request = replace(paging, chosen=(("speaker", (shown,)),), sort="newest")
    result = run_search(handle, request, QUOTES, facet_limit=None) if shown.strip() else None
    if result is None or not result.total:
        raise SpeakerNotFound(f"no quotes by {name!r}")
    names = table.columns["speaker"].names
    aliases = names.aliases.get(shown, []) if names is not None else []
    return SpeakerQuotes(shown, result, aliases, _kind_of(result))


def _kind_of(result: SearchResult) -> str | None:
    """Whether a person or an organisation speaks: what most of the page's quotations say."""
    kinds = Counter(getattr(hit, "speaker_kind", None) for hit in result.hits)
    kinds.pop(None, None)
    return kinds.most_common(1)[0][0] if kinds else None


def get_article(handle: IndexHandle, article_id: str) -> Article:
    """The article with this id, rebuilt from its stored fields; ArticleNotFound if none."""
    stored = handle.searcher().document(id=article_id, kind=ARTICLE) if article_id else None
    if stored is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return document_to_article(stored)


def facet_labels() -> dict[str, str]:
    """Display names of the facets, in sidebar order."""
    return {name: name.capitalize() for name in FACETS}


def related_articles(handle: IndexHandle, article_id: str, top: int = 5) -> Related:
    """The copies of an article and `top` articles like it; ArticleNotFound if none has the id."""
    searcher = handle.searcher()
    reader = searcher.reader()
    docnum = first_docnum(reader, article_id) if article_id else None
    if docnum is None or reader.stored_fields(docnum).get("kind") != ARTICLE:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    oldest = handle.date_order(searcher).ranks["oldest"]
    articles = handle.kind_docs(searcher).of(ARTICLE)
    copies = handle.clusters(searcher).copies(docnum, articles, oldest)
    others = set(articles.tolist()).difference(copies, (docnum,))
    try:
        like = searcher.more_like(docnum, "body", top=top, filter=set(others))
    except QueryError:
        like = []
    return Related(
        [copy_of(reader.stored_fields(d)) for d in copies],
        [copy_of(hit.fields()) for hit in like],
    )
