"""Text articles: aggregator page dumps (see ../shared/seed) and plain text.

An aggregator dump starts with page furniture (site name, date, a counter, "| City,ST",
"Sponsor:" and navigation lines), then an optional byline, the title (often after
"NextImg:"), and the body, which carries ALL-CAPS cross-promotion headlines and a
"CLICK HERE TO READ MORE FROM ..." credit. Anything else is plain text: headline on the
first line, body after it, perhaps opened by a news-agency dateline.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_TEXT_BYTES, Source
from indexer.readers import text_rules as rules
from indexer.readers.encoding import decode
from indexer.readers.outlet_rules import SITE_CREDIT
from indexer.readers.outlets import outlet_from_domain

AGGREGATOR_SCORE = 0.8
TEXT_SCORE = 0.3
SNIFF_BYTES = 8192
SNIFF_LINES = 20
# Furniture that only an aggregator dump has (a date or an all-caps line may open any text).
OWN_FURNITURE = frozenset({"location", "chrome", "nextimg", "credit"})


class TextReader:
    """The fallback reader for text content; recognises the aggregator dump layout."""

    name = "text"
    many_records = False
    max_bytes = MAX_TEXT_BYTES

    def sniff(self, source: Source) -> float:
        """0.8 for an aggregator dump, 0.3 for any other text (HTML and JSONL score higher)."""
        lines = normalise_lines(decode(source.data[:SNIFF_BYTES]))
        return AGGREGATOR_SCORE if looks_like_aggregator(lines) else TEXT_SCORE

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Yield the one article in the file, or a ParseError when it has no title or body."""
        lines = normalise_lines(source.text())
        if not any(lines):
            yield ParseError(source.path, "no text")
            return
        parse = parse_aggregator if looks_like_aggregator(lines) else parse_plain
        article = parse(lines)
        if not article.title:
            yield ParseError(source.path, "no title")
        elif not article.body:
            yield ParseError(source.path, "no body")
        else:
            yield article


# --- shared helpers -------------------------------------------------------------------------


def normalise_lines(text: str) -> list[str]:
    """Stripped lines, with CR/CRLF ends, non-breaking and zero-width spaces normalised."""
    text = rules.ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = rules.SPACE_LIKE.sub(" ", text)
    return [rules.SPACE_RUN.sub(" ", line).strip() for line in text.split("\n")]


def next_filled(lines: list[str], start: int) -> int:
    """Index of the first non-blank line at or after start (len(lines) if none)."""
    while start < len(lines) and not lines[start]:
        start += 1
    return start


def parse_date(line: str) -> str | None:
    """ISO date of a line that holds only a date, else None."""
    for pattern in rules.DATE_LINES:
        match = pattern.match(line)
        if match:
            return _iso_date(match["year"], match["month"], match["day"])
    return None


def _iso_date(year: str, month: str, day: str) -> str | None:
    number = int(month) if month.isdigit() else rules.MONTHS[month[:3].lower()]
    try:
        return datetime.date(int(year), number, int(day)).isoformat()
    except ValueError:  # "Feb 30": a date-shaped line that is no date
        return None


def title_case(text: str) -> str:
    """Title-case a name printed in capitals; mixed-case words are left as written."""
    words = text.split()
    return " ".join(_title_word(word, first=n == 0) for n, word in enumerate(words))


def _title_word(word: str, first: bool) -> str:
    if not word.isupper():
        return word
    if word in rules.ACRONYMS or rules.INITIALS.match(word):
        return word
    if not first and word.lower() in rules.SMALL_WORDS:
        return word.lower()
    if rules.APOSTROPHE_NAME.match(word):  # O'CONNOR, D'ALENE
        return word[:2] + word[2:].capitalize()
    return "-".join(part.capitalize() for part in word.split("-"))


def is_name(text: str) -> bool:
    """Whether text reads like one or more person (or desk) names, "By" allowed."""
    words = rules.BY_PREFIX.sub("", text).replace(",", " ").split()
    if not words or len(words) > rules.MAX_BYLINE_WORDS or SITE_CREDIT.match(text):
        return False  # "Developed By Heba Musa" credits the site's builder, not an author
    return all(_is_name_word(word) for word in words)


