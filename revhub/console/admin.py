"""The console's sign-in and sign-out (conflicts and exceptions are queue pages:
revhub.console.conflicts and revhub.console.exceptions).

Signing in takes a user's name and password (``revhub users add``); the name is kept on every
decision and in the audit log. Every form carries a CSRF token (Flask-WTF).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from revhub.console.access import current_actor, require_role
from revhub.console.auth import sign_in, sign_out
from revhub.console.security import safe_next

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
