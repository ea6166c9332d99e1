"""Who is signed in to the console and what they may do: the one gate every page goes through.

Pages declare the least role they need with ``@require_role("viewer"|"approver"|"admin")``;
roles are ordered, so an admin may do what an approver may. ``current_actor()`` is the name
kept on every decision and audit entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, session, url_for

ROLES = ("viewer", "approver", "admin")


def role_allows(held: str | None, needed: str) -> bool:
    """True if a user holding ``held`` may do what needs ``needed``."""
    if held not in ROLES:
        return False
    return ROLES.index(held) >= ROLES.index(needed)


def current_role() -> str | None:
    # The shared-token sign-in of the first console makes its holder an admin.
    return session.get("role") or ("admin" if session.get("admin") else None)


def current_actor() -> str:
    """The signed-in person as kept on audit entries (``console:NAME``)."""
    return f"console:{session['admin']}"


def require_role(needed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Sign-in required; then 403 unless the user's role reaches ``needed``."""
    if needed not in ROLES:
        raise ValueError(f"unknown role {needed!r}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not session.get("admin"):
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if not role_allows(current_role(), needed):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
