"""The HTML pages through HTTP: each agrees with its JSON twin, hits, facet forms and
exclusions, the pager, the article page, and markup in every field kept inert."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient

from helpers.brute_force import facet_dict
from helpers.pages import ESCAPED_XSS, C, api, page, page_facets, page_hits
from helpers.records import XSS, write_jsonl
from indexer.writer import reindex
from webapp import create_app

# ---------------------------------------------------------------- pages


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "grain"},
        {"q": "grain", "sort": "newest"},
        {"q": "grain OR bakhmut", "per_page": "2", "page": "2"},
        {"author": ["Ann Lee", "Bob Ray"], "sort": "oldest"},
        {"q": "speaker:zelensky OR speaker:kubrakov", "source": "Reuters", "from": "2024-01-01"},
        {"q": "grain", "author": "Nobody"},
    ],
)
def test_html_and_json_agree(client: FlaskClient, query: dict[str, Any]) -> None:
    qs = urlencode(query, doseq=True)
    data = api(client, **query)
    doc = page(client, f"/search?{qs}")
    assert page_hits(doc) == [h["id"] for h in data["hits"]]
    assert page_facets(doc) == {k: v for k, v in facet_dict(data["facets"]).items() if v}
    summary = doc.xpath(f"//*[{C('total')}]")[0].text_content()
    assert f"of {data['total']} article" in " ".join(summary.split()) or (
        data["total"] == 0 and "No articles match" in summary
    )


def test_search_page_links_its_json_twin(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&author=Ann+Lee&sort=oldest")
    (link,) = doc.xpath("//link[@rel='alternate'][@type='application/json']")
    url = urlsplit(link.get("href"))
    assert url.path == "/api/search"
    assert parse_qs(url.query) == {"q": ["grain"], "author": ["Ann Lee"], "sort": ["oldest"]}
    assert client.get(link.get("href")).status_code == 200


def test_search_page_shows_hits(client: FlaskClient) -> None:
    doc = page(client, "/?q=corridor")
    (hit,) = doc.xpath(f"//li[{C('hit')}]")
    assert hit.xpath(".//h2/a")[0].get("href") == "/articles/r01"
    meta = hit.xpath(f".//*[{C('meta')}]")[0].text_content()
    for value in ("Ann Lee", "Reuters", "2024-01-10", "Odesa"):
        assert value in meta
    assert [m.text for m in hit.xpath(".//mark")] == ["corridor", "corridor"]


def test_facet_checkboxes_add_and_remove_filters(client: FlaskClient) -> None:
    source_form = f"//form[{C('facet-values')}][.//input[@type='checkbox'][@name='source']]"
    doc = page(client, "/search?q=grain")
    (form,) = doc.xpath(source_form)
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    assert hidden == [("q", "grain")]
    assert not form.xpath(".//input[@type='checkbox'][@checked]")
    assert "Reuters" in form.xpath(".//input[@type='checkbox']/@value")
    filtered = page(client, "/search?" + urlencode([*hidden, ("source", "Reuters")]))
    assert page_hits(filtered) == [
        h["id"] for h in api(client, q="grain", source="Reuters")["hits"]
    ]
    (remove,) = filtered.xpath(f"//*[{C('active-filters')}]//a[{C('remove')}]")
    assert parse_qs(urlsplit(remove.get("href")).query) == {"q": ["grain"]}
    (form,) = filtered.xpath(source_form)
    (box,) = form.xpath(f".//li[{C('selected')}]//input[@type='checkbox']")
    assert (box.get("value"), box.get("checked")) == ("Reuters", "checked")
    assert [i.get("name") for i in form.xpath(".//input[@type='hidden']")] == ["q"]


def test_pager_links(client: FlaskClient) -> None:
    doc = page(client, "/search?per_page=3&page=2")
    links = {a.text_content().strip(): a.get("href") for a in doc.xpath(f"//*[{C('pager')}]//a")}
    assert parse_qs(urlsplit(links["Next ›"]).query) == {"page": ["3"], "per_page": ["3"]}
    assert parse_qs(urlsplit(links["‹ Previous"]).query) == {"per_page": ["3"]}
    assert "4–6 of" in doc.xpath(f"//*[{C('total')}]")[0].text_content()


def test_article_page_shows_every_field(client: FlaskClient) -> None:
    doc = page(client, "/articles/r01")
    text = doc.text_content()
    for value in (
        "Grain exports resume from Odesa",
        "Ann Lee",
        "Trade correspondent",
        "2024-01-10",
        "Odesa",
        "Reuters",
        "articles.jsonl",
        "The grain corridor works",
        "Oleksandr Kubrakov",
    ):
        assert value in text, value
    assert doc.xpath(f"//*[{C('url')}]//a")[0].get("href") == "https://example.com/r01"
    paragraphs = [p.text_content() for p in doc.xpath(f"//*[{C('body')}]/p")]
    assert paragraphs == [
        "Ships loaded with grain left Odesa on Tuesday.",
        "The corridor held for a week.",
    ]
    (link,) = doc.xpath("//link[@rel='alternate'][@type='application/json']")
    assert link.get("href") == "/api/articles/r01"


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=grain",
        "/search?q=grain&sort=newest",
        "/search",
        "/articles/r07",
        f"/search?author={XSS}",
    ],
)
def test_markup_in_every_field_is_inert(client: FlaskClient, url: str) -> None:
    response = client.get(url, query_string=None)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in body and "alert(1)</script>" not in body
    assert ESCAPED_XSS in body
    assert 'href="javascript:' not in body


def test_article_page_escapes_every_field(client: FlaskClient) -> None:
    doc = page(client, "/articles/r07")
    assert not doc.xpath("//script[not(starts-with(@src, '/static/'))]")
    text = doc.text_content()
    assert text.count(XSS) >= 7  # title, author, role, location, source, body, quote, speaker
    assert doc.xpath(f"//*[{C('url')}]")[0].text_content().strip() == "javascript:alert(1)"
    assert not doc.xpath(f"//*[{C('url')}]//a")


def test_search_page_escapes_hits_and_facets(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    assert not doc.xpath("//script[not(starts-with(@src, '/static/'))]")
    (hit,) = [h for h in doc.xpath(f"//li[{C('hit')}]") if XSS in h.text_content()]
    assert hit.text_content().count(XSS) >= 4  # title, author, source, location (+ snippets)
    facet_values = [
        v.text_content() for v in doc.xpath(f"//section[{C('facet')}]//*[{C('value')}]")
    ]
    assert facet_values.count(XSS) == 4  # author, source, location, speaker


def test_article_page_shows_how_each_field_was_extracted(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.txt").write_text(
        "Grain ships leave Odesa\n\nODESA (Reuters) - Three ships left the port on Monday.\n"
    )
    write_jsonl(corpus / "export.jsonl", [{"id": "j1", "title": "From JSON", "body": "Text."}])
    reindex([str(corpus)], str(tmp_path / "ix"), workers=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")})
    client = app.test_client()
    text_id = client.get("/api/search?q=odesa").get_json()["hits"][0]["id"]
    for url, field, rule_word in ((f"/articles/{text_id}", "location", "dateline"),
                                  ("/articles/j1", "title", "jsonl")):  # fmt: skip
        doc = page(client, url)
        (panel,) = doc.xpath(f"//details[{C('explain')}]")
        assert "How this was extracted" in panel.xpath("./summary")[0].text_content()
        rows = {
            tr.xpath("./th")[0].text_content(): tr.xpath("./td")[0].text_content()
            for tr in panel.xpath(".//tbody/tr")
        }
        assert rule_word in rows[field].lower(), rows
    app.extensions["newsdesk"].close()


# ---------------------------------------------------------------- exclusions, facet search


def test_excluded_values_show_as_removable_not_chips(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&not_source=Reuters&not_source=AP")
    chips = doc.xpath(f"//*[{C('active-filters')}]/li[{C('excluded')}]")
    assert [" ".join(c.text_content().split()) for c in chips] == [
        "source: not Reuters ×",
        "source: not AP ×",
    ]
    remove = chips[0].xpath(f".//a[{C('remove')}]")[0].get("href")
    assert parse_qs(urlsplit(remove).query) == {"q": ["grain"], "not_source": ["AP"]}
    assert set(page_hits(doc)) == {"r07"}


def test_facet_values_link_to_their_exclusion(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    (link,) = doc.xpath(f"//section[{C('facet')}]//a[{C('exclude')}][contains(@href, 'AP')]")
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain"], "not_source": ["AP"]}
    assert "r02" not in page_hits(page(client, "/search" + link.get("href")))


def test_facet_search_form_filters_the_list_without_javascript(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&facet_q_author=bo")
    (form,) = doc.xpath(f"//form[{C('facet-search')}][.//input[@name='facet_q_author']]")
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"q": "grain"}
    assert page_facets(doc)["author"] == {"Bob Ray": 2}
    assert api(client, q="grain", facet_q_author="bo")["facets"]["author"] == [
        {"value": "Bob Ray", "count": 2}
    ]


@pytest.fixture(scope="module")
def many_authors(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An index of 45 articles by 45 authors, 30 of them named Lee: more than a facet lists."""
    root = tmp_path_factory.mktemp("authors")
    records = [
        {"id": f"a{n}", "title": f"Harbour note {n}", "date": f"2024-01-{n % 28 + 1:02d}",
         "author": f"{'Lee' if n < 30 else 'Ray'} {n:02d}", "body": "The harbour reopened."}
        for n in range(45)
    ]  # fmt: skip
    write_jsonl(root / "corpus" / "a.jsonl", records)
    reindex([str(root / "corpus")], str(root / "ix"))
    app = create_app({"INDEX_DIR": str(root / "ix"), "TESTING": True})
    yield app.test_client()
    app.extensions["newsdesk"].close()


