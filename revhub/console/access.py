"""Who is signed in to the console and what they may do: the one gate every page goes through.

Pages declare the least role they need with ``@require_role("viewer"|"approver"|"admin")``;
roles are ordered, so an admin may do what an approver may. ``current_actor()`` is the name
kept on every decision and audit entry. The user comes from a server-side session
(``revhub.console.sessions``), looked up once per request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, g, redirect, request, session, url_for

from revhub.console.sessions import SignedIn, find_valid, mark
from revhub.store.people import ROLES

SESSION_KEY = "sid"
_UNSET = object()


def role_allows(held: str | None, needed: str) -> bool:
    """True if a user holding ``held`` may do what needs ``needed``."""
    if held not in ROLES:
        return False
    return ROLES.index(held) >= ROLES.index(needed)


def current_user() -> SignedIn | None:
    """The signed-in user of this request (None if signed out, revoked, expired or disabled)."""
    cached = g.get("_console_user", _UNSET)
    if cached is not _UNSET:
        return cached
    token = session.get(SESSION_KEY)
    user = None
    if token:
        from revhub.app import get_db

        with get_db().session() as s:
            user, bookkeeping = find_valid(s, token)
        if bookkeeping:
            with get_db().session(write=True) as s:
                mark(s, *bookkeeping)
        if user is None:
            session.pop(SESSION_KEY, None)
    g._console_user = user
    return user


def current_role() -> str | None:
    user = current_user()
    return user.role if user else None


def current_actor() -> str:
    """The signed-in person as kept on audit entries (``console:NAME``)."""
    user = current_user()
    if user is None:
        raise RuntimeError("current_actor() outside a signed-in request")
    return f"console:{user.name}"


def sign_in_redirect():
    """Off to the sign-in page, coming back here afterwards."""
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return redirect(url_for("admin.login", next=target))


def require_role(needed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Sign-in required; then 403 unless the user's role reaches ``needed``."""
    if needed not in ROLES:
        raise ValueError(f"unknown role {needed!r}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                return sign_in_redirect()
            if not role_allows(current_role(), needed):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
