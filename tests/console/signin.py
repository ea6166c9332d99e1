"""Signed-in test clients for the console pages, through the real sign-in form."""

from tests.signin import csrf, sign_in

__all__ = ["csrf", "signed_in"]


def signed_in(app, name: str, role: str):
    """A test client signed in as ``name`` holding ``role`` (the user is created if needed)."""
    client = app.test_client()
    sign_in(client, app.extensions["revhub.db"], name, role)
    return client
