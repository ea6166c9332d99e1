"""The queue pages through the Flask test client: every route behind sign-in and its role,
every action behind CSRF and audited, bad filters a 400 naming the field, lists as CSV."""

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from revhub.store import (
    AuditEntry,
    Conflict,
    Connection,
    Customer,
    InboxEvent,
    Invoice,
    OutboxMessage,
    SyncException,
    SyncRun,
)
from tests.console.queue_clients import csrf, signed_in
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def queues(connections, conflict_id):
    """A dead letter, a retrying and a sent write, a parked and a processed event, two runs, an
    auto-settled money conflict, an open conflict and an ambiguous-match exception."""
    db = connections
    with db.session(write=True) as s:
        stripe = s.scalar(select(Connection).where(Connection.name == "stripe"))
        record = s.scalar(select(Customer.id))
        now = datetime(2026, 11, 20, 10, tzinfo=UTC)
        messages = [
            OutboxMessage(target_system="xero", entity="customer", record_id=record, record_version=2,
                          operation="upsert", payload={"source": "salesforce"}, idempotency_key="k-dead",
                          status="dead", attempts=10, last_error=f"ValidationException: {HOSTILE}"),
            OutboxMessage(target_system="stripe", entity="customer", record_id=record, record_version=2,
                          operation="upsert", idempotency_key="k-retry", status="failed", attempts=2,
                          next_attempt_at=now + timedelta(minutes=4), last_error="HTTP 503"),
            OutboxMessage(target_system="stripe", entity="customer", record_id=record, record_version=1,
                          operation="upsert", idempotency_key="k-sent", status="sent", remote_id="cus_9",
                          sent_at=now),
        ]
        events = [
            InboxEvent(provider="stripe", connection_id=stripe.id, event_id="evt_parked", event_type="invoice.paid",
                       body=b'{"id": "evt_parked", "note": "' + HOSTILE.replace('"', "'").encode() + b'"}',
                       status="parked", attempts=8, error="KeyError: 'data'"),
            InboxEvent(provider="xero", event_id="evt_ok", event_type="INVOICE.UPDATE", body=b"{}",
                       status="processed", attempts=1, processed_at=now),
        ]
        runs = [SyncRun(connection_id=stripe.id, entity="invoice", mode="full", status="succeeded", started_at=now,
                        finished_at=now + timedelta(seconds=95), fetched=120, created=100, updated=20),
                SyncRun(connection_id=stripe.id, entity="customer", status="failed", started_at=now - timedelta(days=3),
                        finished_at=now - timedelta(days=3), errors=1, note="RateLimited")]
        invoice = Invoice(number="INV-7", customer_id=record, currency="EUR", total_minor=10000, status="paid")
        s.add(invoice)
        s.flush()
        auto = Conflict(entity="invoice", record_id=invoice.id, field="amount_paid_minor", base_value=0,
                        current_system="xero", current_value=5000, incoming_system="stripe", incoming_value=10000,
                        status="auto", resolution="stripe owns invoice.amount_paid_minor: incoming value applied")
        s.add_all([*messages, *events, *runs, auto])
        s.add(Customer(name="Dup Holdings", email="ap@dup.example"))
        s.add(Customer(name="Dup Holdings (EU)", email="ap@dup.example"))
    apply(db, "xero", customer("x-77", "1", name="Dup Holdings GmbH", email="ap@dup.example", tax_id=None))
    with db.session() as s:
        ids = {m.idempotency_key: m.id for m in s.scalars(select(OutboxMessage))}
        ids |= {e.event_id: e.id for e in s.scalars(select(InboxEvent))}
        ids["exception"] = s.scalar(select(SyncException.id))
        ids["conflict"] = conflict_id
    return ids


PAGES = ["/queues", "/outbox", "/inbox", "/runs", "/conflicts", "/conflicts/auto", "/exceptions", "/queues/depths"]


