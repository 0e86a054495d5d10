"""Brute force over records: the hits and facet counts a search should give, computed from the
records themselves (for RECORDS, or any items with a `values` and a `day_of` function)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from helpers.records import RECORDS
from indexer.schema import split_authors


def facet_values(record: dict[str, Any], facet: str) -> list[str]:
    """The values a record should have in a facet, computed from the record itself."""
    if facet == "author":
        return [a for a in split_authors(record.get("author")) if a]
    if facet == "speaker":
        return list(dict.fromkeys(q["speaker"] for q in record.get("quotes", []) if q["speaker"]))
    if facet == "month":
        return [record["date"][:7]] if record.get("date") else []
    return [record[facet]] if record.get(facet) else []


def outlet_names(records: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Each source spelling → the one the facet shows: spellings that differ in case or a
    leading "The" are one outlet, shown with its "The" ("Kyiv Independent", "The Kyiv
    Independent" → "The Kyiv Independent")."""
    spellings = {r["source"] for r in records if r.get("source")}
    groups: dict[str, list[str]] = {}
    for value in sorted(spellings):
        key = value.lower().removeprefix("the ")
        groups.setdefault(key, []).append(value)
    shown = {}
    for members in groups.values():
        name = next((m for m in members if m.lower().startswith("the ")), members[0])
        shown.update(dict.fromkeys(members, name))
    return shown


def brute_facets(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    records = list(records)
    return {f: dict(Counter(v for r in records for v in facet_values(r, f))) for f in FACET_NAMES}


FACET_NAMES = ("author", "source", "location", "speaker", "month", "language")


def record_date(record: dict[str, Any]) -> str:
    return record.get("date") or ""


def brute_filter(
    params: dict[str, list[str]],
    items: Iterable[Any] | None = None,
    values: Callable[[Any, str], list[str]] = facet_values,
    day_of: Callable[[Any], str] = record_date,
) -> list[Any]:
    """Items (RECORDS by default) matching facet filters (OR within a facet, AND across),
    exclusions (`not_<facet>`) and a date window."""
    chosen = []
    for item in RECORDS if items is None else items:
        facets_ok = all(
            set(wanted) & set(values(item, name))
            for name, wanted in params.items()
            if name in FACET_NAMES
        )
        excluded = any(
            set(unwanted) & set(values(item, name[4:]))
            for name, unwanted in params.items()
            if name.startswith("not_")
        )
        day = day_of(item)
        from_ok = "from" not in params or (day and day >= params["from"][0])
        to_ok = "to" not in params or (day and day <= params["to"][0])
        if facets_ok and not excluded and from_ok and to_ok:
            chosen.append(item)
    return chosen


def brute_disjunctive(
    params: dict[str, list[str]],
    items: Iterable[Any] | None = None,
    values: Callable[[Any, str], list[str]] = facet_values,
    day_of: Callable[[Any], str] = record_date,
) -> dict[str, dict[str, int]]:
    """Each facet counted over the items matching every filter but that facet's own choice:
    what a click on each value would give (disjunctive faceting)."""
    items = list(RECORDS if items is None else items)
    counts = {}
    for facet in FACET_NAMES:
        others = {name: v for name, v in params.items() if name != facet}
        matched = brute_filter(others, items, values, day_of)
        counts[facet] = dict(Counter(v for item in matched for v in values(item, facet)))
    return counts


def facet_dict(result_facets: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Facet lists (of dicts or FacetCount) as facet → {value: count}."""
    out = {}
    for name, counts in result_facets.items():
        pairs = [
            (c["value"], c["count"]) if isinstance(c, dict) else (c.value, c.count) for c in counts
        ]
        out[name] = dict(pairs)
    return out
