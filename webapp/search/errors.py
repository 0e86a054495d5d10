"""The read side's errors, each with the HTTP status the app answers it with."""

from __future__ import annotations

from indexer.errors import NewsdeskError


class WebError(NewsdeskError):
    """An error with the HTTP status it maps to; one handler renders every subclass."""

    status = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BadRequest(WebError):
    """A parameter is missing its expected form (page=abc, from=2025-13-01, sort=foo)."""

    status = 400


class BadQuery(BadRequest):
    """The query string cannot be parsed or run."""

    status = 400


class ArticleNotFound(WebError):
    """No article has the requested id."""

    status = 404


class SpeakerNotFound(WebError):
    """No quote has the requested speaker."""

    status = 404


class FacetNotFound(WebError):
    """No facet has the requested name."""

    status = 404


class IndexUnavailable(WebError):
    """The index directory holds no index (yet)."""

    status = 503