def test_every_queue_page_wants_sign_in_and_a_viewer_may_read_it(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    for path in PAGES:
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
        assert viewer.get(path).status_code == 200, path


def test_the_detail_pages_show_what_the_provider_sent_and_answered(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    page = viewer.get(f"/outbox/{queues['k-dead']}").get_data(as_text=True)
    assert "ValidationException" in page and "k-dead" in page and "Payload xero receives" in page
    page = viewer.get(f"/inbox/{queues['evt_parked']}").get_data(as_text=True)
    assert "evt_parked" in page and "KeyError" in page
    assert viewer.get("/outbox/999999").status_code == 404 and viewer.get("/inbox/999999").status_code == 404


BAD_FILTERS = [
    ("/outbox?status=lost", "status: one of pending"),
    ("/outbox?record=abc", "record: a record id"),
    ("/inbox?provider=quickbooks", "provider: one of stripe, xero, salesforce"),
    ("/inbox?since=last+week", "since: a date as YYYY-MM-DD"),
    ("/runs?until=2026-13-01", "until: a date as YYYY-MM-DD"),
    ("/runs?page=-1", "page: a whole number from 1"),
    ("/conflicts?flag=tax", "flag: one of money, status"),
    ("/conflicts/auto?entity=planet", "entity: one of customer"),
    ("/exceptions?status=lost", "status: one of open"),
    ("/outbox?per_page=5000", "per_page: at most 200"),
    ("/inbox?format=xlsx", "format: one of html, csv"),
]


def test_a_bad_filter_is_a_400_with_the_message_beside_its_field(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    for path, message in BAD_FILTERS:
        response = viewer.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page, path
        assert 'aria-invalid="true"' in page or "format" in path or "page" in path, path


def test_a_bad_filter_on_a_csv_export_is_a_plain_400(app, queues):
    response = signed_in(app, "vic", "viewer").get("/runs?format=csv&mode=sometimes")
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "mode: one of incremental, full\n"


def read_csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_lists_export_as_csv_with_their_filters_utc_times_and_no_formulas(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    dead = read_csv(viewer.get("/outbox?status=dead&format=csv"))
    assert [(r["id"], r["status"], r["target_system"]) for r in dead] == [(str(queues["k-dead"]), "dead", "xero")]
    retrying = read_csv(viewer.get("/outbox?status=failed&format=csv"))
    assert retrying[0]["status"] == "retrying" and retrying[0]["next_attempt_at"] == "2026-11-20T10:04:00Z"
    runs = read_csv(viewer.get("/runs?format=csv&entity=invoice"))
    assert [(r["connection"], r["mode"], r["duration_seconds"], r["fetched"]) for r in runs] == [
        ("stripe", "full", "95.0", "120")]
    assert runs[0]["started_at"] == "2026-11-20T10:00:00Z"
    auto = read_csv(viewer.get("/conflicts/auto?format=csv&flag=money"))
    assert [(r["field"], r["flag"], r["currency"], r["current_value"], r["incoming_value"]) for r in auto] == [
        ("amount_paid_minor", "money", "EUR", "50.00", "100.00")]
    [exception] = read_csv(viewer.get("/exceptions?format=csv"))
    assert json.loads(exception["incoming_record"])["name"] == "Dup Holdings GmbH"
    parked = read_csv(viewer.get("/inbox?format=csv&status=parked"))
    assert parked[0]["error"] == "KeyError: 'data'"


def test_pages_are_paginated_and_keep_their_filters(app, queues, db):
    with db.session(write=True) as s:
        stripe = s.scalar(select(Connection.id).where(Connection.name == "stripe"))
        s.add_all(SyncRun(connection_id=stripe, entity="payment", status="succeeded",
                          started_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=i)) for i in range(7))
    page = signed_in(app, "vic", "viewer").get("/runs?entity=payment&per_page=3&page=2").get_data(as_text=True)
    assert "4–6 of 7 · page 2 of 3" in page
    assert "entity=payment&amp;page=3&amp;per_page=3" in page and "entity=payment&amp;per_page=3&amp;format=csv" in page


def test_provider_data_renders_as_text(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    for path in ("/outbox", f"/outbox/{queues['k-dead']}", f"/inbox/{queues['evt_parked']}"):
        page = viewer.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def post(client, path, **form):
    token = csrf(client.get("/runs").data)
    return client.post(path, data={"csrf_token": token, **form})


def audit_of(db, action):
    with db.session() as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_only_an_admin_acts_and_only_with_the_form_token(app, queues, db):
    for role in ("viewer", "approver"):
        client = signed_in(app, "vic", role)
        assert post(client, f"/outbox/{queues['k-dead']}/retry").status_code == 403
        assert post(client, f"/inbox/{queues['evt_parked']}/replay").status_code == 403
        assert post(client, f"/conflicts/{queues['conflict']}", take="incoming").status_code == 403
        assert post(client, f"/exceptions/{queues['exception']}", action="dismiss").status_code == 403
        assert post(client, "/conflicts/settle-by-policy", entity="customer", winner="xero").status_code == 403
    admin = signed_in(app, "ada", "admin")
    assert admin.post(f"/outbox/{queues['k-dead']}/retry").status_code == 400  # no CSRF token
    with db.session() as s:
        assert s.get(OutboxMessage, queues["k-dead"]).status == "dead"
    page = signed_in(app, "vic", "viewer").get("/outbox?status=dead").get_data(as_text=True)
    assert "Retry now" not in page  # a viewer is not offered what they may not do


def test_a_dead_letter_is_queued_again_and_audited(app, queues, db):
    admin = signed_in(app, "ada", "admin")
    response = post(admin, f"/outbox/{queues['k-dead']}/retry", back="/outbox?status=dead")
    assert response.status_code == 302 and response.headers["Location"] == "/outbox?status=dead"
    with db.session() as s:
        message = s.get(OutboxMessage, queues["k-dead"])
        assert (message.status, message.attempts, message.last_error) == ("pending", 0, None)
    [entry] = audit_of(db, "outbox_retry")
    assert entry.actor == "console:ada" and entry.before["status"] == "dead" and entry.after["status"] == "pending"
    assert entry.record_id == message.record_id
    again = post(admin, f"/outbox/{queues['k-dead']}/retry")
    assert again.status_code == 400 and "only dead or retrying" in again.get_data(as_text=True)


def test_htmx_gets_the_changed_row_back(app, queues):
    admin = signed_in(app, "ada", "admin")
    token = csrf(admin.get("/runs").data)
    response = admin.post(f"/outbox/{queues['k-retry']}/retry", data={"csrf_token": token},
                          headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="outbox-{queues["k-retry"]}"')
    assert "queued again for stripe" in body and "<html" not in body
    assert response.headers["HX-Trigger"] == "queues-changed"  # the depth counter refreshes


def test_a_write_is_discarded_only_when_confirmed(app, queues, db):
    admin = signed_in(app, "ada", "admin")
    refused = post(admin, f"/outbox/{queues['k-retry']}/discard")
    assert refused.status_code == 400 and "confirm: tick the box" in refused.get_data(as_text=True)
    assert post(admin, f"/outbox/{queues['k-retry']}/discard", confirm="yes").status_code == 302
    assert post(admin, f"/outbox/{queues['k-sent']}/discard", confirm="yes").status_code == 400
    with db.session() as s:
        assert s.get(OutboxMessage, queues["k-retry"]).status == "discarded"
        assert s.get(OutboxMessage, queues["k-sent"]).status == "sent"
    assert [e.after["status"] for e in audit_of(db, "outbox_discard")] == ["discarded"]


def test_a_parked_event_is_replayed_and_audited(app, queues, db):
    admin = signed_in(app, "ada", "admin")
    assert post(admin, f"/inbox/{queues['evt_parked']}/replay").status_code == 302
    with db.session() as s:
        event = s.get(InboxEvent, queues["evt_parked"])
        assert (event.status, event.attempts, event.error) == ("pending", 0, None)
    [entry] = audit_of(db, "inbox_replay")
    assert entry.record_id == uuid.UUID(int=event.id) and entry.before["status"] == "parked"
    assert post(admin, f"/inbox/{queues['evt_parked']}/replay").status_code == 400  # already queued


def test_a_conflict_shows_the_record_name_both_sides_and_is_settled(app, queues, db):
    admin = signed_in(app, "ada", "admin")
    page = admin.get("/conflicts").get_data(as_text=True)
    assert "Acme Labs Inc." in page and "finance@acmelabs.example" in page and "payables@acmelabs.example" in page
    assert "salesforce" in page and "xero" in page and "2026-11-20" in page
    assert post(admin, f"/conflicts/{queues['conflict']}", take="incoming").status_code == 302
    with db.session() as s:
        assert s.get(Conflict, queues["conflict"]).resolved_by == "console:ada"
    bad = post(admin, f"/conflicts/{queues['conflict']}", take="incoming")
    assert bad.status_code == 400 and "already resolved" in bad.get_data(as_text=True)


def test_open_conflicts_of_a_field_are_settled_by_policy(app, queues, db, connections):
    apply(connections, "salesforce", customer("001B", "1", name="Beta", email="ap@beta.example", tax_id="B1"))
    apply(connections, "xero", customer("c-2", "1", name="Beta", email="ap@beta.example", tax_id="B1"))
    apply(connections, "salesforce", customer("001B", "2", name="Beta", email="sf@beta.example", tax_id="B1"))
    apply(connections, "xero", customer("c-2", "2", name="Beta", email="xero@beta.example", tax_id="B1"))
    admin = signed_in(app, "ada", "admin")
    assert "customer.email" in admin.get("/conflicts").get_data(as_text=True)
    response = post(admin, "/conflicts/settle-by-policy", entity="customer", field="email", winner="xero")
    assert response.status_code == 302
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Conflict).where(Conflict.status == "open")) == 0
        emails = set(s.scalars(select(Customer.email).where(Customer.name.in_(("Beta", "Acme Labs Inc.")))))
    assert emails == {"xero@beta.example", "payables@acmelabs.example"}
    assert post(admin, "/conflicts/settle-by-policy", entity="planet", winner="xero").status_code == 400


def test_the_auto_settled_log_flags_money_and_filters(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    page = viewer.get("/conflicts/auto?flag=money").get_data(as_text=True)
    assert "amount_paid_minor" in page and '<span class="flag">money</span>' in page and "EUR 100.00" in page
    assert "INV-7" in page  # the record by its number
    assert "amount_paid_minor" not in viewer.get("/conflicts/auto?flag=status").get_data(as_text=True)


def test_an_exception_shows_the_incoming_record_beside_each_candidate_and_is_settled(app, queues, db):
    admin = signed_in(app, "ada", "admin")
    page = admin.get("/exceptions").get_data(as_text=True)
    assert "Dup Holdings GmbH" in page and "Dup Holdings (EU)" in page and "It is Dup Holdings" in page
    with db.session() as s:
        row = s.get(SyncException, queues["exception"])
    response = post(admin, f"/exceptions/{row.id}", action="link", candidate=row.candidates[0])
    assert response.status_code == 302
    assert post(admin, f"/exceptions/{row.id}", action="link", candidate=row.candidates[1]).status_code == 400
    assert post(admin, f"/exceptions/{row.id}", action="guess").status_code == 400
    assert "The queue is empty" in admin.get("/exceptions").get_data(as_text=True)
    assert f"exception-{row.id}" in admin.get("/exceptions?status=resolved").get_data(as_text=True)


def test_the_queue_depth_fragment_counts_each_queue(app, queues):
    viewer = signed_in(app, "vic", "viewer")
    fragment = viewer.get("/queues/depths", headers={"HX-Request": "true"}).get_data(as_text=True)
    found = re.findall(r'<span class="count">(\d+)</span> ([A-Za-z ]+)', fragment)
    counts = {label.strip(): int(n) for n, label in found}
    assert counts["Dead letters"] == 1 and counts["Outbox retrying"] == 1 and counts["Inbox parked"] == 1
    assert counts["Open conflicts"] == 1 and counts["Open exceptions"] == 1
    assert "<html" not in fragment and 'hx-get="/queues/depths"' in viewer.get("/outbox").get_data(as_text=True)
    assert "<html" in viewer.get("/queues/depths").get_data(as_text=True)  # opened without htmx: a whole page


def test_a_refused_htmx_action_says_why_in_the_page_alert_area(app, queues):
    admin = signed_in(app, "ada", "admin")
    token = csrf(admin.get("/runs").data)
    response = admin.post(f"/outbox/{queues['k-sent']}/retry", data={"csrf_token": token},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#action-error"
    assert "only dead or retrying messages are queued again" in response.get_data(as_text=True)
    assert '<div id="action-error" role="alert"></div>' in admin.get("/outbox").get_data(as_text=True)
