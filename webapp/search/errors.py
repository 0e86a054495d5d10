"""The read side's errors, each with the HTTP status the app answers it with (indexer/errors.py)."""

from __future__ import annotations

from indexer.errors import NewsdeskError


class BadRequest(NewsdeskError):
    """A parameter is missing its expected form (page=abc, from=2025-13-01, sort=foo)."""

    status = 400


class BadQuery(BadRequest):
    """The query string cannot be parsed or run."""

    status = 400


class ArticleNotFound(NewsdeskError):
    """No article has the requested id."""

    status = 404


class SpeakerNotFound(NewsdeskError):
    """No quote has the requested speaker."""

    status = 404


class FacetNotFound(NewsdeskError):
    """No facet has the requested name."""

    status = 404


class IndexUnavailable(NewsdeskError):
    """The index directory holds no index (yet)."""

    status = 503


class BadCursor(BadRequest):
    """A cursor that does not verify, or belongs to other parameters or an older index."""
