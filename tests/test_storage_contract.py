"""The contract between indexer/storage/ and the installed Whoosh: every private name and file
layout storage relies on, checked on this Whoosh, so that an upgrade that changes one fails
here, naming it, instead of misreading an index (docs/storage.md).

`REQUIRED` names are used unguarded: without one, storage breaks. `FAST_PATH` names are only
used behind a check (`getattr`, `hasattr`, `LAYOUT_OK`): without one, storage falls back to
Whoosh's public readers, correct and slower; the test lists them as absent and checks that
the fallback is the one taken.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import warnings
from functools import cache

import whoosh

from helpers.code import STORAGE, modules, tree_of, whoosh_private_names
from indexer.storage import files

# Where Whoosh defines each private name storage uses: a class (its bases are searched too)
# or a module, then the names.
REQUIRED: dict[str, list[str]] = {
    "whoosh.codec.whoosh3.W3PostingsWriter": [
        "_blockcount",
        "_blocklimit",
        "_byteids",
        "_compression",
        "_format",
        "_ids",
        "_inlinelimit",
        "_maxlength",
        "_maxweight",
        "_mini_ids",
        "_mini_values",
        "_mini_weights",
        "_minlength",
        "_new_block",
        "_postfile",
        "_terminfo",
        "_values",
        "_weights",
        "_write_block",
    ],
    "whoosh.codec.whoosh3.W3FieldWriter": ["_postwriter"],
    "whoosh.codec.whoosh3.W3LeafMatcher": [
        "_baseoffset",
        "_blocklength",
        "_byteids",
        "_compression",
        "_data",
        "_dataoffset",
        "_fixedsize",
        "_ids",
        "_next_block",
        "_nextoffset",
        "_postfile",
        "_read_data",
        "_read_ids",
        "_read_values",
        "_read_weights",
        "_values",
        "_weights",
    ],
    "whoosh.writing.SegmentWriter": [
        "_added",
        "_check_fields",
        "_check_state",
        "_close_segment",
        "_commit_toc",
        "_doc_boost",
        "_field_boost",
        "_finalize_segment",
        "_finish",
        "_flush_segment",
        "_merge_segments",
    ],
    "whoosh.multiproc.MpWriter": ["_commit", "_enqueue", "_new_task"],
    "whoosh.filedb.filetables.HashWriter": ["_write_hashes"],
    "whoosh.multiproc.SubWriterTask": ["_process_file"],
    "whoosh.codec.whoosh3.W3PerDocReader": ["_cached_reader"],
    "whoosh.index.TOC": ["_latest_generation"],
    "whoosh.index.FileIndex": ["_segments"],
    "whoosh.reading.SegmentReader": ["_perdoc", "_terms"],
}
FAST_PATH: dict[str, list[str]] = {
    "whoosh.codec.whoosh3.W3TermsReader": [
        "_codec",
        "_fieldmap",
        "_keycoder",
        "_postfile",
        "_tindex",
    ],
    "whoosh.columns.NumericColumn.Reader": ["_basepos", "_count", "_dbfile", "_fixedlen"],
    "whoosh.query.terms.MultiTerm": ["_btexts"],
    "whoosh.codec.whoosh3.W3TermInfo": ["_struct"],
    "whoosh.system": ["_INT_SIZE", "_LONG_SIZE"],
    "whoosh.filedb.filetables": ["_pointer", "_lengths"],
}
# Storage's own names that Whoosh happens to use too (not reliance on Whoosh)
OWN = {"_", "_lengths", "_term_info", "_results"}


def _resolve(path: str) -> object:
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(path)


@cache
def _class_names(cls: type) -> frozenset[str]:
    """The names a class and its Whoosh bases define: methods, class attributes, self.x."""
    found: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("whoosh"):
            continue
        found.update(vars(klass))
        source = textwrap.dedent(inspect.getsource(klass))
        with warnings.catch_warnings():  # Whoosh 2.7's sources have invalid escapes
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                found.add(node.attr)
    return frozenset(found)


def missing(table: dict[str, list[str]]) -> list[str]:
    """`owner.name` for each name of the table the installed Whoosh does not define."""
    gone = []
    for owner, names in table.items():
        try:
            holder = _resolve(owner)
        except (ImportError, AttributeError):
            gone.append(f"{owner} (the whole {owner.rsplit('.', 1)[-1]})")
            continue
        defined = _class_names(holder) if isinstance(holder, type) else set(vars(holder))
        gone += [f"{owner}.{name}" for name in names if name not in defined]
    return gone


def storage_private_uses() -> set[str]:
    """The private Whoosh names storage's modules use (read, name, import or override)."""
    whoosh_names = whoosh_private_names()
    used: set[str] = set()
    for path in modules("indexer"):
        if STORAGE not in path.parents:
            continue
        for node in ast.walk(tree_of(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value]
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            else:
                continue
            used.update(n for n in names if n in whoosh_names and not n.startswith("__"))
    return used - OWN


def test_every_private_name_storage_uses_is_listed() -> None:
    listed = {name for table in (REQUIRED, FAST_PATH) for names in table.values() for name in names}
    unlisted = storage_private_uses() - listed
    assert not unlisted, f"storage uses private Whoosh names not in this contract: {unlisted}"


def test_the_installed_whoosh_has_every_required_name() -> None:
    gone = missing(REQUIRED)
    assert not gone, (
        f"Whoosh {whoosh.versionstring()} lacks what indexer/storage relies on: {', '.join(gone)}"
    )


def test_fast_paths_are_on_exactly_when_their_names_and_layouts_are_there() -> None:
    gone = missing(FAST_PATH)
    layouts = files.layout_differences()
    if whoosh.versionstring().startswith("3."):
        assert not gone and not layouts, (gone, layouts)
    assert (not layouts) == files.LAYOUT_OK
    for difference in layouts:
        assert "Newsdesk reads" in difference and "installed Whoosh has" in difference
