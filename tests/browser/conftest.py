"""Browser fixtures: the real app served over HTTP, driven by Debian's Chromium through Playwright.

    def test_x(signed_in_page, live_server, axe_check):
        page = signed_in_page("admin")          # a fresh admin user, signed in through the form
        page.goto(live_server + "/conflicts")
        axe_check(page)                         # fails on serious/critical accessibility issues

``live_server`` serves the test's ``app`` (over the test's store, ``db``) from a thread on an
ephemeral port. ``page`` records console errors (a CSP refusal shows there) in
``browser_errors``. Chromium is the system package (``/usr/bin/chromium``); these tests are
skipped, saying so, when it is absent — ``make test`` and ``.ci/run`` install it first.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.signin import PASSWORD, ensure_user

CHROMIUM = os.environ.get("REVHUB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "revhub" / "console" / "static" / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of ``app`` served by werkzeug in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REVHUB_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}; CI installs it with apt-get (.ci/run)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield instance
        instance.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors and uncaught exceptions of ``page`` (CSP refusals included), and any
    script, stylesheet or image that failed to load."""
    return []


@pytest.fixture
def page(browser, browser_errors):
    """A fresh browser context (no cookies) and page; closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("console", lambda msg: _console_error(browser_errors, msg))
    tab.on("pageerror", lambda exc: browser_errors.append(str(exc)))
    tab.on("response", lambda r: _failed_resource(browser_errors, r))
    yield tab
    context.close()


def _console_error(errors: list[str], msg) -> None:
    # A page's own 4xx/5xx status is logged as "Failed to load resource"; tests assert statuses
    # themselves, and a failing script or stylesheet is caught by _failed_resource.
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        errors.append(msg.text)


def _failed_resource(errors: list[str], response) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.status} {response.url}")


def sign_in_through_form(tab, live_server: str, name: str, password: str = PASSWORD) -> None:
    """Fill and submit the sign-in form as a person would (the one on screen, if it is there,
    so a ``next`` the app put in its address is kept)."""
    if not tab.url.startswith(f"{live_server}/login"):
        tab.goto(f"{live_server}/login")
    tab.get_by_label("Name").fill(name)
    tab.get_by_label("Password").fill(password)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Sign in").click()


@pytest.fixture
def signed_in_page(page, live_server, db) -> Callable[..., object]:
    """``signed_in_page(role, name=None)``: ``page`` signed in as a new user of ``role``."""

    def sign_in(role: str = "admin", name: str | None = None):
        name = ensure_user(db, name or f"{role}-user", role)
        sign_in_through_form(page, live_server, name)
        assert "/login" not in page.url, f"sign-in as {name} failed: {page.url}"
        return page

    return sign_in


def run_axe(tab) -> list[dict]:
    """axe-core's violations on the page as it is (the vendored file, loaded same-origin so the
    CSP admits it)."""
    if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
        origin = tab.evaluate("() => location.origin")
        tab.add_script_tag(url=f"{origin}/static/vendor/axe.min.js")
    return tab.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || ''))}));
    }""")


@pytest.fixture
def axe_check() -> Callable[..., list[dict]]:
    """``axe_check(page)``: fails the test on any serious or critical axe-core violation;
    returns the lesser ones."""

    def check(tab) -> list[dict]:
        violations = run_axe(tab)
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core on {tab.url}:\n" + "\n".join(
            f"  [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in blocking)
        return violations

    return check
