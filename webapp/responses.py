"""The one place a response body becomes bytes, and URLs are built: UTF-8 that never fails.

Every response of the app is a `SafeResponse` (`app.response_class`), whose text, whole or
streamed, is encoded with each lone surrogate replaced by U+FFFD (webapp/safetext.py); the
app's `url_for` does the same to the values it puts in a URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_from_bytes

from flask import Flask, Response, request

from webapp.safetext import clean, encode


class SafeResponse(Response):
    """A Flask response whose text bodies, whole or streamed, encode without failing."""

    def set_data(self, value: bytes | str) -> None:
        super().set_data(encode(value) if isinstance(value, str) else value)

    def iter_encoded(self) -> Iterator[bytes]:
        for item in self.response:
            yield encode(item) if isinstance(item, str) else item


class NewsdeskFlask(Flask):
    """Flask with SafeResponse, and a url_for that takes any stored text as a value."""

    response_class = SafeResponse

    def url_for(self, endpoint: str, /, **values: Any) -> str:  # type: ignore[override]
        cleaned = {k: clean(v) if isinstance(v, str) else v for k, v in values.items()}
        return super().url_for(endpoint, **cleaned)  # type: ignore[arg-type]


# What a URI may hold besides letters, digits and "-._~" (RFC 3986): the rest of a query
# string as a client sent it is percent-encoded before it goes into a header or a document.
_URI_CHARS = "!$&'()*+,/:;=?@%"


def with_request_query(path: str) -> str:
    """`path` with the request's query string as the client sent it (URI-safe), for links
    that must name the very resource requested (a feed's self link, CSVW metadata)."""
    query = quote_from_bytes(request.query_string, safe=_URI_CHARS)
    return f"{path}?{query}" if query else path
