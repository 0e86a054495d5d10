"""Markup in indexed fields and in parameters stays text in a real browser: no dialog fires and
no element the page did not write appears (issue 8). The demo corpus holds an HTML page and a
JSON Lines record whose title and body carry `<script>alert(1)</script>`."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from browser.browsing import PageProblems, require_playwright

require_playwright()

from playwright.sync_api import Page  # noqa: E402

pytestmark = pytest.mark.browser

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "<svg onload=alert(3)>")


def injected(page: Page) -> list[str]:
    """Elements a payload would have created: scripts not served by the app, or images and
    SVGs carrying event handlers."""
    return page.evaluate(
        """() => [
          ...[...document.scripts].filter(s => !s.src.includes('/static/')).map(s => s.outerHTML),
          ...[...document.querySelectorAll('[onerror], [onload]')].map(e => e.outerHTML),
        ]"""
    )


def visit(page: Page, url: str, dialogs: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert injected(page) == [], url
    assert dialogs == [], url


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


def test_indexed_markup_is_text(page: Page, site: str, dialogs: list[str]) -> None:
    visit(page, f"{site}/search?q=script", dialogs)
    assert "<script>alert(1)</script>" in page.locator("ol.hits").inner_text()
    for href in page.locator("ol.hits h2 a").evaluate_all("as => as.map(a => a.href)"):
        visit(page, href, dialogs)
    visit(page, f"{site}/quotes?q=script", dialogs)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_parameters_are_text(
    page: Page, site: str, dialogs: list[str], console: PageProblems, payload: str
) -> None:
    console.expect("the server responded with a status of 4")  # 400 and 404 pages are expected
    value = quote(payload)
    for url in (
        f"{site}/search?q={value}",
        f"{site}/search?author={value}&source={value}",
        f"{site}/quotes?speaker={value}",
        f"{site}/speakers/{value}",
        f"{site}/articles/{value}",
        f"{site}/search?q=title:({value}",
    ):
        visit(page, url, dialogs)
