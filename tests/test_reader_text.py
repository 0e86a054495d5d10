"""The text reader: aggregator dump variants, plain text, datelines, errors, shared corpora."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers.paths import shared_path
from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import Source, detect, parse_file, parse_source
from indexer.readers.text import READER

NBSP = "\u00a0"
FIELDS = ("site", "title", "author", "author_role", "date", "location", "source")
BODY = (
    "Ukrainian troops will keep defending the town, the president said.",
    "The two sides have fought over it for months.",
    "Officials expect the fighting to go on through the spring.",
)


def dump(
    *,
    site: str = "THE AMERICA ONE NEWS",
    date: str = f"Feb 22, 2025{NBSP} |{NBSP} ",
    counter: str = "0",
    location: str | None = f"{NBSP}| Remer,MN",
    sponsors: int = 1,
    nav: bool = True,
    byline: str | None = "Mike Brest, Defense Reporter",
    title: str = "NextImg:Ukraine holds the line",
    body: tuple[str, ...] = (
        *BODY[:2],
        "CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER",
        BODY[2],
    ),
    eol: str = "\n",
) -> str:
    """An aggregator page dump in the seed's layout, built from its parts."""
    header = [site, date, counter]
    header += [location] if location is not None else []
    header += [f"Sponsor:{NBSP} QWIKET AI:{NBSP} Your Daily Brief."] * sponsors
    header += [f"back{NBSP} {NBSP}", "topic"] if nav else []
    header += [byline] if byline is not None else []
    lines = [*header, "", "", title, ""]
    for paragraph in body:
        lines += [paragraph, ""]
    return eol.join(lines)


def parse_text(text: str) -> list[Article | ParseError]:
    """Everything the registry makes of one in-memory file."""
    return list(parse_source(Source(path="article.txt", data=text.encode(), key="/x/article.txt")))


def parse_one(text: str) -> Article:
    items = parse_text(text)
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def assert_fields(article: Article, expected: dict[str, Any]) -> None:
    got = {name: getattr(article, name) for name in expected}
    assert got == expected


SEED_FIELDS = {
    "site": "The America One News",
    "title": "Ukraine holds the line",
    "author": "Mike Brest",
    "author_role": "Defense Reporter",
    "date": "2025-02-22",
    "location": "Remer, MN",
    "source": "Washington Examiner",
    "body": "\n\n".join(BODY),
}

