"""Quotations in other languages than English: their marks, and the verbs that report them.

News in most languages marks a quotation otherwise than English: guillemets in Russian,
Ukrainian, French, Spanish, Italian and Portuguese (`«…»`, with `„…“` inside), German
`„…“` (whose closing mark is the English opening one) and `»…«`, Polish `„…”`, Japanese and
Chinese corner brackets (`「…」`, `『…』` inside). The reporting verb comes after the
quotation, with the speaker after it (`«…», — заявив Зеленський`; `« … » a déclaré Mitt
Romney`; `„…“, sagte Scholz`; `"…", dijo Sánchez`) or before it with a colon (`Путин
заявил: «…»`; `X a ajouté : « … »`; the quotation in a paragraph of its own after one that
ends `X сказал:`), or the source opens the sentence (`По словам X, «…»`;
`D'après le ministre, Jérôme Cahuzac, « … »`); Japanese puts the speaker first and the verb
after: `X氏は「…」と述べた`.

Each construction below is a row of tests/test_quotes_languages.py, in the language's own
words; the verbs are the common reporting verbs of each language's news (in the forms news
writes them: past tense, both genders, and the present).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from whoosh.lang import has_stopwords, stopwords_for_language

from indexer.model import PERSON, Quote
from indexer.paragraphs import paragraph_spans

# ---------------------------------------------------------------- reporting verbs (data)

CUE_VERBS: dict[str, tuple[str, ...]] = {
    "uk": (
        "сказав", "сказала", "сказали", "заявив", "заявила", "заявили", "зазначив", "зазначила",
        "зазначили", "наголосив", "наголосила", "наголосили", "повідомив", "повідомила",
        "повідомили", "додав", "додала", "додали", "пояснив", "пояснила", "пояснили",
        "підкреслив", "підкреслила", "написав", "написала", "розповів", "розповіла",
        "відповів", "відповіла", "заявляє", "каже", "кажуть", "вважає", "уточнив", "уточнила",
        "запевнив", "запевнила", "попередив", "попередила", "закликав", "закликала", "вказав",
        "вказала", "зауважив", "зауважила", "констатував", "визнав", "визнала", "говорить",
    ),
    "ru": (
        "сказал", "сказала", "сказали", "заявил", "заявила", "заявили", "отметил", "отметила",
        "отметили", "подчеркнул", "подчеркнула", "сообщил", "сообщила", "сообщили", "добавил",
        "добавила", "добавили", "пояснил", "пояснила", "заметил", "заметила", "признал",
        "признала", "написал", "написала", "рассказал", "рассказала", "ответил", "ответила",
        "заявляет", "говорит", "говорят", "считает", "уточнил", "уточнила", "заверил",
        "заверила", "предупредил", "предупредила", "призвал", "призвала", "указал", "указала",
        "констатировал", "констатировала", "резюмировал",
    ),
    "de": (
        "sagte", "sagt", "sagten", "erklärte", "erklärt", "erklärten", "betonte", "betont",
        "meinte", "meint", "schrieb", "schreibt", "warnte", "warnt", "kritisierte", "forderte",
        "fügte", "ergänzte", "berichtete", "unterstrich", "versicherte", "räumte", "teilte",
        "so",
    ),
    "fr": (
        "a déclaré", "a dit", "a affirmé", "a expliqué", "a souligné", "a ajouté", "a indiqué",
        "a estimé", "a assuré", "a précisé", "a répondu", "a lancé", "a martelé", "a averti",
        "a reconnu", "a confié", "a insisté", "a rappelé", "a jugé", "a noté", "a poursuivi",
        "déclare", "dit", "affirme", "explique", "souligne", "ajoute", "indique", "estime",
        "assure", "précise", "répond", "lance", "s'est réjoui", "s'est réjouie",
        "s'est félicité", "s'est félicitée", "s'est exclamé", "s'est exclamée",
        "a-t-il déclaré", "a-t-elle déclaré", "a-t-il dit", "a-t-elle dit", "a-t-il souligné",
        "a-t-elle souligné", "a-t-il ajouté", "a-t-elle ajouté", "a-t-il expliqué",
        "a-t-elle expliqué", "a-t-il estimé", "a-t-elle estimé", "a-t-il assuré",
        "a-t-elle assuré", "a-t-il précisé", "a-t-elle précisé", "déclare-t-il",
        "déclare-t-elle", "explique-t-il", "explique-t-elle", "ajoute-t-il", "ajoute-t-elle",
        "estime-t-il", "estime-t-elle", "souligne-t-il", "souligne-t-elle",
        "a pour sa part ajouté", "a pour sa part déclaré",
    ),
    "es": (
        "dijo", "afirmó", "aseguró", "declaró", "explicó", "señaló", "añadió", "agregó",
        "indicó", "destacó", "subrayó", "apuntó", "manifestó", "sostuvo", "advirtió",
        "expresó", "comentó", "respondió", "insistió", "reconoció", "dice", "afirma", "asegura",
        "explica", "señala", "añade", "agrega", "indica", "destaca", "sostiene", "advierte",
    ),
    "pt": (
        "disse", "afirmou", "declarou", "explicou", "destacou", "acrescentou", "salientou",
        "ressaltou", "garantiu", "sublinhou", "frisou", "disse ainda", "comentou", "respondeu",
        "defendeu", "reconheceu", "diz", "afirma", "explica", "destaca", "acrescenta",
    ),
    "it": (
        "ha detto", "ha dichiarato", "ha affermato", "ha spiegato", "ha sottolineato",
        "ha aggiunto", "ha precisato", "ha ribadito", "ha commentato", "ha risposto",
        "ha osservato", "ha assicurato", "dice", "afferma", "spiega", "sottolinea", "aggiunge",
        "dichiara", "disse",
    ),
    "pl": (
        "powiedział", "powiedziała", "powiedzieli", "stwierdził", "stwierdziła", "oświadczył",
        "oświadczyła", "dodał", "dodała", "podkreślił", "podkreśliła", "zaznaczył",
        "zaznaczyła", "napisał", "napisała", "ocenił", "oceniła", "przekonywał",
        "przekonywała", "zapewnił", "zapewniła", "wyjaśnił", "wyjaśniła", "mówi", "mówił",
        "mówiła", "twierdzi", "przyznał", "przyznała",
    ),
}  # fmt: skip

# Phrases that open a sentence and name its source: "According to X, «…»"
ACCORDING_TO: dict[str, tuple[str, ...]] = {
    "uk": ("за словами", "як заявив", "як зазначив", "як сказав"),
    "ru": ("по словам", "как заявил", "как отметил", "как сказал", "по мнению"),
    "de": ("laut", "nach angaben von", "so"),
    "fr": ("selon", "d'après", "pour"),
    "es": ("según", "para"),
    "pt": ("segundo", "para", "de acordo com"),
    "it": ("secondo", "per"),
    "pl": ("według", "zdaniem"),
}

# Pronouns that stand for the speaker after a verb: the person last named
PRONOUNS = frozenset(
    {
        "він", "вона", "вони", "он", "она", "они", "er", "sie", "il", "elle", "ils", "elles",
        "él", "ella", "ellos", "ele", "ela", "eles", "lui", "lei", "on", "ona", "oni",
    }
)  # fmt: skip

# German capitalises every noun: the words of a role before a name ("Bundeskanzlerin Angela
# Merkel", "Wikinews-Mitbegründer Erik Möller") end so, and a run of capitals after an
# article or a contracted preposition is a noun phrase ("der Volksrepublik China")
GERMAN_ROLE_ENDINGS = (
    "kanzler", "kanzlerin", "minister", "ministerin", "präsident", "präsidentin", "sprecher",
    "sprecherin", "chef", "chefin", "leiter", "leiterin", "direktor", "direktorin",
    "vorsitzende", "vorsitzender", "sekretär", "sekretärin", "meister", "meisterin",
    "abgeordnete", "abgeordneter", "botschafter", "botschafterin", "general", "kommissar",
    "kommissarin", "bischof", "könig", "königin", "professor", "professorin", "experte",
    "expertin", "gründer", "gründerin", "analyst", "analystin", "richter", "richterin",
    "herr", "frau", "dr.", "prof.",
)  # fmt: skip
GERMAN_DETERMINERS = frozenset(
    {
        "der", "die", "das", "dem", "den", "des", "ein", "eine", "einer", "eines", "einem",
        "einen", "im", "am", "vom", "zum", "zur", "beim", "kein", "keine", "dieser", "diese",
    }
)  # fmt: skip

# Japanese: the verbs after と that report what was said, and the titles after a name
JAPANESE_CUES = (
    "述べ", "語", "話し", "話す", "説明", "強調", "明らかに", "発表", "主張", "コメント",
    "指摘", "評", "位置づけ", "批判", "訴え", "答え", "言", "認識を示", "表明", "呼びかけ",
)  # fmt: skip
JAPANESE_TITLES = (
    "内閣官房長官", "官房長官", "参議院議員会長", "委員長", "幹事長", "長官", "首相", "大統領",
    "代表", "会長", "議員", "大臣", "知事", "市長", "社長", "外相", "報道官", "総裁", "議長",
    "書記長", "国務長官", "氏", "さん", "容疑者", "被告",
)  # fmt: skip

# ---------------------------------------------------------------- marks

# opening mark -> its closing marks
_CLOSERS = {
    "«": "»",
    "„": "“”",  # German „…“, Polish and others „…”
    "“": "”",
    "»": "«",  # German and Danish »…«
    "「": "」",
    "『": "』",
    '"': '"',
}
_MARKS = re.compile('[«»„“”"「」『』]')
_CJK_LANGUAGES = frozenset({"ja", "zh", "ko"})
MIN_WORDS = 3  # a quotation has at least this many words (CJK: MIN_CJK_CHARS characters)
MIN_CJK_CHARS = 8

# ---------------------------------------------------------------- names

_CAPITAL = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁЇІЄҐЎ"
_NAME_TOKEN = (
    rf"[{_CAPITAL}][\w'’\-]*\w|[{_CAPITAL}]\."
    rf"|(?:al|el|ad|as|ar|an|ash|at|az|ben|bin|ibn|abu|ould)-[{_CAPITAL}][\w'’\-]*\w"  # al-Rahman
)
_PARTICLE = r"(?:de|da|das|do|dos|del|della|di|du|la|le|van|von|der|den|ter|bin|al|ibn|y)"
NAME_RUN = re.compile(rf"(?:{_NAME_TOKEN})(?:\s+(?:{_PARTICLE}\s+)*(?:{_NAME_TOKEN}))*")
# a preposition that makes the capitals after it part of a role or place ("ministre de la
# Santé", "consejera de Agricultura", "president of France")
_OF_BEFORE = re.compile(
    r"(?:^|\s)(?:de|del|della|delle|dei|di|du|des|da|do|dos|das|of|von)\s+$", re.I
)
MAX_NAME_WORDS = 3  # the last words of a longer run of capitals ("МИД России Сергей Лавров")
_SENTENCE_END = re.compile(r"[.!?…]\s|[.!?…]$|\n")


@dataclass
class _Span:
    start: int  # the first quoted character
    end: int  # after the last one
    close: int  # after the closing mark
    first: int = -1  # the index of the first span of its chain ("…", "…", он сказал)


# Between two quotations that one verb reports: a comma, a conjunction
_CHAINED = re.compile(r"[\s,、，;]*(?:(?:и|і|та|und|et|y|e|i|and)[\s,]*)?")


def find_spans(body: str) -> list[_Span]:
    """The outermost quoted spans of each paragraph: a mark opens, its own closing mark
    closes (marks of another kind inside are nested quotations); a mark left open at the end
    of a paragraph quotes nothing."""
    spans: list[_Span] = []
    for start, end in paragraph_spans(body):
        stack: list[tuple[str, int]] = []
        for m in _MARKS.finditer(body, start, end):
            mark, at = m.group(), m.start()
            if stack and mark in _CLOSERS[stack[-1][0]] and (mark != '"' or _closes(body, at)):
                _, opened_at = stack.pop()
                if not stack:
                    spans.append(_Span(opened_at + 1, at, at + 1, len(spans)))
            elif mark in _CLOSERS and (mark != '"' or not _closes(body, at)):
                if mark == "»" and not _opens(body, at):
                    continue  # a closing guillemet with nothing open: a stray
                stack.append((mark, at))
    return spans


def _closes(body: str, at: int) -> bool:
    """A straight mark closes when a letter or punctuation comes before it and no letter after."""
    before = body[at - 1] if at else " "
    after = body[at + 1] if at + 1 < len(body) else " "
    return not before.isspace() and not after.isalnum()


def _opens(body: str, at: int) -> bool:
    after = body[at + 1] if at + 1 < len(body) else " "
    return not after.isspace()


def is_quotation(text: str, language: str) -> bool:
    """Enough words to be said (not a name in guillemets: «Газпром», «Tatort»)."""
    if language in _CJK_LANGUAGES:
        return len(re.sub(r"\W", "", text)) >= MIN_CJK_CHARS
    return len(re.findall(r"\w+", text)) >= MIN_WORDS


# ---------------------------------------------------------------- speakers


def extract_quotes_in(body: str, language: str) -> list[Quote]:
    """Quotations of a body written in `language` (not English), each with its speaker when
    the sentence names one."""
    quotes: list[Quote] = []
    names = _Names(body, language)
    spans = find_spans(body)
    speakers: list[str | None] = [None] * len(spans)
    for i in range(1, len(spans)):  # a chain's verb follows its last quotation
        if _CHAINED.fullmatch(body, spans[i - 1].close, spans[i].start - 1):
            spans[i].first = spans[i - 1].first
    for i, span in enumerate(spans):
        quoted = body[span.start : span.end]
        text = quoted.strip()
        if not is_quotation(text, language):
            continue
        chain_end = i
        while chain_end + 1 < len(spans) and spans[chain_end + 1].first == span.first:
            chain_end += 1
        last = spans[chain_end]
        if speakers[chain_end] is not None:
            speaker = speakers[chain_end]
        elif language == "ja":
            speaker = _japanese_speaker(body, last, spans[span.first].start)
        else:
            speaker = _speaker(body, last, language, names, spans[span.first].start)
        speakers[chain_end] = speaker
        if speaker:
            names.last = speaker
        start = span.start + len(quoted) - len(quoted.lstrip())
        quotes.append(
            Quote(
                text=text,
                speaker=speaker,
                speaker_kind=PERSON if speaker else None,
                start=start,
                end=start + len(text),
            )
        )
    return quotes


class _Names:
    """The names an article writes in full (two or more capitalised words), by their last
    word, and the person last named as a speaker (for "he said")."""

    def __init__(self, body: str, language: str) -> None:
        self.body = body
        self.language = language
        self.last: str | None = None
        self.full: dict[str, str] = {}
        self.mentions: list[tuple[int, str]] = []  # where each full name is written
        for m in NAME_RUN.finditer(body):
            parts = _without_roles(m.group().split(), language)
            opens = _sentence_start(body, m.start())
            if opens and len(parts) > 2:
                parts = parts[1:]  # "Глава МИД Сергей Лавров" opens a sentence
            if language == "de" and _after_determiner(body, m.start()):
                continue  # "der Volksrepublik China"
            if len(parts) > MAX_NAME_WORDS:
                parts = parts[-2:]
            if len(parts) >= 2 and not any(_function_word(p, language) for p in parts):
                name = " ".join(parts)
                self.full.setdefault(parts[-1], name)
                self.mentions.append((m.start(), name))

    def before(self, at: int) -> str | None:
        """The speaker a pronoun at `at` stands for: the last speaker, else the last person
        named in full before it."""
        if self.last is not None:
            return self.last
        named = [name for start, name in self.mentions if start < at]
        return named[-1] if named else None

    def person(self, text: str, first: bool, at: int = 0) -> str | None:
        """The person `text` names (`first`: the words after a verb, else before it): a
        pronoun stands for the person last named; else a run of capitalised words (after a
        verb the first, preferring a full name; before it the last), a long one cut to its
        last two words ("МИД России Сергей Лавров"). A single word is the full name the
        article gives it elsewhere ("Путин" → "Владимир Путин"), else itself, unless it opens
        the sentence (any word is capitalised there) or is a German noun (all are)."""
        words = text.split()
        if first and words and words[0].lower().strip(",.:") in PRONOUNS:
            return self.before(at)
        runs = list(NAME_RUN.finditer(text))
        if not runs:
            return None
        if first:
            long = [r for r in runs if len(r.group().split()) >= 2]
            pool = long or runs
            # "dijo la consejera de Agricultura y Agua, Marta Ruiz": a run after "de" belongs
            # to the role, the name is set off after it
            free = [r for r in pool if not _OF_BEFORE.search(text, 0, r.start())]
            run = (free or pool)[0]
        else:
            run = runs[-1]
        parts = _without_roles(run.group().strip(" ,.").split(), self.language)
        opens = run.start() == len(text) - len(text.lstrip()) and not first
        if opens and len(parts) > 2:
            parts = parts[1:]  # "Міністр Дмитро Кулеба наголосив": a role opens the sentence
        if not parts:
            return None
        if len(parts) == 1:
            word = parts[0]
            if word.lower() in PRONOUNS:
                return self.before(at)
            if word in self.full:
                return self.full[word]
            if opens or self.language == "de":
                return None
            return word
        if len(parts) > MAX_NAME_WORDS:
            parts = parts[-2:]
        while len(parts) > 2 and len(parts[0]) > 1 and parts[0].isupper():
            parts = parts[1:]  # an organisation's initials before the name: "РАН Владимир Иванов"
        return self.nominative(parts)

    def nominative(self, parts: list[str]) -> str:
        """A name as the article writes it where it is the subject: "по словам Дмитрия
        Пескова" names "Дмитрий Песков" when the article writes him so elsewhere (each word
        of that spelling begins the word here, at most 3 letters shorter)."""
        for _, name in self.mentions:
            words = name.split()
            if len(words) == len(parts) and all(
                p.startswith(w[: max(3, len(w) - 1)]) and 0 <= len(p) - len(w) + 1 <= 3
                for w, p in zip(words, parts, strict=True)
            ):
                return name
        return " ".join(parts)


def _without_roles(parts: list[str], language: str) -> list[str]:
    """A German run of capitals without the role words before the name."""
    if language != "de":
        return parts
    while len(parts) > 1 and (
        parts[0].lower().endswith(GERMAN_ROLE_ENDINGS) or parts[0].lower() in GERMAN_DETERMINERS
    ):
        parts = parts[1:]
    return parts


def _after_determiner(body: str, at: int) -> bool:
    before = body[max(0, at - 12) : at].split()
    return bool(before) and before[-1].lower() in GERMAN_DETERMINERS


def _function_word(word: str, language: str) -> bool:
    """A word that may open a sentence with a capital without being a name: short, or one
    of the language's stop words (`В`, `У`, `Die`, `La`)."""
    return len(word) <= 2 or word.lower() in _stop_words(language)


