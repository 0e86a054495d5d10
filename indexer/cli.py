"""The `newsdesk` command line: translates arguments and errors, nothing more."""

from __future__ import annotations

import json
import sys

import click

from indexer.errors import ParseError
from indexer.readers import iter_corpus, parse_file


@click.group()
@click.version_option(package_name="newsdesk")
def main() -> None:
    """Newsdesk: search news corpora for who said what, when, where."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--explain", is_flag=True, help="Add, per field, the rule or source that produced it.")
def parse(paths: tuple[str, ...], explain: bool) -> None:
    """Parse articles and print one JSON object per article (JSON Lines)."""
    failed = 0
    out = sys.stdout
    for path in _walk(paths):
        if isinstance(path, ParseError):
            failed += 1
            click.echo(str(path), err=True)
            continue
        for item in parse_file(path):
            if isinstance(item, ParseError):
                failed += 1
                click.echo(str(item), err=True)
            else:
                out.write(json.dumps(item.to_dict(explain=explain), ensure_ascii=False) + "\n")
    out.flush()
    sys.exit(1 if failed else 0)


def _walk(paths: tuple[str, ...]):
    for top in paths:
        try:
            yield from iter_corpus([top])
        except ParseError as exc:
            yield exc
