"""What a query says, through HTTP: dates in the query, all words or any word, did you mean,
the query told in words, where a bad query is wrong, the help page, the date histogram."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient

from helpers.brute_force import brute_filter
from helpers.pages import C, api, page, page_hits
from helpers.records import RECORDS, build_index
from webapp import create_app

# ---------------------------------------------------------------- histogram


def month_of(record: dict[str, Any]) -> str | None:
    return record["date"][:7] if record.get("date") else None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ["grain"]},
        {"q": ["grain"], "source": ["Reuters"]},
        {"q": ["odesa OR bakhmut"], "not_author": ["Mike Brest"]},
        {"source": ["AP"]},
    ],
)
def test_histogram_buckets_sum_to_the_total_with_totals_in_scope(
    client: FlaskClient, params: dict[str, list[str]]
) -> None:
    data = api(client, per_page=100, **params)
    hist = data["histogram"]
    assert hist["interval"] == "month"
    assert sum(b["count"] for b in hist["buckets"]) + hist["undated"] == data["total"]
    matched = [r for r in RECORDS if r["id"] in {h["id"] for h in data["hits"]}]
    scope = brute_filter({k: v for k, v in params.items() if k != "q"})
    keys = [b["key"] for b in hist["buckets"]]
    dated = sorted({month_of(r) for r in matched if month_of(r)})
    assert keys[0] == dated[0] and keys[-1] == dated[-1] and keys == sorted(keys)
    for bucket in hist["buckets"]:
        assert bucket["count"] == sum(1 for r in matched if month_of(r) == bucket["key"])
        assert bucket["total"] == sum(1 for r in scope if month_of(r) == bucket["key"])
    assert hist["undated"] == sum(1 for r in matched if not month_of(r))


@pytest.mark.parametrize(
    "days, labels",
    [
        (["2023-11-05", "2025-02-20"], ["2024-01", "2024-04", "2024-07", "2024-10", "2025-01"]),
        (["2024-03-01", "2024-05-09"], ["2024-03", "2024-04", "2024-05"]),
        (["2020-01-01", "2022-12-31"], ["2020", "2021", "2022"]),
        (["1987-02-01", "2024-06-01"], ["1990", "2000", "2010", "2020"]),
    ],
)
def test_histogram_axis_is_labelled_at_regular_ticks(
    tmp_path: Path, days: list[str], labels: list[str]
) -> None:
    records = [
        {"id": f"t{i}", "title": "Harvest", "body": "Harvest news.", "date": day}
        for i, day in enumerate(days)
    ]
    index = build_index(tmp_path, records)[1]
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    doc = page(app.test_client(), "/search?q=harvest")
    chart = doc.xpath(f"//section[{C('histogram')}]//svg")[0]
    assert [t.text_content() for t in chart.xpath(".//*[local-name()='text']")] == labels
    ticks = [float(t.get("x1")) for t in chart.xpath(f".//*[local-name()='line'][{C('tick')}]")]
    gaps = {round(b - a, 1) for a, b in itertools.pairwise(ticks)}
    assert len(ticks) == len(labels) and len(gaps) <= 1  # evenly spaced
    app.extensions["newsdesk"].close()


def test_histogram_has_every_month_between_and_years_beyond_three(tmp_path: Path) -> None:
    records = [
        {"id": f"h{i}", "title": "Harvest", "body": "Harvest news.", "date": day}
        for i, day in enumerate(["2019-01-05", "2019-03-01", "2023-06-30", "2023-07-01"])
    ]
    index = build_index(tmp_path, records)[1]
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    years = api(client, q="harvest")["histogram"]
    assert years["interval"] == "year"
    assert [(b["key"], b["count"]) for b in years["buckets"]] == [
        ("2019", 2), ("2020", 0), ("2021", 0), ("2022", 0), ("2023", 2),
    ]  # fmt: skip
    months = api(client, q="harvest", **{"from": "2019-01-01", "to": "2019-12-31"})["histogram"]
    assert [(b["key"], b["count"]) for b in months["buckets"]] == [
        ("2019-01", 1), ("2019-02", 0), ("2019-03", 1),
    ]  # fmt: skip
    doc = page(client, "/search?q=harvest")
    rows = doc.xpath(f"//section[{C('histogram')}]//tbody/tr")
    assert rows[0].xpath("./th")[0].text_content().strip() == "2019"
    link = rows[0].xpath(".//a")[0].get("href")
    assert parse_qs(urlsplit(link).query) == {
        "q": ["harvest"], "from": ["2019-01-01"], "to": ["2019-12-31"],
    }  # fmt: skip
    app.extensions["newsdesk"].close()


# ---------------------------------------------------------------- dates in the query


@pytest.mark.parametrize(
    "q, expected",
    [
        ("grain date:2024-01", {"r01", "r02"}),
        ("grain date:2024", {"r01", "r02", "r04", "r07"}),
        ("grain date:>2024-01", {"r04", "r07"}),
        ("grain date:>=2024-02", {"r04", "r07"}),
        ("grain date:<2024-02-28", {"r01", "r02"}),
        ("date:[2024-01-15 to 2024-02-28]", {"r02", "r03", "r04"}),
        ("date:[2024-02 to]", {"r03", "r04", "r05", "r07"}),
        ("odesa date:2023", {"r08"}),
    ],
)
def test_dates_in_the_query(client: FlaskClient, q: str, expected: set[str]) -> None:
    assert {h["id"] for h in api(client, q=q, per_page=100)["hits"]} == expected


def test_relative_dates_in_the_query(tmp_path: Path) -> None:
    today = date.today()
    first = today.replace(day=1)
    last_month_day = first - timedelta(days=1)
    records = [
        {"id": "today", "title": "Vote", "body": "Vote today.", "date": today.isoformat()},
        {"id": "lastmonth", "title": "Vote", "body": "Vote.", "date": last_month_day.isoformat()},
        {"id": "old", "title": "Vote", "body": "Old vote.", "date": "2001-05-05"},
    ]
    client = create_app({"TESTING": True, "INDEX_DIR": str(build_index(tmp_path, records)[1])})
    client_ = client.test_client()
    cases = {
        "vote date:today": {"today"},
        "vote date:'last month'": {"lastmonth"},
        "vote date:[last month to today]": {"today", "lastmonth"},
        "vote date:'last 90 days'": {"today", "lastmonth"},
        "vote date:<2002": {"old"},
    }
    for q, expected in cases.items():
        assert {h["id"] for h in api(client_, q=q)["hits"]} == expected, q
    explanation = api(client_, q="vote date:today")["explanation"]
    assert explanation == f"articles with vote and dated {today.isoformat()}"
    client.extensions["newsdesk"].close()


def test_an_unreadable_date_says_where(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"q": "grain date:someday"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "cannot read 'someday' as a date at position 12" in message


# ---------------------------------------------------------------- all words, any word


def test_no_document_with_every_word_relaxes_to_any_word(client: FlaskClient) -> None:
    strict = api(client, q="grain zeppelin")
    assert strict["relaxed"] is True and strict["mode"] == "all"
    grain = api(client, q="grain", per_page=100)
    assert strict["total"] == grain["total"] > 0
    assert strict["explanation"] == "articles with grain or zeppelin"
    doc = page(client, "/search?q=grain+zeppelin")
    assert "have any of them" in doc.xpath(f"//*[{C('relaxed')}]")[0].text_content()
    assert page_hits(doc) == [h["id"] for h in strict["hits"]]


def test_mode_chooses_all_or_any_word(client: FlaskClient) -> None:
    every = api(client, q="grain odesa", per_page=100)
    some = api(client, q="grain odesa", mode="any", per_page=100)
    assert {h["id"] for h in every["hits"]} == {"r01"} and not every["relaxed"]
    assert {h["id"] for h in some["hits"]} == {"r01", "r02", "r04", "r06", "r07", "r08"}
    assert not some["relaxed"] and some["mode"] == "any"
    assert some["hits"][0]["id"] == "r01"  # both words rank first
    doc = page(client, "/search?q=grain+odesa")
    (link,) = doc.xpath(f"//nav[{C('mode')}]//a")
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain odesa"], "mode": ["any"]}
    assert client.get("/api/search?q=x&mode=some").status_code == 400


# Each kind of clause, with the articles having "grain" that meet it: relaxing "grain zeppelin"
# (no article has both words) makes the two words alternatives and keeps the clause.
CLAUSES = [
    ({"source": "Reuters"}, "", {"r01", "r04", "r06"}, "from Reuters"),
    ({}, "date:2024-01", {"r01", "r02"}, "dated 2024-01-01 to 2024-01-31"),
    ({}, "title:grain", {"r01", "r06", "r07"}, "grain in title"),
    ({}, "NOT odesa", {"r02", "r04", "r06", "r07"}, "not odesa"),
    ({}, '"grain futures"', {"r02"}, '"grain futures"'),
    ({}, "(kharkiv OR odesa)", {"r01", "r04"}, "(kharkiv or odesa)"),
]


@pytest.mark.parametrize(("params", "clause", "expected", "told"), CLAUSES)
def test_relaxing_keeps_every_clause_but_the_free_words(
    client: FlaskClient, params: dict[str, str], clause: str, expected: set[str], told: str
) -> None:
    relaxed = api(client, q=f"grain zeppelin {clause}".strip(), per_page=100, feedback=0, **params)
    assert relaxed["relaxed"] is True
    assert {h["id"] for h in relaxed["hits"]} == expected
    plain = api(client, q=f"grain {clause}".strip(), per_page=100, **params)
    assert [h["id"] for h in relaxed["hits"]] == [h["id"] for h in plain["hits"]]
    words = "(grain or zeppelin)" if clause else "grain or zeppelin"
    assert relaxed["explanation"].startswith(f"articles with {words}")
    assert told in relaxed["explanation"]


@pytest.mark.parametrize(("params", "clause", "expected", "told"), CLAUSES)
def test_mode_any_makes_only_the_free_words_alternatives(
    client: FlaskClient, params: dict[str, str], clause: str, expected: set[str], told: str
) -> None:
    data = api(client, q=f"grain zeppelin {clause}".strip(), mode="any", per_page=100, **params)
    assert {h["id"] for h in data["hits"]} == expected and not data["relaxed"]
    assert told in data["explanation"]


def test_a_dated_query_with_no_match_never_drops_its_date(client: FlaskClient) -> None:
    """`odesa grain date:2023` has no article with both words in 2023: the relaxed answer is
    the 2023 article with either word (r08), not every article with one of them."""
    data = api(client, q="odesa zeppelin date:2023", per_page=100)
    assert data["relaxed"] is True and [h["id"] for h in data["hits"]] == ["r08"]
    told = "articles with (odesa or zeppelin) and dated 2023-01-01 to 2023-12-31"
    assert data["explanation"] == told
    assert api(client, q="zeppelin airship date:2023")["total"] == 0


def test_nothing_found_stays_unrelaxed(client: FlaskClient) -> None:
    data = api(client, q="zeppelin airship")
    assert (data["total"], data["relaxed"]) == (0, False)


# ---------------------------------------------------------------- did you mean, explanation


def test_did_you_mean_from_the_index_vocabulary(client: FlaskClient) -> None:
    data = api(client, q="grian")
    assert (data["total"], data["suggestion"]) == (0, "grain")
    assert api(client, q="corridr ships")["suggestion"] == "corridor ships"
    assert api(client, q="grain")["suggestion"] is None  # finds plenty
    assert api(client, q="zzzzqx")["suggestion"] is None  # nothing near
    doc = page(client, "/search?q=grian&source=Reuters")
    link = doc.xpath(f"//*[{C('suggestion')}]//a")[0]
    assert link.text_content() == "grain"
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": ["grain"], "source": ["Reuters"]}


SPELLING = [
    {
        "id": "m1",
        "title": "Inside the meat grinder",
        "body": "Soldiers call Bakhmut a meat grinder.",
    },
    {"id": "m2", "title": "Grind", "body": "The war is a grind, so they grind on."},
    {"id": "m3", "title": "Coffee", "body": "Grind the beans, so the coffee is fresh."},
    {"id": "m4", "title": "Mills", "body": "Mills grind grain so bakers can bake."},
    {"id": "p1", "title": "São Paulo votes", "body": "Voters in São Paulo chose a mayor."},
    {"id": "e1", "title": "Emoji", "body": "The emoji 🚀 spread on social media."},
    {"id": "e2", "title": "EMI sells", "body": "EMI sold its catalogue, so the label said."},
    {"id": "e3", "title": "EMI", "body": "EMI records and EMI music."},
    {"id": "z1", "title": "Zelensky in Kharkiv", "body": "Zelensky visited troops."},
    {"id": "z2", "title": "Zelensky speaks", "body": "Zelensky said the line holds."},
    {"id": "z3", "title": "Kyiv", "body": "President Zelensky met envoys."},
]


@pytest.fixture(scope="module")
def spelling_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    index = build_index(tmp_path_factory.mktemp("spelling"), SPELLING)[1]
    return create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()


@pytest.mark.parametrize(
    "q, suggested",
    [
        ('"meat grinder"', None),  # was "meat grind": grinder is a word of the index
        ("grinder", None),
        ("São Paulo", None),  # was "so Paulo"
        ("Sãu Paulo", None),  # never "so": an accent is meant
        ("emoji 🚀", None),  # was "emi 🚀"
        ("Zelenksy", "Zelensky"),  # swapped letters, in the word's case
        ("ZELENKSY", "ZELENSKY"),
        ("zelenksy kharkiv", "zelensky kharkiv"),
        ("zelenksy zeppelin", None),  # "zelensky zeppelin" finds no more than this
    ],
)
def test_did_you_mean_only_offers_better_queries(
    spelling_client: FlaskClient, q: str, suggested: str | None
) -> None:
    data = api(spelling_client, q=q)
    assert data["suggestion"] == suggested
    if suggested:  # it finds more with every word
        better = api(spelling_client, q=suggested)
        assert not better["relaxed"] and better["total"] > (0 if data["relaxed"] else data["total"])


@pytest.mark.parametrize(
    "params, words",
    [
        (
            {"q": "zelensky bakhmut", "source": "Reuters"},
            "articles with zelensky and bakhmut, from Reuters",
        ),
        ({"q": "grain OR wheat"}, "articles with grain or wheat"),
        ({"q": 'bakhmut NOT "meat grinder"'}, 'articles with bakhmut and not "meat grinder"'),
        ({"q": "(kyiv OR odesa) title:grain"}, "articles with (kyiv or odesa) and grain in title"),
        (
            {"q": "export*", "author": ["Ann Lee", "Bob Ray"]},
            "articles with export*, by Ann Lee or Bob Ray",
        ),
        (
            {"not_source": "AP", "from": "2024-01-01"},
            "all articles, not from AP, dated from 2024-01-01",
        ),
        (
            {"q": "grain", "mode": "any", "speaker": "Oleksandr Kubrakov"},
            "articles with grain, quoting Oleksandr Kubrakov",
        ),
    ],
)
def test_the_query_is_told_in_words(client: FlaskClient, params: dict, words: str) -> None:
    assert api(client, **params)["explanation"] == words
    doc = page(client, f"/search?{urlencode(params, doseq=True)}")
    assert doc.xpath(f"//*[{C('explanation')}]")[0].text_content() == f"Showing {words}."


# Text that cannot be query syntax: with strict=1, a 400 saying where; by default, its words.
NOT_SYNTAX = [
    ("(grain OR wheat", "the '(' at position 1 is never closed"),
    ("grain) wheat", "the ')' at position 6 has no matching '('"),
    ('grain "meat', 'the " at position 7 has no closing "'),
    ("grain title:", "'title:' at position 7 needs a term"),
]


@pytest.mark.parametrize("q, fragment", NOT_SYNTAX)
def test_strict_syntax_says_where_a_query_is_wrong(
    client: FlaskClient, q: str, fragment: str
) -> None:
    response = client.get("/api/search", query_string={"q": q, "strict": "1"})
    assert response.status_code == 400 and fragment in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "q, fragment",
    [
        ("grain colour:red", "unknown field 'colour:' at position 7"),
        ("grain date:someday", "cannot read 'someday' as a date at position 12"),
    ],
)
def test_explicit_syntax_that_is_wrong_is_refused_either_way(
    client: FlaskClient, q: str, fragment: str
) -> None:
    for strict in ("0", "1"):
        response = client.get("/api/search", query_string={"q": q, "strict": strict})
        assert response.status_code == 400 and fragment in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "q, words, note",
    [
        ("(grain OR wheat", "grain OR wheat", "the '(' at position 1 is never closed"),
        ("grain) wheat", "grain wheat", "the ')' at position 6 has no matching '('"),
        ('grain "futures', "grain futures", 'the " at position 7 has no closing "'),
        ("Update: grain", "update grain", "'Update:' at position 1 has no term after it"),
        ("<Grain> exports", "grain exports", "the '<' at position 1 is not a range"),
        ("* grain", "grain", "the '*' at position 1 has no word to stand in"),
        ("Is grain cheap?", "is grain cheap", "the '?' at position 15 ends a question"),
        ("*Grain* exports", "grain* exports", "the '*' at position 1 needs 2 letters"),
    ],
)
def test_pasted_text_that_is_not_syntax_is_searched_as_words(
    client: FlaskClient, q: str, words: str, note: str
) -> None:
    data = api(client, q=q, per_page=100, feedback=0)
    mode = "any" if "OR" in words else "all"
    plain = api(client, q=words, per_page=100, mode=mode, feedback=0)
    assert [h["id"] for h in data["hits"]] == [h["id"] for h in plain["hits"]]
    assert any(n.startswith(note) for n in data["query_notes"]), data["query_notes"]
    assert api(client, q=words)["query_notes"] == []
    doc = page(client, "/search?" + urlencode({"q": q}))
    told = doc.xpath(f"//*[{C('query-notes')}]")[0]
    assert note in told.text_content()
    (strict,) = told.xpath(".//a")
    assert parse_qs(urlsplit(strict.get("href")).query) == {"q": [q], "strict": ["1"]}


def test_reuters_headline_fragments_are_queries(client: FlaskClient) -> None:
    """Words pasted from real headlines ("<Mtg> 1St", "<Csys.O> 3Rd") were a 400."""
    for q in ("<Mtg> 1St", "<Csys.O> 3Rd"):
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert len(response.get_json()["query_notes"]) == 2


def test_help_page_is_linked_from_the_search_box(client: FlaskClient) -> None:
    doc = page(client, "/search?q=grain")
    (link,) = doc.xpath(f"//form[{C('searchbox')}]//a[{C('help-link')}]")
    help_doc = page(client, link.get("href"))
    text = help_doc.text_content()
    for syntax in (
        '"meat grinder"',
        "date:[2024-01 to 2024-03]",
        "date:'last month'",
        "OR",
        "mode=any",
    ):
        assert syntax in text, syntax


# ---------------------------------------------------------------- pasted text


def test_a_pasted_paragraph_is_a_query(client: FlaskClient) -> None:
    """A few hundred words pasted into the box (a paragraph, an abstract) search as words:
    no document has them all, so any of them match, ranked, and no "did you mean" is
    offered for a paragraph."""
    first = RECORDS[0]
    paragraph = " ".join([first["title"], first["body"]] * 20)
    words = paragraph.split()
    assert 200 < len(words) <= 512 and len(paragraph) > 1_000
    data = api(client, q=paragraph + " unheardofword")
    assert data["total"] > 0 and data["relaxed"] is True
    assert data["hits"][0]["id"] == first["id"]
    assert data["suggestion"] is None


def test_a_query_past_the_word_limit_is_refused_with_the_limit(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"q": " ".join(["grain"] * 600)})
    assert response.status_code == 400
    assert "at most 512" in response.get_json()["error"]["message"]
