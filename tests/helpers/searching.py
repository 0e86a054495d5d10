"""Searches through webapp.search without Flask, with the parameters as a query string has them."""

from __future__ import annotations

from typing import Any

from webapp.search import IndexHandle, SearchRequest, run_search


def search(handle: IndexHandle, **params: Any):
    args = {k: v if isinstance(v, list) else [str(v)] for k, v in params.items()}
    return run_search(handle, SearchRequest.from_args(args))


def all_ids(handle: IndexHandle, **params: Any) -> list[str]:
    return [h.id for h in search(handle, per_page=100, **params).hits]
