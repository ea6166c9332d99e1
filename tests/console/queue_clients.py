"""Signed-in test clients for the queue pages (the one place that follows the sign-in scheme:
a real user of the role, signed in through the real form, as ``tests.signin`` does)."""

from revhub.app import get_db
from tests.signin import csrf, sign_in

__all__ = ["csrf", "signed_in"]


def signed_in(app, name: str, role: str):
    """A test client signed in as ``name`` holding ``role`` (the user is created if absent)."""
    client = app.test_client()
    sign_in(client, get_db(app), name, role)
    return client
