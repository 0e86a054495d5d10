"""Words and patterns for outlet names (the `source` field): data only, no logic.

`indexer.readers.outlets` judges and canonicalises candidate names with these; the HTML and
text readers share them. Nothing here names an outlet: an outlet is recognised by comparing
its name with the page's domain, not by being listed.
"""

from __future__ import annotations

import re

# Separators between a headline, a section, the site name and its slogan in <title>,
# og:site_name or application-name ("Yahoo News - Latest News & Headlines").
NAME_SEPARATORS = re.compile(r"\s+(?:\||-{1,2}|–|—|::|·|»)\s+")
# "Forbes.com: Headline": a colon ends a title's leading site name only when that name is a
# domain; "Study: ..." or "Analysis: ..." are the headline's own kicker.
TITLE_PREFIX = re.compile(r"^(?P<prefix>[^\s:]{4,60}):\s+\S")

# Words that name a feed's format or call it a feed: a feed's title is its outlet's name and
# often such a label ("Викиновости. русский Atom канал.", "BBC News - World RSS"), which is
# not part of the name.
FEED_WORDS = frozenset(
    {"rss", "atom", "rdf", "xml", "feed", "feeds", "newsfeed", "channel", "flux", "канал",
     "лента", "стрічка", "feedburner"}
)  # fmt: skip
# a name's separators, and a full stop or colon after a word ("Викиновости. русский ...")
FEED_TITLE_PARTS = re.compile(rf"{NAME_SEPARATORS.pattern}|(?<=\w)[.:]\s+")

# Words a section or a slogan is made of ("U.S. & World", "Arts And Entertainment",
# "Latest News & Headlines", "Current Articles"). A name made of these words alone is a
# section of a site or its strap line, never an outlet; one real word ("Fox", "BBC", "Global")
# makes it a name. A name that matches the page's domain is kept whatever its words
# ("Science" on science.org), so words that are also whole outlets' names are left out here.
SECTION_WORDS = frozenset(
    {
        "u.s.", "us", "usa", "uk", "world", "national", "international", "local", "regional",
        "politics", "political", "election", "elections", "government",
        "business", "economy", "money", "markets", "finance", "tech", "technology", "science",
        "environment", "health", "sports", "sport", "entertainment", "arts", "art", "culture",
        "lifestyle", "life", "style", "leisure", "travel", "food", "opinion", "opinions",
        "editorial", "editorials", "commentary", "columns", "columnists", "features", "feature",
        "news", "latest", "breaking", "top", "headlines", "headline", "stories", "story",
        "current", "articles", "article", "home", "homepage", "front", "page", "frontpage",
        "blog", "blogs", "video", "videos", "photos", "photo", "gallery", "galleries",
        "weather", "traffic", "obituaries", "celebrity", "gossip", "americas", "europe", "asia",
        "africa", "middle", "east", "online", "edition", "archive", "archives", "more", "all",
        "section", "sections", "index",
    }
)  # fmt: skip
# Joining words inside a section or a name; skipped when comparing a name with a domain.
JOINING_WORDS = frozenset({"&", "and", "the", "of", "a", "an", "+"})

# A company's legal form after its name ("The Philadelphia Inquirer, LLC"): not the outlet's name.
LEGAL_FORM = re.compile(
    r",?\s+(?:LLC|L\.L\.C\.|Inc\.?|Ltd\.?|Limited|GmbH|AG|S\.A\.|S\.L\.|Corp\.?|Corporation|"
    r"Co\.|PLC|plc|LLP|Pty\.? Ltd\.?)$"
)

# Dates ("Sep 24, 2005", "24.09.2005", "2005-09-24", "Monday"): what a title ends with on
# some sites, never an outlet. Month and day names are checked as whole words.
MONTH_NAMES = frozenset(
    {
        "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
        "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october",
        "nov", "november", "dec", "december",
    }
)  # fmt: skip
DAY_NAMES = frozenset(
    {
        "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thurs",
        "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
    }
)  # fmt: skip
NUMERIC_DATE = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b"
    r"|^\W*(?:19|20)\d{2}\W*$"
)
DIGITS = re.compile(r"\d")

# A candidate longer than this is a sentence (a headline or a description), not a name.
MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 8

# Archived copies (the Wayback Machine) wrap the page's own URL: the outlet is the inner one.
ARCHIVE_URL = re.compile(
    r"^https?://(?:web(?:-beta)?\.)?archive\.org/web/[0-9a-z_*]+/(?P<url>(?:https?:/?/?)?.+)$",
    re.I,
)
# A bare host or URL written as a name ("CNN.com", "www.wday.ru", "https://www.inquirer.com").
DOMAIN_NAME = re.compile(
    r"^(?:https?://)?(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24})/?$", re.I
)
# Host labels that say how the site is served, not which site it is.
SERVING_LABELS = frozenset({"www", "www1", "www2", "m", "mobile", "amp", "edition"})
# A word must be this long to count as the start of a domain label when the name goes on
# with words the domain leaves out ("Sputnik International" / sputniknews).
MIN_PREFIX_CHARS = 4

# A credit for who built the site, in a footer: never the article's author
# ("Developed By Heba Musa", "Designed by ...", "Powered by WordPress").
SITE_CREDIT = re.compile(
    r"^\s*(?:(?:web\s*)?(?:site\s+)?(?:developed|designed|design|powered|hosted|built|"
    r"maintained|programmed|coded|created|managed|theme|template)(?:\s+and\s+\w+)?\s+by)\b",
    re.I,
)
