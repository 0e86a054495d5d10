"""The scale benchmark's report: one Markdown table per N, the growth table across N, and the
"Scale" section of docs/benchmarks.md rewritten around them."""

from __future__ import annotations

import json
from typing import Any

from bench.corpus import REPO

OUT = REPO / "bench" / "out"
DOC = REPO / "docs" / "benchmarks.md"


def ratio(ours: float, peer: float) -> str:
    return f"{ours / peer:.2f}x" if peer else "-"


def mb(value: float) -> str:
    return f"{value / 2**20:,.0f} MB"


def check(ok: bool) -> str:
    return "met" if ok else "**missed**"


MILLION = 1_000_000


def _targets(n: int) -> dict[str, Any]:
    """The targets a run at N is held to: issue 7's up to 200k, issue 23's at a million."""
    if n >= MILLION:
        return {"at": "1M", "p50": 0.2, "p95": 0.3, "rate": 600, "rss": 4 * 2**30, "seconds": None}
    return {"at": "200k", "p50": 0.3, "p95": 0.5, "rate": 350, "rss": 2**30,
            "seconds": 600 * n / 200_000}  # fmt: skip


def _growth_rows(n: int, ours: dict[str, Any]) -> list[str]:
    """At a million: latency against the 200k run's (at most 3x)."""
    base = OUT / "scale-200000.json"
    if n < MILLION or not base.exists():
        return []
    was = json.loads(base.read_text())["newsdesk"]["served"]["one"]
    rows = []
    for pct in ("p50", "p95"):
        now = ours["served"]["one"][pct]
        rows.append(
            f"| 1 client: {pct} growth from 200k ({was[pct]:.1f} ms) | {now / was[pct]:.2f}x "
            f"| | | <= 3x: {check(now <= 3 * was[pct])} |"
        )
    return rows


