"""Text that always encodes: lone surrogates become U+FFFD. Imports no Flask.

A stored field can hold a lone surrogate ("\\ud800", a valid JSON escape, kept by an index
built before ingest replaced them); `str.encode()` then raises, in a page, a URL or a
streamed export. Everything the app sends is encoded through here (webapp/responses.py).
"""

from __future__ import annotations

import codecs

REPLACEMENT = "\ufffd"
ERRORS = "newsdesk.replace"  # codec error handler: U+FFFD for each character not encodable


def _replace(exc: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    # bytes: the UTF-8 encoder takes only ASCII text from an error handler
    return REPLACEMENT.encode("utf-8") * (exc.end - exc.start), exc.end


codecs.register_error(ERRORS, _replace)


def encode(text: str) -> bytes:
    """`text` as UTF-8, lone surrogates replaced by U+FFFD."""
    return text.encode("utf-8", ERRORS)


def clean(text: str) -> str:
    """`text` with its lone surrogates replaced by U+FFFD."""
    return encode(text).decode("utf-8")