def _is_name_word(word: str) -> bool:
    if word.lower() in rules.NAME_PARTICLES:
        return True
    return word[0].isupper() and not any(c.isdigit() or c in ':;!?"“”' for c in word)


def is_role(text: str) -> bool:
    """Whether a byline part names a job ("Defense Reporter") rather than a person."""
    return any(word.strip(".").lower() in rules.ROLE_WORDS for word in text.split())


def split_byline(line: str) -> tuple[str, str | None]:
    """Author(s) and role of a "Name, Role" byline; the role is None when not given."""
    parts = [part.strip() for part in line.split(",")]
    if len(parts) > 1 and is_role(parts[-1]):
        return ", ".join(parts[:-1]), parts[-1]
    return line, None


def is_byline(line: str) -> bool:
    """Whether a line is a byline: names, optionally followed by ", Role"."""
    if is_promo_headline(line) and not rules.BY_PREFIX.match(line):
        return False  # "SENATE REPUBLICANS UNVEIL NEW BORDER PLAN" is no list of names
    author, _ = split_byline(line)
    return is_name(author)


# --- aggregator dumps ------------------------------------------------------------------------


def looks_like_aggregator(lines: list[str]) -> bool:
    """Enough kinds of aggregator furniture near the top of the text.

    Site name, date and counter lines could open a plain article too, so they only count
    three together; the other kinds are the aggregator's own and count two together.
    """
    head = [line for line in lines if line][:SNIFF_LINES]
    kinds = {_furniture_kind(line) for line in head} - {None}
    if len(head) > 1 and _furniture_kind(head[0]) is None and parse_date(head[1]):
        kinds.add("site")
    if any(rules.NEXTIMG_PREFIX.match(line) for line in head):
        kinds.add("nextimg")
    if any(rules.CLICK_HERE_LINE.match(line) for line in lines):
        kinds.add("credit")
    return len(kinds) >= 3 or (len(kinds) >= 2 and bool(kinds & OWN_FURNITURE))


def _furniture_kind(line: str) -> str | None:
    if parse_date(line):
        return "date"
    if rules.LOCATION_LINE.match(line):
        return "location"
    if rules.SPONSOR_LINE.match(line) or rules.NAV_LINE.match(line):
        return "chrome"
    if rules.COUNTER_LINE.match(line):
        return "counter"
    return None


def parse_aggregator(lines: list[str]) -> Article:
    """An aggregator dump: furniture, byline, title, then body paragraphs."""
    article = Article()
    lines = _drop_page_chrome(lines, article)
    start = _read_furniture(lines, article)
    start = _read_title(lines, start, article)
    paragraphs = [line for line in lines[start:] if line and not is_promo_headline(line)]
    if paragraphs:
        article.body = "\n\n".join(paragraphs)
        article.explain["body"] = "aggregator: paragraphs after title"
    return article


def _drop_page_chrome(lines: list[str], article: Article) -> list[str]:
    """Remove sponsor, navigation and CLICK HERE lines wherever they sit; the first credit wins."""
    kept = []
    for line in lines:
        credit = rules.CLICK_HERE_LINE.match(line)
        if credit:
            if article.source is None:
                article.source = outlet_name(credit["source"])
                article.explain["source"] = "aggregator: CLICK HERE line"
        elif not (rules.SPONSOR_LINE.match(line) or rules.NAV_LINE.match(line)):
            kept.append(line)
    return kept


def outlet_name(credited: str) -> str:
    """'THE WASHINGTON EXAMINER' -> 'Washington Examiner'; house spellings where known;
    a domain as a domain ('TRIBUNNEWS.COM' -> 'tribunnews.com', not 'Tribunnews.Com')."""
    name = rules.LEADING_THE.sub("", credited.strip())
    domain = outlet_from_domain(name)
    if domain:
        return domain
    return rules.OUTLET_SPELLINGS.get(name.lower()) or title_case(name)


