"""The admin's Users page: add a user (an invite link to pass on), change a role, disable,
end someone's sessions, reset a password. Every action is in the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from revhub.console import users
from revhub.console.access import current_actor, current_user, require_role
from revhub.console.sessions import open_sessions
from revhub.store.people import ROLES

users_page = Blueprint("users_page", __name__)


def _db():
    from revhub.app import get_db

    return get_db()


def invite_url(token: str) -> str:
    return url_for("auth.invite", token=token, _external=True)


def _page(errors: dict[str, str] | None = None, form: dict | None = None, invite: dict | None = None,
          status: int = 200):
    with _db().session() as s:
        rows = [{"name": u.name, "role": u.role, "disabled": u.disabled, "invited": u.password_hash is None,
                 "sessions": len(open_sessions(s, u)), "created_at": u.created_at} for u in users.list_users(s)]
    return render_template("users.html", rows=rows, roles=ROLES, errors=errors or {}, form=form or {},
                           invite=invite, me=current_user().name), status


@users_page.get("/users")
@require_role("admin")
def index():
    return _page()


@users_page.post("/users")
@require_role("admin")
def add():
    name = (request.form.get("name") or "").strip()
    role = request.form.get("role") or ""
    try:
        with _db().session(write=True) as s:
            user = users.add(s, name, role, actor=current_actor(), source="console")
            token = users.invite_token(current_app.config["SECRET_KEY"], user)
    except users.UserError as exc:
        field = str(exc).split(":", 1)[0]
        return _page({field: str(exc)}, {"name": name, "role": role}, status=400)
    return _page(invite={"name": name, "url": invite_url(token)}, status=201)


@users_page.post("/users/<name>/<action>")
@require_role("admin")
def act(name: str, action: str):
    actor = current_actor()
    try:
        with _db().session(write=True) as s:
            if action == "disable":
                if name == current_user().name:
                    raise users.UserError("name: you cannot disable yourself")
                users.disable(s, name, actor=actor, source="console")
            elif action == "enable":
                users.enable(s, name, actor=actor, source="console")
            elif action == "revoke":
                users.revoke_sessions(s, users.get(s, name), actor=actor, source="console")
            elif action == "role":
                users.set_role(s, name, request.form.get("role") or "", actor=actor, source="console")
            elif action == "reset":
                user = users.reset(s, name, actor=actor, source="console")
                token = users.invite_token(current_app.config["SECRET_KEY"], user)
            else:
                raise users.UserError(f"action: unknown action {action!r}")
    except users.UserError as exc:
        return _page({"action": str(exc)}, status=400)
    if action == "reset":
        return _page(invite={"name": name, "url": invite_url(token)})
    flash(f"{name}: {action} done.")
    return redirect(url_for("users_page.index"))
