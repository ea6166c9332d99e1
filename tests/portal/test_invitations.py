"""Invitation links: signed, expiring, revocable, audited; from the CLI and the console."""

from __future__ import annotations

import re
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.portal.invitations import invite, revoke, valid
from revhub.portal.tokens import sign
from revhub.store import AuditEntry, Customer, PortalInvitation, utcnow
from tests.signin import csrf, sign_in


def test_expired_and_revoked_links_stop_working(db, config, portal_customer, client):
    with db.session(write=True) as s:
        customer = s.get(Customer, portal_customer)
        old = invite(s, customer, email="ap@dekroon.example", actor="test", days=1, now=utcnow() - timedelta(days=2))
        live = invite(s, customer, email="ap@dekroon.example", actor="test")
        old_token, live_token = sign(config.secret_key, old.id), sign(config.secret_key, live.id)
    with db.session() as s:
        assert valid(s, config.secret_key, old_token)[1] == "expired"
        assert valid(s, "another-secret", live_token)[1] == "unknown"  # signed by someone else
    assert client.get(f"/portal/{old_token}").status_code == 410
    assert client.get(f"/portal/{live_token}").status_code == 200
    with db.session(write=True) as s:
        revoke(s, s.get(PortalInvitation, live.id), actor="console:dana")
    response = client.get(f"/portal/{live_token}")
    assert response.status_code == 410 and b"withdrawn" in response.data
    with db.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "portal_invitation")).all()
    assert sorted(actions) == ["invite", "invite", "revoke"]


def test_cli_prints_a_working_link_and_names_a_bad_customer(config, db, portal_customer, client, monkeypatch):
    monkeypatch.setenv("REVHUB_DATABASE_URL", config.database_url)
    monkeypatch.setenv("REVHUB_HOME", str(config.home))
    monkeypatch.setenv("REVHUB_SECRET_KEY", config.secret_key)
    monkeypatch.setenv("REVHUB_ENCRYPTION_KEY", config.encryption_key)
    runner = CliRunner()
    result = runner.invoke(main, ["portal", "invite", "ap@dekroon.example", "--email", "buyer@dekroon.example",
                                  "--no-send", "--base-url", "https://hub.example"])
    assert result.exit_code == 0, result.output
    token = re.search(r"https://hub\.example/portal/(\S+)", result.output).group(1)
    assert client.get(f"/portal/{token}").status_code == 200
    bad = runner.invoke(main, ["portal", "invite", "nobody@example", "--email", "x@example"])
    assert bad.exit_code == 2 and "CUSTOMER" in bad.output and "nobody@example" in bad.output


def test_admin_page_creates_and_revokes(client, db, portal_customer):
    sign_in(client, db, role="admin")
    page = client.get("/portal-invites").data
    response = client.post("/portal-invites", data={"csrf_token": csrf(page), "customer": "Brouwerij De Kroon B.V.",
                                                    "email": "", "days": "7"})
    assert response.status_code == 200
    link = re.search(r'id="new-link">([^<]+)<', response.get_data(as_text=True)).group(1)
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/portal/{token}").status_code == 200
    refused = client.post("/portal-invites", data={"csrf_token": csrf(page), "customer": "nobody", "days": "7"})
    assert refused.status_code == 422 and b"no customer has that id" in refused.data
    with db.session() as s:
        invitation_id = s.scalar(select(PortalInvitation.id))
    client.post(f"/portal-invites/{invitation_id}/revoke", data={"csrf_token": csrf(page)})
    assert client.get(f"/portal/{token}").status_code == 410


def test_viewers_cannot_manage_invitations(client, db, portal_customer):
    sign_in(client, db, role="viewer", name="vera")
    assert client.get("/portal-invites").status_code == 403
