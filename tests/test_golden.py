"""Golden responses: what the HTTP interface answers to a fixed list of requests, frozen.

The app runs over a fixed corpus (samples/ plus the first 2,000 Reuters-21578 articles from
../shared) and answers every request in tests/golden/requests.txt; a JSON answer that has a
`next` cursor is followed once. Each answer is reduced to its status, content type and body with
what changes from one build to the next masked (export build ids and times, cursors), and
compared with tests/golden/responses.json.

The file keeps a digest of each body and a short readable outline (hit ids, totals, first
facet values), not the text itself: the Reuters articles stay in ../shared. When a change of
behaviour is intended, regenerate it and review the outline diff in the commit:

    NEWSDESK_GOLDEN=write .venv/bin/python -m pytest tests/test_golden.py

With NEWSDESK_GOLDEN_DUMP=DIR every masked body is also written under DIR, so two runs can be
compared with `diff -r`.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from helpers.paths import REPO, SAMPLES, shared_path
from webapp import create_app

GOLDEN = REPO / "tests" / "golden"
REQUESTS = GOLDEN / "requests.txt"
RESPONSES = GOLDEN / "responses.json"
REUTERS_ARTICLES = 2000
CORPUS = Path("/tmp/newsdesk-golden/corpus")  # the same absolute path on every machine

pytestmark = pytest.mark.slow

_BUILD = re.compile(r"\b\d{8}T\d{6}-\d+\b")
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_CURSOR = re.compile(r"(cursor=)[A-Za-z0-9_\-.%]+")


@pytest.fixture(scope="module")
def golden_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The index, and the folder of the corpus it was built from.

    An article without an id of its own is named by a hash of its file's absolute path, so
    the corpus is copied to the same absolute path (CORPUS) on every machine, under a lock
    (two test runs at once would otherwise rewrite each other's corpus)."""
    shared_path("corpora", "reuters21578")
    from bench.corpus import reuters_records
    from indexer.writer import reindex

    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    with open(CORPUS.parent / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(CORPUS, ignore_errors=True)
        shutil.copytree(SAMPLES, CORPUS / "samples")
        with open(CORPUS / "reuters.jsonl", "w", encoding="utf-8") as out:
            for record in itertools.islice(reuters_records(), REUTERS_ARTICLES):
                out.write(json.dumps(record) + "\n")
        index_dir = tmp_path_factory.mktemp("golden-index")
        # One writing process, so that document numbers, and with them the order of hits that
        # tie (same score or same date), are the same in every build.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "cpu_count", lambda: 1)
            reindex([str(CORPUS / "samples"), str(CORPUS / "reuters.jsonl")], str(index_dir))
        yield index_dir, CORPUS


@pytest.fixture(scope="module")
def golden_client(golden_index: tuple[Path, Path]) -> Iterator[FlaskClient]:
    index_dir, corpus = golden_index
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    client.folders = {str(corpus): "<corpus>", str(REPO): "<repo>"}  # type: ignore[attr-defined]
    yield client
    app.extensions["newsdesk"].close()


def golden_requests() -> list[str]:
    lines = REQUESTS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _masked_json(value: Any) -> Any:
    if isinstance(value, dict):
        masked = {k: _masked_json(v) for k, v in value.items()}
        for key in ("build", "exported_at"):
            if masked.get(key) is not None:
                masked[key] = f"<{key}>"
        if masked.get("next") is not None:
            masked["next"] = "<cursor>"
        return masked
    if isinstance(value, list):
        return [_masked_json(v) for v in value]
    return value


def _masked_text(text: str) -> str:
    text = _BUILD.sub("<build>", text)
    text = _TIMESTAMP.sub("<time>", text)
    return _CURSOR.sub(r"\1<cursor>", text)


def _body(response: Any) -> tuple[str, Any]:
    """The masked body as text, and its JSON value (None when it is not JSON)."""
    kind = response.mimetype
    if kind == "application/json":
        value = _masked_json(response.get_json())
        return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1), value
    text = response.get_data(as_text=True)
    if kind == "application/x-ndjson" or text.startswith('{"manifest"'):
        lines = [_masked_json(json.loads(line)) for line in text.splitlines() if line]
        return "\n".join(
            json.dumps(line, sort_keys=True, ensure_ascii=False) for line in lines
        ), None
    return _masked_text(text), None