def report(n: int, res: dict[str, Any]) -> str:
    ours, peer = res["newsdesk"], res["datasette"]
    aim = _targets(n)
    build_target = (
        f"<= {aim['seconds']:.0f} s: {check(ours['build']['seconds'] <= aim['seconds'])} (pro rata)"
        if aim["seconds"]
        else ""
    )
    o1, p1 = ours["served"]["one"], peer["served"]["one"]
    o4, p4 = ours["served"]["four"], peer["served"]["four"]
    rate = n / ours["build"]["seconds"]
    lines = [
        f"### N = {n:,} articles",
        "",
        f"{res['date']}, `{res['command']}` at commit {res.get('code', '?')}; "
        f"{res['cpus']} cores, Python {res['python']}, "
        f"{res['files']:,} corpus files, {res['queries']} queries "
        f"({res['filtered']} with a filter).",
        "",
        f"| measure | Newsdesk | Datasette | Newsdesk / Datasette | target (at {aim['at']}) |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| full build | {ours['build']['seconds']:.1f} s | {peer['build']['seconds']:.1f} s | "
        f"{ratio(ours['build']['seconds'], peer['build']['seconds'])} | {build_target} |",
        f"| articles/s | {rate:,.0f} | {n / peer['build']['seconds']:,.0f} | "
        f"{ratio(rate, n / peer['build']['seconds'])} | "
        f">= {aim['rate']}: {check(rate >= aim['rate'])} |",
        f"| build peak RSS (process tree) | {mb(ours['build']['peak_rss'])} | "
        f"{mb(peer['build']['peak_rss'])} | "
        f"{ratio(ours['build']['peak_rss'], peer['build']['peak_rss'])} | |",
        f"| size on disk | {mb(ours['size'])} | {mb(peer['size'])} | "
        f"{ratio(ours['size'], peer['size'])} | |",
        f"| update after editing {ours['incremental']['files']} files | "
        f"{ours['incremental']['seconds']:.2f} s | {peer['incremental']['seconds']:.2f} s "
        f"(upsert, told which files) | "
        f"{ratio(ours['incremental']['seconds'], peer['incremental']['seconds'])} | "
        f"<= 5 s: {check(ours['incremental']['seconds'] <= 5)} |",
    ]
    whole = ours["incremental"].get("whole")
    if whole:
        lines.append(
            f"| update after rewriting the same files whole | {whole['seconds']:.2f} s | "
            f"{peer['incremental']['seconds']:.2f} s (the same upsert) | "
            f"{ratio(whole['seconds'], peer['incremental']['seconds'])} | "
            f"<= 5 s: {check(whole['seconds'] <= 5)} |"
        )
    for label, o, p in (("1 client", o1, p1), ("4 clients", o4, p4)):
        for pct in ("p50", "p95", "p99"):
            target = ""
            if label == "1 client" and pct in ("p50", "p95"):
                limit = aim[pct]
                target = f"<= {limit} x Datasette: {check(o[pct] <= limit * p[pct])}"
            lines.append(
                f"| {label}: {pct} latency | {o[pct]:,.1f} ms | {p[pct]:,.1f} ms | "
                f"{ratio(o[pct], p[pct])} | {target} |"
            )
        lines.append(
            f"| {label}: requests/s | {o['rps']:,.1f} | {p['rps']:,.1f} | "
            f"{ratio(o['rps'], p['rps'])} | |"
        )
    so, sp = ours["served"], peer["served"]
    lines += [
        f"| errors (non-200) | {o1['errors'] + o4['errors']} | {p1['errors'] + p4['errors']} | | |",
        f"| first request after start | {so['first_ms']:,.0f} ms | {sp['first_ms']:,.0f} ms | "
        f"{ratio(so['first_ms'], sp['first_ms'])} | |",
        f"| server peak RSS | {mb(so['peak_rss'])} | {mb(sp['peak_rss'])} | "
        f"{ratio(so['peak_rss'], sp['peak_rss'])} | "
        f"<= {aim['rss'] // 2**30} GB: {check(so['peak_rss'] <= aim['rss'])} |",
        *_growth_rows(n, ours),
        "",
        f"Totals: the two systems report the same number of matches for {res['same_total']} of "
        f"{res['queries']} queries (within 5%: {res['close_total']}). Known causes: a quoted "
        'phrase is exact in Newsdesk but stemmed in FTS5 (`"figures showed"`: 382 against '
        "1,673 at 100k); Whoosh keeps dotted tokens such as tickers (`<KNBW.T>`) whole where "
        "FTS5 splits them, so `knbw` finds nothing in Newsdesk; the two Porter stemmers differ; "
        "since commit 460bc5d Newsdesk relaxes a query that finds nothing to any of its words "
        "(`relaxed: true`) and counts those matches.",
        "",
        f"Newsdesk: `{ours['build']['summary'].splitlines()[-1]}`; incremental: "
        f"`{ours['incremental']['summary']}`"
        + (f"; whole files: `{whole['summary']}`." if whole else "."),
        "",
        "<details><summary>Profile of the slowest Newsdesk queries</summary>",
        "",
        "```",
        res["profile"],
        "```",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def growth_table() -> str:
    """Latency growth from the smallest N measured to the others (the target: at most 3x)."""
    runs = sorted(
        (json.loads(p.read_text()) for p in OUT.glob("scale-*.json")), key=lambda r: r["n"]
    )
    runs = [r for r in runs if r["n"] >= 20_000]
    if len(runs) < 2:
        return ""
    base = runs[0]
    lines = [
        f"### Growth from {base['n']:,} articles",
        "",
        "Latency at N divided by latency at the smallest N (1 client). Target: at most 3x at 200k."
        " The code under test moved between runs (others work on it concurrently): see the commit.",
        "",
        "| N | Newsdesk p50 | Newsdesk p95 | Datasette p50 | Datasette p95 | Newsdesk build s "
        "| commit |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        cells = []
        for system in ("newsdesk", "datasette"):
            for pct in ("p50", "p95"):
                now = run[system]["served"]["one"][pct]
                was = base[system]["served"]["one"][pct]
                cells.append(f"{now:,.1f} ms ({now / was:.2f}x)")
        build = run["newsdesk"]["build"]["seconds"]
        cells.append(f"{build:,.0f} ({build / base['newsdesk']['build']['seconds']:.1f}x)")
        cells.append(run.get("code", "?"))
        lines.append(f"| {run['n']:,} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, ""])


SCALE_INTRO = """## Scale

Newsdesk against [Datasette](https://datasette.io/) on SQLite FTS5, the tool our users would
otherwise pick, in the same run, on the same corpus and the same queries (issue 7). Run with
`make bench` (N = 20k, 100k, 200k) or `make bench-quick`; the harness is `bench/scale.py`.

- **Corpus**: Reuters-21578 from `../shared/corpora/reuters21578`, then real headlines over
  recombined real sentences with new ids and dates up to N (`bench/corpus.py`, seeded). Laid out
  as a newsroom export: JSON Lines files of 1 to 10 articles, 250 files per directory, under
  `bench/data/scale-N/corpus/` (git-ignored). "Editing 100 files" appends a correction sentence
  to the first article of 100 seeded files (Newsdesk rewrites only the changed articles);
  "rewriting them whole" then appends another sentence to every article of the same files, as
  a new scrape would; the build of both systems reads the unedited corpus, and both serve it
  with the files rewritten whole.
- **Queries**: 600 per run, seeded (`bench/queries.py`): frequent and rare terms, two or three
  words of a real headline, recurring phrases, pairs of frequent terms; a third filter on
  location, author, source (all articles are Reuters') or a date window.
- **Newsdesk**: `newsdesk reindex --full` on an empty index directory, then `newsdesk reindex`
  after the edits; `newsdesk serve --workers 2` (gunicorn, 2 processes x 4 threads) queried at
  `/api/search`: 10 hits ranked by BM25F, 5 facets, highlights (title, up to 3 body fragments,
  quotes), exact total.
- **Datasette** (from `bench/.venv-peer`): `sqlite-utils` inserts every article and
  `enable_fts(["title", "body"], tokenize="porter", create_triggers=True)`; the update is an
  upsert of the edited files' articles (it has no change detection: it is told which files).
  `datasette serve` answers `/db/articles.json?_search=...&_facet=location&_facet=author`
  `&_facet=source&_size=10` with filters as `location__exact`, `author__exact`, `date__gte/lte`:
  exact total (`filtered_table_rows_count`), 3 facets, 10 full rows (whole bodies, no snippets,
  in rowid order: its table view does not rank by relevance). Time limits raised so that it never
  answers with a time-out, facet suggestions off.
- **Timing**: both servers get the first request (reported), 40 warm-up requests from 4 clients,
  then every query once from one client, then every query once spread over 4 concurrent client
  processes (one keep-alive connection each, loopback). Latency runs from sending the request to
  reading the whole response. Peak RSS sums a process and its children (gunicorn's master and
  workers; the reindex and its parsing processes), sampled every 50 ms from `/proc`.
  The clients share the 2 cores with the server, as do other engineers' test runs on this
  machine: noise is about +-15%, compare within one run.
- **Targets** (issue 7, at 200k on 2 cores): API p50 <= 0.3x and p95 <= 0.5x Datasette's with
  5 facets, 3 snippets per hit and an exact total; full reindex <= 10 min (>= 350 articles/s)
  on both cores; update after 100 changed files <= 5 s; server peak RSS <= 1 GB; latency grows
  at most 3x from 20k to 200k. The tables mark each as met or missed at every N.
"""


def write_doc(n: int, section: str) -> None:
    """Replace this N's subsection (and the growth table) inside "## Scale", keep the rest.

    Other subsections of "## Scale" (profiles added by hand) are kept after the figures.
    """
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    head, scale, tail = _split_section(text, "## Scale")
    subsections = _subsections(scale)
    subsections[f"N = {n:,} articles"] = section
    figures = sorted(
        (t for t in subsections if t.startswith("N = ")),
        key=lambda t: int(t.split()[2].replace(",", "")),
    )
    others = [t for t in subsections if not t.startswith(("N = ", "Growth from"))]
    parts = [SCALE_INTRO]
    growth = growth_table()
    if growth:
        parts.append(growth)
    parts += [subsections[t].rstrip() + "\n" for t in figures + others]
    DOC.write_text(head.rstrip() + "\n\n" + "\n".join(parts).rstrip() + "\n" + tail)


def _split_section(text: str, heading: str) -> tuple[str, str, str]:
    if heading not in text:
        return text, "", ""
    start = text.index(heading)
    rest = text[start + len(heading) :]
    nxt = rest.find("\n## ")
    end = len(text) if nxt < 0 else start + len(heading) + nxt + 1
    return text[:start], text[start:end], "\n" + text[end:] if end < len(text) else ""


def _subsections(scale: str) -> dict[str, str]:
    found: dict[str, str] = {}
    chunks = scale.split("\n### ")[1:]
    for chunk in chunks:
        title = chunk.splitlines()[0].strip()
        found[title] = "### " + chunk
    return found
