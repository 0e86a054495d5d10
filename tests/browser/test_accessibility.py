"""Accessibility and layout in a real browser: axe-core, keyboard focus, narrow and wide screens.

Each page is shot at 390 and 1280 pixels wide into tests/artifacts/ (git-ignored), with axe-core's
full report beside it; serious and critical violations fail the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from browser.browsing import require_playwright, run_axe, screenshot

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser

PAGES = {
    "search": "/search?q=bakhmut",
    "browse": "/search",
    "quotes": "/quotes?q=bakhmut",
    "compact": "/search?q=bakhmut&view=compact",
    "quotes-compact": "/quotes?q=bakhmut&view=compact",
    "speaker": "/speakers/" + quote("Volodymyr Zelensky"),
    "article": None,  # the first hit of the search above
    "empty": "/search?q=zzyzx",
    "error": "/search?q=colour:red",
    "help": "/help",
}
WIDTHS = [390, 1280]
BLOCKING = ("serious", "critical")
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def url_of(page: Page, site: str, name: str) -> str:
    path = PAGES[name]
    if path is None:
        hits = page.request.get(f"{site}/api/search?q=bakhmut").json()["hits"]
        path = f"/articles/{hits[0]['id']}"
    return site + path


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_fits(
    new_page: Callable[..., Page], site: str, name: str, width: int
) -> None:
    # axe is injected as a script of the test's own: the page's CSP is bypassed for it alone
    page = new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    response = page.goto(url_of(page, site, name))
    assert response is not None and response.status == (400 if name == "error" else 200)
    screenshot(page, f"{name}-{width}")
    if name == "search" and width == 1280:  # the README's docs/screenshot-search.png
        screenshot(page, "search-1280-first-screen", full_page=False)
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
    violations = run_axe(page, f"{name}-{width}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


@pytest.mark.parametrize("name", ["search", "quotes", "article", "speaker", "empty"])
def test_dark_scheme_is_accessible(new_page: Callable[..., Page], site: str, name: str) -> None:
    page = new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark", bypass_csp=True)
    page.goto(url_of(page, site, name))
    screenshot(page, f"{name}-1280-dark")
    blocking = [v for v in run_axe(page, f"{name}-1280-dark") if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


@pytest.mark.parametrize("width", [360, 1440])
@pytest.mark.parametrize("name", ["search", "quotes", "article", "speaker"])
def test_page_fits_narrowest_and_widest(
    new_page: Callable[..., Page], site: str, name: str, width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(url_of(page, site, name))
    assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than a {width}px screen"


FOCUS_STYLE = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  return {what: el.outerHTML.slice(0, 80), outline: s.outlineStyle,
          width: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow};
}"""


@pytest.mark.parametrize("name", ["search", "article"])
def test_keyboard_focus_is_visible(page: Page, site: str, name: str) -> None:
    page.goto(url_of(page, site, name))
    for _ in range(15):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE)
        visible = (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none"
        assert visible, f"no visible focus on {style['what']}"


def test_skip_link_reaches_the_results(page: Page, site: str) -> None:
    page.goto(url_of(page, site, "search"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/search?q=bakhmut#content")


def test_narrow_screen_has_a_way_to_the_filters(new_page: Callable[..., Page], site: str) -> None:
    page = new_page(viewport={"width": 390, "height": 800})
    page.goto(url_of(page, site, "search"))
    sidebar = page.get_by_role("complementary", name="Refine")
    expect(sidebar).not_to_be_in_viewport()
    page.get_by_role("link", name="Refine", exact=True).click()
    expect(sidebar).to_be_in_viewport()
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("link", name="Refine", exact=True)).to_be_hidden()
