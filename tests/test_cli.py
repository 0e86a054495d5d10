"""`newsdesk parse` as users run it: JSON Lines out, errors on stderr, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

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
        "location", "source", "url", "body", "quotes",
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