@pytest.mark.parametrize("query, shown, more", [({}, 20, 25), ({"facet_q_author": "lee"}, 20, 10)])
def test_a_cut_facet_list_says_how_many_more_and_links_them_all(
    many_authors: FlaskClient, query: dict[str, str], shown: int, more: int
) -> None:
    doc = page(many_authors, f"/search?{urlencode({'q': 'harbour', **query})}")
    assert len(page_facets(doc)["author"]) == shown
    (note,) = doc.xpath(f"//p[{C('more-values')}]")
    assert " ".join(note.text_content().split()).startswith(f"{more} more author values")
    listed = many_authors.get(note.xpath(".//a")[0].get("href")).get_json()
    assert listed["total"] == len(listed["values"]) == shown + more
    assert listed["prefix"] == query.get("facet_q_author", "")


def test_a_full_facet_list_says_nothing_more(client: FlaskClient) -> None:
    assert not page(client, "/search?q=grain").xpath(f"//p[{C('more-values')}]")


@pytest.mark.parametrize(
    "url", ["/search?q=grain", "/quotes", "/search?q=%22short+note%22", "/search?q=nothingatall"]
)
def test_the_page_says_how_many_matches_are_undated(client: FlaskClient, url: str) -> None:
    """The histogram and the month list count dated matches; the page says how many more
    have no date, as the JSON's `undated` does, even when none has a date."""
    path, _, query = url.partition("?")
    data = client.get(f"/api{path}?{query}").get_json()
    undated = data["histogram"]["undated"]
    doc = page(client, url)
    text = " ".join(doc.xpath("//aside")[0].text_content().split())
    if undated:
        assert f"{undated} undated" in text
    else:
        assert "undated" not in text
    months = sum(f["count"] for f in data["facets"]["month"])
    assert months + undated == data["total"]


