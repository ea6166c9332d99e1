"""What the queue pages share when an admin acts: the audit entry every action leaves, the
answer to an htmx request (the changed row) or to a plain form (back to the list), and a
refusal as a 400 that says what was wrong and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request
from sqlalchemy import insert
from sqlalchemy.orm import Session

from revhub.console.access import current_actor, current_role, role_allows
from revhub.store import AuditEntry, utcnow

SOURCE = "console"


def db():
    """The store of the current application."""
    from revhub.app import get_db

    return get_db()


def audit_action(session: Session, *, action: str, entity: str, record_id: uuid.UUID,
                 before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """One audit entry for an admin's action on a queue (in the caller's transaction)."""
    session.execute(insert(AuditEntry.__table__).values(
        at=utcnow(), actor=current_actor()[:128], source=SOURCE, entity=entity[:32], record_id=record_id,
        action=action[:16], version=None, before=before, after=after))


def can_act() -> bool:
    """May the signed-in user act on queues (admins), or only read them?"""
    return role_allows(current_role(), "admin")


def wants_fragment() -> bool:
    """An htmx request swaps in the part of the page it targets; a plain form wants a page."""
    return request.headers.get("HX-Request") == "true"


def done(message: str, back: str, fragment: str | None = None, **context: Any):
    """After an action: the changed fragment for htmx, else a flash and the list again (PRG)."""
    if fragment and wants_fragment():
        # The queue-depth counter listens for this event and refreshes at once.
        return render_template(fragment, notice=message, back=back, **context), 200, {
            "HX-Trigger": "queues-changed"}
    flash(message)
    return redirect(back)


def refused(message: str, back: str):
    """A 400 naming what was wrong (nothing was written), with the way back. htmx swaps no
    4xx answer, so an htmx request gets the message as a 200 aimed at the page's alert area."""
    if wants_fragment():
        return render_template("action_error.html", error=message), 200, {
            "HX-Retarget": "#action-error", "HX-Reswap": "innerHTML"}
    return render_template("queue_refused.html", error=message, back=back), 400


def safe_back(default: str) -> str:
    """Where the form came from (a path on this site only), to return there with its filters."""
    target = request.form.get("back") or ""
    return target if target.startswith("/") and not target.startswith("//") else default
