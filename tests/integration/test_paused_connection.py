"""A paused connection: no scheduled syncs, its writes wait in the outbox, and resuming sends them."""

import pytest
from sqlalchemy import select, update

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Connection, Invoice, OutboxMessage, utcnow
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get

pytestmark = pytest.mark.store


def pause(db, name, paused=True):
    with db.session(write=True) as s:
        s.execute(update(Connection).where(Connection.name == name).values(
            paused_at=utcnow() if paused else None, paused_by="console:ada" if paused else None))


def statuses(db, target):
    with db.session() as s:
        return set(s.scalars(select(OutboxMessage.status).where(OutboxMessage.target_system == target)))


def test_a_paused_target_keeps_its_writes_queued_and_gets_them_on_resume(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=None)
    client = stripe_client(running)
    client.v1.customers.create({"name": "Fjord Analytics", "email": "ap@fjord.example"})
    client.v1.products.create({"name": "Platform licence", "metadata": {"sku": "RH-PLAT"}})
    sync_all(db, vault, plan(db))
    pause(db, "xero")
    assert all(conn != "xero" for conn, _ in plan(db))
    with pytest.raises(LookupError, match="xero is paused"):
        plan(db, "xero")
    po_id = submit_po(db, "ap@fjord.example", "EUR", 2, "500.00", "1000.00", number="PO-PAUSE-1", terms="NET30")
    OutboxWorker(db, vault).drain()
    assert statuses(db, "xero") == {"pending"}
    assert statuses(db, "stripe") == {"sent"}
    pause(db, "xero", paused=False)
    OutboxWorker(db, vault).drain()
    assert statuses(db, "xero") == {"sent"}
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    held = xero_get(running, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert held["Total"] == 1000.0


def test_a_job_scheduled_before_the_pause_is_skipped_saying_so(db, vault, sandboxes):
    from revhub.sync.jobs import sync_one
    from revhub.sync.scheduler import build_scheduler

    sandboxes("stripe", companies=1)
    scheduler = build_scheduler(db, vault)
    assert scheduler.get_job("documents:push") is not None
    pause(db, "stripe")
    skipped = sync_one(db, vault, "stripe", "customer")
    assert skipped.status == "skipped"
    assert str(skipped) == "stripe/customer skipped: the connection is paused (by console:ada)"
