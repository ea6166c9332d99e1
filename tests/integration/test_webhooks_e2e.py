"""Webhooks end to end: the sandboxes' own signed deliveries reach the hub over real HTTP,
are stored in the inbox, processed by the inbox worker, and change the canonical store."""

from __future__ import annotations

import secrets
import threading
import time

import pytest
import requests
import stripe
from sqlalchemy import func, select

from revhub.connections import update_credentials
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.tls import trusting_session
from revhub.store import AuditEntry, Customer, InboxEvent, Link
from revhub.sync.jobs import plan, sync_all
from revhub.webhooks.worker import InboxWorker
from tests.integration.clients import wait_for

pytestmark = pytest.mark.store





@pytest.fixture
def hub(app):
    """The hub's Flask app served on loopback; yields its base URL."""
    server = SandboxServer(app).start()
    yield server.url
    server.stop()


def first_sync(db, vault, connection: str) -> None:
    results = sync_all(db, vault, plan(db, connection=connection))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]


def set_credentials(db, vault, name: str, changes: dict) -> None:
    with db.session(write=True) as s:
        update_credentials(s, vault, name, changes)


def inbox(db, provider: str) -> list[InboxEvent]:
    with db.session() as s:
        return list(
            s.scalars(
                select(InboxEvent).where(InboxEvent.provider == provider).order_by(InboxEvent.id)
            )
        )


def inbox_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(InboxEvent))


def customer_by_link(db, system: str, external_id: str) -> Customer:
    with db.session() as s:
        canonical_id = s.scalar(
            select(Link.canonical_id).where(
                Link.system == system, Link.entity == "customer", Link.external_id == external_id
            )
        )
        assert canonical_id is not None, f"no {system} customer {external_id} in the store"
        customer = s.get(Customer, canonical_id)
        s.expunge(customer)
        return customer


def audit_entries(db, record_id, actor: str) -> list[AuditEntry]:
    with db.session() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.record_id == record_id, AuditEntry.actor == actor
                )
            )
        )


# -- Stripe ---------------------------------------------------------------------------------


def stripe_client(running) -> stripe.StripeClient:
    return stripe.StripeClient(running.credentials["api_key"], base_addresses={"api": running.url})


def register_stripe_endpoint(
    db, vault, running, hub: str, *, hub_secret: str | None = None
) -> dict:
    """The hub's URL registered in the Stripe sandbox, as ``revhub.demo`` does; the signing
    secret Stripe returns is saved on the connection (or ``hub_secret`` instead, when given)."""
    endpoint = stripe_client(running).v1.webhook_endpoints.create(
        params={"url": f"{hub}/webhooks/stripe/stripe", "enabled_events": ["*"]}
    )
    set_credentials(db, vault, "stripe", {"webhook_secrets": [hub_secret or endpoint.secret]})
    return endpoint


def a_stripe_customer_id(db) -> str:
    with db.session() as s:
        return s.scalar(
            select(Link.external_id)
            .where(Link.system == "stripe", Link.entity == "customer")
            .order_by(Link.external_id)
        )


def test_a_stripe_customer_change_reaches_the_store_through_the_sandboxs_signed_delivery(
    db, vault, sandboxes, hub
):
    running = sandboxes("stripe", companies=4)
    first_sync(db, vault, "stripe")
    register_stripe_endpoint(db, vault, running["stripe"], hub)
    customer_id = a_stripe_customer_id(db)
    before = customer_by_link(db, "stripe", customer_id)

    stripe_client(running["stripe"]).v1.customers.update(
        customer_id, params={"email": "payables@changed-by-webhook.example"}
    )

    stored = wait_for(lambda: inbox(db, "stripe"), "the Stripe delivery to reach the inbox")
    assert [(e.event_type, e.status) for e in stored] == [("customer.updated", "pending")]
    result = InboxWorker(db, vault, "e2e").drain()
    assert (result.processed, result.failed) == (1, 0)
    after = customer_by_link(db, "stripe", customer_id)
    assert after.id == before.id and after.email == "payables@changed-by-webhook.example"
    [entry] = audit_entries(db, after.id, "webhook:stripe")
    assert entry.before["email"] == before.email and entry.after["email"] == after.email
    assert inbox(db, "stripe")[0].status == "processed"


