"""Generated syndicated copies for the dedupe, export and feed tests."""

from __future__ import annotations

import random
from typing import Any

WORDS = (  # noqa: SIM905
    "minister harbour grain council vote budget river storm bridge court election factory "
    "strike union price market bank export import border police school hospital doctor farm "
    "drought harvest rail port oil gas power plant mayor senate treaty summit army ship road "
    "tax wage job rent house museum festival team coach match season stadium fire flood"
).split()
SITES = ("Daily Ledger", "Coast Courier", "Valley Post")


def story(rng: random.Random, words: int = 300) -> str:
    sentences, current = [], []
    for _ in range(words):
        current.append(rng.choice(WORDS))
        if len(current) >= rng.randint(8, 14):
            sentences.append(" ".join(current).capitalize() + ".")
            current = []
    return " ".join(sentences + ([" ".join(current) + "."] if current else []))


def edited(text: str, rng: random.Random, edits: int = 2) -> str:
    words = text.split()
    for _ in range(edits):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def syndicated_records(stories: int = 4, seed: int = 5) -> list[dict[str, Any]]:
    """`stories` wire stories, each on three sites (other headline, boilerplate, small edits,
    dated a day apart), plus as many unrelated stories."""
    rng = random.Random(seed)
    records = []
    for n in range(stories):
        body = story(rng)
        for i, site in enumerate(SITES):
            records.append(
                {
                    "id": f"s{n}-{i}",
                    "title": f"{site} headline {n} version {i}",
                    "date": f"2024-03-{10 + n:02d}T0{i}:00:00",
                    "source": site,
                    "site": site.lower().replace(" ", ""),
                    "body": f"{site.upper()} - {edited(body, rng) if i else body}\n\n"
                    f"Read more from the {site} at our website. Subscribe today.",
                }
            )
        records.append(
            {
                "id": f"u{n}",
                "title": f"Unrelated story {n}",
                "date": f"2024-03-{10 + n:02d}T05:00:00",
                "source": SITES[n % 3],
                "body": story(rng),
            }
        )
    return records


# What the copies of each wire story quote: the text as each copy prints it (outlets retype
# marks, case and spacing), and its speaker. `None`: that copy cut the quotation.
WIRE_QUOTES = (
    ("We will rebuild the harbour", "Mara Quell", ("We will rebuild the harbour",
     "we will  rebuild the harbour", "\u201cWe will rebuild the harbour\u201d")),
    ("It's not over", "Ivo Brand", ("It's not over", "It\u2019s not over", None)),
)  # fmt: skip


def syndicated_quote_records(stories: int = 3, seed: int = 7) -> list[dict[str, Any]]:
    """syndicated_records with quotations: each copy of a story quotes WIRE_QUOTES as that
    copy prints them, and each unrelated story quotes Mara Quell's words again (another
    statement: counted). The last story's copies are undated."""
    records = syndicated_records(stories, seed)
    for record in records:
        n, _, copy = record["id"][1:].partition("-")
        if record["id"].startswith("u"):
            record["quotes"] = [{"text": WIRE_QUOTES[0][0], "speaker": "Mara Quell"}]
            continue
        record["quotes"] = [
            {"text": printed[int(copy)], "speaker": speaker}
            for _, speaker, printed in WIRE_QUOTES
            if printed[int(copy)] is not None
        ]
        if int(n) == stories - 1:
            record.pop("date")
    return records
