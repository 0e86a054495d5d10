"""Ranking constants chosen by leaving one collection out, beside SQLite FTS5 in the same run.

Five judged collections: the four classic ones of ../shared/corpora/ir (cisi, cran, med, adi,
read with ../shared/tools/eval_ranking.py's loaders, scored as it scores) and the Reuters
TOPICS proxy of bench/ranking.py. Each is indexed once by `newsdesk reindex`; every
combination of the grid (BM25F's k1 and b, the title's own b, the title's weight, the
saturation k3 of a word repeated in the query, the share of relevance feedback) ranks every
query through `run_search` (mode=any, 100 hits, dedupe=0), in process.

The grid is searched in stages (docs/benchmarks.md keeps each stage's table): a dimension that
every fold of a stage chose alike is fixed at that value for the next stage, which opens
another dimension.

For each collection held out, the combination with the best mean nDCG@10 over the other four
is chosen, and its nDCG@10 on the held-out one is reported: the figure to expect on a
collection no constant was fitted on. The constants the product uses are the choice over all
five, which the table shows too.

    .venv/bin/python -m bench.ranking_loo

It prints every combination's figures and the table of folds; docs/benchmarks.md ("Ranking
across collections") keeps the table of each stage with what it means.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import DATA, REPO, reuters_records
from bench.ranking import fts5_ranker, load_collection, ndcg
from indexer.schema import DEFAULT_FIELDS
from webapp.engine.scoring import Bm25f
from webapp.search import IndexHandle, SearchRequest, feedback, run_search

SHARED = REPO.parent / "shared"
IR = SHARED / "corpora" / "ir"
EVAL = SHARED / "tools" / "eval_ranking.py"
DEPTH = 100
GRID_K1 = (2.0, 3.0, 4.5)
GRID_B = (0.6, 0.75)
GRID_TITLE_B = (0.0, 0.3, 0.6)  # the title's own b
GRID_TITLE = (3.0,)
GRID_K3 = (10.0,)
GRID_FEEDBACK = (0.5,)  # the share of relevance feedback (0: BM25F alone)


@dataclass
class Judged:
    """A collection: its index, queries, relevant documents per query, FTS5's nDCG@10."""

    name: str
    index: Path
    queries: dict[str, str]
    relevant: dict[str, set[str]]
    prefix: str  # ids in the index are prefix + the collection's own id
    fts5: float = 0.0


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_ranking", EVAL)
    assert spec and spec.loader, EVAL
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reindex(corpus: Path, index: Path) -> None:
    newsdesk = Path(sys.executable).with_name("newsdesk")
    subprocess.run([str(newsdesk), "reindex", str(corpus), "--index", str(index)], check=False)


def ir_collection(name: str, root: Path) -> Judged:
    """A classic collection indexed as eval_ranking.py indexes it, scored as it scores."""
    ev = _eval_module()
    docs, queries, qrels = ev.load(IR, name)
    queries = {q: " ".join(ev.words(t)) for q, t in queries.items() if q in qrels}
    corpus = root / name / "corpus"
    corpus.mkdir(parents=True)
    with open(corpus / f"{name}.jsonl", "w", encoding="utf-8") as out:
        for key, fields in docs.items():
            record = {"id": f"{name}-{key}", "title": fields.get("T", "")}
            record["body"] = fields.get("W", "") or fields.get("T", "")
            out.write(json.dumps(record) + "\n")
    _reindex(corpus, root / name / "index")
    judged = Judged(name, root / name / "index", queries, qrels, f"{name}-")
    fts = ev.run_fts5(docs, queries)
    judged.fts5 = statistics.mean(ndcg(fts.get(q, []), rel) for q, rel in qrels.items())
    return judged


