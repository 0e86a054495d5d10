"""The one place a response body becomes bytes, and URLs are built: UTF-8 that never fails.

Every response of the app is a `SafeResponse` (`app.response_class`), whose text, whole or
streamed, is encoded with each lone surrogate replaced by U+FFFD (webapp/safetext.py); the
app's `url_for` does the same to the values it puts in a URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, Response

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
