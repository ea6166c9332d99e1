"""Signing in to the console from a test: a user of the given role, then the real sign-in form."""

from __future__ import annotations

import re

from revhub.console import users
from revhub.store import Database

PASSWORD = "correct horse battery staple"


def csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def ensure_user(db: Database, name: str = "dana", role: str = "admin", password: str = PASSWORD) -> str:
    """The user ``name`` with ``role`` and ``password`` (created if absent); returns the name."""
    with db.session(write=True) as s:
        user = users.find(s, name)
        if user is None:
            users.add(s, name, role, actor="test", source="test", password=password)
        else:
            user.role = role
    return name


def sign_in(client, db: Database, name: str = "dana", role: str = "admin", password: str = PASSWORD):
    """``client`` signed in as ``name`` (a ``role`` user, created if needed); returns the response."""
    ensure_user(db, name, role, password)
    page = client.get("/login").data
    response = client.post("/login", data={"csrf_token": csrf(page), "name": name, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response
