"""A customer's billing address survives the round trip through Xero (issue 16, found by the
month-end run): the contact revhub writes carries the address, so reading the contact back does
not erase it from the store, and no write to Stripe follows to "clear" it there."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Customer, OutboxMessage
from revhub.sync.jobs import sync_one
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import xero_get

pytestmark = pytest.mark.store


def test_reading_back_the_contact_revhub_wrote_to_xero_keeps_the_customers_billing_address(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=None)
    stripe_client(running).v1.customers.create(params={
        "name": "Thames Instruments Ltd", "email": "accounts@thames.example",
        "address": {"line1": "1 Riverside Walk", "city": "London", "postal_code": "SE1 9PP", "country": "GB"}})
    assert sync_one(db, vault, "stripe", "customer").status == "succeeded"
    assert OutboxWorker(db, vault, "w").drain(target="xero").dead == 0

    [contact] = xero_get(running, "Contacts?page=1")["Contacts"]
    assert [(a["AddressLine1"], a["City"], a["PostalCode"], a["Country"]) for a in contact["Addresses"]
            if a.get("AddressLine1")] == [("1 Riverside Walk", "London", "SE1 9PP", "GB")]

    running.clock.advance(60)
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"

    with db.session() as s:
        [customer] = s.scalars(select(Customer)).all()
        assert (customer.billing_line1, customer.billing_city, customer.billing_postal_code,
                customer.billing_country) == ("1 Riverside Walk", "London", "SE1 9PP", "GB")
        to_stripe = s.scalars(select(OutboxMessage).where(OutboxMessage.target_system == "stripe",
                                                          OutboxMessage.entity == "customer")).all()
    assert to_stripe == []   # nothing changed, so nothing to write back to Stripe