class LostAcknowledgements:
    """A gateway in front of the hub that loses the hub's first ``count`` answers (a timeout
    between Stripe and the hub): the hub has stored the event, Stripe sees a 504 and retries."""

    def __init__(self, app, count: int) -> None:
        self.app, self.left = app, count

    def __call__(self, environ, start_response):
        answered = []
        body = b"".join(
            self.app(
                environ, lambda status, headers, exc_info=None: answered.append((status, headers))
            )
        )
        if self.left > 0:
            self.left -= 1
            start_response("504 Gateway Timeout", [("Content-Type", "text/plain")])
            return [b"upstream timed out"]
        start_response(*answered[0])
        return [body]


def attempts_for(running, event_type: str) -> list[dict]:
    sandbox = running.sandbox
    events = {e["id"] for e in sandbox.store.all("event") if e["type"] == event_type}
    return [a for a in list(sandbox.deliveries.attempts) if a["event"] in events]


def wait_for_attempts(running, event_type: str, count: int) -> list[dict]:
    """The Stripe sandbox's delivery attempts for ``event_type`` events, once ``count`` exist."""
    wait_for(lambda: len(attempts_for(running, event_type)) >= count, f"{count} delivery attempts")
    return attempts_for(running, event_type)


def test_a_stripe_event_delivered_five_times_changes_the_store_once(db, vault, sandboxes, app):
    running = sandboxes(
        "stripe", companies=4, options={"stripe": {"webhook_retry_delays": (0.2,) * 6}}
    )
    stripe_running = running["stripe"]
    first_sync(db, vault, "stripe")
    with SandboxServer(LostAcknowledgements(app, count=4)) as gateway:
        register_stripe_endpoint(db, vault, stripe_running, gateway.url)
        customer_id = a_stripe_customer_id(db)
        stripe_client(stripe_running).v1.customers.update(
            customer_id, params={"name": "Renamed By Webhook Ltd"}
        )

        wait_for(lambda: inbox(db, "stripe"), "the first delivery to reach the inbox")
        assert InboxWorker(db, vault, "e2e").drain().processed == 1
        attempts = wait_for_attempts(stripe_running, "customer.updated", 5)
    assert [a["status"] for a in attempts] == [504, 504, 504, 504, 200]
    assert {a["event"] for a in attempts_for(stripe_running, "customer.updated")} == {
        e.event_id for e in inbox(db, "stripe")
    }
    assert InboxWorker(db, vault, "e2e").drain().processed == 0
    assert len(inbox(db, "stripe")) == 1
    customer = customer_by_link(db, "stripe", customer_id)
    assert customer.name == "Renamed By Webhook Ltd"
    assert len(audit_entries(db, customer.id, "webhook:stripe")) == 1


def test_a_stripe_delivery_signed_with_another_secret_is_refused_and_retried_on_schedule(
    db, vault, sandboxes, hub
):
    running = sandboxes("stripe", companies=2)
    stripe_running = running["stripe"]
    first_sync(db, vault, "stripe")
    register_stripe_endpoint(
        db, vault, stripe_running, hub, hub_secret="whsec_" + secrets.token_hex(24)
    )
    customer_id = a_stripe_customer_id(db)
    stripe_client(stripe_running).v1.customers.update(
        customer_id, params={"email": "forged@example.com"}
    )

    assert [a["status"] for a in wait_for_attempts(stripe_running, "customer.updated", 1)] == [401]
    running.clock.advance(60)  # Stripe's first retry is due a minute later
    assert [a["status"] for a in wait_for_attempts(stripe_running, "customer.updated", 2)] == [
        401,
        401,
    ]
    [event] = [
        e for e in stripe_running.sandbox.store.all("event") if e["type"] == "customer.updated"
    ]
    assert event["pending_webhooks"] == 1  # still owed: Stripe goes on retrying
    assert inbox_count(db) == 0
    assert customer_by_link(db, "stripe", customer_id).email != "forged@example.com"


