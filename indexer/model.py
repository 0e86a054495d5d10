"""The Article record: the one thing that crosses from parsing to indexing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Code points no output can carry: lone surrogates (valid in JSON as "\ud800", not encodable
# as UTF-8) and the noncharacters U+FFFE and U+FFFF become U+FFFD; C0 controls other than tab,
# newline and carriage return (forbidden in XML, so in the Atom feed) become a space. One code
# point for one, so that quotation offsets into the body stay right.
_UNENCODABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


# What speaks (Quote.speaker_kind): a person or an organisation (indexer/quotes/kinds.py)
PERSON = "person"
ORGANISATION = "organisation"
SPEAKER_KINDS = (PERSON, ORGANISATION)


@dataclass
class Quote:
    """A direct quotation found in an article body."""

    text: str
    speaker: str | None = None
    speaker_role: str | None = None
    speaker_kind: str | None = None  # "person" or "organisation" (indexer/quotes/kinds.py)
    start: int | None = None  # character offsets of the quotation in Article.body
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | str) -> Quote:
        if isinstance(data, str):
            return cls(text=data)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Article:
    """One news article with every field the readers can find.

    `id` is stable across reindexes: it derives from the file's location (and the
    record's position in a multi-article file) unless the input gives one.
    `explain` maps a field name to the rule or source that produced it.
    """

    id: str = ""
    path: str = ""
    format: str = ""
    site: str | None = None
    title: str | None = None
    author: str | None = None
    author_role: str | None = None
    date: str | None = None  # ISO 8601: YYYY-MM-DD, or with a time
    location: str | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None  # ISO 639-1 (indexer/language.py)
    body: str = ""
    quotes: list[Quote] = field(default_factory=list)
    explain: dict[str, str] = field(default_factory=dict)
    line: int | None = field(default=None, compare=False)  # in a many-record file, for errors

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data.pop("line")
        data["quotes"] = [q.to_dict() for q in self.quotes]
        if not explain:
            data.pop("explain")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        known = {f.name for f in fields(cls)} - {"line"}
        values = {k: v for k, v in data.items() if k in known}
        values["quotes"] = [Quote.from_dict(q) for q in data.get("quotes") or []]
        values["explain"] = dict(data.get("explain") or {})
        return cls(**values)

    @property
    def speakers(self) -> list[str]:
        """Distinct named speakers, in order of first quotation."""
        seen: dict[str, None] = {}
        for q in self.quotes:
            if q.speaker:
                seen.setdefault(q.speaker, None)
        return list(seen)


def clean_text(text: str) -> str:
    """`text` with what no output can carry replaced, one code point for one (see above)."""
    if _UNENCODABLE.search(text):
        text = _UNENCODABLE.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return text


def clean_article(article: Article) -> Article:
    """Clean every text of an article in place (`clean_text`): a lone surrogate in a JSON
    record made search, article pages, feeds and exports fail, and `parse` crash."""
    for f in fields(article):
        value = getattr(article, f.name)
        if isinstance(value, str):
            setattr(article, f.name, clean_text(value))
    for quote in article.quotes:
        for name in ("text", "speaker", "speaker_role"):
            value = getattr(quote, name)
            if isinstance(value, str):
                setattr(quote, name, clean_text(value))
    article.explain = {clean_text(str(k)): clean_text(str(v)) for k, v in article.explain.items()}
    return article


def make_id(key: str) -> str:
    """A short, stable article id from a location key (absolute path, plus '#n' for records)."""
    return hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
