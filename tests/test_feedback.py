"""Relevance feedback through HTTP (webapp/search/feedback.py): an any-word ranking reorders
its best matches by the words its best matches share, and changes nothing else."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from helpers.pages import api
from helpers.records import build_index
from webapp import create_app

GRAIN = "Grain ships left the Odesa port through the Black Sea corridor with the harvest"
RECORDS = [
    *(
        {
            "id": f"w{n}",
            "title": f"Wheat exports, week {n}",
            "body": f"{GRAIN}. Wheat exports rose to {n} million tonnes, traders said.",
        }
        for n in range(1, 13)
    ),
    # about the same subject without the word "wheat": only feedback can tell
    {
        "id": "corridor",
        "title": "Port report",
        "body": f"{GRAIN}; exports of maize and barley followed, the port said on Monday.",
    },
    # "exports" once, about something else, and shorter: BM25F ranks it above "corridor"
    {"id": "cars", "title": "Car makers", "body": "Car exports rose in May."},
    {"id": "bread", "title": "Bread", "body": "Bake the bread with flour and water."},
    *(  # the rest of the news: the subject's words are rare in the index
        {"id": f"n{n}", "title": f"{topic} news {n}", "body": f"The {topic} story number {n}."}
        for n, topic in enumerate(["Football", "Weather", "Election", "Theatre"] * 10)
    ),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    index = build_index(tmp_path_factory.mktemp("feedback"), RECORDS)[1]
    return create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()


def ids(data: dict) -> list[str]:
    return [h["id"] for h in data["hits"]]


def test_feedback_ranks_an_article_on_the_subject_above_one_sharing_a_word(
    client: FlaskClient,
) -> None:
    plain = api(client, q="wheat exports", mode="any", feedback=0, per_page=20)
    fed = api(client, q="wheat exports", mode="any", per_page=20)
    assert ids(plain).index("cars") < ids(plain).index("corridor")  # BM25F alone
    assert ids(fed).index("corridor") < ids(fed).index("cars")  # the subject's words
    assert set(ids(fed)) == set(ids(plain)) and fed["total"] == plain["total"]
    assert fed["facets"] == plain["facets"] and fed["histogram"] == plain["histogram"]
    before = {h["id"]: h["score"] for h in plain["hits"]}
    assert all(h["score"] >= before[h["id"]] for h in fed["hits"])  # scores only rise


def test_every_word_rankings_keep_bm25f_unless_asked(client: FlaskClient) -> None:
    every = api(client, q="exports", per_page=20)
    assert ids(every) == ids(api(client, q="exports", feedback=0, per_page=20))
    plain = {h["id"]: h["score"] for h in every["hits"]}
    forced = api(client, q="exports", feedback=1, per_page=20)
    assert any(h["score"] > plain[h["id"]] for h in forced["hits"])


def test_pages_after_feedback_walk_every_match_once(client: FlaskClient) -> None:
    whole = api(client, q="wheat exports bread", mode="any", per_page=50)
    seen: list[str] = []
    for page in range(1, -(-whole["total"] // 4) + 1):
        seen += ids(api(client, q="wheat exports bread", mode="any", per_page=4, page=page))
    assert seen == ids(whole) and len(seen) == whole["total"]


def test_feedback_is_a_flag(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"q": "wheat", "feedback": "maybe"})
    assert response.status_code == 400 and "feedback" in response.get_json()["error"]["message"]
