"""Signing in and out, invite links, and the rule that every console page needs a signed-in user.

``sign_in`` checks the throttle before the password, records every attempt in the audit log,
and opens a server-side session; ``sign_out`` revokes it. The app-wide gate sends any
request outside PUBLIC_PREFIXES to the sign-in page, so a page added later cannot be left
open by forgetting a decorator; ``require_role`` then decides what the user may do.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for

from revhub.console import sessions as console_sessions
from revhub.console import throttle, users
from revhub.console.access import SESSION_KEY, current_user, role_allows, sign_in_redirect
from revhub.console.audit_trail import record
from revhub.console.passwords import hash_password, needs_rehash, verify_password
from revhub.console.security import client_ip

auth = Blueprint("auth", __name__)

# Machine endpoints authenticate themselves (signatures, bearer tokens) or are meant to be open.
PUBLIC_PREFIXES = ("/login", "/invite/", "/static/", "/healthz", "/readyz", "/livez", "/metrics",
                   "/api/", "/webhooks/", "/openapi", "/favicon.ico",
                   "/portal/")  # the customer portal: its invitation link is the key

# (label, candidate paths, least role): a link shows when one of its paths is a route of this
# app, so pages land in the menu as their blueprints are registered.
# The console's pages in the four jobs people come to it for; a group a role sees nothing of is left out.
NAV = (
    ("Operate", (
        ("Overview", ("/",), "viewer"),
        ("Search", ("/search",), "viewer"),
        ("Queues", ("/queues", "/outbox"), "viewer"),
        ("Conflicts", ("/conflicts",), "viewer"),
        ("Exceptions", ("/exceptions",), "viewer"),
    )),
    ("Orders", (
        ("POs", ("/purchase-orders", "/po", "/pos"), "viewer"),
        ("Thresholds", ("/approvals/thresholds",), "viewer"),
        ("Portal", ("/portal-invites",), "admin"),
        ("Reminders", ("/reminders",), "viewer"),
    )),
    ("Finance", (
        ("Ledger", ("/ledger",), "viewer"),
        ("Recon", ("/recon/matches",), "viewer"),
        ("Reports", ("/reports",), "viewer"),
    )),
    ("Admin", (
        ("Users", ("/users",), "admin"),
        ("Alerts", ("/alerts",), "admin"),
        ("Mailbox", ("/mailbox",), "admin"),
    )),
)


@dataclass(frozen=True)
class Refusal:
    field: str
    message: str
    status: int


def _db():
    from revhub.app import get_db

    return get_db()


def sign_in(name: str, password: str) -> Refusal | None:
    """Open a session for ``name`` (None) or say why not. Always leaves an audit entry."""
    ip = client_ip()
    name = name.strip()[:64]
    if not name:
        return Refusal("name", "name: say who you are", 400)
    with _db().session(write=True) as s:
        if throttle.throttled(s, name, ip):
            record(s, actor=f"console:{name}", source="console", action="sign_in_refused",
                   record_id=None, details={"name": name, "ip": ip, "reason": "throttled"})
            return Refusal("password", f"too many failed sign-ins; try again in "
                           f"{int(throttle.WINDOW.total_seconds() // 60)} minutes", 429)
        user = users.find(s, name)
        ok = verify_password(password, user.password_hash if user else None)
        if not ok or user is None or user.disabled:
            throttle.record_failure(s, name, ip)
            reason = "disabled" if ok and user is not None else "wrong name or password"
            record(s, actor=f"console:{name}", source="console", action="sign_in_failed",
                   record_id=user.id if user else None, details={"name": name, "ip": ip, "reason": reason})
            return Refusal("password", "name or password is not right", 401)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        throttle.clear(s, name)
        token = console_sessions.open_session(s, user, ip)
        record(s, actor=f"console:{name}", source="console", action="sign_in", record_id=user.id,
               details={"name": name, "ip": ip})
    session.clear()
    session[SESSION_KEY] = token
    return None


def sign_out() -> None:
    """Revoke this browser's session (its cookie opens nothing afterwards)."""
    token = session.get(SESSION_KEY)
    user = current_user()
    with _db().session(write=True) as s:
        user_id = console_sessions.revoke(s, token)
        if user_id is not None:
            record(s, actor=f"console:{user.name}" if user else "console", source="console",
                   action="sign_out", record_id=user_id, details={"ip": client_ip()})
    session.clear()


@auth.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    """Choose a password through the link ``revhub users add`` printed."""
    secret = current_app.config["SECRET_KEY"]
    errors: dict[str, str] = {}
    with _db().session() as s:
        try:
            name = users.read_invite(s, secret, token).name
        except users.UserError as exc:
            return render_template("invite.html", name=None, errors={"invite": str(exc)}), 400
    if request.method == "POST":
        password = request.form.get("password") or ""
        if password != (request.form.get("confirm") or ""):
            errors["confirm"] = "confirm: the two passwords differ"
        else:
            try:
                with _db().session(write=True) as s:
                    users.accept_invite(s, secret, token, password)
            except users.UserError as exc:
                errors["password"] = str(exc)
        if not errors:
            flash("Password set. Sign in with it.")
            return redirect(url_for("admin.login"))
    return render_template("invite.html", name=name, errors=errors), (400 if errors else 200)


def _gate():
    if request.path.startswith(PUBLIC_PREFIXES) or request.endpoint in (None, "static"):
        return None
    if current_user() is None:
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": "sign in first"}, 401
        if request.headers.get("HX-Request"):
            # An htmx fragment request would swap the sign-in page into a table cell: send the
            # whole page there instead (htmx follows HX-Redirect).
            return "", 204, {"HX-Redirect": sign_in_redirect().location}
        return sign_in_redirect()
    return None


def _nav_groups() -> list[dict]:
    """The groups of NAV the signed-in user may open, each with the links that are routed here."""
    user = current_user()
    if user is None:
        return []
    adapter = current_app.url_map.bind("localhost")
    groups = []
    for group, entries in NAV:
        items = []
        for label, paths, role in entries:
            if not role_allows(user.role, role):
                continue
            href = next((p for p in paths if _routed(adapter, p)), None)
            if href:
                current = request.path == href if href == "/" else request.path.startswith(href)
                items.append({"label": label, "href": href, "current": current})
        if items:
            groups.append({"label": group, "items": items})
    return groups


def _routed(adapter, path: str) -> bool:
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    try:
        adapter.match(path, method="GET")
        return True
    except RequestRedirect:
        return True
    except HTTPException:
        return False


def init_app(app: Flask) -> None:
    """The gate, the template context (``console_user``, ``nav_groups``) and the invite page."""
    from revhub.console.users_page import users_page

    app.register_blueprint(auth)
    app.register_blueprint(users_page)
    app.before_request(_gate)

    @app.errorhandler(403)
    def _forbidden(exc):
        # The console's own page (in its layout) for people; JSON for machines, as elsewhere.
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": exc.name, "message": exc.description}, 403
        return render_template("forbidden.html"), 403

    @app.context_processor
    def _console_context():
        user = current_user() if request else None
        return {"console_user": user, "nav_groups": _nav_groups() if user else []}
