"""JSON-LD: the article nodes a page declares, and the values of a field in them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lxml.html import HtmlElement

from indexer.readers import xpaths as X

if TYPE_CHECKING:
    from indexer.readers.html_page import Page


def read_jsonld(tree: HtmlElement) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Article nodes (most specific type first) and every node with an @id."""
    nodes: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            nodes.extend(_flatten(_load_json(script.text)))
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    ranked = [(_article_rank(n), i, n) for i, n in enumerate(nodes)]
    articles = [
        n for rank, _, n in sorted(ranked, key=lambda r: r[:2]) if rank < len(X.ARTICLE_TYPES)
    ]
    return articles, by_id


def _load_json(text: str) -> Any:
    text = text.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object at the top level, in lists, in @graph and in mainEntity."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in X.JSONLD_CONTAINERS:
            if isinstance(data.get(key), (dict, list)):
                yield from _flatten(data[key], depth + 1)


def types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)]


def _article_rank(node: dict[str, Any]) -> int:
    ranks = [X.ARTICLE_TYPES.index(t) for t in types(node) if t in X.ARTICLE_TYPES]
    return min(ranks, default=len(X.ARTICLE_TYPES))


def _resolve(page: Page, value: Any) -> Any:
    """A JSON-LD reference ({"@id": ...} alone) replaced by the node it names."""
    if (
        isinstance(value, dict)
        and set(value) <= {"@id", "@type"}
        and value.get("@id") in page.nodes
    ):
        return page.nodes[value["@id"]]
    return value


def jsonld_values(page: Page, fld: str) -> Iterator[tuple[Any, str]]:
    """Raw JSON-LD values for a field with their rule names, best article node first."""
    for node in page.articles:
        kind = next((t for t in types(node) if t in X.ARTICLE_TYPES), "Article")
        for key in X.JSONLD_KEYS[fld]:
            if node.get(key):
                yield _resolve(page, node[key]), f"json-ld {kind}.{key}"


def names(page: Page, value: Any) -> list[tuple[str, dict[str, Any]]]:
    """Names in a JSON-LD person/organisation value (string, object or list), with the object."""
    value = _resolve(page, value)
    if isinstance(value, list):
        return [n for item in value[:10] for n in names(page, item)]
    if isinstance(value, str):
        return [(value, {})]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if not isinstance(name, str):
            parts = [value.get("givenName"), value.get("familyName")]
            name = " ".join(p for p in parts if isinstance(p, str))
        return [(name, value)] if name else []
    return []


def text_of(page: Page, value: Any) -> str | None:
    """A plain string from a JSON-LD string, named object or list."""
    found = names(page, value)
    return found[0][0] if found else None