def test_stripe_deliveries_arriving_while_the_worker_drains_are_all_acknowledged_and_applied(
    db, vault, sandboxes, hub
):
    running = sandboxes("stripe", companies=4)
    stripe_running = running["stripe"]
    first_sync(db, vault, "stripe")
    register_stripe_endpoint(db, vault, stripe_running, hub)
    with db.session() as s:
        customer_ids = s.scalars(
            select(Link.external_id).where(Link.system == "stripe", Link.entity == "customer")
        ).all()
    stop, totals = threading.Event(), []

    def drain_continuously() -> None:
        worker = InboxWorker(db, vault, "e2e-background")
        while not stop.is_set():
            totals.append(worker.drain())
            time.sleep(0.01)

    background = threading.Thread(target=drain_continuously, daemon=True)
    background.start()
    try:
        client = stripe_client(stripe_running)
        for round_ in (1, 2):
            for customer_id in customer_ids:
                client.v1.customers.update(
                    customer_id, params={"email": f"ap{round_}@{customer_id.lower()}.example"}
                )
        wait_for(
            lambda: (
                len(inbox(db, "stripe")) == 2 * len(customer_ids)
                and all(e.status in ("processed", "ignored") for e in inbox(db, "stripe"))
            ),
            "every delivery to be stored and processed",
        )
    finally:
        stop.set()
        background.join(timeout=5)
    # The sandbox records each 2xx after the hub has stored the event, so wait for the last ones.
    attempts = wait_for_attempts(stripe_running, "customer.updated", 2 * len(customer_ids))
    assert [a["status"] for a in attempts] == [200] * 2 * len(customer_ids)
    assert sum(t.failed for t in totals) == 0
    for customer_id in customer_ids:
        assert (
            customer_by_link(db, "stripe", customer_id).email
            == f"ap2@{customer_id.lower()}.example"
        )


# -- Xero -----------------------------------------------------------------------------------


def xero_token(running) -> str:
    return requests.post(f"{running.url}/__sandbox/tokens", timeout=5).json()["access_token"]


def first_linked(db, system: str) -> str:
    """The external id of one customer the first sync linked from ``system``."""
    with db.session() as s:
        return s.scalar(select(Link.external_id).where(Link.system == system, Link.entity == "customer")
                        .order_by(Link.external_id))


def edit_xero_contact(xero, contact_id: str, **fields) -> None:
    """Change a contact through the Xero sandbox's API, as a bookkeeper's edit would."""
    response = requests.post(
        f"{xero.url}/api.xro/2.0/Contacts/{contact_id}", timeout=5,
        json={"Contacts": [{"ContactID": contact_id, **fields}]},
        headers={"Authorization": f"Bearer {xero_token(xero)}", "xero-tenant-id": xero.settings["tenant_id"]})
    assert response.status_code == 200, response.text


