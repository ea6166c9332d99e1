"""Every console page in a real browser: accessible (axe-core, no serious or critical issue),
no CSP refusals or script errors, and hostile provider data shown as text, never run.

The pages are read from the app's URL map, so a page added later is covered without editing
this file: every GET route without arguments outside the machine endpoints.
"""

from __future__ import annotations

import pytest

from revhub.console.auth import PUBLIC_PREFIXES
from revhub.store import Customer
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store

HOSTILE = ('<script>window.__pwned = 1</script>'
           '<img src=x onerror="window.__pwned = 2">Evil "Corp" & Sons')


def console_pages(app) -> list[str]:
    """Paths of the console's GET pages that take no arguments."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        if rule.rule.startswith(PUBLIC_PREFIXES) and rule.rule != "/login":
            continue
        paths.add(rule.rule)
    return sorted(paths)


@pytest.fixture
def hostile_data(connections):
    """A customer whose name (from two providers) is hostile markup: an open conflict on the name,
    and an ambiguous match filed as an exception."""
    apply(connections, "salesforce", customer("001A", "1"))
    apply(connections, "xero", customer("c-1", "1"))
    apply(connections, "salesforce", customer("001A", "2", name=HOSTILE))
    apply(connections, "xero", customer("c-1", "2", name=HOSTILE + " (Xero)"))
    with connections.session(write=True) as s:
        s.add(Customer(name=HOSTILE, email="ap@dup.example"))
        s.add(Customer(name=HOSTILE + " EU", email="ap@dup.example"))
    apply(connections, "xero", customer("x-77", "1", name=HOSTILE, email="ap@dup.example", tax_id=None))
    return connections


def test_every_page_passes_axe_and_runs_no_hostile_data(app, hostile_data, signed_in_page, live_server,
                                                        axe_check, browser_errors):
    pages = console_pages(app)
    assert {"/", "/login", "/conflicts", "/exceptions", "/users"} <= set(pages)
    page = signed_in_page("admin")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    shown_as_text = []
    for path in pages:
        if path == "/login":
            continue  # checked signed out in test_sign_in.py
        response = page.goto(live_server + path)
        # 502 is a page's own "could not read a provider" (the ledger here: no credentials).
        assert response.status in (200, 502), f"{path} answered {response.status}"
        axe_check(page)
        assert page.evaluate("() => window.__pwned") is None, f"hostile markup ran on {path}"
        assert page.locator("img[src='x']").count() == 0, f"hostile <img> became an element on {path}"
        if "<script>window.__pwned = 1</script>" in page.locator("main").inner_text():
            shown_as_text.append(path)
    assert "/exceptions" in shown_as_text  # the incoming name is there, as text
    assert not dialogs and not browser_errors, (dialogs, browser_errors)
