"""Where each article field hides in an HTML page: data only, every list in priority order.

The HTML reader tries JSON-LD first, then <meta> tags, then microdata, then markup
(bylines, <time>, headings), then text rules; within each source it takes the first
entry below that yields a value.
"""

from __future__ import annotations

# schema.org types that describe the article itself, most specific first.
ARTICLE_TYPES = (
    "NewsArticle",
    "ReportageNews",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "AskPublicNewsArticle",
    "LiveBlogPosting",
    "Article",
    "BlogPosting",
    "SocialMediaPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "Review",
)
# Looked into for an article node (e.g. a WebPage whose mainEntity is the article).
JSONLD_CONTAINERS = ("@graph", "mainEntity", "mainEntityOfPage")

# JSON-LD article properties per field.
JSONLD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("headline", "name", "alternativeHeadline"),
    "author": ("author", "creator"),
    "date": ("datePublished", "dateCreated"),
    "location": ("contentLocation", "locationCreated", "dateline", "spatialCoverage"),
    "source": ("publisher", "sourceOrganization"),
    "url": ("url",),
    "body": ("articleBody",),
}

# <meta name|property|itemprop=...> keys (lower case) per field.
META_NAMES: dict[str, tuple[str, ...]] = {
    "title": (
        "og:title",
        "twitter:title",
        "parsely-title",
        "sailthru.title",
        "dc.title",
        "dcterms.title",
        "citation_title",
        "headline",
        "title",
    ),
    "author": (
        "author",
        "article:author_name",
        "byl",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "dcterms.creator",
        "citation_author",
        "article.author",
        "cxenseparse:author",
        "article:author",
        "og:article:author",
    ),
    "date": (
        "article:published_time",
        "og:article:published_time",
        "article:published",
        "og:published_time",
        "published_time",
        "datepublished",
        "date_published",
        "publish-date",
        "publish_date",
        "publishdate",
        "publication_date",
        "parsely-pub-date",
        "sailthru.date",
        "cxenseparse:recs:publishtime",
        "article.published",
        "original-publish-date",
        "dc.date.issued",
        "dcterms.issued",
        "dc.date.created",
        "dcterms.created",
        "citation_publication_date",
        "citation_date",
        "rnews:datepublished",
        "pubdate",
        "og:pubdate",
        "datecreated",
        "dc.date",
        "dcterms.date",
        "date",
    ),
    "location": ("geo.placename", "dcterms.spatial", "dc.coverage.spatial"),
    "source": (
        "og:site_name",
        "application-name",
        "apple-mobile-web-app-title",
        "dc.publisher",
        "dcterms.publisher",
        "publisher",
        "citation_publisher",
        "citation_journal_title",
    ),
    "url": ("og:url", "twitter:url", "parsely-link", "sailthru.url"),
}
# Of the source metas, those where a site gives its own name (the others name a publisher,
# which may be a wire service or a parent company).
SITE_NAME_METAS = ("og:site_name", "application-name", "apple-mobile-web-app-title")
# <meta> keys that declare the page's locale ('en_US', 'fr-ca'): a region places the publisher.
LOCALE_METAS = ("og:locale", "dc.language", "content-language", "language")
# A meta whose key names a modification date is never a publication date.
MODIFIED_WORDS = ("modif", "updat", "revis", "lastmod", "last-mod", "edited")

# microdata itemprops per field (outside <meta>, which META_NAMES covers).
ITEMPROPS: dict[str, tuple[str, ...]] = {
    "title": ("headline",),
    "author": ("author", "creator"),
    "date": ("datePublished", "dateCreated"),
    "location": ("contentLocation", "locationCreated"),
    "source": ("publisher",),
    "body": ("articleBody",),
}

# Bylines in markup: (XPath, rule name). Text is cleaned and checked to look like a name.
BYLINE_XPATHS: tuple[tuple[str, str], ...] = (
    ('//*[@rel="author"]', "rel=author"),
    ('//a[contains(@href, "/author/") or contains(@href, "/authors/")]', "a[href*=/author/]"),
    ('//*[contains(@class, "author-name") or contains(@class, "author_name")]', ".author-name"),
    ('//*[contains(@class, "byline")]', ".byline"),
    ('//*[contains(@id, "byline")]', "#byline"),
    ('//*[contains(@class, "author")]', ".author"),
    ('//*[contains(@class, "writer")]', ".writer"),
    ('//*[contains(@class, "contributor")]', ".contributor"),
)
# Elements a byline is never taken from (menus, footers, related stories, comments).
BYLINE_EXCLUDED_ANCESTORS = (
    "ancestor::*[self::nav or self::footer or self::aside or self::form or self::li"
    ' or contains(@class, "comment") or contains(@class, "related")'
    ' or contains(@class, "menu") or contains(@class, "footer")]'
)

