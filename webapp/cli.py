"""The `newsdesk` command: the write side's group (indexer/cli.py) with the read side's
`search` and `serve` added. It translates arguments and errors, nothing more."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable
from typing import Any

import click

from indexer.cli import index_option, main, reported
from indexer.manifest import open_index
from webapp.search import ARTICLES, QUOTES, Hit, IndexHandle, QuoteHit, SearchRequest, run_search
from webapp.search.request import FILTER_FACETS

__all__ = ["main"]


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """A repeatable option per filter and exclusion of the API (`--source X` is `source=X`,
    `--not-source X` is `not_source=X`), for every facet request.py filters on."""
    for name in reversed(FILTER_FACETS):
        form = " (YYYY-MM)" if name == "month" else ""
        command = click.option(
            f"--not-{name}",
            f"not_{name}",
            multiple=True,
            metavar="VALUE",
            help=f"Leave out documents with this {name}{form}; repeatable.",
        )(command)
        command = click.option(
            f"--{name}",
            name,
            multiple=True,
            metavar="VALUE",
            help=f"Only documents with this {name}{form}; repeatable (OR-ed).",
        )(command)
    return command


# Options whose value is an API parameter as it is (option's name → parameter)
PLAIN_PARAMS = {
    "date_from": "from",
    "date_to": "to",
    "sort": "sort",
    "cursor": "cursor",
    "snippet_chars": "snippet_chars",
}
FLAG_PARAMS = ("dedupe", "feedback", "strict")  # True/False → 1/0; not given: the default


def search_args(query: str, options: dict[str, Any]) -> dict[str, list[str]]:
    """The API's query parameters (name → values) for the `search` command's options: the
    CLI translates, SearchRequest.from_args validates, as for a request."""
    args = {"q": [query], "per_page": [str(options["limit"])], "page": [str(options["page"])]}
    for name in FILTER_FACETS:
        for param in (name, f"not_{name}"):
            if options[param]:
                args[param] = list(options[param])
    for option, param in PLAIN_PARAMS.items():
        if options[option] is not None:
            args[param] = [str(options[option])]
    for flag in FLAG_PARAMS:
        if options[flag] is not None:
            args[flag] = ["1" if options[flag] else "0"]
    if options["any_word"]:
        args["mode"] = ["any"]
    for facet, text in options["facet_q"]:
        args[f"facet_q_{facet}"] = [text]
    return args


@main.command()
@click.argument("query", default="")
@index_option
@click.option("--quotes", is_flag=True, help="Search quotations (as /api/quotes), not articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API's answer.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--sort", type=click.Choice(["relevance", "newest", "oldest"]), default=None, help="Order."
)
@click.option("--any", "any_word", is_flag=True, help="Any of the free words, ranked (mode=any).")
@filter_options
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Dated from this day on.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Dated up to this day.")
@click.option(
    "--dedupe/--no-dedupe",
    default=None,
    help="Syndicated copies folded into one (the default), or every copy.",
)
@click.option(
    "--feedback/--no-feedback",
    default=None,
    help="Relevance feedback always, or never (default: with --any).",
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Text that is not query syntax is an error, not words.",
)
@click.option(
    "--facet-q",
    nargs=2,
    multiple=True,
    type=(click.Choice(FILTER_FACETS), str),
    metavar="FACET TEXT",
    help="List that facet's values starting with TEXT (in --json); repeatable.",
)
@click.option("--snippet-chars", type=int, default=None, help="Characters of passages per hit.")
@click.option("--cursor", default=None, help="The `next` of an earlier --json answer.")
def search(query: str, index_dir: str, quotes: bool, as_json: bool, **options: Any) -> None:
    """Search the index with the query language of the web page (an empty QUERY lists all),
    with the filters of the JSON API; --quotes searches quotations."""
    kind = QUOTES if quotes else ARTICLES
    handle = IndexHandle(index_dir)
    try:
        with reported(index_dir):
            result = run_search(handle, SearchRequest.from_args(search_args(query, options)), kind)
    finally:
        handle.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    for note in result.query_notes:
        click.echo(f"read as words: {note}", err=True)
    noun = f"{kind.name}" if result.total == 1 else f"{kind.name}s"
    verb = "matches" if result.total == 1 else "match"
    click.echo(f"{result.total} {noun} {verb} {query!r}" if query else f"{result.total} {noun}")
    show = _echo_quote if quotes else _echo_article
    for n, hit in enumerate(result.hits, start=result.first):
        show(n, hit)


def _echo_article(n: int, hit: Hit) -> None:
    meta = " | ".join(x for x in (hit.date, hit.source, hit.author, hit.location) if x)
    click.echo(f"\n{n}. {hit.title}  [{hit.id}]\n   {meta}")
    snippet = hit.highlights.get("body") or hit.highlights.get("quotes") or ""
    if snippet:
        click.echo("   " + _terminal_snippet(snippet))


def _echo_quote(n: int, hit: QuoteHit) -> None:
    who = hit.speaker or "(unattributed)"
    who += f", {hit.speaker_role}" if hit.speaker_role else ""
    meta = " | ".join(x for x in (hit.date, hit.source, hit.title) if x)
    click.echo(f"\n{n}. \u201c{_terminal_snippet(hit.highlight)}\u201d\n   {who}  [{hit.id}]")
    click.echo(f"   {meta}")


def _terminal_snippet(html_snippet: str) -> str:
    """A highlight for the terminal: marks become bold, entities are unescaped."""
    text = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True), html_snippet)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=lambda: os.cpu_count() or 2, type=int, help="Worker processes.")
@click.option(
    "--token",
    envvar="NEWSDESK_TOKEN",
    default=None,
    help="Access token every request must show (default: $NEWSDESK_TOKEN; none: open).",
)
@click.option(
    "--base-url",
    envvar="NEWSDESK_BASE_URL",
    default=None,
    help="Public address of the app, for feeds' links (default: http://HOST:PORT).",
)
def serve(
    index_dir: str, host: str, port: int, workers: int, token: str | None, base_url: str | None
) -> None:
    """Serve the search page and JSON API with gunicorn, on 127.0.0.1 unless told otherwise.

    With a token (better passed as $NEWSDESK_TOKEN than on the command line, where `ps` shows
    it), every page and endpoint needs it: `Authorization: Bearer TOKEN`, `?token=TOKEN` or
    the cookie set by the login form.
    """
    from webapp.server import run_server  # gunicorn and gevent: only when serving

    with reported(index_dir):
        open_index(index_dir).close()
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"warning: {host} without --token: anyone who can reach it reads the corpus", err=True
        )
    access = "a token required" if token else "open"
    click.echo(f"Newsdesk on http://{host}:{port}/ (index: {index_dir}; {access})", err=True)
    run_server(index_dir, host, port, workers, token=token or None, base_url=base_url)
