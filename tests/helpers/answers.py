"""What `newsdesk search --json` answers, for comparing two builds of one corpus."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from webapp.cli import main


def answers(index_dir: Path, queries: Iterable[str]) -> list[Any]:
    """Each query's total, every hit with its score (all pages: the order of equally scored
    hits follows the order documents were written in, which parallel writers do not fix),
    and the facets."""
    found = []
    for query in queries:
        hits: list[tuple[str, float]] = []
        for page in itertools.count(1):
            result = CliRunner().invoke(
                main,
                ["search", "--index", str(index_dir), "--json", "--limit", "100",
                 "--page", str(page), query],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            data = json.loads(result.stdout)
            hits += [(hit["id"], round(hit["score"], 4)) for hit in data["hits"]]
            if len(hits) >= data["total"] or not data["hits"]:
                break
        facets = {
            name: sorted((v["value"], v["count"]) for v in values)
            for name, values in data["facets"].items()
        }
        found.append((query, data["total"], sorted(hits), facets))
    return found
