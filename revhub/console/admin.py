"""The console's admin pages: sign-in, conflicts settled field by field, the exception queue.

Signing in takes a user's name and password (``revhub users add``); the name is kept on every
decision and in the audit log. Every form carries a CSRF token (Flask-WTF).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from revhub.console.access import current_actor, require_role
from revhub.console.auth import sign_in, sign_out
from revhub.console.security import safe_next
from revhub.store import Conflict
from revhub.sync.entities import ENTITIES
from revhub.sync.exception_queue import ExceptionQueueError, open_exceptions, settle
from revhub.sync.resolution import DIVERGED, ResolutionError, read_only_notice, resolve_conflict

admin = Blueprint("admin", __name__)


def _db():
    from revhub.app import get_db

    return get_db()


# Any signed-in user; pages that change things say the role they need with require_role.
signed_in = require_role("viewer")


def _actor() -> str:
    return current_actor()


@admin.route("/login", methods=["GET", "POST"])
def login():
    errors: dict[str, str] = {}
    status = 200
    name = ""
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        refusal = sign_in(name, request.form.get("password") or "")
        if refusal is None:
            return redirect(safe_next(request.args.get("next")))
        errors[refusal.field], status = refusal.message, refusal.status
    return render_template("login.html", errors=errors, name=name), status


@admin.post("/logout")
def logout():
    sign_out()
    flash("Signed out.")
    return redirect(url_for("admin.login"))


@admin.get("/conflicts")
@signed_in
def conflicts():
    with _db().session() as s:
        rows = s.scalars(select(Conflict).where(Conflict.status == "open").order_by(Conflict.id).limit(200)).all()
        notices = {c.id: read_only_notice(s, c) for c in rows}
        diverged = s.scalars(select(Conflict).where(Conflict.status == DIVERGED)
                             .order_by(Conflict.id.desc()).limit(200)).all()
    return render_template("conflicts.html", conflicts=rows, show=_show, notices=notices, diverged=diverged)


@admin.post("/conflicts/<int:conflict_id>")
@require_role("admin")
def resolve(conflict_id: int):
    take = request.form.get("take", "")
    value = None
    if take == "value":
        try:
            value = json.loads(request.form.get("value") or "")
        except ValueError:
            return _refused("conflicts.html", "value: give it as JSON, e.g. \"ap@acme.example\" or 12500")
    try:
        with _db().session(write=True) as s:
            resolution = resolve_conflict(s, conflict_id, take, actor=_actor(), value=value).resolution
    except ResolutionError as exc:
        return _refused("conflicts.html", str(exc))
    flash(f"Conflict {conflict_id} resolved ({resolution}).")
    return redirect(url_for("admin.conflicts"))


@admin.get("/exceptions")
@signed_in
def exceptions():
    with _db().session() as s:
        rows = open_exceptions(s)[:200]
        labels = _candidate_labels(s, rows)
    return render_template("exceptions.html", exceptions=rows, labels=labels)


@admin.post("/exceptions/<int:exception_id>")
@require_role("admin")
def settle_exception(exception_id: int):
    action = request.form.get("action", "")
    link_to = None
    if action == "link":
        try:
            link_to = uuid.UUID(request.form.get("candidate") or "")
        except ValueError:
            return _refused("exceptions.html", "candidate: not a record id")
    elif action not in ("create", "dismiss"):
        return _refused("exceptions.html", "action: one of link, create, dismiss")
    try:
        with _db().session(write=True) as s:
            status = settle(s, exception_id, actor=_actor(), link_to=link_to, create=action == "create",
                            dismiss=action == "dismiss").status
    except ExceptionQueueError as exc:
        return _refused("exceptions.html", str(exc))
    flash(f"Exception {exception_id} {status}.")
    return redirect(url_for("admin.exceptions"))


def _refused(template: str, message: str):
    """The page again with what was wrong, as a 400 (nothing was written)."""
    with _db().session() as s:
        rows = {"conflicts": s.scalars(select(Conflict).where(Conflict.status == "open")
                                       .order_by(Conflict.id).limit(200)).all(),
                "exceptions": open_exceptions(s)[:200]}
        labels = _candidate_labels(s, rows["exceptions"])
    return render_template(template, error=message, show=_show, labels=labels, **rows), 400


_LABEL_COLUMNS = ("name", "number", "po_number", "email", "reference")


def _candidate_labels(session, rows) -> dict[str, str]:
    """What an admin recognises a candidate by: its name or number, and its e-mail."""
    labels: dict[str, str] = {}
    for row in rows:
        ids = [uuid.UUID(c) for c in row.candidates or ()]
        if not ids or row.entity not in ENTITIES:
            continue
        table = ENTITIES[row.entity].table
        columns = [table.c[name] for name in _LABEL_COLUMNS if name in table.c]
        for found in session.execute(select(table.c.id, *columns).where(table.c.id.in_(ids))).mappings():
            labels[str(found["id"])] = " · ".join(str(found[c.key]) for c in columns if found[c.key])
    return labels


def _show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
