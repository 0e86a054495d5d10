"""Browser test helpers: Chromium settings, console watching, axe-core, screenshots."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from helpers.paths import REPO

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

ARTIFACTS = REPO / "tests" / "artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}


def unavailable(reason: str) -> None:
    """Skip the test, or fail it in CI where the browser must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def require_playwright() -> None:
    """Skip the importing test module without the playwright package (fail in CI)."""
    if importlib.util.find_spec("playwright") is None:
        reason = "the playwright package is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI"):
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)


class PageProblems:
    """Console errors and uncaught exceptions seen by one page."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.expected: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.seen.append(f"uncaught: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"console error at {message.location.get('url')}: {message.text}")

    def expect(self, text: str) -> None:
        """Allow console errors containing `text` (the browser's line about an error status)."""
        self.expected.append(text)

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(text in p for text in self.expected)]


def run_axe(page: Page, name: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page; all of them written to tests/artifacts/axe-NAME.json."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))})))"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(result, indent=2))
    return result


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """A PNG of the whole page (or of the first screen) in tests/artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    from playwright.sync_api import Error

    try:
        page.screenshot(path=str(path), full_page=full_page)
    except Error as exc:  # seen once under load: "Unable to capture screenshot"; once more
        if "Unable to capture screenshot" not in str(exc):
            raise
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=full_page)
    return path