AGGREGATOR_CASES = [
    ("full layout", {}, SEED_FIELDS),
    ("no author line", {"byline": None}, {"author": None, "author_role": None}),
    (
        "author without role",
        {"byline": "Glenn Thrush"},
        {"author": "Glenn Thrush", "author_role": None},
    ),
    (
        "several authors with a role",
        {"byline": "Jane Roe and John Doe, Staff Writers"},
        {"author": "Jane Roe and John Doe", "author_role": "Staff Writers"},
    ),
    (
        "several authors, no role",
        {"byline": "Jane Roe, John Doe"},
        {"author": "Jane Roe, John Doe", "author_role": None},
    ),
    (
        "By line kept as printed",
        {"byline": "By JIM SMITH, Technology Editor"},
        {"author": "By JIM SMITH", "author_role": "Technology Editor"},
    ),
    ("no location", {"location": None}, {"location": None, "date": "2025-02-22"}),
    ("location with space", {"location": "| Fort Wayne, IN"}, {"location": "Fort Wayne, IN"}),
    ("hyphenated city", {"location": "| Winston-Salem,NC"}, {"location": "Winston-Salem, NC"}),
    (
        "no NextImg prefix",
        {"title": "Kasich: 'We Are Going All The Way'"},
        {"title": "Kasich: 'We Are Going All The Way'", "author": "Mike Brest"},
    ),
    (
        "no NextImg and no author",
        {"title": "Why Republicans Won't Renounce Trump", "byline": None},
        {"title": "Why Republicans Won't Renounce Trump", "author": None},
    ),
    (
        "no sponsor or navigation lines",
        {"sponsors": 0, "nav": False, "location": None},
        {"site": "The America One News", "author": "Mike Brest", "title": "Ukraine holds the line"},
    ),
    (
        "many sponsor lines",
        {"sponsors": 6},
        {"author": "Mike Brest", "date": "2025-02-22", "body": SEED_FIELDS["body"]},
    ),
    (
        "source line first in body",
        {"body": ("CLICK HERE TO READ MORE FROM THE USA TODAY", *BODY)},
        {"source": "USA Today", "body": SEED_FIELDS["body"]},
    ),
    (
        "source line last",
        {"body": (*BODY, "CLICK HERE TO READ MORE FROM THE DAILY CALLER")},
        {"source": "Daily Caller", "body": SEED_FIELDS["body"]},
    ),
    ("no source line", {"body": BODY}, {"source": None, "body": SEED_FIELDS["body"]}),
    (
        "cross-promotion headlines removed",
        {
            "body": (
                BODY[0],
                "SENATE REPUBLICANS UNVEIL NEW BORDER PLAN",
                BODY[1],
                "WHAT TO KNOW ABOUT THE FED'S NEXT MOVE",
                BODY[2],
            )
        },
        {"body": SEED_FIELDS["body"]},
    ),
    (
        "short capitalised labels kept",
        {"body": ("ABSTRACT.", BODY[0], "WATCHDOG MEMO", BODY[1])},
        {"body": f"ABSTRACT.\n\n{BODY[0]}\n\nWATCHDOG MEMO\n\n{BODY[1]}"},
    ),
    ("CRLF line ends", {"eol": "\r\n"}, SEED_FIELDS),
    (
        "stray non-breaking spaces",
        {"title": f"NextImg:Ukraine{NBSP}holds the line{NBSP}", "body": (f"Troops{NBSP} held.",)},
        {"title": "Ukraine holds the line", "body": "Troops held."},
    ),
    (
        "dateline kept in aggregator body",
        {"location": None, "body": ("Beirut (AFP) – Activists mourned.",)},
        {"location": None, "body": "Beirut (AFP) – Activists mourned."},
    ),
    ("full month name", {"date": "September 9, 2025 |"}, {"date": "2025-09-09"}),
    ("site name in mixed case", {"site": "Daily Digest"}, {"site": "Daily Digest"}),
    ("location without comma", {"location": "| Remer MN"}, {"location": "Remer, MN"}),
    (
        "byline apart from header, no NextImg",
        {"byline": "", "title": "Mike Brest, Defense Reporter\n\nUkraine holds the line"},
        {
            "author": "Mike Brest",
            "author_role": "Defense Reporter",
            "title": "Ukraine holds the line",
        },
    ),
    (
        "byline right above NextImg title",
        {"byline": None, "title": "Mike Brest\nNextImg:Ukraine holds the line"},
        {"author": "Mike Brest", "title": "Ukraine holds the line"},
    ),
    (
        "promotion above the title is no byline",
        {"byline": None, "title": "HOUSE PASSES STOPGAP SPENDING BILL\n\nNextImg:Ukraine holds"},
        {"author": None, "title": "Ukraine holds"},
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in AGGREGATOR_CASES],
    ids=[case[0] for case in AGGREGATOR_CASES],
)
def test_aggregator_variants(overrides: dict[str, Any], expected: dict[str, Any]) -> None:
    article = parse_one(dump(**overrides))
    assert article.format == "text"
    assert_fields(article, expected)


