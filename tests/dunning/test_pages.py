"""The console pages: reminders plan and schedule, pauses, thresholds, the mailbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from revhub.dunning.sender import send_due
from revhub.mail import send
from revhub.store import ApprovalThreshold, Customer, DunningStep
from tests.dunning.books import DUE, customer, invoice
from tests.signin import csrf, sign_in

pytestmark = pytest.mark.store


@pytest.fixture
def admin(app, connections):
    customer(connections)
    invoice(connections, due=DUE)
    client = app.test_client()
    sign_in(client, connections, "dana", "admin")
    return client


def test_the_plan_shows_what_goes_out_and_why(admin):
    page = admin.get(f"/reminders?date={(DUE + timedelta(days=7)).isoformat()}").get_data(as_text=True)
    assert "RH-000001" in page and "d+7" in page and "ap@acmelabs.example" in page
    assert "Reminders" in page  # in the menu
    bad = admin.get("/reminders?date=soon")
    assert bad.status_code == 200 and "is not a date" in bad.get_data(as_text=True)


def test_an_admin_edits_the_schedule_with_errors_beside_the_field(admin, db):
    page = admin.get("/reminders").data
    refused = admin.post("/reminders/schedule", data={"csrf_token": csrf(page), "payment_terms": "NET30",
                                                      "offset_days": "soon", "tone": "reminder"})
    assert refused.status_code == 400 and 'id="f-offset_days-error"' in refused.get_data(as_text=True)
    saved = admin.post("/reminders/schedule", data={"csrf_token": csrf(page), "payment_terms": "NET30",
                                                    "offset_days": "60", "tone": "final"})
    assert saved.status_code == 302
    with db.session() as s:
        assert s.scalar(select(DunningStep.tone).where(DunningStep.payment_terms == "NET30",
                                                       DunningStep.offset_days == 60)) == "final"


def test_an_admin_pauses_a_customer(admin, db):
    page = admin.get("/reminders").data
    unknown = admin.post("/reminders/pause", data={"csrf_token": csrf(page), "customer": "nobody@x.test"})
    assert unknown.status_code == 400 and "no customer" in unknown.get_data(as_text=True)
    assert admin.post("/reminders/pause", data={"csrf_token": csrf(page),
                                                "customer": "ap@acmelabs.example"}).status_code == 302
    with db.session() as s:
        assert s.scalar(select(Customer.dunning_paused)) is True


def test_thresholds_page_edits_per_currency(admin, db):
    page = admin.get("/approvals/thresholds").data
    refused = admin.post("/approvals/thresholds", data={"csrf_token": csrf(page), "currency": "JPY",
                                                        "approver_above": "10.5"})
    assert refused.status_code == 400 and 'id="f-approver_above-error"' in refused.get_data(as_text=True)
    assert admin.post("/approvals/thresholds", data={"csrf_token": csrf(page), "currency": "jpy",
                                                     "approver_above": "1500000",
                                                     "finance_lead_above": "15000000"}).status_code == 302
    with db.session() as s:
        row = s.get(ApprovalThreshold, "JPY")
    assert (row.approver_above_minor, row.finance_lead_above_minor, row.updated_by) == \
        (1500000, 15000000, "console:dana")
    assert "JPY" in admin.get("/approvals/thresholds").get_data(as_text=True)


def test_the_mailbox_shows_what_the_local_smtp_server_received(admin, db, config, monkeypatch):
    from revhub.mail.local_server import LocalSmtpServer
    from revhub.mail.mailbox import mailbox_dir

    with LocalSmtpServer(mailbox_dir(config.home)) as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        send_due(db, send, today=DUE + timedelta(days=7))
    page = admin.get("/mailbox").get_data(as_text=True)
    assert "Reminder: invoice RH-000001 is overdue" in page
    key = server.received()[0].key
    mail = admin.get(f"/mailbox/{key}").get_data(as_text=True)
    assert "Dear Acme Labs B.V." in mail and "EUR 1,234.50" in mail
    assert admin.get("/mailbox/nope").status_code == 404


def test_a_sent_reminder_is_on_the_invoices_timeline(admin, db, smtp_server):
    from revhub.store import Invoice

    send_due(db, send, today=DUE + timedelta(days=7))
    with db.session() as s:
        invoice_id = s.scalar(select(Invoice.id))
    history = admin.get(f"/records/invoice/{invoice_id}/history").get_data(as_text=True)
    assert "reminder" in history and "Reminder: invoice RH-000001 is overdue" in history
