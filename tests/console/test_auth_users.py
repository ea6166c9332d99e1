"""Users, sessions and sign-in through the app and the CLI: invite links, roles, expiry,
revocation, throttling, the audit trail, and safe redirects after sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from revhub.cli import main
from revhub.console import sessions, throttle, users
from revhub.console.security import safe_next
from revhub.store import AuditEntry, ConsoleSession, User, utcnow
from tests.signin import PASSWORD, csrf, ensure_user, sign_in

pytestmark = pytest.mark.store


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home"),
           "REVHUB_SECRET_KEY": "test-secret", "REVHUB_PUBLIC_URL": "https://hub.example"}
    return lambda *args, **kw: CliRunner().invoke(main, list(args), env=env, **kw)


def _post_login(client, name, password, next_=None):
    page = client.get("/login").data
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"csrf_token": csrf(page), "name": name, "password": password})


def _audit(db, action):
    with db.session() as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_users_add_prints_an_invite_link_that_sets_the_password_once(revhub, app, db):
    result = revhub("users", "add", "dana", "--role", "admin")
    assert result.exit_code == 0, result.output
    link = re.search(r"https://hub.example(/invite/\S+)", result.output).group(1)
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and b"dana" in page.data
    short = client.post(link, data={"csrf_token": csrf(page.data), "password": "short", "confirm": "short"})
    assert short.status_code == 400 and b'id="f-password-error">password: at least 12 characters' in short.data
    done = client.post(link, data={"csrf_token": csrf(page.data), "password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    assert client.post(link, data={"csrf_token": csrf(page.data), "password": PASSWORD,
                                   "confirm": PASSWORD}).status_code == 400  # used up
    assert _post_login(client, "dana", PASSWORD).status_code == 302
    with db.session() as s:
        stored = s.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_users_add_takes_a_password_from_a_file_never_argv_and_names_bad_fields(revhub, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    assert revhub("users", "add", "ops", "--role", "viewer", "--password-file", str(secret)).exit_code == 0
    again = revhub("users", "add", "ops", "--role", "viewer")
    assert again.exit_code == 2 and "name: a user 'ops' already exists" in again.output
    bad = revhub("users", "add", "bad name", "--role", "viewer")
    assert bad.exit_code == 2 and "name:" in bad.output
    role = revhub("users", "add", "x", "--role", "root")
    assert role.exit_code == 2 and "--role" in role.output
    listed = revhub("users", "list")
    assert re.search(r"ops\s+viewer\s+active", listed.output)
    prompted = revhub("users", "add", "pat", "--role", "approver", "--prompt-password",
                      input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0 and PASSWORD not in prompted.output


def test_disable_and_reset_end_sessions_and_are_audited(revhub, app, db):
    client = app.test_client()
    sign_in(client, db, "dana", "admin")
    assert client.get("/").status_code == 200
    assert revhub("users", "disable", "dana").exit_code == 0
    assert client.get("/").status_code == 302  # the session died with the account
    assert _post_login(client, "dana", PASSWORD).status_code == 401
    assert revhub("users", "enable", "dana").exit_code == 0
    sign_in(client, db, "dana", "admin")
    reset = revhub("users", "reset", "dana")
    assert reset.exit_code == 0 and "/invite/" in reset.output
    assert client.get("/").status_code == 302
    assert _post_login(client, "dana", PASSWORD).status_code == 401  # the old password is gone
    actions = {a.action for a in _audit(db, "user_disable") + _audit(db, "user_enable") + _audit(db, "password_reset")}
    assert actions == {"user_disable", "user_enable", "password_reset"}
    assert all(a.actor.startswith("cli") for a in _audit(db, "user_disable"))


def test_every_sign_in_success_and_failure_is_in_the_audit_log(app, db):
    ensure_user(db, "dana", "viewer")
    client = app.test_client()
    assert _post_login(client, "dana", "hunter2-guess").status_code == 401
    assert _post_login(client, "nobody", "hunter2-guess").status_code == 401  # same answer for an unknown name
    assert _post_login(client, "dana", PASSWORD).status_code == 302
    failed = _audit(db, "sign_in_failed")
    assert [f.after["name"] for f in failed] == ["dana", "nobody"]
    assert all(PASSWORD not in str(f.after) and "hunter2" not in str(f.after) for f in failed)
    assert len(_audit(db, "sign_in")) == 1


def test_throttling_counts_per_name_and_is_lifted_by_time(app, db):
    ensure_user(db, "dana", "viewer")
    client = app.test_client()
    for _ in range(throttle.PER_NAME):
        assert _post_login(client, "dana", "wrong").status_code == 401
    refused = _post_login(client, "dana", PASSWORD)
    assert refused.status_code == 429 and b"too many failed sign-ins" in refused.data
    assert _audit(db, "sign_in_refused")
    with db.session(write=True) as s:  # the window moves on
        s.execute(update(throttle.SignInFailure).values(at=utcnow() - throttle.WINDOW - timedelta(seconds=1)))
    assert _post_login(client, "dana", PASSWORD).status_code == 302


def test_throttling_counts_per_address_across_names(app, db):
    client = app.test_client()
    for i in range(throttle.PER_ADDRESS):
        _post_login(client, f"guess{i}", "wrong")
    ensure_user(db, "dana", "viewer")
    assert _post_login(client, "dana", PASSWORD).status_code == 429


@pytest.mark.parametrize("age, column", [(sessions.IDLE, "last_seen_at"), (sessions.ABSOLUTE, "created_at")])
def test_a_session_expires_when_idle_or_too_old(app, db, age, column):
    client = app.test_client()
    sign_in(client, db)
    with db.session(write=True) as s:
        s.execute(update(ConsoleSession).values({column: utcnow() - age - timedelta(seconds=5)}))
    response = client.get("/conflicts")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/conflicts"
    with db.session() as s:
        assert s.scalar(select(ConsoleSession.revoked_at)) is not None


def test_an_htmx_request_after_the_session_ended_is_sent_to_sign_in_as_a_whole_page(app):
    response = app.test_client().get("/conflicts", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/login?next=/conflicts"


def test_sign_out_revokes_the_session_server_side(app, db):
    client = app.test_client()
    sign_in(client, db)
    with client.session_transaction() as cookie:
        kept = dict(cookie)
    page = client.get("/").data
    assert client.post("/logout", data={"csrf_token": csrf(page)}).status_code == 302
    replay = app.test_client()
    with replay.session_transaction() as cookie:
        cookie.update(kept)  # the old cookie, replayed
    assert replay.get("/").status_code == 302
    assert _audit(db, "sign_out")


def test_an_admin_ends_another_users_sessions_from_the_users_page(app, db):
    viewer = app.test_client()
    sign_in(viewer, db, "vic", "viewer")
    admin = app.test_client()
    sign_in(admin, db, "dana", "admin")
    page = admin.get("/users")
    assert page.status_code == 200 and b"vic" in page.data
    response = admin.post("/users/vic/revoke", data={"csrf_token": csrf(page.data)})
    assert response.status_code == 302
    assert viewer.get("/").status_code == 302
    [entry] = _audit(db, "sessions_revoke")
    assert entry.actor == "console:dana" and entry.after == {"name": "vic", "sessions": 1}


def test_roles_are_enforced_on_forms(app, db, conflict_id):
    viewer = app.test_client()
    sign_in(viewer, db, "vic", "viewer")
    page = viewer.get("/conflicts")
    assert page.status_code == 200
    assert viewer.post(f"/conflicts/{conflict_id}", data={"csrf_token": csrf(page.data),
                                                          "take": "incoming"}).status_code == 403
    assert viewer.post("/users", data={"csrf_token": csrf(page.data), "name": "x", "role": "admin"}).status_code == 403
    assert viewer.get("/users").status_code == 403


def test_an_admin_adds_a_user_and_gets_an_invite_link_with_errors_beside_fields(app, db):
    admin = app.test_client()
    sign_in(admin, db)
    page = admin.get("/users").data
    bad = admin.post("/users", data={"csrf_token": csrf(page), "name": "no spaces", "role": "viewer"})
    assert bad.status_code == 400 and b'id="f-name-error">name:' in bad.data
    good = admin.post("/users", data={"csrf_token": csrf(page), "name": "newbie", "role": "approver"})
    assert good.status_code == 201 and b"/invite/" in good.data
    with db.session() as s:
        assert users.get(s, "newbie").role == "approver"
    assert _audit(db, "user_add")[-1].actor == "console:dana"


# -- issue 17 item 14: the redirect after sign-in stays on this site -----------------------

@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example",
                                    "//evil.example", "/\\evil.example", "%5C%5Cevil.example",
                                    "https://evil.example/", "http:evil.example", "javascript:alert(1)",
                                    "/%2F/evil.example%09"])
def test_next_cannot_send_the_browser_to_another_site(app, db, target):
    ensure_user(db, "dana", "viewer")
    response = _post_login(app.test_client(), "dana", PASSWORD, next_=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_keeps_a_path_on_this_site(app, db):
    ensure_user(db, "dana", "viewer")
    response = _post_login(app.test_client(), "dana", PASSWORD, next_="/conflicts%3Fentity%3Dcustomer")
    assert response.headers["Location"] == "/conflicts?entity=customer"


def test_safe_next_parses_rather_than_prefix_matches():
    assert safe_next("/a/b?c=d#e") == "/a/b?c=d#e"
    for bad in ("/\t/evil.example", "/\n/x", "/\\x", "//x", "https://x", "x", "", None, "/\x7f"):
        assert safe_next(bad) == "/"