def _outline(status: int, value: Any, text: str) -> dict[str, Any]:
    """A few readable facts about an answer, so that a changed digest says what changed."""
    outline: dict[str, Any] = {"status": status}
    if isinstance(value, dict):
        for key in ("total", "exact", "query", "explanation", "suggestion", "name", "count"):
            if key in value:
                outline[key] = value[key]
        if isinstance(value.get("error"), dict):
            outline["error"] = value["error"].get("message")
        for key in ("id", "title", "speaker", "article_id"):
            if isinstance(value.get(key), str):
                outline[key] = value[key]
        for key in ("hits", "values", "articles", "quotes", "related", "sources", "months"):
            items = value.get(key)
            if isinstance(items, list):
                outline[key] = [_item_id(item) for item in items]
        if isinstance(value.get("facets"), dict):
            outline["facets"] = {
                name: [f"{v.get('value')}={v.get('count')}" for v in values[:3]]
                for name, values in value["facets"].items()
                if isinstance(values, list)
            }
    else:
        outline["lines"] = text.count("\n") + 1
    return outline


def _item_id(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("id") or item.get("value") or item.get("article_id")
    return item


def answer(client: FlaskClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    text, value = _body(response)
    for folder, name in client.folders.items():  # type: ignore[attr-defined]
        text = text.replace(folder, name)
    return {
        "status": response.status_code,
        "type": response.mimetype,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "outline": _outline(response.status_code, value, text),
        "_text": text,
        "_next": (response.get_json() or {}).get("next") if value is not None else None,
    }


def answers(client: FlaskClient) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in golden_requests():
        first = found[path] = answer(client, path)
        if first["_next"]:
            joiner = "&" if "?" in path else "?"
            found[f"{path} (next)"] = answer(
                client, f"{path}{joiner}cursor={quote(first['_next'])}"
            )
    return found


def test_golden_requests_cover_every_endpoint() -> None:
    paths = golden_requests()
    assert len(paths) >= 100
    for prefix in (
        "/api/search?",
        "/api/quotes?",
        "/api/facets/",
        "/api/quotes/facets/",
        "/speakers/",
        "/api/speakers/",
        "/api/articles/",
        "/api/search.csv",
        "/api/search.jsonl",
        "/api/quotes.csv",
    ):
        assert any(p.startswith(prefix) for p in paths), prefix
    assert any(p.endswith("/similar") for p in paths)


def test_responses_equal_the_golden_ones(golden_client: FlaskClient, tmp_path: Path) -> None:
    found = answers(golden_client)
    dump = os.environ.get("NEWSDESK_GOLDEN_DUMP")
    if dump:
        _dump(found, Path(dump))
    stored = {
        key: {k: v for k, v in a.items() if not k.startswith("_")} for key, a in found.items()
    }
    if os.environ.get("NEWSDESK_GOLDEN") == "write":
        RESPONSES.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n", "utf-8")
        pytest.skip(f"wrote {RESPONSES}")
    golden = json.loads(RESPONSES.read_text(encoding="utf-8"))
    assert sorted(stored) == sorted(golden), "the list of answers changed"
    changed = [key for key in golden if stored[key] != golden[key]]
    if changed:
        _dump(found, tmp_path)
        details = "\n".join(
            f"{key}\n  was {golden[key]['outline']}\n  now {stored[key]['outline']}"
            for key in changed[:10]
        )
        pytest.fail(
            f"{len(changed)} of {len(golden)} answers changed (bodies in {tmp_path}):\n{details}"
        )


def _kept(found_answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found_answer.items() if not k.startswith("_")}


def _dump(found: dict[str, dict[str, Any]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (key, found_answer) in enumerate(sorted(found.items())):
        name = f"{number:03d}-" + re.sub(r"[^\w.-]+", "_", key)[:80]
        (folder / name).write_text(f"{key}\n{found_answer['status']}\n{found_answer['_text']}")