def reuters_collection(root: Path) -> Judged:
    """Reuters-21578 with its TOPICS categories as queries (bench/ranking.py)."""
    corpus = root / "reuters" / "corpus"
    corpus.mkdir(parents=True)
    path = corpus / "reuters.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for record in reuters_records():
            out.write(json.dumps(record) + "\n")
    _reindex(corpus, root / "reuters" / "index")
    collection = load_collection(path)
    judged = Judged(
        "reuters", root / "reuters" / "index", collection.queries, collection.relevant, ""
    )
    rank = fts5_ranker(collection.records, "porter")
    judged.fts5 = statistics.mean(
        ndcg(rank(text), collection.relevant[topic]) for topic, text in collection.queries.items()
    )
    return judged


@contextmanager
def title_weight(weight: float) -> Iterator[None]:
    """Searches look for words in the title with this weight (a parser is made per handle)."""
    before = DEFAULT_FIELDS["title"]
    DEFAULT_FIELDS["title"] = weight
    try:
        yield
    finally:
        DEFAULT_FIELDS["title"] = before


@contextmanager
def feedback_weight(share: float) -> Iterator[None]:
    """Any-word rankings take relevance feedback in this share (0: none)."""
    before = feedback.FEEDBACK_WEIGHT
    feedback.FEEDBACK_WEIGHT = share
    try:
        yield
    finally:
        feedback.FEEDBACK_WEIGHT = before


def score(judged: Judged, ranking: Bm25f) -> float:
    """Mean nDCG@10 of the product's ranking with these constants."""
    handle = IndexHandle(str(judged.index), ranking=ranking)
    try:
        found = []
        for key, text in judged.queries.items():
            args = {"q": [text], "mode": ["any"], "per_page": [str(DEPTH)], "dedupe": ["0"]}
            hits = run_search(handle, SearchRequest.from_args(args)).hits
            ranked = [hit.id.removeprefix(judged.prefix) for hit in hits]
            found.append(ndcg(ranked, judged.relevant.get(key, set())))
        return statistics.mean(found)
    finally:
        handle.close()


Combination = tuple[float, float, float, float, float, float]  # k1, b, title b, title, k3, fb


def grid_scores(collections: list[Judged], report: Callable[[str], None]) -> dict:
    scores: dict[Combination, dict[str, float]] = {}
    grid = itertools.product(GRID_K1, GRID_B, GRID_TITLE_B, GRID_TITLE, GRID_K3, GRID_FEEDBACK)
    for k1, b, title_b, title, k3, share in grid:
        ranking = Bm25f(k1=k1, b=b, k3=k3, field_b=(("title", title_b),))
        with title_weight(title), feedback_weight(share):
            found = {c.name: score(c, ranking) for c in collections}
        scores[(k1, b, title_b, title, k3, share)] = found
        report(
            f"k1 {k1} b {b} title b {title_b} title {title} k3 {k3} feedback {share}: "
            + " ".join(f"{n} {v:.3f}" for n, v in found.items())
        )
    return scores


def best(scores: dict[Combination, dict[str, float]], names: list[str]) -> Combination:
    return max(scores, key=lambda c: statistics.mean(scores[c][n] for n in names))


def table(collections: list[Judged], scores: dict[Combination, dict[str, float]]) -> list[str]:
    names = [c.name for c in collections]
    rows = [
        "| held out | chosen on the other four (k1, b, title's b, title, k3, feedback) "
        "| held-in mean | held-out nDCG@10 | FTS5 nDCG@10 |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for held in collections:
        others = [n for n in names if n != held.name]
        chosen = best(scores, others)
        held_in = statistics.mean(scores[chosen][n] for n in others)
        rows.append(
            f"| {held.name} | {chosen} | {held_in:.3f} | {scores[chosen][held.name]:.3f} "
            f"| {held.fts5:.3f} |"
        )
    final = best(scores, names)
    mean = statistics.mean(scores[final][n] for n in names)
    fts = statistics.mean(c.fts5 for c in collections)
    rows.append(f"| (all five) | {final} | {mean:.3f} | | {fts:.3f} |")
    return rows


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        root = Path(tmp)
        collections = [ir_collection(n, root) for n in ("cisi", "cran", "med", "adi")]
        collections.append(reuters_collection(root))
        scores = grid_scores(collections, print)
    print("\n".join(table(collections, scores)))


if __name__ == "__main__":
    main()
