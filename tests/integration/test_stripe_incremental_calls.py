"""An incremental Stripe run costs API calls in proportion to pages of changes, not to records
(issue 16, target 3): changed charges bring no per-charge look-ups of their balance
transactions or invoice payments. Counted at the sandbox's request log."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import select

from revhub.store import Link, PaymentAllocation
from revhub.sync.jobs import plan, sync_all, sync_one

pytestmark = pytest.mark.store


def test_changed_charges_cost_no_api_call_per_charge(db, vault, sandboxes):
    running = sandboxes("stripe", companies=12)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    running.clock.advance(3600)
    box = running["stripe"]
    client = stripe.StripeClient(box.credentials["api_key"], base_addresses={"api": box.url}, max_network_retries=0)
    charges = [c["id"] for c in box.sandbox.store.all("charge")
               if c["status"] == "succeeded" and not c.get("amount_refunded")]
    assert len(charges) >= 10, len(charges)
    for charge_id in charges:  # each charge changes: partly refunded
        client.v1.refunds.create({"charge": charge_id, "amount": 1})
    mark = len(box.sandbox.requests.entries())

    summary = sync_one(db, vault, "stripe", "payment")

    assert summary.status == "succeeded" and summary.fetched >= len(charges)
    calls = [r.path for r in box.sandbox.requests.entries()[mark:]]
    # One page of events holds them all: a handful of calls, whatever the number of charges.
    assert len(calls) <= 4, calls
    # Every change was taken in (each link moved to the refunded version), and each payment
    # still pays its invoice: the allocations came from the paged list.
    paid = {p["payment"]["payment_intent"]: p["invoice"] for p in box.sandbox.store.all("invoice_payment")
            if p["status"] == "paid"}
    intent_of = {c["id"]: c["payment_intent"] for c in box.sandbox.store.all("charge")}
    with db.session() as s:
        links = {link.external_id: link for link in s.scalars(
            select(Link).where(Link.entity.in_(("payment", "invoice")), Link.system == "stripe"))}
        for charge_id in charges:
            assert links[charge_id].remote_version.endswith(f"{1:016d}"), links[charge_id].remote_version
            allocated = s.scalars(select(PaymentAllocation.invoice_id)
                                  .where(PaymentAllocation.payment_id == links[charge_id].canonical_id)).all()
            assert allocated == [links[paid[intent_of[charge_id]]].canonical_id]