# ---------------------------------------------------------------- compact view


def compact_rows(doc: Any) -> list[dict[str, str]]:
    """The compact table's rows, column header → cell text."""
    (table,) = doc.xpath(f"//table[{C('compact')}]")
    heads = [th.text_content().strip() for th in table.xpath("./thead//th")]
    return [
        dict(zip(heads, (td.text_content().strip() for td in row.xpath("./td")), strict=True))
        for row in table.xpath("./tbody/tr")
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "grain"},
        {"q": "grain OR bakhmut", "sort": "oldest", "per_page": "3", "page": "2"},
        {"source": "Reuters"},
    ],
)
def test_compact_view_lists_the_same_hits_one_line_each(
    client: FlaskClient, query: dict[str, str]
) -> None:
    data = api(client, **query)
    doc = page(client, "/search?" + urlencode({**query, "view": "compact"}))
    rows = compact_rows(doc)
    assert [r["Title"].removesuffix(" +1") for r in rows] == [
        h["title"] or "(untitled)" for h in data["hits"]
    ]
    for row, hit in zip(rows, data["hits"], strict=True):
        assert (row["Date"], row["Source"], row["Author"]) == (
            (hit["date"] or "")[:10],
            hit["source"] or "",
            hit["author"] or "",
        )
    assert not doc.xpath(f"//ol[{C('hits')}]")  # the full view is not drawn as well
    assert api(client, **query, view="compact") == data  # the JSON is the same either way


def test_compact_view_of_quotes_names_the_speaker(client: FlaskClient) -> None:
    data = client.get("/api/quotes", query_string={"q": "grain"}).get_json()
    rows = compact_rows(page(client, "/quotes?q=grain&view=compact"))
    assert [r["Speaker"] for r in rows] == [h["speaker"] or "unattributed" for h in data["hits"]]
    assert [r["Quote"] for r in rows] == [h["text"] for h in data["hits"]]


def test_the_view_is_chosen_on_the_page_and_kept_in_its_links(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain&per_page=2")
    (link,) = doc.xpath(f"//nav[{C('view')}]//a")
    assert link.text_content() == "compact"
    compact = parse_qs(urlsplit(link.get("href")).query)
    assert compact == {"q": ["grain"], "per_page": ["2"], "view": ["compact"]}
    doc = page(client, "/search?" + urlencode(compact, doseq=True))
    kept = [a.get("href") for a in doc.xpath(f"//nav[{C('sort')} or {C('pager')}]//a")]
    kept += [a.get("href") for a in doc.xpath("//aside//a[contains(@href, 'q=')]")]
    assert kept and all("view=compact" in href for href in kept), kept
    fields = {i.get("name"): i.get("value") for i in doc.xpath("//form//input[@type='hidden']")}
    assert fields.get("view") == "compact"  # a new search keeps the view
    assert client.get("/search?q=grain&view=table").status_code == 400
