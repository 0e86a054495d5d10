"""The `newsdesk` command line of the write side: `parse` and `reindex`. It translates
arguments and errors, nothing more.

The read side adds `search` and `serve` to the same group (webapp/cli.py, whose `main` is the
installed `newsdesk` command), so nothing here imports the web app.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from indexer.errors import NewsdeskError, ParseError
from indexer.parsing import parse_file_in_parts
from indexer.readers import walk_corpus

DEFAULT_INDEX = "index"
index_option = click.option(
    "--index",
    "index_dir",
    default=lambda: os.environ.get("NEWSDESK_INDEX", DEFAULT_INDEX),
    show_default="index (or $NEWSDESK_INDEX)",
    type=click.Path(file_okay=False),
    help="Index directory.",
)


class Failed(click.ClickException):
    """An error as click reports it (`Error: ...` on stderr), with the exit status it carries."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance too


@contextlib.contextmanager
def reported(index_dir: str = "", before: Callable[[], None] = lambda: None) -> Iterator[None]:
    """The command line's one error handler: a NewsdeskError, or an OS or memory error of
    writing the index, becomes click's error with its exit status (`before` runs first, to
    end a progress bar). Anything else is a bug and keeps its traceback."""
    try:
        yield
    except NewsdeskError as exc:
        before()
        raise Failed(exc.message, exc.exit_code) from exc
    except OSError as exc:  # the index folder cannot be made or locked (read-only, full)
        before()
        raise Failed(f"{exc.filename or index_dir}: {exc.strerror or exc}") from exc
    except MemoryError as exc:
        before()
        raise Failed(
            "out of memory: nothing since the last commit was written; the index keeps its "
            "last committed state (README, Reliability, gives the memory a reindex needs)"
        ) from exc


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
            yield from parse_file_in_parts(path)


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
@click.option(
    "--scheduler",
    envvar="NEWSDESK_SCHEDULER",
    metavar="ADDRESS",
    help="Parse on a Dask cluster: its scheduler's address, tcp://HOST:PORT (README, "
    '"A cluster"; default: this machine\'s cores; env NEWSDESK_SCHEDULER).',
)
def reindex(
    paths: tuple[str, ...],
    index_dir: str,
    full: bool,
    wait: float,
    forget: tuple[str, ...],
    scheduler: str | None,
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
        with reported(index_dir, bar.finish):
            summary = run_reindex(
                list(paths),
                index_dir,
                full=full,
                progress=bar.update,
                on_total=bar.start,
                wait=wait,
                forget=forget,
                scheduler=scheduler or None,
            )
    except KeyboardInterrupt:
        bar.finish()
        click.echo("interrupted: the index keeps its last committed state", err=True)
        sys.exit(130)
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
