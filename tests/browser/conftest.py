"""Browser fixtures: the real app over the demo corpus, driven in Debian's Chromium by Playwright.

The tests never download a browser: they launch /usr/bin/chromium (`.ci/run` installs it in CI).
Without it, or without the playwright package, they skip locally and fail in CI (CI=true).
Every page fixture runs twice, with JavaScript on and off, and fails its test on any console
error or uncaught page error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from browser.browsing import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PageProblems, unavailable
from helpers.paths import SAMPLES
from indexer.writer import reindex
from webapp import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # one line per request would drown pytest's output


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app serving an index of samples/, on a free loopback port."""
    index = tmp_path_factory.mktemp("browser") / "index"
    summary = reindex([str(SAMPLES)], str(index), workers=1)
    assert not summary.errors, summary.errors
    app = create_app({"INDEX_DIR": str(index)})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="newsdesk-test-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["newsdesk"].close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    expect.set_options(timeout=10_000)  # a loaded CI machine: twice the default
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(params=["js", "nojs"])
def js(request: pytest.FixtureRequest) -> bool:
    """True with JavaScript on; every test using a page runs both ways."""
    return request.param == "js"


@pytest.fixture
def console() -> PageProblems:
    """What the test's page logged; `console.expect(text)` allows an error the test causes."""
    return PageProblems()


@pytest.fixture
def page(browser: Browser, js: bool, console: PageProblems) -> Iterator[Page]:
    """A desktop-sized page; the test fails on any console error or page error."""
    context = browser.new_context(java_script_enabled=js, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.watch(page)
    yield page
    context.close()
    unexpected = console.unexpected()
    assert not unexpected, "errors in the browser console:\n" + "\n".join(unexpected)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages with context options of the test's choosing (viewport, CSP bypass for axe)."""
    contexts = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