def edit_salesforce_account(sf, account_id: str, **fields) -> None:
    response = trusting_session(sf.settings["ca_bundle"]).patch(
        f"{sf.url}/services/data/v62.0/sobjects/Account/{account_id}", json=fields,
        headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    assert response.status_code == 204, response.text


def test_xero_verifies_the_hub_and_a_contact_update_is_fetched_and_applied(
    db, vault, sandboxes, hub
):
    running = sandboxes("xero", companies=4)
    xero = running["xero"]
    first_sync(db, vault, "xero")
    key = secrets.token_urlsafe(32)
    set_credentials(db, vault, "xero", {"webhook_key": key})

    outcome = xero.sandbox.configure_webhooks(f"{hub}/webhooks/xero/xero", key)
    assert outcome["intent_to_receive"] == "OK", outcome
    assert outcome["responses"] == {"signed": 200, "badly_signed": 401}
    assert inbox_count(db) == 0  # the handshake's empty payloads are not events

    contact_id = first_linked(db, "xero")
    edit_xero_contact(xero, contact_id, EmailAddress="ap@xero-webhook.example")

    [event] = wait_for(lambda: inbox(db, "xero"), "the Xero event to reach the inbox")
    assert event.event_type == "CONTACT.UPDATE" and b"EmailAddress" not in event.body  # ids only
    # The hub stores the event before it answers, so the sandbox counts the 2xx a moment later.
    wait_for(lambda: xero.sandbox.webhooks.status()["delivered"] == 1, "Xero to record the 2xx")
    assert InboxWorker(db, vault, "e2e").drain().processed == 1
    customer = customer_by_link(db, "xero", contact_id)
    assert customer.email == "ap@xero-webhook.example"
    assert len(audit_entries(db, customer.id, "webhook:xero")) == 1


def test_xero_intent_to_receive_fails_against_a_hub_holding_another_key_and_nothing_is_delivered(
    db, vault, sandboxes, hub
):
    running = sandboxes("xero", companies=2)
    xero = running["xero"]
    first_sync(db, vault, "xero")
    set_credentials(db, vault, "xero", {"webhook_key": secrets.token_urlsafe(32)})

    outcome = xero.sandbox.configure_webhooks(
        f"{hub}/webhooks/xero/xero", secrets.token_urlsafe(32)
    )
    assert outcome["intent_to_receive"] == "FAILED"
    assert outcome["responses"] == {"signed": 401, "badly_signed": 401}
    edit_xero_contact(xero, first_linked(db, "xero"), EmailAddress="ap@forged.example")
    status = xero.sandbox.webhooks.status()
    assert (status["queued"], status["delivered"], status["intent_to_receive"]) == (0, 0, False)
    assert inbox_count(db) == 0


def test_a_xero_payload_whose_answer_was_lost_is_redelivered_and_stored_once(
    db, vault, sandboxes, app
):
    running = sandboxes("xero", companies=2)
    xero = running["xero"]
    first_sync(db, vault, "xero")
    key = secrets.token_urlsafe(32)
    set_credentials(db, vault, "xero", {"webhook_key": key})
    with SandboxServer(LostAcknowledgements(app, count=0)) as gateway:
        assert (
            xero.sandbox.configure_webhooks(f"{gateway.url}/webhooks/xero/xero", key)[
                "intent_to_receive"
            ]
            == "OK"
        )
        gateway.app.left = 1  # the answer to the first event payload is lost
        contact_id = first_linked(db, "xero")
        edit_xero_contact(xero, contact_id, Name="Redelivered Pty")
        wait_for(
            lambda: xero.sandbox.webhooks.status()["failures"] == 1, "the first attempt to fail"
        )
        running.clock.advance(5)  # Xero's first retry
        wait_for(lambda: xero.sandbox.webhooks.status()["delivered"] == 1, "the redelivery")
    assert len(inbox(db, "xero")) == 1
    assert InboxWorker(db, vault, "e2e").drain().processed == 1
    customer = customer_by_link(db, "xero", contact_id)
    assert customer.name == "Redelivered Pty"
    assert len(audit_entries(db, customer.id, "webhook:xero")) == 1


# -- Salesforce -----------------------------------------------------------------------------


def test_a_salesforce_outbound_message_is_acknowledged_and_the_account_fetched_and_applied(
    db, vault, sandboxes, hub
):
    running = sandboxes("salesforce", companies=4)
    sf = running["salesforce"]
    first_sync(db, vault, "salesforce")
    sf.sandbox.add_outbound_message(
        "Account", ["Id", "Name"], f"{hub}/webhooks/salesforce/salesforce/{sf.credentials['outbound_secret']}"
    )
    account_id = first_linked(db, "salesforce")
    edit_salesforce_account(sf, account_id, Billing_Email__c="ap@salesforce-webhook.example")

    [event] = wait_for(lambda: inbox(db, "salesforce"), "the outbound message to reach the inbox")
    assert event.event_type == "Account"
    delivery = wait_for(
        lambda: sf.sandbox.outbound.state.deliveries, "the sandbox to record the delivery"
    )[0]
    assert (delivery["status"], delivery["acked"]) == (200, True)
    assert sf.sandbox.outbound.pending() == 0
    assert InboxWorker(db, vault, "e2e").drain().processed == 1
    customer = customer_by_link(db, "salesforce", account_id)
    assert customer.email == "ap@salesforce-webhook.example"  # not in the message: fetched
    assert len(audit_entries(db, customer.id, "webhook:salesforce")) == 1


def test_a_salesforce_message_whose_ack_was_lost_is_resent_and_stored_once(
    db, vault, sandboxes, app
):
    running = sandboxes("salesforce", companies=2)
    sf = running["salesforce"]
    first_sync(db, vault, "salesforce")
    with SandboxServer(LostAcknowledgements(app, count=1)) as gateway:
        sf.sandbox.add_outbound_message(
            "Account", ["Id", "Name"],
            f"{gateway.url}/webhooks/salesforce/salesforce/{sf.credentials['outbound_secret']}"
        )
        account_id = first_linked(db, "salesforce")
        edit_salesforce_account(sf, account_id, Name="Resent Holdings")
        wait_for(lambda: sf.sandbox.outbound.state.deliveries, "the first attempt")
        running.clock.advance(15)  # the first step of Salesforce's back-off
        wait_for(
            lambda: sf.sandbox.outbound.pending() == 0, "the resent message to be acknowledged"
        )
    deliveries = sf.sandbox.outbound.state.deliveries
    assert [(d["status"], d["acked"]) for d in deliveries] == [(504, False), (200, True)]
    assert deliveries[0]["notification_ids"] == deliveries[1]["notification_ids"]
    assert len(inbox(db, "salesforce")) == 1
    assert InboxWorker(db, vault, "e2e").drain().processed == 1
    customer = customer_by_link(db, "salesforce", account_id)
    assert customer.name == "Resent Holdings"
    assert len(audit_entries(db, customer.id, "webhook:salesforce")) == 1
