"""The Article record: the one thing that crosses from parsing to indexing."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Quote:
    """A direct quotation found in an article body."""

    text: str
    speaker: str | None = None
    speaker_role: str | None = None
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
    body: str = ""
    quotes: list[Quote] = field(default_factory=list)
    explain: dict[str, str] = field(default_factory=dict)

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data["quotes"] = [q.to_dict() for q in self.quotes]
        if not explain:
            data.pop("explain")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        known = {f.name for f in fields(cls)}
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


def make_id(key: str) -> str:
    """A short, stable article id from a location key (absolute path, plus '#n' for records)."""
    return hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
