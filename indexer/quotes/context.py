"""What attribution reads around each quotation: the masked body cut into sentences, the
people it mentions and the sentence subjects noted so far, each found by position."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from indexer.quotes import rules
from indexer.quotes.kinds import PERSON
from indexer.quotes.patterns import ARTICLE_OPENING, CUE_WORD, SENTENCE_END, WORD_BEFORE_DOT
from indexer.quotes.people import Cast, Mention, Person


def find_sentences(masked: str, paragraphs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each sentence, never crossing a paragraph."""
    out: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs:
        start = p_start
        for m in SENTENCE_END.finditer(masked, p_start, p_end):
            if _ends_in_abbreviation(masked, m.start()):
                continue
            out.append((start, m.end()))
            start = m.end()
        out.append((start, p_end))
    return out


def _ends_in_abbreviation(text: str, dot: int) -> bool:
    word = WORD_BEFORE_DOT.search(text[max(0, dot - 12) : dot])
    w = word.group().lower() if word else ""
    return text[dot] == "." and (len(w) == 1 or w in rules.ABBREVIATIONS)


@dataclass
class ArticleContext:
    """The state of attribution over one body: masked text, mentions, subjects, sentences."""

    masked: str
    cast: Cast
    mentions: list[Mention]
    sentences: list[tuple[int, int]]
    subjects: list[tuple[int, Person]] = field(default_factory=list)
    # positions of the mentions, sentences, subjects and cue verbs, for bisection
    _mention_starts: list[int] = field(init=False)
    _sentence_starts: list[int] = field(init=False)
    _subject_starts: list[int] = field(init=False)
    cue_starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self._mention_starts = [m.start for m in self.mentions]
        self._sentence_starts = [s for s, _ in self.sentences]
        self._subject_starts = [p for p, _ in self.subjects]
        self.cue_starts = [m.start() for m in CUE_WORD.finditer(self.masked)]

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """The mentions lying inside [start, end), in order."""
        i = bisect.bisect_left(self._mention_starts, start)
        j = bisect.bisect_left(self._mention_starts, end, i)
        return [m for m in itertools.islice(self.mentions, i, j) if m.end <= end]

    def mentions_from(self, start: int) -> Iterator[Mention]:
        """The mentions from `start` on, in order."""
        return itertools.islice(
            self.mentions, bisect.bisect_left(self._mention_starts, start), None
        )

    def mention_at(self, start: int, end: int) -> Mention | None:
        """The last mention lying inside [start, end)."""
        found = self.mentions_in(start, end)
        return found[-1] if found else None

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        return self.sentences[max(i, 0)]

    def sentence_end_after(self, pos: int) -> int:
        """End of the sentence that starts at or runs through `pos`, spaces skipped."""
        while pos < len(self.masked) and self.masked[pos] in " \t\u00a0":
            pos += 1
        return max(self.sentence_of(pos)[1], pos)

    def colon_sentence_before(self, sent_start: int) -> int:
        """Start of the previous paragraph's last sentence if it ends in a colon, else the
        given start."""
        i = bisect.bisect_left(self.sentences, (sent_start, -1))
        if i == 0:
            return sent_start
        prev_start, prev_end = self.sentences[i - 1]
        between = self.masked[prev_end:sent_start]
        if "\n" in between and self.masked[prev_start:prev_end].rstrip().endswith(":"):
            return prev_start
        return sent_start

    def note_subject(self, pos: int, person: Person | None) -> None:
        if person is not None and person.is_person:
            i = bisect.bisect_right(self._subject_starts, pos)
            self._subject_starts.insert(i, pos)
            self.subjects.insert(i, (pos, person))

    def subject_before(self, pos: int) -> Person | None:
        """The person last named as a subject before `pos` ("he" resolves to them)."""
        i = bisect.bisect_left(self._subject_starts, pos)
        return self.subjects[i - 1][1] if i else None

    def subjects_in(self, start: int, end: int) -> list[Person]:
        """The people named as subjects in [start, end), in order."""
        lo = bisect.bisect_left(self._subject_starts, start)
        hi = bisect.bisect_left(self._subject_starts, end, lo)
        return [p for _, p in self.subjects[lo:hi]]

    def _paragraph_subject(self, text: str, start: int) -> Person | None:
        """The person last named as a subject earlier in the paragraph, for a role no one's
        role says: "Harry M. Reid (D-Nev.) blasted Rubio. '...,' the Senate minority leader
        said" (a role that is another's, "the senator" for a governor, is not them)."""
        head = text.lower().split()[-1]
        if head not in rules.ROLE_NOUNS:
            return None
        found = self.subjects_in(self.masked.rfind("\n", 0, start) + 1, start)
        person = found[-1] if found else None
        if person is None or person.kind != PERSON or person.never_speaks:
            return None
        return person if not person.role or head in person.role_words() else None

    def _count_before(self, pos: int) -> int:
        """How many mentions start before `pos` (no one named later is meant by "the senator")."""
        return bisect.bisect_left(self._mention_starts, pos)

    def resolve(self, text: str, start: int) -> Person | None:
        """The person a subject phrase found at `start` stands for."""
        text = text.strip()
        if text.lower() in rules.PERSON_PRONOUNS:
            return self.subject_before(start)
        if ARTICLE_OPENING.match(text):
            # "the Senate minority leader": the person named before with that role, else the
            # organisation named in the phrase ("the Acme spokesman"), never a place in it
            named = [m.person for m in itertools.islice(self.mentions, self._count_before(start))]
            person = self.cast.by_role(text, named + self.subjects_in(0, start))
            mention = self.mention_at(start, start + len(text))
            if person is None and mention is not None and not mention.person.never_speaks:
                return mention.person
            return person or self._paragraph_subject(text, start)
        mention = self.mention_at(start, start + len(text))
        return mention.person if mention else None
