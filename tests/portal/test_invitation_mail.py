"""Invitations e-mailed through the SMTP path of the reminders, in the customer's language, from
the CLI and the console; a mail server that is down keeps the invitation for a later send."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.mail.local_server import LocalSmtpServer
from revhub.store import AuditEntry, Customer, PortalInvitation
from tests.signin import csrf, sign_in


@pytest.fixture
def smtp_server(tmp_path, monkeypatch):
    with LocalSmtpServer(tmp_path / "mailbox") as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture
def revhub(config, monkeypatch):
    for name, value in (("REVHUB_DATABASE_URL", config.database_url), ("REVHUB_HOME", str(config.home)),
                        ("REVHUB_SECRET_KEY", config.secret_key), ("REVHUB_ENCRYPTION_KEY", config.encryption_key)):
        monkeypatch.setenv(name, value)
    return lambda *args: CliRunner().invoke(main, list(args))


def dutch(db, customer_id) -> None:
    with db.session(write=True) as s:
        s.get(Customer, customer_id).language = "nl"


def sends(db) -> list[tuple[str, dict]]:
    with db.session() as s:
        return [(e.action, e.after) for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "portal_invitation", AuditEntry.action.in_(("send", "send_failed")))
            .order_by(AuditEntry.id))]


def test_cli_emails_the_link_in_dutch_and_says_to_whom(db, portal_customer, revhub, smtp_server, client):
    dutch(db, portal_customer)
    result = revhub("portal", "invite", "ap@dekroon.example", "--email", "inkoop@dekroon.example",
                    "--base-url", "https://hub.example")
    assert result.exit_code == 0, result.output
    assert "e-mailed to inkoop@dekroon.example (nl)" in result.output
    [mail] = smtp_server.received()
    assert mail.rcpt_tos == ("inkoop@dekroon.example",) and mail.message["Content-Language"] == "nl"
    assert mail.subject == "Uw inkooporders voortaan online naar revhub Demo Ltd"
    token = re.search(r"https://hub\.example/portal/(\S+)", mail.body_text()).group(1)
    assert "Beste Brouwerij De Kroon B.V." in mail.body_text()
    assert client.get(f"/portal/{token}").status_code == 200  # the mailed link opens the portal
    assert sends(db) == [("send", {"to": "inkoop@dekroon.example", "subject": mail.subject, "language": "nl"})]


def test_an_english_customer_gets_the_english_mail(db, portal_customer, revhub, smtp_server):
    assert revhub("portal", "invite", "ap@dekroon.example", "--email", "ap@dekroon.example").exit_code == 0
    [mail] = smtp_server.received()
    assert mail.subject == "Submit your purchase orders to revhub Demo Ltd online"
    assert "Dear Brouwerij De Kroon B.V." in mail.body_text() and "/portal/" in mail.body_text()


def test_smtp_down_keeps_the_invitation_and_it_can_be_sent_again(db, portal_customer, revhub, smtp_server,
                                                                  monkeypatch):
    monkeypatch.setenv("REVHUB_SMTP_PORT", "1")  # nothing listens there
    failed = revhub("portal", "invite", "ap@dekroon.example", "--email", "ap@dekroon.example")
    assert failed.exit_code == 1
    assert "not e-mailed" in failed.output and "the invitation is kept" in failed.output
    with db.session() as s:
        [invitation_id] = s.scalars(select(PortalInvitation.id)).all()
    assert f"revhub portal send {invitation_id}" in failed.output
    assert [action for action, _ in sends(db)] == ["send_failed"]
    monkeypatch.setenv("REVHUB_SMTP_PORT", str(smtp_server.port))
    again = revhub("portal", "send", str(invitation_id))
    assert again.exit_code == 0, again.output
    assert len(smtp_server.received()) == 1 and [a for a, _ in sends(db)] == ["send_failed", "send"]


def test_a_revoked_invitation_is_not_sent(db, portal_customer, revhub, smtp_server):
    revhub("portal", "invite", "ap@dekroon.example", "--no-send")
    with db.session(write=True) as s:
        invitation = s.scalar(select(PortalInvitation))
        from revhub.portal.invitations import revoke

        revoke(s, invitation, actor="test")
        invitation_id = invitation.id
    refused = revhub("portal", "send", str(invitation_id))
    assert refused.exit_code == 1 and "revoked" in refused.output and smtp_server.received() == []


def test_console_creates_and_emails_then_emails_again(client, db, portal_customer, smtp_server):
    dutch(db, portal_customer)
    sign_in(client, db, role="admin")
    page = client.get("/portal-invites").data
    assert b'name="send" checked' in page
    created = client.post("/portal-invites", data={"csrf_token": csrf(page), "customer": "Brouwerij De Kroon B.V.",
                                                   "email": "", "days": "7", "send": "on"})
    assert created.status_code == 200
    assert "E-mailed to ap@dekroon.example (nl)" in created.get_data(as_text=True)
    with db.session() as s:
        invitation_id = s.scalar(select(PortalInvitation.id))
    again = client.post(f"/portal-invites/{invitation_id}/send", data={"csrf_token": csrf(page)},
                        follow_redirects=True)
    assert "E-mailed to ap@dekroon.example" in again.get_data(as_text=True)
    assert [m.rcpt_tos for m in smtp_server.received()] == [("ap@dekroon.example",)] * 2
    assert [a for a, _ in sends(db)] == ["send", "send"]


def test_console_with_smtp_down_shows_why_and_keeps_the_invitation(client, db, portal_customer, smtp_server,
                                                                   monkeypatch):
    monkeypatch.setenv("REVHUB_SMTP_PORT", "1")
    sign_in(client, db, role="admin")
    page = client.get("/portal-invites").data
    created = client.post("/portal-invites", data={"csrf_token": csrf(page), "customer": "Brouwerij De Kroon B.V.",
                                                   "email": "", "days": "7", "send": "on"})
    text = created.get_data(as_text=True)
    assert created.status_code == 200 and "Not e-mailed" in text and "the invitation is kept" in text
    assert re.search(r'id="new-link">[^<]+/portal/', text)  # the link is shown, to pass on by hand
    with db.session() as s:
        assert s.scalar(select(PortalInvitation.revoked_at)) is None