PLAIN_CASES = [
    (
        "headline and body",
        "Markets calm after the vote\n\nStocks rose on Monday.\n\nBonds were flat.\n",
        {
            "title": "Markets calm after the vote",
            "body": "Stocks rose on Monday.\n\nBonds were flat.",
            "site": None,
            "author": None,
            "date": None,
            "location": None,
            "source": None,
        },
    ),
    (
        "Reuters dateline",
        "Stocks rise\n\nNEW YORK (Reuters) - Stocks rose on Monday.\n",
        {"location": "New York", "source": "Reuters", "body": "Stocks rose on Monday."},
    ),
    (
        "bare capitals dateline",
        "Senate votes\n\nWASHINGTON - The Senate voted late.\n",
        {"location": "Washington", "source": None, "body": "The Senate voted late."},
    ),
    (
        "AFP dateline with en dash",
        "Activists mourn\n\nBeirut (AFP) – Activists mourned the revolt.\n",
        {"location": "Beirut", "source": "AFP", "body": "Activists mourned the revolt."},
    ),
    (
        "dateline with region",
        "Science fellows\n\nDAKAR, Senegal (AP) — Evelyn Gitau became a chemist.\n",
        {"location": "Dakar, Senegal", "source": "AP", "body": "Evelyn Gitau became a chemist."},
    ),
    (
        "dateline with a date",
        "Mukasey speaks\n\nCLEVELAND, July 19 (UPI) — Mukasey told delegates.\n",
        {"location": "Cleveland", "source": "UPI", "body": "Mukasey told delegates."},
    ),
    (
        "abbreviated state kept",
        "Debate night\n\nHEMPSTEAD, N.Y. ― If it worked once, it might again.\n",
        {"location": "Hempstead, N.Y.", "body": "If it worked once, it might again."},
    ),
    (
        "prose with dashes is no dateline",
        "Trump speaks\n\nTrump - the nominee - spoke at length.\n",
        {"location": None, "body": "Trump - the nominee - spoke at length."},
    ),
    (
        "short capitals opening is no dateline",
        "Trade talks\n\nUS - China talks resumed.\n",
        {"location": None, "source": None, "body": "US - China talks resumed."},
    ),
    (
        "dateline with a bracketed country",
        "Cricket\n\nNagpur (India) (AFP) – Nabi hit fifty.\n",
        {"location": "Nagpur, India", "source": "AFP", "body": "Nabi hit fifty."},
    ),
    (
        "short sentences on separate lines stay apart",
        "Briefs\n\nFirst item.\nSecond item.\n",
        {"body": "First item.\n\nSecond item."},
    ),
    (
        "hard-wrapped lines join",
        "Wrapped story\n\nThe first line of a wrapped\nparagraph ends here.\n\nSecond one.\n",
        {"body": "The first line of a wrapped paragraph ends here.\n\nSecond one."},
    ),
    (
        "one paragraph per long line",
        "Long lines\n" + f"{'a' * 90} one.\n{'b' * 90} two.\n",
        {"body": f"{'a' * 90} one.\n\n{'b' * 90} two."},
    ),
    (
        "headline running on to a second line",
        "For Trump, lessons from a brother's pain;\nFree-spirited sibling died at 43.\n\nBody.\n",
        {
            "title": "For Trump, lessons from a brother's pain; Free-spirited sibling died at 43",
            "body": "Free-spirited sibling died at 43.\n\nBody.",
        },
    ),
    (
        "headline full stop dropped, abbreviation kept",
        "Clinton visits the U.S.\n\nShe arrived.\n",
        {"title": "Clinton visits the U.S.", "body": "She arrived."},
    ),
    (
        "byline and date line",
        "Budget deal\n\nBy Jane Roe\n\nMarch 3, 2016\n\nLawmakers agreed.\n",
        {"author": "Jane Roe", "date": "2016-03-03", "body": "Lawmakers agreed."},
    ),
    (
        "CRLF and non-breaking spaces",
        f"Budget{NBSP}deal\r\n\r\nLawmakers{NBSP} agreed.\r\n",
        {"title": "Budget deal", "body": "Lawmakers agreed."},
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in PLAIN_CASES],
    ids=[case[0] for case in PLAIN_CASES],
)
def test_plain_text(text: str, expected: dict[str, Any]) -> None:
    assert_fields(parse_one(text), expected)


ERROR_CASES = [
    ("empty", "", "no text"),
    ("whitespace only", f"  \n{NBSP}\n\t\n", "no text"),
    ("headline only", "Just a headline\n", "no body"),
    ("aggregator without body", dump(body=()), "no body"),
]


