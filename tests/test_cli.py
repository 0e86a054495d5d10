"""`newsdesk parse` as users run it: JSON Lines out, errors on stderr, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from helpers.copies import syndicated_quote_records
from helpers.records import build_index
from webapp import create_app
from webapp.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_parse_directory_gives_paths_under_the_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "news" / "deep").mkdir(parents=True)
    (tmp_path / "news" / "deep" / "one.txt").write_text("Headline one\n\nBody one.\n")
    (tmp_path / "news" / "two.txt").write_text("Headline two\n\nBody two.\n")
    monkeypatch.chdir(tmp_path)
    result = invoke("parse", "news")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_path = {r["path"]: r["title"] for r in records}
    assert by_path == {"news/deep/one.txt": "Headline one", "news/two.txt": "Headline two"}


def test_parse_reports_failures_and_prints_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Headline\n\nBody.\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = invoke("parse", str(empty), str(good), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    assert [json.loads(x)["path"] for x in result.stdout.splitlines()] == [str(good)]
    assert result.stderr.splitlines() == [
        f"{empty}: empty file",
        f"{tmp_path / 'missing.txt'}: no such file or directory",
    ]


def test_parse_record_has_every_article_field(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nBody.\n")
    record = json.loads(invoke("parse", str(tmp_path / "a.txt")).stdout)
    assert set(record) == {
        "id", "path", "format", "site", "title", "author", "author_role", "date",
        "location", "source", "url", "language", "body", "quotes",
    }  # fmt: skip
    explained = json.loads(invoke("parse", "--explain", str(tmp_path / "a.txt")).stdout)
    assert "explain" in explained


def test_console_script_runs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nBody.\n")
    exe = Path(sys.executable).with_name("newsdesk")
    proc = subprocess.run(
        [str(exe), "parse", str(tmp_path / "a.txt")], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "Headline"


def test_search_prints_hits_and_json(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Grain corridor reopens\n\nShips left Odesa with grain on Monday.\n"
    )
    (corpus / "b.txt").write_text("Rates held steady\n\nThe central bank kept rates unchanged.\n")
    ix = str(tmp_path / "ix")
    assert invoke("reindex", str(corpus), "--index", ix).exit_code == 0
    text = invoke("search", "grain", "--index", ix)
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0] == "1 article matches 'grain'"
    assert "Grain corridor reopens" in text.stdout and "Rates held" not in text.stdout
    data = json.loads(invoke("search", "rates OR grain", "--json", "--index", ix).stdout)
    assert data["total"] == 2 and len(data["hits"]) == 2


def test_search_reports_a_bad_query(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nBody.\n")
    ix = str(tmp_path / "ix")
    invoke("reindex", str(tmp_path / "a.txt"), "--index", ix)
    result = invoke("search", "title:(", "--index", ix, "--strict")
    assert result.exit_code == 1
    assert "parenthes" in result.stderr
    result = invoke("search", "headline:grain", "--index", ix)
    assert result.exit_code == 1
    assert "unknown field 'headline:'" in result.stderr


def test_search_reads_pasted_text_as_words(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nBody.\n")
    ix = str(tmp_path / "ix")
    invoke("reindex", str(tmp_path / "a.txt"), "--index", ix)
    result = invoke("search", "(headline", "--index", ix)
    assert result.exit_code == 0
    assert "1 article matches" in result.stdout
    assert "read as words: the '(' at position 1 is never closed" in result.stderr


def test_search_without_index_explains(tmp_path: Path) -> None:
    result = invoke("search", "x", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "reindex" in result.stderr


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FlaskClient]]:
    """An index of wire stories in three copies with their quotations, and the app over it."""
    index = build_index(tmp_path_factory.mktemp("wire"), syndicated_quote_records())[1]
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    yield str(index), app.test_client()
    app.extensions["newsdesk"].close()


@pytest.mark.parametrize(
    "options, path, params",
    [
        (["--quotes", "--speaker", "Ivo Brand"], "/api/quotes", {"speaker": "Ivo Brand"}),
        (
            ["--quotes", "--no-dedupe", "--speaker", "Ivo Brand", "--speaker", "Mara Quell"],
            "/api/quotes",
            {"dedupe": "0", "speaker": ["Ivo Brand", "Mara Quell"]},
        ),
        (
            ["harbour", "--quotes", "--not-speaker", "Ivo Brand", "--from", "2024-03-11",
             "--to", "2024-03-12", "--sort", "oldest"],
            "/api/quotes",
            {"q": "harbour", "not_speaker": "Ivo Brand", "from": "2024-03-11",
             "to": "2024-03-12", "sort": "oldest"},
        ),
        (
            ["--source", "Valley Post", "--source", "Daily Ledger", "--not-month", "2024-02",
             "--facet-q", "source", "va", "--limit", "3", "--page", "2", "--dedupe"],
            "/api/search",
            {"source": ["Valley Post", "Daily Ledger"], "not_month": "2024-02",
             "facet_q_source": "va", "per_page": "3", "page": "2", "dedupe": "1"},
        ),
        (
            ["read OR harbour", "--any", "--feedback", "--snippet-chars", "120", "--strict",
             "--author", "Nobody", "--not-author", "Ann Lee", "--location", "Kyiv",
             "--not-location", "Odesa", "--month", "2024-03", "--not-source", "AP"],
            "/api/search",
            {"q": "read OR harbour", "mode": "any", "feedback": "1", "snippet_chars": "120",
             "strict": "1", "author": "Nobody", "not_author": "Ann Lee", "location": "Kyiv",
             "not_location": "Odesa", "month": "2024-03", "not_source": "AP"},
        ),
    ],
)  # fmt: skip
def test_search_options_are_the_api_parameters(
    wire: tuple[str, FlaskClient], options: list[str], path: str, params: dict[str, Any]
) -> None:
    """The CLI translates its options to the API's parameters and nothing more: the same
    answer, filters, folding of copies, facets and all."""
    index, client = wire
    result = invoke("search", *options, "--json", "--index", index)
    assert result.exit_code == 0, result.stderr
    expected = client.get(path, query_string=params).get_json()
    assert json.loads(result.stdout) == expected
    assert expected["total"] > 0 or "Nobody" in options


def test_search_quotes_prints_each_quote_once(wire: tuple[str, FlaskClient]) -> None:
    index, client = wire
    result = invoke("search", "--quotes", "--speaker", "Ivo Brand", "--index", index)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "3 quotes"  # one per story, not one per copy
    hits = client.get("/api/quotes?speaker=Ivo+Brand").get_json()["hits"]
    said = [line for line in lines if line.startswith(("1. ", "2. ", "3. "))]
    assert said == [f"{n}. \u201c{h['text']}\u201d" for n, h in enumerate(hits, start=1)]
    assert f"   Ivo Brand  [{hits[0]['id']}]" in lines
    every = invoke("search", "harbour", "--quotes", "--no-dedupe", "--index", index)
    assert every.stdout.splitlines()[0] == "12 quotes match 'harbour'"


@pytest.mark.parametrize(
    "options, message",
    [
        (["--month", "2024"], "'month' takes a month as YYYY-MM"),
        (["--from", "2024-13-01"], "'from' must be a date as YYYY-MM-DD"),
        (["--from", "2024-03-12", "--to", "2024-03-01"], "'from' is after 'to'"),
        (["--facet-q", "colour", "x"], "Invalid value for '--facet-q'"),
    ],
)
def test_search_reports_a_bad_filter(
    wire: tuple[str, FlaskClient], options: list[str], message: str
) -> None:
    result = invoke("search", "--quotes", *options, "--index", wire[0])
    assert result.exit_code in (1, 2) and message in result.stderr
