"""The query parser of each kind of search, and a query read into a Whoosh query and words."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh.qparser import (
    AndGroup,
    GtLtPlugin,
    MultifieldPlugin,
    PhrasePlugin,
    Plugin,
    QueryParser,
    syntax,
)
from whoosh.qparser.common import QueryParserError
from whoosh.query import And, NullQuery, Or, Query, QueryError, Term

from indexer.analysis import ENGLISH, query_readings
from indexer.schema import EXACT_FIELDS, NO_VALUE
from webapp.engine.repeats import fold_repeats
from webapp.search.errors import BadQuery
from webapp.search.kinds import ARTICLES
from webapp.search.querylang import DateQueryError, DayRangePlugin, explain
from webapp.search.syntax import check_query_syntax, has_words, lenient_reading, matches_all

if TYPE_CHECKING:
    from webapp.search.handle import IndexHandle
    from webapp.search.kinds import SearchKind


def make_parser(
    schema: Any, fields: Mapping[str, float], languages: Sequence[str | None] = (ENGLISH,)
) -> QueryParser:
    """A parser over `fields` (name → weight), AND by default, a word read in each of
    `languages`, exact phrases on the twins, `date:` clauses on day numbers, `>`/`<` ranges."""
    parser = LanguagesParser(None, schema, group=AndGroup, languages=languages)
    parser.add_plugin(MultifieldPlugin(list(fields), fieldboosts=dict(fields)))
    parser.add_plugin(ExactPhrasePlugin(EXACT_FIELDS))
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(DayRangePlugin())
    return parser


LANGUAGE_FIELD = "f_language"  # a document's language, NO_VALUE when it has none


class LanguagesParser(QueryParser):
    """Whoosh's query parser whose words, in the searched fields, are read in each
    language of the index (indexer/analysis.py): `Москва` is Russian `москв` and Ukrainian
    `москва`, and matches either. A word's readings are alternatives (an Or, which the
    engine scores as one word per reading); a word whose reading has several terms (a CJK run,
    its character pairs) needs them all (an And). In one language, a word is one Term, as
    Whoosh's own parser makes it."""

    def __init__(self, *args: Any, languages: Sequence[str | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = tuple(languages) or (ENGLISH,)

    def term_query(
        self,
        fieldname: str,
        text: Any,
        termclass: Any,
        boost: float = 1.0,
        tokenize: bool = True,
        removestops: bool = True,
    ) -> Query | None:
        if termclass is not Term or not tokenize or fieldname not in EXACT_FIELDS:
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        readings = query_readings(text, self.languages)
        queries = []
        for terms, languages in readings.items():
            reading: Query = (
                Term(fieldname, terms[0], boost=boost)
                if len(terms) == 1
                else And([Term(fieldname, t, boost=boost) for t in terms])
            )
            if len(languages) < len(self.languages):
                reading = And([reading, _written_in(languages)])
            queries.append(reading)
        if not queries:
            return None  # a stop word in every language
        return queries[0] if len(queries) == 1 else Or(queries)


def grouped_readings(query: Query) -> Query:
    """`query` with each restricted reading of a word over several fields made one word
    again: Or(And(title:r, L), And(body:r, L)) becomes And(Or(title:r, body:r), L), which the
    engine scores by BM25F over the fields, as it scores every other word."""
    if not isinstance(query, (And, Or)):
        return query
    subs = [grouped_readings(sub) for sub in query.subqueries]
    if isinstance(query, And):
        return And(subs, boost=query.boost)
    groups: dict[tuple[str, str], tuple[Query, list[Query]]] = {}
    rest: list[Query] = []
    for sub in subs:
        parts = sub.subqueries if isinstance(sub, And) else ()
        if len(parts) == 2 and isinstance(parts[0], Term) and _is_language_filter(parts[1]):
            key = (str(parts[0].text), repr(parts[1]))
            groups.setdefault(key, (parts[1], []))[1].append(parts[0])
        else:
            rest.append(sub)
    merged: list[Query] = [And([Or(terms), where]) for where, terms in groups.values()]
    return Or(merged + rest, boost=query.boost)


def _is_language_filter(query: Query) -> bool:
    if isinstance(query, Term):
        return query.fieldname == LANGUAGE_FIELD
    return isinstance(query, Or) and all(_is_language_filter(sub) for sub in query.subqueries)


def _written_in(languages: Sequence[str | None]) -> Query:
    """The documents in one of `languages` (None: of no known language), scoring nothing:
    a reading of a word in one language is looked for in that language's documents only
    (French reads `gas` as `g`, which English documents have as a letter: "USF and G")."""
    terms = [Term(LANGUAGE_FIELD, code or NO_VALUE, boost=0.0) for code in languages]
    return terms[0] if len(terms) == 1 else Or(terms)


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


def relax_free_words(nodes: syntax.GroupNode, fields: Collection[str]) -> syntax.GroupNode:
    """Mode "any" (asked for, or the fallback when no document has every word): the free
    words of the query become alternatives, and every other clause stays required: a
    `field:` clause, a `date:` clause, a quoted phrase, a NOT, a group in brackets or joined
    by an explicit AND or OR. `katrina flood date:2005` reads "(katrina or flood) and dated
    2005", never "katrina or flood or dated 2005"."""
    if not isinstance(nodes, syntax.AndGroup):
        return nodes
    children = [node for node in nodes if not node.is_ws()]
    free = [node for node in children if _is_free_word(node, fields)]
    if len(free) < 2:
        return nodes
    kept = [node for node in children if not _is_free_word(node, fields)]
    return syntax.AndGroup([syntax.OrGroup(free), *kept]) if kept else syntax.OrGroup(free)


def _is_free_word(node: syntax.SyntaxNode, fields: Collection[str]) -> bool:
    """A word (or wildcard) the user wrote without a field: the multifield parser has spread
    it over every default field, as a group of copies of one word."""
    if not isinstance(node, syntax.OrGroup):
        return False
    copies = [child for child in node if not child.is_ws()]
    return (
        len(copies) == len(fields)
        and all(
            isinstance(child, syntax.TextNode)
            and not isinstance(child, PhrasePlugin.PhraseNode)
            and child.fieldname in fields
            for child in copies
        )
        and len({child.text for child in copies}) == 1
    )


@dataclass(frozen=True)
class ParsedQuery:
    """A query as Whoosh runs it, and told in words ("zelensky and bakhmut")."""

    query: Query
    words: str
    notes: tuple[str, ...] = ()  # how text that is not query syntax was read (lenient_reading)


def read_query(
    handle: IndexHandle,
    text: str,
    kind: SearchKind | None = None,
    mode: str = "all",
    strict: bool = False,
    languages: Sequence[str | None] = (ENGLISH,),
) -> ParsedQuery | None:
    """The parsed query (None when empty); BadQuery, saying where, when it is malformed.

    Text that cannot be query syntax (a stray `<`, a quote never closed...) is read as words
    and the reading noted, unless `strict`, or unless no word would be left to search (`*`,
    `NOT *`, `(`): then it is an error too."""
    if not text.strip() or matches_all(text):
        check_query_syntax(text)
        return None  # browse: the same answer at a fraction of the cost
    notes: tuple[str, ...] = ()
    if not strict:
        reading = lenient_reading(text)
        if has_words(reading.text):  # else nothing is left to search: say what is wrong
            text, notes = reading.text, reading.notes
    check_query_syntax(text)
    kind = kind or ARTICLES
    parser = handle.parser(kind, languages)
    try:
        nodes = parser.process(text)
        if mode == "any":
            nodes = relax_free_words(nodes, kind.fields)
        query = grouped_readings(fold_repeats(nodes.query(parser) or NullQuery).normalize())
    except DateQueryError as exc:
        raise BadQuery(str(exc)) from exc
    except (QueryParserError, QueryError, ValueError) as exc:
        raise BadQuery(f"cannot parse the query: {exc}") from exc
    except IndexError as exc:  # Whoosh's >/< plugin on a '>' with nothing before it
        raise BadQuery(
            "cannot parse the query: '>' and '<' go after a field, as in date:>2024"
        ) from exc
    fields = {*kind.fields, *(EXACT_FIELDS.get(name, name) for name in kind.fields)}
    return ParsedQuery(query, explain(nodes, fields), notes)