def _read_furniture(lines: list[str], article: Article) -> int:
    """Read site, date, counter, location and byline lines; return where the title search starts."""
    at = next_filled(lines, 0)
    if at < len(lines) and _is_site_line(lines, at):
        article.site = outlet_from_domain(lines[at]) or title_case(lines[at])
        article.explain["site"] = "aggregator: site line"
        at += 1
    while True:
        filled = next_filled(lines, at)
        if filled == len(lines) or not _read_furniture_line(lines[filled], article):
            break
        at = filled + 1
    # The byline hangs directly under the furniture; the title comes after a blank line.
    if at < len(lines) and _is_hanging_byline(lines, at):
        _set_author(lines[at], article, "aggregator: byline under header")
        at += 1
    return at


def _is_site_line(lines: list[str], at: int) -> bool:
    """The site name opens the page: printed in capitals, or at least followed by the date."""
    line, after = lines[at], next_filled(lines, at + 1)
    if _furniture_kind(line) is not None or rules.NEXTIMG_PREFIX.match(line):
        return False
    return line.isupper() or (after < len(lines) and parse_date(lines[after]) is not None)


def _read_furniture_line(line: str, article: Article) -> bool:
    """Take the metadata of one furniture line; False when the line is not furniture."""
    kind = _furniture_kind(line)
    if kind == "date" and article.date is None:
        article.date = parse_date(line)
        article.explain["date"] = "aggregator: date line"
    elif kind == "location" and article.location is None:
        article.location = _location(line)
        article.explain["location"] = "aggregator: | City,ST line"
    return kind is not None


def _location(line: str) -> str | None:
    """'| Remer,MN' -> 'Remer, MN'."""
    match = rules.LOCATION_LINE.match(line)
    if not match:
        return None
    place, region = match["place"].strip(), match["region"]
    split = None if region else rules.TRAILING_REGION.match(place)
    if split:  # "| Remer MN": the state code follows the city without a comma
        place, region = split.groups()
    return f"{place}, {region.strip()}" if region else place


def _is_hanging_byline(lines: list[str], at: int) -> bool:
    followed_by_gap = at + 1 >= len(lines) or not lines[at + 1]
    line = lines[at]
    return (
        bool(line) and followed_by_gap and not rules.NEXTIMG_PREFIX.match(line) and is_byline(line)
    )


def _set_author(line: str, article: Article, rule: str) -> None:
    article.author, role = split_byline(line)
    article.explain["author"] = rule
    if role:
        article.author_role = role
        article.explain["author_role"] = rule


def _read_title(lines: list[str], start: int, article: Article) -> int:
    """Set the title (a NextImg line if one is near, else the next line); return the body start."""
    candidates = _upcoming_lines(lines, start, count=3)
    marked = next((n for n in candidates if rules.NEXTIMG_PREFIX.match(lines[n])), None)
    if marked is not None:
        _take_stray_byline(lines, candidates, marked, article)
        article.title = rules.NEXTIMG_PREFIX.sub("", lines[marked])
        article.explain["title"] = "aggregator: NextImg line"
        return marked + 1
    if len(candidates) > 1 and article.author is None and _is_marked_byline(lines[candidates[0]]):
        _set_author(lines[candidates[0]], article, "aggregator: byline before title")
        candidates = candidates[1:]
    if candidates:
        article.title = lines[candidates[0]]
        article.explain["title"] = "aggregator: first line after header"
        return candidates[0] + 1
    return len(lines)


def _is_marked_byline(line: str) -> bool:
    """A byline that says so ("By ..." or "..., Role"), even when set apart by blank lines."""
    _, role = split_byline(line)
    return is_byline(line) and bool(role or rules.BY_PREFIX.match(line))


def _upcoming_lines(lines: list[str], start: int, count: int) -> list[int]:
    found: list[int] = []
    at = next_filled(lines, start)
    while at < len(lines) and len(found) < count:
        found.append(at)
        at = next_filled(lines, at + 1)
    return found


def _take_stray_byline(
    lines: list[str], candidates: list[int], marked: int, article: Article
) -> None:
    """A byline set apart from the header by blank lines still sits before the NextImg title."""
    before = [n for n in candidates if n < marked]
    if article.author is None and before and is_byline(lines[before[-1]]):
        _set_author(lines[before[-1]], article, "aggregator: byline before NextImg")


