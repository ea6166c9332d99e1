"""charge.dispute.* events reach the store through the Stripe webhook path: the sandbox's own
signed delivery, the inbox, the inbox worker, sync.apply; closing the dispute updates the same
record."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from revhub.sandbox.server import SandboxServer
from revhub.store import AuditEntry, Dispute, InboxEvent
from revhub.sync.jobs import plan, sync_all
from revhub.webhooks.worker import InboxWorker
from tests.integration.clients import stripe_client, wait_for
from tests.integration.test_webhooks_e2e import register_stripe_endpoint

pytestmark = pytest.mark.store


@pytest.fixture
def hub(app):
    server = SandboxServer(app).start()
    yield server.url
    server.stop()


def delivered(db, event_type: str) -> list[InboxEvent]:
    with db.session() as s:
        return list(s.scalars(select(InboxEvent).where(InboxEvent.event_type == event_type)))


def test_dispute_events_reach_the_store_through_the_inbox(db, vault, sandboxes, hub):
    running = sandboxes("stripe", companies=None)
    client = stripe_client(running)
    client.v1.customers.create({"name": "Fjord Analytics", "email": "ap@fjord.example"})
    intent = client.v1.payment_intents.create({"amount": 50000, "currency": "eur", "payment_method": "pm_card_visa",
                                               "confirm": True, "customer": client.v1.customers.list().data[0].id})
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results)
    register_stripe_endpoint(db, vault, running["stripe"], hub)

    opened = requests.post(f"{running['stripe'].url}/__sandbox/disputes", json={"charge": intent.latest_charge},
                           timeout=10)
    assert opened.status_code == 200, opened.text
    wait_for(lambda: delivered(db, "charge.dispute.funds_withdrawn"), "the dispute's events to reach the inbox")
    result = InboxWorker(db, vault, "e2e").drain()
    assert result.failed == 0 and result.processed >= 2
    [remote] = client.v1.disputes.list().data
    with db.session() as s:
        ours = s.scalars(select(Dispute).where(Dispute.reference == remote.id)).one()
        assert (ours.status, ours.amount_minor, ours.withdrawn_minor) == ("open", 50000, 50000)
        assert s.scalars(select(AuditEntry).where(AuditEntry.record_id == ours.id,
                                                  AuditEntry.actor == "webhook:stripe")).first() is not None

    client.v1.disputes.close(remote.id)
    wait_for(lambda: delivered(db, "charge.dispute.closed"), "the closing event to reach the inbox")
    InboxWorker(db, vault, "e2e").drain()
    with db.session() as s:
        lost = s.scalars(select(Dispute).where(Dispute.reference == remote.id)).one()
        assert lost.status == "lost" and lost.closed_at is not None
