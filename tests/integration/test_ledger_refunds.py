"""Refunds in the ledger: each Stripe refund is one credit note in Xero, paid out, whatever
was there first and whatever order the events arrive in (issue 10, defects 5 and 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.money import to_decimal
from revhub.sandbox.dataset import generate
from revhub.store import Link, OutboxMessage, Refund
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import xero_get

pytestmark = pytest.mark.store
COMPANIES, SEED = 4, 7


def drain(db, vault) -> None:
    result = OutboxWorker(db, vault, "test-worker").drain()
    if result.dead:
        with db.session() as s:
            dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
            raise AssertionError([(m.target_system, m.entity, m.last_error) for m in dead])


def sales_credit_notes(running) -> list[dict]:
    notes = xero_get(running, "CreditNotes")["CreditNotes"]
    return [n for n in notes if n["Type"] == "ACCRECCREDIT" and n["Status"] != "DELETED"]


def test_a_first_sync_links_each_seeded_stripe_refund_to_the_credit_note_xero_already_holds(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=COMPANIES, seed=SEED)
    seeded = generate(COMPANIES, seed=SEED).refunds
    assert seeded, "the data set must hold a refund for this test to mean anything"
    before = sales_credit_notes(running)
    sync_all(db, vault, plan(db))
    drain(db, vault)

    assert len(sales_credit_notes(running)) == len(before) == len(seeded)
    with db.session() as s:
        refunds = s.scalars(select(Refund).where(Refund.deleted_at.is_(None))).all()
        systems = {r.id: {link.system for link in s.scalars(select(Link).where(
            Link.entity == "refund", Link.canonical_id == r.id))} for r in refunds}
    assert sorted(r.reference for r in refunds) == sorted(r.processor_id for r in seeded)
    assert all(found == {"stripe", "xero"} for found in systems.values()), systems


def test_a_credit_note_written_by_the_hub_carries_the_stripe_refund_id_read_back_as_its_reference(
        db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=COMPANIES, seed=SEED)
    sync_all(db, vault, plan(db))
    drain(db, vault)
    charge = next(c for c in running["stripe"].sandbox.store["charge"].objects.values()
                  if c["status"] == "succeeded" and not c["refunded"])
    client = stripe.StripeClient(running["stripe"].credentials["api_key"],
                                 base_addresses={"api": running["stripe"].url}, max_network_retries=0)
    refund = client.v1.refunds.create({"charge": charge["id"], "amount": 1000, "reason": "requested_by_customer"})
    running.clock.advance(60)
    sync_all(db, vault, plan(db))
    drain(db, vault)

    with db.session() as s:
        ours = s.scalars(select(Refund).where(Refund.reference == refund.id)).one()
        note_id = s.scalar(select(Link.external_id).where(Link.entity == "refund", Link.canonical_id == ours.id,
                                                          Link.system == "xero"))
    note = xero_get(running, f"CreditNotes/{note_id}")["CreditNotes"][0]
    assert refund.id in note["Reference"] and note["Status"] == "PAID"
    assert Decimal(str(note["Total"])) == to_decimal(1000, charge["currency"].upper())
    assert len([n for n in sales_credit_notes(running) if refund.id in (n.get("Reference") or "")]) == 1
