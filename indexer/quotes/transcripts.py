"""Interview and debate transcripts: `WALLACE: Do you accept ...` lines are quotations.

A transcript gives each turn on a line of its own, the speaker's name in capitals and a colon
before the words, with no quotation marks. A body holds a transcript when at least MIN_TURNS
such lines of at least two speakers are found; a lone "UPDATE:" or "NOTE:" line is no turn.
Each turn is one quotation whose speaker is the name read as the article's other mentions are
(`WALLACE` is "Chris Wallace" when the article names him in full).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.quotes import rules
from indexer.quotes.spans import MIN_WORDS

MIN_TURNS = 2

# Capital letters of the Latin and Cyrillic alphabets: "MÜLLER:", "ЗЕЛЕНСЬКИЙ:"
_CAP = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁЄІЇҐ"
# A line's opening capitals and colon: "WALLACE:", "MR. TRUMP:", "SEN. TIM KAINE:"
_TURN = re.compile(
    rf"^[ \t]*(?P<name>(?:[{_CAP}][{_CAP}'\u2019\-]*\.?[ \t]+){{0,3}}[{_CAP}][{_CAP}'\u2019\-]+):"
    r"[ \t]+(?P<words>\S[^\n]*)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Turn:
    """One speaker's turn: the offsets of its words in the body and the name as written."""

    start: int
    end: int
    name: tuple[str, ...]  # "Mr.", "Trump": capitalised as a name is


def find_turns(body: str) -> list[Turn]:
    """The turns of the transcript in `body`, or none when it holds no transcript."""
    turns = [
        Turn(m.start("words"), m.end("words"), _as_name(m.group("name")))
        for m in _TURN.finditer(body)
        if not _is_label(m.group("name")) and len(m.group("words").split()) >= MIN_WORDS
    ]
    if len(turns) < MIN_TURNS or len({t.name for t in turns}) < 2:
        return []
    return turns


def _is_label(name: str) -> bool:
    if len(name.replace(".", "")) < 3:
        return True  # "Q", "A", "AP"
    return any(w.rstrip(".") in rules.TRANSCRIPT_LABELS for w in name.casefold().split())


def _as_name(capitals: str) -> tuple[str, ...]:
    """ "MR. TRUMP" as ("Mr.", "Trump"); "O'ROURKE" as ("O'Rourke",)."""
    return tuple(_capitalised(word) for word in capitals.split())


_WORD_START = re.compile(r"(^|[\-'\u2019])(\w)")


def _capitalised(word: str) -> str:
    return _WORD_START.sub(lambda m: m.group(1) + m.group(2).upper(), word.lower())