@functools.cache
def _stop_words(language: str) -> frozenset[str]:
    name = "no" if language in ("nb", "nn") else language
    return frozenset(stopwords_for_language(name)) if has_stopwords(name) else frozenset()


def _sentence_start(body: str, at: int) -> bool:
    before = body[:at].rstrip()
    return not before or before[-1] in '.!?…\n:«„“"—–-'


def _cue_pattern(language: str) -> re.Pattern[str] | None:
    verbs = CUE_VERBS.get(language)
    if not verbs:
        return None
    alternatives = "|".join(re.escape(v) for v in sorted(verbs, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def _cues(language: str) -> re.Pattern[str] | None:
    if language not in _PATTERNS:
        _PATTERNS[language] = _cue_pattern(language)
    return _PATTERNS[language]


_LEAD = " ,.\u00a0—–-"
# what may come between a reporting verb and the mark it introduces: "журналістам:", "hier :"
_TO_THE_MARK = re.compile(r"[\w'’\- ]{0,40}?\s*[:,]?\s*")


def _speaker(body: str, span: _Span, language: str, names: _Names, opened: int) -> str | None:
    """The speaker of the quotation (chain) that ends at `span` and opened at `opened`."""
    cues = _cues(language)
    if cues is None:
        return None
    after = _clause_after(body, span.close).lstrip(_LEAD)
    cue = cues.match(after)
    if cue is not None:
        if "-t-" in cue.group() or cue.group().lower().endswith(("-il", "-elle")):
            return names.before(span.start)  # "a-t-il souligné"
        return names.person(after[cue.end() :], first=True, at=span.start)
    before = _clause_before(body, opened - 1)
    said = [c for c in cues.finditer(before) if _TO_THE_MARK.fullmatch(before[c.end() :])]
    if said:
        return names.person(before[: said[-1].start()], first=False, at=span.start)
    for phrase in ACCORDING_TO.get(language, ()):
        m = re.search(rf"(?:^|[\s(]){re.escape(phrase)}\s+(.*)$", before, re.IGNORECASE | re.S)
        if m:
            return names.person(m.group(1), first=True, at=span.start)
    return None


def _clause_after(body: str, at: int) -> str:
    end = _SENTENCE_END.search(body, at)
    return body[at : end.start() if end else len(body)][:160]


def _clause_before(body: str, at: int) -> str:
    """The clause before `at`; for a quotation that opens its paragraph, the sentence that
    closes the paragraph before with a colon (`X сказал:`, the quotation set apart below)."""
    ended = body[:at].rstrip()
    if ended.endswith(":") and "\n" in body[len(ended) : at + 1]:
        at = len(ended)
    start = max(body.rfind(". ", 0, at), body.rfind("\n", 0, at), body.rfind("! ", 0, at))
    return body[start + 1 if start >= 0 else 0 : at][-200:]


def _japanese_speaker(body: str, span: _Span, opened: int) -> str | None:
    """「…」と述べた: the speaker is the topic (…は) of the sentence before the quotation
    (chain) that opened at `opened`."""
    after = body[span.close : span.close + 20]
    if not after.startswith("と") or not any(after[1:].startswith(c) for c in JAPANESE_CUES):
        return None
    sentence_start = max(body.rfind("。", 0, opened), body.rfind("\n", 0, opened)) + 1
    before = body[sentence_start : opened - 1]
    topic = before.rfind("は")
    if topic <= 0:
        return None
    subject = re.split(r"[、，,]", before[:topic])[-1]
    subject = subject.rsplit("の", 1)[-1].strip()
    subject = re.sub(r"^(?:また|一方|さらに|なお|ただ|しかし|これに対し)", "", subject)
    for _ in range(2):
        for title in JAPANESE_TITLES:
            if subject.endswith(title) and len(subject) > len(title):
                subject = subject[: -len(title)]
                break
    foreign = re.search(r"[\u30a0-\u30ff・]+$", subject)  # a name in katakana ends it
    if foreign and len(foreign.group()) >= 2:
        subject = foreign.group().strip("・")
    former = re.search(r"[元前](?=[\u4e00-\u9fff]{2,}$)", subject)
    if former and former.start() >= 2:
        subject = subject[: former.start()]
    return subject or None