@pytest.mark.parametrize(
    ("text", "reason"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_unreadable_text_is_a_parse_error(text: str, reason: str) -> None:
    source = Source(path="bad.txt", data=text.encode(), key="/x/bad.txt")
    (item,) = READER.read(source)
    assert isinstance(item, ParseError)
    assert (item.path, item.reason) == ("bad.txt", reason)


def test_headline_only_file_yields_error(tmp_path: Path) -> None:
    path = tmp_path / "headline.txt"
    path.write_text("Only a headline\n\n\n", encoding="utf-8")
    (item,) = parse_file(str(path))
    assert isinstance(item, ParseError) and item.reason == "no body"


SNIFF_CASES = [
    ("aggregator dump", dump(), "text", 0.8),
    ("minimal aggregator dump", dump(sponsors=0, nav=False, location=None, body=BODY), "text", 0.8),
    ("plain text", "Headline\n\nBody text.\n", "text", 0.3),
    ("html page", "<!DOCTYPE html><html><body><p>Hi</p></body></html>", "html", 0.3),
    ("json lines", '{"title": "A", "body": "B"}\n', "jsonl", 0.3),
]


@pytest.mark.parametrize(
    ("text", "reader", "score"),
    [case[1:] for case in SNIFF_CASES],
    ids=[case[0] for case in SNIFF_CASES],
)
def test_sniff(text: str, reader: str, score: float) -> None:
    source = Source(path="x", data=text.encode(), key="/x")
    assert READER.sniff(source) == score
    assert detect(source).name == reader


@pytest.mark.parametrize(
    "text",
    [dump(), dump(byline=None, title="Plain title"), "Stocks\n\nNEW YORK (Reuters) - Up.\n"],
    ids=["aggregator", "aggregator without NextImg", "plain with dateline"],
)
def test_explain_covers_every_field_set(text: str) -> None:
    article = parse_one(text)
    set_fields = {name for name in (*FIELDS, "language", "body") if getattr(article, name)}
    assert set(article.explain) == set_fields
    assert all(article.explain.values())


def test_seed_fields(seed_path: Path) -> None:
    (article,) = parse_file(str(seed_path))
    assert isinstance(article, Article)
    assert_fields(
        article,
        {
            "title": (
                "Zelensky says Ukraine can't give up on Bahkmut as Russian mercenaries claim gains"
            ),
            "author": "Mike Brest",
            "author_role": "Defense Reporter",
            "date": "2025-02-22",
            "location": "Remer, MN",
            "source": "Washington Examiner",
            "site": "The America One News",
        },
    )
    assert article.body.startswith("Ukrainian troops will continue")
    assert "CLICK HERE" not in article.body and "CHINESE FOREIGN MINISTER" not in article.body
    assert NBSP not in article.body and article.explain["title"] == "aggregator: NextImg line"


# --- shared labelled corpora ----------------------------------------------------------------


def _norm(value: str | None) -> str:
    text = re.sub(r"\s*,\s*", ", ", (value or "").replace(NBSP, " "))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _body_f1(predicted: str, gold: str) -> float:
    pred, want = (
        Counter(re.findall(r"\w+", predicted.lower())),
        Counter(re.findall(r"\w+", gold.lower())),
    )
    common = sum((pred & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _field_matches(field: str, got: str | None, want: str | None) -> bool:
    if field == "source":  # a credit line cannot tell whether "The" is part of the name
        return _norm(got).removeprefix("the ") == _norm(want).removeprefix("the ")
    return _norm(got) == _norm(want)


def test_aggregator_corpus_matches_truth() -> None:
    root = shared_path("corpora", "aggregator")
    truth = [json.loads(line) for line in (root / "truth.jsonl").read_text().splitlines() if line]
    hits, f1s = [], []
    for record in truth:
        (article,) = parse_file(str(root / record["file"]))
        assert isinstance(article, Article), article
        hits += [_field_matches(f, getattr(article, f), record.get(f)) for f in FIELDS[1:]]
        f1s.append(_body_f1(article.body, record["body"]))
    assert sum(hits) / len(hits) >= 0.99
    assert statistics.mean(f1s) >= 0.98


def test_polnear_articles_parse_as_plain_text_with_body_intact() -> None:
    root = shared_path("corpora", "quotes", "data")
    for path in sorted(root.glob("*/text/*.txt")):
        (article,) = parse_file(str(path))
        assert isinstance(article, Article), article
        assert (article.format, article.site, article.author, article.date) == ("text", *[None] * 3)
        original = path.read_text(encoding="utf-8").split("\n", 1)[1]
        want = Counter(re.findall(r"\w+", original.lower()))
        missing = want - Counter(re.findall(r"\w+", article.body.lower()))
        assert sum(missing.values()) <= 5, (path.name, missing)  # at most a dateline
