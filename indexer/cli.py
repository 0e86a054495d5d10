"""The `newsdesk` command line: translates arguments and errors, nothing more.

`search` and `serve` reach into the read side (webapp); they import it lazily so that the
write side never loads Flask.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import click

from indexer.errors import NewsdeskError, ParseError
from indexer.readers import parse_file, walk_corpus

DEFAULT_INDEX = "index"
index_option = click.option(
    "--index",
    "index_dir",
    default=lambda: os.environ.get("NEWSDESK_INDEX", DEFAULT_INDEX),
    show_default="index (or $NEWSDESK_INDEX)",
    type=click.Path(file_okay=False),
    help="Index directory.",
)


@click.group()
@click.version_option(package_name="newsdesk")
def main() -> None:
    """Newsdesk: search news corpora for who said what, when, where."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--explain", is_flag=True, help="Add, per field, the rule that produced it.")
def parse(paths: tuple[str, ...], explain: bool) -> None:
    """Parse articles and print one JSON object per article (JSON Lines).

    Files that cannot be parsed are reported on stderr as `PATH: reason`; the exit status is 1
    if any input failed.
    """
    failed = 0
    out = sys.stdout
    for item in _parse_all(paths):
        if isinstance(item, ParseError):
            failed += 1
            click.echo(str(item), err=True)
        else:
            out.write(json.dumps(item.to_dict(explain=explain), ensure_ascii=False) + "\n")
    out.flush()
    sys.exit(1 if failed else 0)


def _parse_all(paths: tuple[str, ...]) -> Iterator:
    for path in walk_corpus(paths):
        if isinstance(path, ParseError):
            yield path
        else:
            yield from parse_file(path)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating.")
@click.option(
    "--wait",
    default=0.0,
    type=click.FloatRange(0),
    metavar="SECONDS",
    help="If another reindex of this index is running, wait this long for it (default: exit).",
)
@click.option(
    "--forget",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="Remove the articles of a recorded corpus path that is gone for good (repeatable).",
)
def reindex(
    paths: tuple[str, ...], index_dir: str, full: bool, wait: float, forget: tuple[str, ...]
) -> None:
    """Add new, update changed and remove deleted articles of the corpus PATHS.

    Without PATHS, the corpus paths recorded in the index are used again. Articles are removed
    only when their file is known to be gone: a missing corpus path or an unreadable folder
    is an error that removes nothing (use --forget PATH for a corpus deleted on purpose).
    One reindex runs per index at a time: a second one exits with status 1 (or waits, with
    --wait). Exit status: 0 when everything was indexed, 1 when a file failed or the index
    could not be written (it then keeps its last committed state), 130 when interrupted.
    """
    from indexer.writer import reindex as run_reindex

    bar = _ProgressBar()
    try:
        summary = run_reindex(
            list(paths),
            index_dir,
            full=full,
            progress=bar.update,
            on_total=bar.start,
            wait=wait,
            forget=forget,
        )
    except KeyboardInterrupt:
        bar.finish()
        click.echo("interrupted: the index keeps its last committed state", err=True)
        sys.exit(130)
    except NewsdeskError as exc:
        bar.finish()
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # the index folder cannot be made or locked (read-only, full)
        bar.finish()
        raise click.ClickException(f"{exc.filename or index_dir}: {exc.strerror or exc}") from exc
    except MemoryError as exc:
        bar.finish()
        raise click.ClickException(
            "out of memory: nothing since the last commit was written; the index keeps its "
            "last committed state (README, Reliability, gives the memory a reindex needs)"
        ) from exc
    bar.finish()
    if summary.interrupted_pid:
        click.echo(
            f"an earlier reindex (pid {summary.interrupted_pid}) was killed; its work is done now",
            err=True,
        )
    for error in summary.errors:
        click.echo(str(error), err=True)
    click.echo(summary.line())
    sys.exit(1 if summary.failed else 0)


class _ProgressBar:
    """A click progress bar on a terminal; silent otherwise."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int) -> None:
        if total and sys.stderr.isatty():
            self._bar = click.progressbar(
                length=total, label="Indexing", file=sys.stderr, show_pos=True, show_eta=True
            )
            self._bar.__enter__()

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@main.command()
@click.argument("query", default="")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API's answer.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--sort", type=click.Choice(["relevance", "newest", "oldest"]), default=None, help="Order."
)
def search(
    query: str, index_dir: str, as_json: bool, limit: int, page: int, sort: str | None
) -> None:
    """Search the index with the query language of the web page (an empty QUERY lists all)."""
    from webapp.search import IndexHandle, SearchRequest, run_search

    args = {"q": [query], "per_page": [str(limit)], "page": [str(page)]}
    if sort:
        args["sort"] = [sort]
    handle = IndexHandle(index_dir)
    try:
        result = run_search(handle, SearchRequest.from_args(args))
    except NewsdeskError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        handle.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
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
    import html
    import re

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
    from indexer.writer import open_index
    from webapp.server import run_server

    try:
        open_index(index_dir).close()
    except NewsdeskError as exc:
        raise click.ClickException(str(exc)) from exc
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"warning: {host} without --token: anyone who can reach it reads the corpus", err=True
        )
    access = "a token required" if token else "open"
    click.echo(f"Newsdesk on http://{host}:{port}/ (index: {index_dir}; {access})", err=True)
    run_server(index_dir, host, port, workers, token=token or None, base_url=base_url)
