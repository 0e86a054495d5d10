"""The query parser of each kind of search, and a query read into a Whoosh query and words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh.qparser import (
    AndGroup,
    GtLtPlugin,
    MultifieldParser,
    OrGroup,
    PhrasePlugin,
    Plugin,
    QueryParser,
    syntax,
)
from whoosh.qparser.common import QueryParserError
from whoosh.query import NullQuery, Query, QueryError

from indexer.schema import EXACT_FIELDS
from webapp.search.errors import BadQuery
from webapp.search.kinds import ARTICLES
from webapp.search.querylang import DateQueryError, DayRangePlugin, explain
from webapp.search.syntax import check_query_syntax, matches_all

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind


ANY_BONUS = 0.0  # mode "any": Whoosh's bonus for matching more of the words (0: plain sum)


# Mode "any": a document with more of the words ranks above one with fewer (Whoosh's coord-like
# bonus, tuned on bench/ranking.py).
ANY_GROUP = OrGroup.factory(ANY_BONUS)


def make_parser(schema: Any, fields: Mapping[str, float], group: Any = AndGroup) -> QueryParser:
    """A parser over `fields` (name → weight), AND by default, exact phrases on the twins,
    `date:` clauses on day numbers, `>`/`<` ranges."""
    parser = MultifieldParser(list(fields), schema, fieldboosts=dict(fields), group=group)
    parser.add_plugin(ExactPhrasePlugin(EXACT_FIELDS))
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(DayRangePlugin())
    return parser


class ExactPhrasePlugin(Plugin):
    """Sends each "quoted phrase" to the unstemmed twin of its field; plain words stay stemmed.

    So `exports` finds "export" (stemmed `body`), while `"grain exports"` matches only those
    words (`body_exact`). Runs after the multifield filter (priority 110) has given every
    unfielded phrase its fields, so `title:"a b"` and a bare `"a b"` are both rewritten.
    """

    def __init__(self, twins: Mapping[str, str]) -> None:
        self.twins = dict(twins)

    def filters(self, parser: QueryParser) -> list[tuple[Callable[..., Any], int]]:
        return [(self.do_exact_phrases, 120)]

    def do_exact_phrases(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self.do_exact_phrases(parser, node)
            elif isinstance(node, PhrasePlugin.PhraseNode) and node.fieldname in self.twins:
                node.set_fieldname(self.twins[node.fieldname], override=True)
        return group


@dataclass(frozen=True)
class ParsedQuery:
    """A query as Whoosh runs it, and told in words ("zelensky and bakhmut")."""

    query: Query
    words: str


def read_query(
    handle: IndexHandle, text: str, kind: SearchKind | None = None, mode: str = "all"
) -> ParsedQuery | None:
    """The parsed query (None when empty); BadQuery, saying where, when it is malformed."""
    if not text.strip():
        return None
    check_query_syntax(text)
    if matches_all(text):
        return None  # browse: the same answer at a fraction of the cost
    kind = kind or ARTICLES
    parser = handle.parser(kind, mode)
    try:
        nodes = parser.process(text)
        query = (nodes.query(parser) or NullQuery).normalize()
    except DateQueryError as exc:
        raise BadQuery(str(exc)) from exc
    except (QueryParserError, QueryError, ValueError) as exc:
        raise BadQuery(f"cannot parse the query: {exc}") from exc
    except IndexError as exc:  # Whoosh's >/< plugin on a '>' with nothing before it
        raise BadQuery(
            "cannot parse the query: '>' and '<' go after a field, as in date:>2024"
        ) from exc
    fields = {*kind.fields, *(EXACT_FIELDS.get(name, name) for name in kind.fields)}
    return ParsedQuery(query, explain(nodes, fields))
