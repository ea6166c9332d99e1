"""The console's sign-in (conflicts and exceptions are queue pages: revhub.console.conflicts, .exceptions).

Signing in takes the installation's API token (``REVHUB_API_TOKEN``) and a name, which is
kept on every decision and in the audit log. Every form carries a CSRF token (Flask-WTF).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

admin = Blueprint("admin", __name__)


def _db():
    from revhub.app import get_db

    return get_db()


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not session.get("admin"):
            return redirect(url_for("admin.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def _actor() -> str:
    return f"console:{session['admin']}"


@admin.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        token = request.form.get("token") or ""
        expected = current_app.config["REVHUB"].api_token
        if not name:
            error = "name: say who you are (it is kept on every decision)"
        elif not hmac.compare_digest(token.encode(), expected.encode()):
            error = "token: not this installation's API token"
        else:
            session.clear()
            session["admin"] = name[:64]
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
    return render_template("login.html", error=error), (400 if error else 200)


@admin.post("/logout")
def logout():
    session.clear()
    return redirect("/")
