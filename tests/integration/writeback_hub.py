"""Shared by the echo and void tests: the hub served on loopback with all three sandboxes,
Stripe's webhooks pointed at it, and the moves of a working day (drain the outbox, drain
the inbox, let retry delays pass) done the way the workers do them."""

from __future__ import annotations

import requests
from sqlalchemy import select, update

from revhub.connections import update_credentials
from revhub.mappings.outbox import OutboxWorker
from revhub.sandbox.server import SandboxServer
from revhub.store import Connection, Customer, Invoice, OutboxMessage
from revhub.sync.jobs import plan, sync_all
from revhub.webhooks.worker import InboxWorker
from tests.integration.clients import stripe_client, wait_for
from tests.integration.purchase_orders import submit_po

# Two quick attempts per call in the HTTP layer: a burst of 503s then spans several outbox
# rounds, as a long outage does with the default policy, without the test sleeping through it.
FAST_RETRIES = {"retry_attempts": 2, "max_backoff_seconds": 0.05}



def start_hub(db, vault, app, sandboxes):
    """All three sandboxes synced once, Stripe's webhooks delivered to the hub on loopback."""
    running = sandboxes("salesforce", "stripe", "xero", companies=3)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    server = SandboxServer(app).start()
    endpoint = stripe_client(running).v1.webhook_endpoints.create(
        params={"url": f"{server.url}/webhooks/stripe/stripe", "enabled_events": ["*"]})
    with db.session(write=True) as s:
        update_credentials(s, vault, "stripe", {"webhook_secrets": [endpoint.secret]})
        connection = s.scalar(select(Connection).where(Connection.name == "stripe"))
        connection.settings = {**connection.settings, **FAST_RETRIES}
    return running, server




def fault(running, provider: str, **rule) -> None:
    """Arm a fault rule on a sandbox through its control surface."""
    response = requests.post(f"{running[provider].url}/__sandbox/faults", json=rule)
    assert response.status_code in (200, 201), response.text


def submit(db, number: str, quantity: int = 3, unit: str = "120.25", total: str = "360.75",
           currency: str = "EUR"):
    """A PO for the first customer by name, approved at once: its invoice waits in the outbox."""
    with db.session() as s:
        email = s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None))
                          .order_by(Customer.name)).first()
    return submit_po(db, email, currency, quantity, unit, total, number=number, terms="NET30")


def invoice_state(db, invoice_id) -> dict:
    """What an accountant checks on the canonical invoice."""
    with db.session() as s:
        invoice = s.get(Invoice, invoice_id)
        return {"number": invoice.number, "status": invoice.status, "subtotal": invoice.subtotal_minor,
                "total": invoice.total_minor, "due": invoice.amount_due_minor,
                "lines": [(ln.description, ln.quantity, ln.unit_amount_minor, ln.amount_minor)
                          for ln in invoice.lines]}


def invoices_of(db, po_id) -> list[Invoice]:
    with db.session() as s:
        return s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)
                         .order_by(Invoice.created_at, Invoice.number)).all()


def drain_outbox(db, vault, target: str | None = None, worker: str = "outbox"):
    """One worker's pass over what is due; a dead letter fails the test with its message."""
    result = OutboxWorker(db, vault, worker).drain(target=target)
    with db.session() as s:
        dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
        assert not dead, [(m.target_system, m.entity, m.operation, m.last_error) for m in dead]
    return result


def let_retry_delays_pass(db) -> None:
    """The backoff of failed messages has run out (the clock moved on)."""
    with db.session(write=True) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed").values(next_attempt_at=None))


def lapse_claims(db) -> None:
    """A killed worker's claims expire, so another worker takes its messages."""
    with db.session(write=True) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.status == "processing")
                  .values(status="pending", locked_until=None, locked_by=None))


def stripe_events(running, event_type: str, invoice_id: str) -> list[dict]:
    """Stripe's ``event_type`` events about one invoice, oldest first."""
    sandbox = running["stripe"].sandbox
    return sorted((e for e in sandbox.store.all("event")
                   if e["type"] == event_type and e["data"]["object"].get("id") == invoice_id),
                  key=lambda e: e["created"])


def webhooks_delivered(running) -> None:
    """Wait until Stripe has had a 2xx from the hub for every event it holds (the hub stores
    each event before it answers)."""
    sandbox = running["stripe"].sandbox
    wait_for(lambda: all(e["pending_webhooks"] == 0 for e in sandbox.store.all("event")),
             "Stripe's webhook deliveries to the hub")


def echoes_applied(running, db, vault) -> None:
    """Every Stripe event so far delivered and applied by the inbox worker."""
    webhooks_delivered(running)
    drain_inbox(db, vault)


def drain_inbox(db, vault) -> None:
    result = InboxWorker(db, vault, "inbox").drain()
    assert (result.failed, result.parked) == (0, 0), result


def stripe_invoices_numbered(running, number: str) -> list:
    listed = stripe_client(running).v1.invoices.list({"limit": 100})
    return [i for i in listed.auto_paging_iter() if i.number == number]


def xero_post(running, path: str, body: dict) -> dict:
    """POST an Accounting API path to the Xero sandbox with a fresh token."""
    xero = running["xero"]
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    response = requests.post(f"{xero.url}/api.xro/2.0/{path}", json=body,
                             headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                                      "xero-tenant-id": xero.settings["tenant_id"]})
    assert response.status_code == 200, response.text
    return response.json()
