"""Reading Newsdesk's own source and Whoosh's: modules, imports, private names."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import whoosh

from helpers.paths import REPO

PACKAGES = ("indexer", "webapp")
STORAGE = REPO / "indexer" / "storage"


def modules(*packages: str) -> Iterator[Path]:
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).parts
            if any(part.startswith(".") for part in parts) or parts[:2] == ("bench", "data"):
                continue  # a virtual environment (bench/.venv-peer), the benchmarks' data
            yield path  # (bench/data: git-ignored, holds other commits' worktrees)


def tree_of(path: Path) -> ast.Module:
    with warnings.catch_warnings():  # Whoosh 2.7's sources have invalid escapes in strings
        warnings.simplefilter("ignore")
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module


def _defined_private(tree: ast.AST) -> Iterator[str]:
    """The names with one leading underscore that a module defines or assigns."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = node.name
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            name = node.attr
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            name = node.id
        elif isinstance(node, ast.arg):
            name = node.arg
        else:
            continue
        if name.startswith("_") and not name.startswith("__"):
            yield name


@cache
def whoosh_private_names() -> frozenset[str]:
    """Every name with one leading underscore that the installed Whoosh defines."""
    found: set[str] = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        found.update(_defined_private(tree_of(path)))
    return frozenset(found)


@cache
def own_private_names() -> frozenset[str]:
    """The private names Newsdesk's own code defines outside indexer/storage."""
    found: set[str] = set()
    for path in modules(*PACKAGES):
        if STORAGE not in path.parents:
            found.update(_defined_private(tree_of(path)))
    return frozenset(found)


def whoosh_private_uses(path: Path) -> Iterator[str]:
    """Where a module touches a private Whoosh name: imports one, reads an attribute that
    only Whoosh defines, or names one to getattr/hasattr."""
    whoosh_names = whoosh_private_names() - own_private_names()
    for node in ast.walk(tree_of(path)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            for alias in node.names:
                if alias.name.startswith("_"):
                    yield f"{path.name}:{node.lineno} imports {node.module}.{alias.name}"
        elif isinstance(node, ast.Attribute) and node.attr in whoosh_names:
            yield f"{path.name}:{node.lineno} reads .{node.attr}"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in whoosh_names
        ):
            yield f"{path.name}:{node.lineno} names {node.value!r}"