# Publication dates in markup: (XPath, rule name), each yielding a string to parse.
DATE_XPATHS: tuple[tuple[str, str], ...] = (
    ("//time[@pubdate]/@datetime", "time[pubdate]"),
    (
        '//time[@datetime][contains(@class, "publish") or contains(@class, "posted")'
        ' or contains(@class, "created") or contains(@itemprop, "datePublished")]/@datetime',
        "time.published",
    ),
    (
        '//*[contains(@class, "publish") or contains(@class, "dateline")'
        ' or contains(@class, "byline")]//time/@datetime',
        ".published time",
    ),
    (
        '//article//time[@datetime][not(ancestor::*[contains(@class, "related")])]/@datetime',
        "article time",
    ),
    ("//header//time/@datetime", "header time"),
    ("//time/@datetime", "time"),
)

# Visible dates, read from the element's text: (XPath, rule).
_NOT_ASIDE = (
    "not(ancestor-or-self::li or ancestor::aside or ancestor::nav or ancestor::footer"
    ' or contains(@class, "modif") or contains(@class, "updat"))'
)
_DATE_CLASS = (
    'contains(@class, "publish") or contains(@class, "date") or contains(@class, "time")'
    ' or contains(@class, "posted")'
)
# The first element with a date-like class after the headline (else in the page): one only,
# since later ones usually date other stories.
DATE_TEXT_XPATHS: tuple[tuple[str, str], ...] = (
    (f"(//h1)[1]/following::*[{_DATE_CLASS}][{_NOT_ASIDE}][1]", "date text after h1"),
    (f"(//*[{_DATE_CLASS}][{_NOT_ASIDE}])[1]", "date text"),
)
# A MediaWiki revision view (a diff or an `oldid=` permalink) shows one revision: its own
# timestamp is the date of that document, not the JSON-LD datePublished of the page's first edit.
WIKI_REVISION_XPATHS: tuple[tuple[str, str], ...] = (
    ("//*[@id='mw-diff-ntitle1']//a[contains(@href, 'oldid=')]", "MediaWiki revision shown (diff)"),
    ("//*[@id='mw-revision-date']", "MediaWiki revision shown (oldid)"),
)
# Unix timestamps in data attributes (seconds or milliseconds).
EPOCH_XPATHS: tuple[tuple[str, str], ...] = (
    (f"//*[@data-time][{_NOT_ASIDE}]/@data-time", "data-time"),
    (f"//*[@data-timestamp][{_NOT_ASIDE}]/@data-timestamp", "data-timestamp"),
    (f"//*[@data-utime][{_NOT_ASIDE}]/@data-utime", "data-utime"),
)

# Headings that may carry the headline, first found wins.
HEADLINE_XPATHS: tuple[tuple[str, str], ...] = (
    ('//h1[contains(@class, "headline") or contains(@class, "title")]', "h1.headline"),
    ("//article//h1", "article h1"),
    ("//h1", "h1"),
    (
        '//*[contains(@class, "headline") or contains(@class, "arttitle")'
        ' or contains(@class, "entry-title") or contains(@class, "story-title")][not(self::body)]',
        ".headline",
    ),
    ("//h2", "h2"),
)

# Elements a page marks as article text, each a paragraph (older table layouts run the story
# and the sidebars together in one cell; these classes keep only the story).
_CLASS_TOKENS = "concat(' ', normalize-space(@class), ' ')"
TEXT_CLASSES = ("mainarttxt", "articletext", "article-text", "storytext", "story-text")
MARKED_TEXT_XPATH = "|".join(
    f"//*[contains({_CLASS_TOKENS}, ' {name} ')]"
    f"[not(ancestor::*[contains({_CLASS_TOKENS}, ' {name} ')])]"
    for name in TEXT_CLASSES
)

# Containers whose paragraphs are not article text.
BOILERPLATE_TAGS = ("nav", "footer", "aside", "form", "script", "style", "noscript", "figure")

# Separators between a headline and the site name in <title> or og:title.
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " » ", ": ")

# All-caps openings that look like a dateline but name no place.
DATELINE_NOT_PLACES = frozenset(
    {
        "UPDATE",
        "UPDATED",
        "BREAKING",
        "EXCLUSIVE",
        "WATCH",
        "VIDEO",
        "PHOTOS",
        "ANALYSIS",
        "OPINION",
        "EDITOR'S",
        "EDITORS",
        "NOTE",
        "LIVE",
        "CORRECTION",
        "FILE",
        "PHOTO",
        "AP",
        "UPI",
    }
)

# Pruned before body extraction: hidden elements and lists of links to other stories.
PRUNE_XPATHS = (
    "//*[@hidden]",
    '//*[@aria-hidden="true"][not(.//p)]',
    '//*[contains(translate(@style, " ", ""), "display:none")]',
    "//li[a][string-length(normalize-space(.)) <= string-length(normalize-space(a[1])) + 3]",
)
# Body lines that are page furniture, not article text (matched case-insensitively).
BOILERPLATE_LINES = (
    r"^(?:©|\(c\)|copyright\b).{0,200}$",
    r"all rights reserved\.?$",
    r"^(?:thanks? (?:you )?for signing up|sign up for|subscribe to)\b.{0,120}$",
    r"^write to \S.{0,80}@",
    r"this copy is for your personal,? non-commercial use",
    r"^(?:print|e-?mail|share)(?: (?:this|story|article))?$",
    r"^(?:order reprints|print article|advertisement|related(?: articles| stories)?:?)$",
    r"^(?:an error has occurred|there was an error processing)",
    r"^\{\*.*\*\}$",
)

