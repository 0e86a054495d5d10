"""The regular expressions of the quotation finder, built once from the word lists of `rules`.

Quotation marks; capitalised runs that may hold a name (titles, initials, name particles); cue
verbs, the subjects and appositives around them; roles; sentence ends. Patterns that read
context run on the masked body, in which `MASK` stands for each quoted character, so `~` is
left out wherever a phrase must not run into a quotation.
"""

from __future__ import annotations

import re

from indexer.quotes import rules

MASK = "~"


def _alternation(words: frozenset[str] | set[str]) -> str:
    """A regex matching any of `words`, as a trie: "s(?:a(?:id|y(?:ing|s)?)|...)".

    The engine tries a flat alternation of two hundred verbs one by one at every word; a trie
    fails on the first letter that fits no word, which makes scanning a body several times faster.
    """
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_branch(root)


def _trie_branch(node: dict[str, dict]) -> str:
    branches = [re.escape(ch) + _trie_branch(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    group = f"(?:{'|'.join(branches)})"
    return group + "?" if "" in node else group


# Quotation marks, and the words of a quotation
OPENERS = "\u201c\u201e"
CLOSERS = "\u201d"
STRAIGHT = '"'
MARKS = re.compile(r"[\"\u201c\u201d\u201e]")
WORD = re.compile(r"\w+")
NOT_SPACE = re.compile(r"\S")
DATED_TITLE = re.compile(r"\s*\([^()]{0,40}\b(?:1[89]|20)\d\d\b[^()]{0,40}\)")


# Capitalised runs: titles, initials, names and their particles
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"


def _abbreviation_tails() -> str:
    """The letters after the capital of each title abbreviation: "(?<=M)(?:r(?:s)?|s|t)|..."."""
    tails: dict[str, set[str]] = {}
    for abbreviation in rules.ABBREVIATIONS:
        if "." not in abbreviation:
            titled = abbreviation.title()
            tails.setdefault(titled[0], set()).add(titled[1:])
    return "|".join(f"(?<={first}){_alternation(t)}" for first, t in sorted(tails.items()))


# Every token starts with the capital, so a scan skips to capitals without trying each branch.
_TOKEN = (
    rf"[{_UPPER}](?:\.(?:[{_UPPER}]\.)+"  # U.S.
    rf"|(?:{_abbreviation_tails()})\."  # Sen. Gov. Mr.
    rf"|[\w\u2019'\-]*\w"  # Zelensky, O'Rourke, Lopez-Cantera
    r"|\.?)"  # initials
)
_PARTICLES = "|".join(sorted(rules.NAME_PARTICLES | {"of"}))
_PARTICLE_CHAIN = rf"(?:{_PARTICLES})(?:[ \u00a0]+(?:{_PARTICLES}))*(?=[ \u00a0]+[{_UPPER}])"
_RUN = rf"{_TOKEN}(?:[ \u00a0]+(?:{_TOKEN}|{_PARTICLE_CHAIN}))*"
NAME_RUN = re.compile(_RUN)
_NAME_PARTICLES = "|".join(sorted(rules.NAME_PARTICLES))
PARTICLES_BEFORE = re.compile(
    rf"(?<![\w\u2019'\-.])(?:(?:{_NAME_PARTICLES})[ \u00a0]+)+$"  # "von der " before "Leyen"
)
POSSESSIVE_END = re.compile(r"[\u2019']s?$")


# Cue verbs, and the subjects, appositives and noun phrases around them
_CUES = _alternation(rules.CUE_VERBS)
_ROLE_WORDS = _alternation(rules.ROLE_NOUNS)
_ADVERBS = (  # and "to": "advisers like Gene Sperling to counter that"
    r"(?:(?:\w+ly|also|later|then|once|previously|recently|again|has|had|have|would|will|did"
    r"|to)\s+)*"
)
_ROLE_NP = rf"(?:[Tt]he|[Aa]n?)\s+(?:[\w\-\u2019']+\s+){{0,3}}?(?:{_ROLE_WORDS})"
_SUBJECT = rf"(?:{_RUN}|[Hh]e|[Ss]he|{_ROLE_NP})"
_APPOSITIVE = (
    r"(?:\s*\([^()]{1,40}\))?"
    r"(?:,\s+(?=[a-z\d]|(?:A|An|The)\s)[^,;:\u201c\u201d\"~]{1,140}?,)?,?"
)
_LEAD = r"^[\s,;:\u2014\u2013\-\u201d\"]*"

# cue verbs are ASCII words, and ASCII word boundaries make the scan of a body much faster
CUE_WORD = re.compile(rf"\b(?:{_CUES})\b", re.ASCII)
_PHRASE_WORD = r"[\w\u2019'&.\-]+"
SUBJECT_CUE_AFTER = re.compile(
    rf"{_LEAD}(?P<subj>(?:{_PHRASE_WORD}\s+){{0,9}}?{_PHRASE_WORD}){_APPOSITIVE}\s+{_ADVERBS}"
    rf"(?:{_CUES})\b"
)
CUE_SUBJECT_AFTER = re.compile(rf"{_LEAD}{_ADVERBS}(?:{_CUES})\s+(?P<np>[^,;:\u201c\"~(]+)")
ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?P<np>[^,;:\u201c\"~(]+)", re.IGNORECASE)
LATER_CUE = re.compile(
    rf",\s+(?:(?P<subj>(?:{_PHRASE_WORD}\s+){{0,5}}?{_PHRASE_WORD})\s+{_ADVERBS}(?:{_CUES})"
    rf"|(?:{_CUES})\s+(?P<np>[^,;:\u201c\"~(]+?)(?:,\s+[a-z][^;:\u201c\"~]*)?)[\s.!?]*$"
)
# `," another friend, Mariam Emara told CNN`: a name set off after an indefinite role
ROLE_THEN_NAME_CUE_AFTER = re.compile(
    rf"{_LEAD}(?:an?|another|one|two|three)\s+[\w\s\-\u2019']{{1,60}}?,\s+(?P<subj>{_RUN})"
    rf",?\s+{_ADVERBS}(?:{_CUES})\b"
)
_PERFORMED = _alternation(rules.PERFORMANCE_VERBS)
# `Blige sang "...`, `singing a few bars of "...`: the words are performed, not said
PERFORMED_BEFORE = re.compile(rf"\b(?:{_PERFORMED})\b(?:\s+[\w\u2019'\-]+){{0,5}}[\s,:]*$")
# `," she sang`, `," Blige sang to the crowd`
PERFORMED_AFTER = re.compile(
    rf"^[\s,\u2014\u2013\-]*(?:[\w\u2019'.\-]+\s+){{0,4}}(?:{_PERFORMED})\b"
)
# a sentence opening on someone new and unnamed: "One intelligence source said", "Another
# official speaking to Fox News said"
UNNAMED_SUBJECT = re.compile(
    rf"^\s*(?i:{_alternation(rules.INDEFINITE_WORDS)})\s+(?:[a-z][\w\-\u2019']*\s+){{0,3}}?"
    rf"(?:{_ROLE_WORDS}|source|sources|person|people|official|officials|man|woman)\b"
)
# a relative clause between a subject and its cue: " who spoke anonymously to discuss it "
RELATIVE_BEFORE_CUE = re.compile(r"\s+who\s+[^,;:.!?\u201c\"~()]{1,120}$")
# a cue's comma or colon and the opening mark of the quotation it brings in
NEXT_QUOTATION = re.compile(r"[ \t]*[,:][ \t]*[\u201c\"]")
# `Barrett's dictum to his interns was, "...`: a sentence about someone's words, then the words
POSSESSIVE_SUBJECT = re.compile(
    rf"(?:^|;)\s*(?P<subj>{_RUN})[\u2019']s\s+[a-z][^\u201c\";~]*?\b(?:was|is|were|are|read|reads)"
    rf"[\s,:]*$"
)
# a subject asked or told, not speaking: "Pence was asked about the ... comment"
PASSIVE_ASKED = re.compile(
    r"\b(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?(?:asked|told|questioned|pressed|quizzed|"
    r"shown|reminded|confronted)\b"
)
PASSIVE_BEFORE_CUE = re.compile(r"\b(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?$")
# a quotation named as a phrase: `the "law and order" issue`, `his "not there yet" comment`
DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|this|that|his|her|their|its)\s+$", re.IGNORECASE)
NOUN_AFTER = re.compile(r"[ \t]+[a-z][a-z\-]+\b(?![ \t]+(?:the|a|an|to|that|it)\b)")
# the noun that makes a quotation someone's words: `Obama's "..." promise`
SPEECH_NOUN_AFTER = re.compile(rf"[\s,]*(?:{_alternation(rules.SPEECH_NOUNS)})\b", re.IGNORECASE)
# `Obama's "if you like your plan" promise`: the words are the possessor's
POSSESSOR_BEFORE = re.compile(rf"(?P<subj>{_RUN})[\u2019']s\s*$")
CUE_LEADS_IN = re.compile(rf"\b(?:{_CUES}|chants of)\b[\s,:]*$")
SUBJECT_BEFORE_CUE = re.compile(rf"(?P<subj>{_SUBJECT}){_APPOSITIVE}\s+{_ADVERBS}$")
# the same without the appositive, for text with no comma or bracket, where none can be found
BARE_SUBJECT_BEFORE_CUE = re.compile(rf"(?P<subj>{_SUBJECT})\s+{_ADVERBS}$")
APPOSITIVE_NAME = re.compile(rf",\s+(?P<name>{_RUN})(?=\s*[,;.!?]|\s*$)")
COLON_INTRO = re.compile(rf"(?P<subj>{_RUN})\s*:\s*$")
RUN_BEFORE_SPACE = re.compile(rf"({_RUN})\s+$")
PREPOSITION_BEFORE = re.compile(
    r"\b(?:of|by|to|with|for|from|about|against|on|at|in|into|like|than|and|or|as|"
    r"over|under|between|among|through|toward|towards|despite|including)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
PREPOSITION = re.compile(r"\b(?:of|at|for|from|with|in|on|by)\b")


# Roles given with a name, before it or after it
ROLE_BEFORE = re.compile(rf"\b(?:{_ROLE_WORDS})\s*$", re.IGNORECASE)
ROLE_BEFORE_NAME = re.compile(rf"((?:{_RUN}\s+)?(?:(?:{_ROLE_WORDS}|campaign|former)\s+)+)$")
ROLE_AFTER_NAME = re.compile(r",\s+(?:an?|the)\s+([^,;:.\u201c\"~()]{3,100})")
ROLE_NP_SEARCH = re.compile(_ROLE_NP)
ARTICLE_OPENING = re.compile(r"(?:the|an?)\s", re.IGNORECASE)
ROLE_WORD = re.compile(r"[\w.]+")


# Sentence ends, and the first word of a sentence
SENTENCE_END = re.compile(r"[.!?][\u201d\"\u2019')\]]*\s+(?=[\u201c\"\u2018'(\[0-9" + _UPPER + "])")
WORD_BEFORE_DOT = re.compile(r"[\w.]*$")
FIRST_WORD = re.compile(r"\W*(\w*)")
