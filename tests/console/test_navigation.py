"""The console's main navigation: pages grouped by the job they serve, only what a role may open."""

from __future__ import annotations

import re

import pytest

from tests.console.signin import signed_in

pytestmark = pytest.mark.store


def _groups(html: str) -> dict[str, list[str]]:
    """Group label -> link labels, as the main navigation shows them."""
    nav = html[html.index('aria-label="Main"'):html.index("</nav>")]
    groups: dict[str, list[str]] = {}
    for label, body in re.findall(r'class="nav-group-label"[^>]*>([^<]+)</span>(.*?)</ul>', nav, re.S):
        groups[label] = re.findall(r"<a [^>]*>([^<]+)</a>", body)
    return groups


def test_an_admin_sees_every_page_in_four_groups(app):
    page = signed_in(app, "ada", "admin").get("/").get_data(as_text=True)
    assert _groups(page) == {
        "Operate": ["Overview", "Search", "Queues", "Conflicts", "Exceptions"],
        "Orders": ["POs", "Thresholds", "Portal", "Reminders"],
        "Finance": ["Ledger", "Recon", "Reports"],
        "Admin": ["Users", "Alerts", "Mailbox"],
    }


def test_a_viewer_sees_no_admin_group_and_no_admin_only_link(app):
    groups = _groups(signed_in(app, "vic", "viewer").get("/").get_data(as_text=True))
    assert "Admin" not in groups
    assert "Portal" not in groups["Orders"]


def test_the_page_being_read_is_marked_current_in_its_group(app):
    page = signed_in(app, "ada", "admin").get("/ledger").get_data(as_text=True)
    assert re.search(r'<a href="/ledger" aria-current="page">Ledger</a>', page)
    assert page.count('aria-current="page"') == 1