# Words that mark a byline as an organisation, not a person (an author is a person).
NOT_PERSON_WORDS = frozenset(
    {
        "times",
        "news",
        "post",
        "press",
        "journal",
        "staff",
        "reuters",
        "associated",
        "agency",
        "newsroom",
        "desk",
        "editorial",
        "team",
        "media",
        "wire",
        "herald",
        "tribune",
        "daily",
    }
)

# Month names in other languages, for visible dates ('16 mayo 2020', '3 декабря 2020').
# Full names only: short forms collide with words ('mar', 'set', 'mai').
FOREIGN_MONTHS: dict[str, int] = {
    name: month
    for month, names in enumerate(
        (
            "janvier januar enero janeiro gennaio januari januar январь января",
            "février fevrier februar febrero fevereiro febbraio februari februar февраль февраля",
            "mars märz marzo março maart marts mars март марта",
            "avril abril aprile april апрель апреля",
            "mai mayo maio maggio mei maj май мая",
            "juin juni junio junho giugno juni июнь июня",
            "juillet juli julio julho luglio juli июль июля",
            "août aout august agosto augustus augusti август августа",
            "septembre september septiembre setembro settembre september сентябрь сентября",
            "octobre oktober octubre outubro ottobre oktober октябрь октября",
            "novembre november noviembre novembro november ноябрь ноября",
            "décembre decembre dezember diciembre dezembro dicembre december декабрь декабря",
        ),
        start=1,
    )
    for name in names.split()
}

# Solar Hijri (Persian calendar) month names, with their Arabic-keyboard spellings.
JALALI_MONTHS: dict[str, int] = {
    name: month
    for month, names in enumerate(
        (
            "فروردین فروردين",
            "اردیبهشت ارديبهشت",
            "خرداد",
            "تیر تير",
            "مرداد امرداد",
            "شهریور شهريور",
            "مهر",
            "آبان",
            "آذر",
            "دی دي",
            "بهمن",
            "اسفند",
        ),
        start=1,
    )
    for name in names.split()
}

# The time zone of most newsrooms in a country (ISO 3166 code or country domain):
# a UTC timestamp is shown on the publisher's clock, as its readers see it.
COUNTRY_ZONES: dict[str, str] = {
    "us": "America/New_York",
    "ca": "America/Toronto",
    "mx": "America/Mexico_City",
    "br": "America/Sao_Paulo",
    "ar": "America/Argentina/Buenos_Aires",
    "cl": "America/Santiago",
    "co": "America/Bogota",
    "pe": "America/Lima",
    "ve": "America/Caracas",
    "cu": "America/Havana",
    "do": "America/Santo_Domingo",
    "gb": "Europe/London",
    "uk": "Europe/London",
    "ie": "Europe/Dublin",
    "pt": "Europe/Lisbon",
    "es": "Europe/Madrid",
    "fr": "Europe/Paris",
    "be": "Europe/Brussels",
    "nl": "Europe/Amsterdam",
    "de": "Europe/Berlin",
    "at": "Europe/Vienna",
    "ch": "Europe/Zurich",
    "it": "Europe/Rome",
    "dk": "Europe/Copenhagen",
    "no": "Europe/Oslo",
    "se": "Europe/Stockholm",
    "fi": "Europe/Helsinki",
    "pl": "Europe/Warsaw",
    "cz": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "gr": "Europe/Athens",
    "tr": "Europe/Istanbul",
    "ru": "Europe/Moscow",
    "ua": "Europe/Kyiv",
    "il": "Asia/Jerusalem",
    "eg": "Africa/Cairo",
    "sa": "Asia/Riyadh",
    "ae": "Asia/Dubai",
    "ir": "Asia/Tehran",
    "pk": "Asia/Karachi",
    "in": "Asia/Kolkata",
    "bd": "Asia/Dhaka",
    "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong",
    "tw": "Asia/Taipei",
    "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul",
    "ph": "Asia/Manila",
    "sg": "Asia/Singapore",
    "my": "Asia/Kuala_Lumpur",
    "id": "Asia/Jakarta",
    "th": "Asia/Bangkok",
    "vn": "Asia/Ho_Chi_Minh",
    "au": "Australia/Sydney",
    "nz": "Pacific/Auckland",
    "za": "Africa/Johannesburg",
    "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi",
}
# Country domains sold worldwide as generic names: they say nothing of the publisher's place.
GENERIC_CCTLDS = frozenset({"co", "tv", "me", "io", "fm", "ly", "ai", "cc", "ws", "to", "am"})
