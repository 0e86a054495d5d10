"""Quote records kept in step with their articles by incremental reindex, and quotations found
in plain text bodies searchable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.brute_force import facet_dict
from helpers.pages import page
from helpers.quotes import (
    EXTRA,
    brute_quote_facets,
    get_json,
    quote_ids,
    quote_rows,
    quotes_api,
    row_id,
    speaker_url,
)
from helpers.records import RECORDS, build_index, write_jsonl
from indexer.manifest import open_index
from indexer.writer import reindex
from webapp import create_app

# ---------------------------------------------------------------- incremental reindex


def stored_docs(index: Path) -> tuple[set[str], dict[str, str]]:
    """Article ids, and quote id → its article id, straight from the index."""
    with open_index(str(index)).searcher() as searcher:
        docs = list(searcher.all_stored_fields())
    articles = {d["id"] for d in docs if d["kind"] == "article"}
    quotes = {d["id"]: d["article"] for d in docs if d["kind"] == "quote"}
    return articles, quotes


def assert_in_step(index: Path, records: list[dict[str, Any]]) -> None:
    """The index holds exactly these articles and their quotes: no orphan, no stale record."""
    articles, quotes = stored_docs(index)
    assert articles == {r["id"] for r in records}
    assert quotes == {row_id(row): row[0]["id"] for row in quote_rows(records)}


def test_reindex_keeps_quote_records_in_step(tmp_path: Path) -> None:
    corpus, index = build_index(tmp_path, RECORDS[:4])
    write_jsonl(corpus / "more.jsonl", EXTRA[:2])
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, RECORDS[:4] + EXTRA[:2])
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    assert quote_ids(client, q="forty") == ["q01#q2"]

    # A file's quotes change: one quote fewer, one new text.
    changed = [dict(r) for r in RECORDS[:4]]
    changed[2]["quotes"] = [{"text": "Bakhmut holds out", "speaker": "Volodymyr Zelensky"}]
    write_jsonl(corpus / "articles.jsonl", changed)
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, changed + EXTRA[:2])
    assert quote_ids(client, q="grinder") == []
    assert quote_ids(client, q="bakhmut") == ["r03#q1"]
    assert quotes_api(client)["total"] == len(quote_rows(changed + EXTRA[:2]))

    # An article moves to another file under the same id: its old quotes go with it.
    moved = {**EXTRA[0], "quotes": EXTRA[0]["quotes"][:1]}
    (corpus / "more.jsonl").unlink()
    write_jsonl(corpus / "moved.jsonl", [moved])
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, [*changed, moved])
    assert quote_ids(client, q="forty") == []

    # A deleted file takes its articles and their quotes.
    (corpus / "moved.jsonl").unlink()
    reindex([str(corpus)], str(index), workers=1)
    assert_in_step(index, changed)
    assert get_json(client, speaker_url("Oleksandr Kubrakov", api=True))["total"] == 1
    speaker_facet = facet_dict(quotes_api(client)["facets"])["speaker"]
    assert speaker_facet == brute_quote_facets(quote_rows(changed))["speaker"]
    app.extensions["newsdesk"].close()


def test_quotes_found_in_plain_text_bodies_are_searchable(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.txt").write_text(
        "Ports reopen in Odesa\n\n"
        'ODESA (Reuters) - Ships left the port on Monday. "The corridor works and the '
        'ships keep sailing," Oleksandr Kubrakov said.\n'
    )
    reindex([str(corpus)], str(tmp_path / "ix"), workers=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")})
    client = app.test_client()
    (hit,) = quotes_api(client, q="corridor")["hits"]
    assert "corridor works" in hit["text"]
    doc = page(client, hit["link"].split("#")[0])
    (mark,) = doc.xpath(f"//mark[@id='q{hit['n']}']")
    assert "corridor works" in mark.text_content()
    app.extensions["newsdesk"].close()
