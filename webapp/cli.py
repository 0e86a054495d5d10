"""The `newsdesk` command: the write side's group (indexer/cli.py) with the read side's
`search` and `serve` added. It translates arguments and errors, nothing more."""

from __future__ import annotations

import html
import json
import os
import re

import click

from indexer.cli import index_option, main, reported
from indexer.manifest import open_index
from webapp.search import IndexHandle, SearchRequest, run_search

__all__ = ["main"]


@main.command()
@click.argument("query", default="")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API's answer.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--sort", type=click.Choice(["relevance", "newest", "oldest"]), default=None, help="Order."
)
@click.option("--any", "any_word", is_flag=True, help="Any of the free words, ranked (mode=any).")
@click.option(
    "--strict", is_flag=True, help="Text that is not query syntax is an error, not words."
)
def search(
    query: str,
    index_dir: str,
    as_json: bool,
    limit: int,
    page: int,
    sort: str | None,
    any_word: bool,
    strict: bool,
) -> None:
    """Search the index with the query language of the web page (an empty QUERY lists all)."""
    args = {"q": [query], "per_page": [str(limit)], "page": [str(page)]}
    if sort:
        args["sort"] = [sort]
    if any_word:
        args["mode"] = ["any"]
    if strict:
        args["strict"] = ["1"]
    handle = IndexHandle(index_dir)
    try:
        with reported(index_dir):
            result = run_search(handle, SearchRequest.from_args(args))
    finally:
        handle.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    for note in result.query_notes:
        click.echo(f"read as words: {note}", err=True)
    noun, verb = ("article", "matches") if result.total == 1 else ("articles", "match")
    click.echo(f"{result.total} {noun} {verb} {query!r}" if query else f"{result.total} {noun}")
    for n, hit in enumerate(result.hits, start=result.first):
        meta = " | ".join(x for x in (hit.date, hit.source, hit.author, hit.location) if x)
        click.echo(f"\n{n}. {hit.title}  [{hit.id}]\n   {meta}")
        snippet = hit.highlights.get("body") or hit.highlights.get("quotes") or ""
        if snippet:
            click.echo("   " + _terminal_snippet(snippet))


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
