"""Signed-in test clients for the console pages (one place to follow the sign-in scheme)."""

import re


def signed_in(app, name: str, role: str):
    """A test client whose session is ``name`` holding ``role``."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["admin"] = name
        session["role"] = role
    return client


def csrf(page: bytes) -> str:
    """The CSRF token of the first form on ``page``."""
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