def is_promo_headline(line: str) -> bool:
    """An ALL-CAPS headline of another story ("SENATE REPUBLICANS UNVEIL NEW BORDER PLAN").

    Short capitalised labels ("WATCHDOG MEMO", "FULL TEXT.") belong to the article.
    """
    words = [word for word in line.split() if any(c.isalpha() for c in word)]
    return line.isupper() and len(words) >= rules.MIN_PROMO_WORDS and not line.endswith(".")


# --- plain text ------------------------------------------------------------------------------


def parse_plain(lines: list[str]) -> Article:
    """Headline on the first line, body after it; a dateline gives the location."""
    article = Article()
    blocks = _blocks(lines)
    if not blocks:
        return article
    headline, rest = _headline(blocks[0])
    article.title = headline
    article.explain["title"] = "plain: first line"
    paragraphs = _unwrap(rest) + [p for block in blocks[1:] for p in _unwrap(block)]
    paragraphs = _take_front_matter(paragraphs, article)
    if paragraphs:
        paragraphs[0] = _take_dateline(paragraphs[0], article)
    paragraphs = [p for p in paragraphs if p]
    if paragraphs:
        article.body = "\n\n".join(paragraphs)
        article.explain["body"] = "plain: text after headline"
    return article


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks


def _headline(block: list[str]) -> tuple[str, list[str]]:
    """The headline and the block's other lines.

    A headline that runs on ("...pain;" then "Free-spirited sibling died...") takes its second
    line too, which also stays in the body, as aggregators print it.
    """
    if len(block) > 1 and rules.HEADLINE_CONTINUES.search(block[0]):
        headline = f"{block[0]} {block[1]}"
    else:
        headline = block[0]
    return rules.HEADLINE_FULL_STOP.sub(r"\1", headline), block[1:]


def _unwrap(block: list[str]) -> list[str]:
    """Paragraphs of a block: hard-wrapped lines join up, otherwise each line is a paragraph."""
    inner = block[:-1]
    short = all(len(line) < rules.WRAP_WIDTH for line in inner)
    # A wrapped paragraph breaks mid-sentence somewhere; a list of short sentences never does.
    if inner and short and not all(rules.SENTENCE_END.search(line) for line in inner):
        return [" ".join(block)]
    return list(block)


def _take_front_matter(paragraphs: list[str], article: Article) -> list[str]:
    """Take a "By ..." line and a date line from the first paragraphs; return the rest."""
    taken = 0
    for paragraph in paragraphs[:2]:
        if article.author is None and rules.BY_PREFIX.match(paragraph) and is_byline(paragraph):
            _set_author(rules.BY_PREFIX.sub("", paragraph), article, "plain: By line")
        elif article.date is None and parse_date(paragraph):
            article.date = parse_date(paragraph)
            article.explain["date"] = "plain: date line"
        else:
            break
        taken += 1
    return paragraphs[taken:]


def _take_dateline(paragraph: str, article: Article) -> str:
    """Strip a "NEW YORK (Reuters) -" dateline, keeping its place (and agency)."""
    match = rules.DATELINE.match(paragraph)
    if not match:
        return paragraph
    parens = rules.PAREN.findall(match["parens"])
    agency = parens.pop() if parens and _is_agency(parens[-1]) else None
    place = match["place"]
    city = place.split(",")[0]
    if agency is None and (any(c.islower() for c in city) or len(city) < rules.MIN_CITY_CHARS):
        return paragraph  # "Trump - the candidate -" is prose, not a dateline
    parts = [p.strip() for p in place.split(",") if not rules.DATELINE_DATE_PART.match(p.strip())]
    credits = [d for d in map(outlet_from_domain, parts) if d]  # "TRIBUNNEWS.COM, Jakarta -"
    places = [p for p in [*parts, *parens] if not outlet_from_domain(p)]
    if places:
        article.location = ", ".join(title_case(p) for p in places)
        article.explain["location"] = "plain: dateline"
    if agency or credits:
        article.source = agency or credits[0]
        article.explain["source"] = "plain: dateline " + ("agency" if agency else "domain")
    return paragraph[match.end() :]


def _is_agency(credit: str) -> bool:
    return bool(rules.AGENCY_ACRONYM.match(credit)) or credit.lower() in rules.WIRE_AGENCIES


READER = TextReader()
