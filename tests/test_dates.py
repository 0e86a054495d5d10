"""A document's date as the API gives it (webapp/search/dates.py): `date` always YYYY-MM-DD."""

from __future__ import annotations

import pytest

from webapp.search.dates import Dated, dated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-12-29", Dated("2020-12-29", None, "day")),
        ("2020-12-29T16:19:16+03:00", Dated("2020-12-29", "2020-12-29T16:19:16+03:00", "second")),
        ("2020-12-29T16:19:16Z", Dated("2020-12-29", "2020-12-29T16:19:16Z", "second")),
        ("2020-12-29 16:19", Dated("2020-12-29", "2020-12-29T16:19", "minute")),
        (
            "2020-12-29T16:19:16.250-0500",
            Dated("2020-12-29", "2020-12-29T16:19:16.250-0500", "second"),
        ),
        ("2020-12", Dated(None, "2020-12", "month")),
        ("2020", Dated(None, "2020", "year")),
        (" 2020-12-29 ", Dated("2020-12-29", None, "day")),
        ("March 5, 2024", Dated()),
        ("", Dated()),
        (None, Dated()),
    ],
)
def test_every_date_reads_as_a_day_and_what_the_source_said(
    text: str | None, expected: Dated
) -> None:
    assert dated(text) == expected
