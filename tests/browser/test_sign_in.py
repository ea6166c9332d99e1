"""Signing in and out in a real browser: the form, its messages, throttling, revocation, roles,
invite links. Few, long tests: each one costs a fresh store, server and browser context."""

from __future__ import annotations

import re

import pytest

from revhub.console import throttle
from tests.browser.conftest import sign_in_through_form
from tests.signin import ensure_user

pytestmark = pytest.mark.store


def test_sign_in_shows_who_and_sign_out_makes_the_old_cookie_worthless(page, live_server, db, browser, axe_check,
                                                                        browser_errors):
    ensure_user(db, "dana", "approver")
    page.goto(f"{live_server}/conflicts")
    assert "/login" in page.url  # every page needs sign-in
    axe_check(page)
    page.keyboard.press("Tab")  # the skip link comes first for keyboard users
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"

    sign_in_through_form(page, live_server, "dana")
    assert page.url == f"{live_server}/conflicts"  # back where it was going
    header = page.locator("header").inner_text()
    assert "dana" in header and "approver" in header.lower()
    cookies = page.context.cookies()
    assert any(c["name"] == "revhub_session" and c["httpOnly"] and c["sameSite"] == "Lax" for c in cookies)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))
    replay = browser.new_context()
    try:
        replay.add_cookies(cookies)  # the cookie as it was before signing out
        tab = replay.new_page()
        tab.goto(f"{live_server}/")
        assert "/login" in tab.url
    finally:
        replay.close()
    assert not browser_errors, browser_errors


def test_a_wrong_password_is_said_beside_the_field_and_repeated_failures_are_throttled(page, live_server, db,
                                                                                       axe_check):
    ensure_user(db, "dana", "viewer")
    with db.session(write=True) as s:  # earlier failures, from elsewhere
        for _ in range(throttle.PER_NAME - 1):
            throttle.record_failure(s, "dana", "192.0.2.7")
    sign_in_through_form(page, live_server, "dana", "not the password")
    assert "name or password is not right" in page.locator("#f-password-error").inner_text()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    axe_check(page)
    sign_in_through_form(page, live_server, "dana")  # the right password, too late
    assert "/login" in page.url
    assert "too many failed sign-ins" in page.locator("#f-password-error").inner_text()


def test_an_invited_viewer_sets_a_password_signs_in_and_gets_403_on_admin_forms(signed_in_page, live_server,
                                                                                browser, axe_check):
    admin = signed_in_page("admin", "dana")
    admin.goto(f"{live_server}/users")
    admin.get_by_label("Name").fill("newbie")
    admin.get_by_label("Role", exact=True).select_option("viewer")
    admin.get_by_role("button", name="Add and get an invite link").click()
    link = admin.locator("pre").inner_text().strip()
    assert link.startswith(f"{live_server}/invite/")

    context = browser.new_context()  # the invitee's own browser
    try:
        tab = context.new_page()
        tab.goto(link)
        axe_check(tab)
        tab.get_by_label("New password").fill("a long enough passphrase")
        tab.get_by_label("The same again").fill("a long enough passphrase")
        tab.get_by_role("button", name="Set password").click()
        assert "Password set" in tab.locator("main").inner_text()
        sign_in_through_form(tab, live_server, "newbie", "a long enough passphrase")
        assert "viewer" in tab.locator("header").inner_text().lower()
        assert "Users" not in [a.inner_text() for a in tab.locator("nav a").all()]
        response = tab.goto(f"{live_server}/users")
        assert response.status == 403 and "Not allowed" in tab.locator("main").inner_text()
        axe_check(tab)
    finally:
        context.close()
