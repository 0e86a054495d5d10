"""The Whoosh schema, declared once, and the mapping from Article to index document."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions

from indexer.analysis import ENGLISH, TermFilter, WordTokenizer
from indexer.model import ORGANISATION, Article, Quote
from indexer.storage.codec import ArrayPositions

# The unstemmed twin: every word lower-cased ("exports" stays) at its position, CJK runs as
# character pairs. The searched fields: each word reduced in its article's language and its
# Latin accents folded (indexer/analysis.py). No stop list in English: Whoosh's drops "us",
# "may", "will", "can" (docs/whoosh.md, "Stop words"). Whoosh runs these analyzers on queries
# and English text; the index writer finds the same terms without them, in each article's
# language (indexer/storage/pool.py), and the query parser reads a word in every language of
# the index (webapp/search/query.py).
EXACT_ANALYZER = WordTokenizer() | LowercaseFilter()
TEXT_ANALYZER = WordTokenizer() | TermFilter(ENGLISH)


# Exact facet values, several per field, separated by FACET_SEP; case kept for display.
FACET_SEP = "\x1f"
FACET_ANALYZER = CompositeAnalyzer(RegexTokenizer(r"[^\x1f]+"))

FACETS = ("author", "source", "location", "speaker", "month", "language")
# What a document is: an article, or one quotation of an article (a record of its own).
ARTICLE, QUOTE = "article", "quote"
# Fields a query searches when it names none, with their weights in BM25F: in articles, and in
# quotes. Quoted words are in `body` too, so quotes 0.25 weighs them 1.25 times other body
# words. The title's weight, with BM25F's k1 and b (webapp/search/handle.py), is chosen by
# leaving one judged collection out (bench/ranking_loo.py; docs/benchmarks.md, "Ranking across
# collections").
DEFAULT_FIELDS = {"title": 3.0, "quotes": 0.25, "body": 1.0}
QUOTE_DEFAULT_FIELDS = {"quotes": 1.0, "speaker": 1.0}
# Stemmed field → its unstemmed twin, which a "quoted phrase" searches instead.
EXACT_FIELDS = {"title": "title_exact", "body": "body_exact", "quotes": "quotes_exact"}
# Field names users may write in queries (field:term).
QUERY_FIELDS = ("title", "body", "quotes", "author", "source", "location", "speaker", "site", "url")


def _facet() -> TEXT:
    return TEXT(analyzer=FACET_ANALYZER, stored=False, phrase=False)


def _searched() -> TEXT:
    """A stemmed field that queries search and rank by: document numbers and frequencies
    only. Its postings read much faster without positions and character offsets
    (docs/benchmarks.md, "Measurements behind the design"); phrases go to the exact twin,
    and highlights find the words in the stored text again."""
    return TEXT(analyzer=TEXT_ANALYZER, stored=True, phrase=False)


def _exact() -> TEXT:
    """The unstemmed twin of a searched field, with positions for "quoted phrases"."""
    return TEXT(analyzer=EXACT_ANALYZER, stored=False)


def _column_only(field: Any) -> Any:
    """A field stored and kept as a column, not indexed: nothing searches its terms (a
    DATETIME would index 8 of them per document, a share of a full build's postings that
    nothing reads)."""
    field.indexed = False
    return field


def build_schema() -> Schema:
    schema = Schema(
        id=ID(stored=True, unique=True),  # an article's id; "<article id>#q<n>" for a quote
        kind=ID(stored=True),  # ARTICLE or QUOTE
        article=ID(stored=True),  # the article's id, on the article and on each of its quotes
        cluster=ID(stored=True, sortable=True),  # syndicated copies: see indexer/dedupe.py
        n=STORED(),  # a quote's position in its article, from 1
        file=ID(stored=True),  # absolute path of the source file: incremental reindex key
        path=STORED(),
        format=ID(stored=True),
        language=ID(stored=True),  # ISO 639-1 (indexer/language.py); the writer reads it
        site=TEXT(stored=True, phrase=False),
        url=ID(stored=True),
        title=_searched(),
        body=_searched(),
        quotes=_searched(),  # an article's quotations; a quote record's text
        title_exact=_exact(),
        body_exact=_exact(),
        quotes_exact=_exact(),
        article_title=STORED(),  # on a quote: its article's title (not indexed)
        author=TEXT(stored=True),
        author_role=STORED(),
        source=TEXT(stored=True),
        location=TEXT(stored=True),
        speaker=TEXT(stored=True),
        speaker_role=STORED(),  # on a quote
        speaker_kind=STORED(),  # on a quote: "person" or "organisation"
        date=_column_only(DATETIME(stored=True, sortable=True)),  # `day` is the searched one
        date_text=STORED(),  # the ISO string as parsed, kept verbatim
        day=NUMERIC(int, bits=32, stored=False, signed=True, sortable=True),  # days since 1970
        quotes_json=STORED(),
        explain_json=STORED(),
        f_author=_facet(),
        f_source=_facet(),
        f_location=_facet(),
        f_speaker=_facet(),
        f_month=_facet(),
        f_language=_facet(),
        f_site=_facet(),  # the site's domain: not a facet shown, it joins "cnn.com" to "CNN"
        f_organisation=_facet(),  # speakers that are organisations: never merged as people
    )
    for _, field in schema.items():  # every field with positions keeps them as arrays
        if type(field.format) is Positions:
            field.format = ArrayPositions(field_boost=field.format.field_boost)
    return schema


SCHEMA = build_schema()
EPOCH = date(1970, 1, 1)
NO_VALUE = "\x00"  # sentinel so every document has a value in each facet field
QUOTE_SEP = " … "


def parse_date(value: str | None) -> datetime | None:
    """The datetime of an ISO 8601 date (or date-time) string, or None."""
    if not value:
        return None
    text = value.strip()
    for cut in (len(text), 19, 10, 7, 4):
        try:
            if cut == 7:
                return datetime.strptime(text[:7], "%Y-%m")
            if cut == 4:
                return datetime.strptime(text[:4], "%Y")
            parsed = datetime.fromisoformat(text[:cut])
            return parsed.replace(tzinfo=None)
        except ValueError:
            continue
    return None


def day_number(d: date) -> int:
    return (d - EPOCH).days


def facet_value(facet: str, value: str) -> str:
    """A facet value as indexed: its words, single-spaced.

    Spellings of one entity ("The Baltic Ledger" and "Baltic Ledger", "Obama" and "Barack
    Obama") are indexed as written and merged when read (webapp/search/identity.py), so that
    a merge follows the corpus as it grows.
    """
    return " ".join(value.split())


def _facet_values(facet: str, values: list[str | None]) -> str:
    clean = [facet_value(facet, v) for v in values if v and v.strip()]
    return FACET_SEP.join(dict.fromkeys(clean)) or NO_VALUE


def article_documents(article: Article, file_key: str) -> list[dict[str, Any]]:
    """The article's document followed by one document per quotation (all share `article`)."""
    return [article_to_document(article, file_key), *quote_documents(article, file_key)]


def documents_digest(docs: list[dict[str, Any]]) -> int:
    """A 64-bit digest of an article's documents (never 0, which means "unknown"): an update
    rewrites only the articles of a changed file whose documents would differ. `path` is left
    out: it is the file's path as the corpus was named (`reindex /data/news`, then a bare
    `reindex` names it relative to the working directory), not the article. Pickled, much
    quicker than JSON: another Python may pickle them otherwise, which only rewrites each
    article once."""
    content = [{k: v for k, v in doc.items() if k != "path"} for doc in docs]
    digest = hashlib.blake2b(pickle.dumps(content, protocol=5), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1


def article_to_document(article: Article, file_key: str) -> dict[str, Any]:
    """The Whoosh document for an article."""
    speakers = article.speakers
    quotes = QUOTE_SEP.join(q.text for q in article.quotes)
    doc: dict[str, Any] = {
        **_shared_fields(article, file_key),
        "id": article.id,
        "kind": ARTICLE,
        "path": article.path,
        "format": article.format or "",
        "site": article.site or "",
        "url": article.url or "",
        "title": article.title or "",
        "title_exact": article.title or "",
        "body": article.body or "",
        "body_exact": article.body or "",
        # Separated so that a snippet running from one quotation into the next shows the break.
        "quotes": quotes,
        "quotes_exact": quotes,
        "speaker": "\n".join(speakers),
        "quotes_json": json.dumps([q.to_dict() for q in article.quotes], ensure_ascii=False),
        "explain_json": json.dumps(article.explain, ensure_ascii=False),
        "f_speaker": _facet_values("speaker", list(speakers)),
        "f_organisation": _facet_values("speaker", _organisations(article.quotes)),
    }
    return doc


def _organisations(quotes: list[Quote]) -> list[str | None]:
    """The speakers of `quotes` that are organisations (indexer/quotes/kinds.py)."""
    return [q.speaker for q in quotes if q.speaker_kind == ORGANISATION]


def quote_documents(article: Article, file_key: str) -> list[dict[str, Any]]:
    """One document per quotation: its text and speaker, with the article's facets and date."""
    shared = _shared_fields(article, file_key)
    return [
        {
            **shared,
            "id": quote_id(article.id, n),
            "kind": QUOTE,
            "n": n,
            "article_title": article.title or "",
            "quotes": quote.text,
            "quotes_exact": quote.text,
            "speaker": quote.speaker or "",
            "speaker_role": quote.speaker_role,
            "speaker_kind": quote.speaker_kind,
            "f_organisation": _facet_values("speaker", _organisations([quote])),
            "f_speaker": _facet_values("speaker", [quote.speaker]),
        }
        for n, quote in enumerate(article.quotes, start=1)
    ]


def quote_id(article_id: str, n: int) -> str:
    """The id of an article's n-th quotation (from 1); also its anchor in the article page."""
    return f"{article_id}#q{n}"


def _shared_fields(article: Article, file_key: str) -> dict[str, Any]:
    """Fields an article and its quotations have in common: file, byline, place, date."""
    when = parse_date(article.date)
    term = file_term(file_key)
    doc: dict[str, Any] = {
        "article": article.id,
        "file": term,
        "author": article.author or "",
        "author_role": article.author_role,
        "source": article.source or "",
        "location": article.location or "",
        "date_text": article.date,
        "language": article.language or "",
        "f_author": _facet_values("author", split_authors(article.author)),
        "f_source": _facet_values("source", [article.source]),
        "f_site": _facet_values("site", [(article.site or "").lower()]),
        "f_location": _facet_values("location", [article.location]),
        "f_month": _facet_values("month", [f"{when.year:04d}-{when.month:02d}"] if when else []),
        "f_language": _facet_values("language", [article.language]),
    }
    if term != file_key:
        doc["_stored_file"] = file_key  # the name as the file system has it
    if when:
        doc["date"] = when
        doc["day"] = day_number(when.date())
    return doc


def file_term(file_key: str) -> str:
    """The `file` field's term for a file key: the key itself, or for a file name that is not
    UTF-8 (Python holds its bytes as lone surrogates, which no index term can) the key with
    those bytes written as backslash escapes."""
    try:
        file_key.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(file_key).decode("utf-8", "backslashreplace")
    return file_key


def split_authors(author: str | None) -> list[str | None]:
    """Facet values of an author field: 'A and B' or 'A; B' are two authors."""
    if not author:
        return []
    parts = [author]
    for sep in (";", " and ", " & "):
        parts = [p for part in parts for p in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def document_to_article(stored: dict[str, Any]) -> Article:
    """Rebuild the Article from a document's stored fields."""
    data = {
        **stored_fields(stored),
        "quotes": json.loads(stored.get("quotes_json") or "[]"),
        "explain": json.loads(stored.get("explain_json") or "{}"),
    }
    return Article.from_dict(data)


def stored_fields(stored: Mapping[str, Any]) -> dict[str, Any]:
    """An article document's plain fields under their Article names (the reverse of
    article_to_document for them): empty strings become None, `date` is the ISO text as parsed.
    Hits, exports and rebuilt Articles all read stored fields through this one mapping."""
    return {
        "id": stored.get("id", ""),
        "path": stored.get("path", ""),
        "format": stored.get("format", ""),
        **{name: stored.get(name) or None for name in _OPTIONAL_TEXT},
        "author_role": stored.get("author_role"),
        "date": stored.get("date_text"),
        "language": stored.get("language") or None,
        "body": stored.get("body") or "",
        "cluster": stored.get("cluster") or None,
    }


_OPTIONAL_TEXT = ("site", "title", "author", "location", "source", "url")
