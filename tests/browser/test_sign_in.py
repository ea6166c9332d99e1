"""Signing in and out in a real browser: the form, its messages, throttling, revocation, roles."""

from __future__ import annotations

import re

import pytest

from revhub.console import throttle
from tests.browser.conftest import sign_in_through_form
from tests.signin import ensure_user

pytestmark = pytest.mark.store


def test_a_user_signs_in_and_sees_their_name_and_role(page, live_server, db, axe_check, browser_errors):
    ensure_user(db, "dana", "approver")
    page.goto(f"{live_server}/conflicts")
    assert "/login" in page.url  # every page needs sign-in
    axe_check(page)
    sign_in_through_form(page, live_server, "dana")
    header = page.locator("header")
    assert "dana" in header.inner_text() and "approver" in header.inner_text().lower()
    assert not browser_errors, browser_errors


def test_a_wrong_password_is_said_beside_the_password_field(page, live_server, db, axe_check):
    ensure_user(db, "dana", "viewer")
    sign_in_through_form(page, live_server, "dana", "not the password")
    error = page.locator("#f-password-error")
    assert "name or password is not right" in error.inner_text()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    axe_check(page)


def test_sign_in_is_throttled_after_repeated_failures(page, live_server, db):
    ensure_user(db, "dana", "viewer")
    for _ in range(throttle.PER_NAME):
        sign_in_through_form(page, live_server, "dana", "wrong guess")
    sign_in_through_form(page, live_server, "dana")  # the right password, too late
    assert "/login" in page.url
    assert "too many failed sign-ins" in page.locator("#f-password-error").inner_text()


def test_after_sign_out_the_old_session_cookie_is_refused(page, live_server, db, signed_in_page, browser):
    signed_in_page("admin", "dana")
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


def test_a_viewer_gets_403_on_admin_forms(signed_in_page, live_server):
    page = signed_in_page("viewer")
    response = page.goto(f"{live_server}/users")
    assert response.status == 403
    assert "Users" not in [a.inner_text() for a in page.locator("nav a").all()]
