"""A customer's billing address survives the round trip through Xero (issue 16, found by the
month-end run): the contact revhub writes carries the address, so reading the contact back does
not erase it from the store, and no write to Stripe follows to "clear" it there. A contact
Xero holds as a supplier only (the payee of the hub's fee bookings) is not a customer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Customer, OutboxMessage
from revhub.sync.jobs import sync_one
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import xero_get, xero_put

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


def test_a_customer_known_only_by_country_keeps_it_through_the_round_trip_through_xero(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=None)
    stripe_client(running).v1.customers.create(params={
        "name": "Harbor Freight Systems Inc.", "email": "ap@harbor.example", "address": {"country": "US"}})
    assert sync_one(db, vault, "stripe", "customer").status == "succeeded"
    assert OutboxWorker(db, vault, "w").drain(target="xero").dead == 0
    [contact] = xero_get(running, "Contacts?page=1")["Contacts"]
    assert [a["Country"] for a in contact["Addresses"] if a.get("Country")] == ["US"]

    running.clock.advance(60)
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"

    with db.session() as s:
        [customer] = s.scalars(select(Customer)).all()
        assert customer.billing_country == "US"
        to_stripe = s.scalars(select(OutboxMessage).where(OutboxMessage.target_system == "stripe")).all()
    assert to_stripe == []   # before: the read-back "cleared" the country and queued it for Stripe


def test_the_payee_of_spend_money_is_not_pulled_in_as_a_customer(db, vault, sandboxes):
    running = sandboxes("xero", companies=None)
    xero_put(running, "Contacts", {"Contacts": [{"Name": "Lindqvist Analys AB",
                                                 "EmailAddress": "faktura@lindqvist.example"}]})
    xero_put(running, "BankTransactions", {"BankTransactions": [{
        "Type": "SPEND", "Contact": {"Name": "Stripe"}, "BankAccount": {"Code": "090"},
        "Reference": "Stripe fee txn_1QfeeA", "LineAmountTypes": "NoTax",
        "LineItems": [{"Description": "Stripe fee", "Quantity": 1, "UnitAmount": 2.90, "AccountCode": "404"}]}]})
    payee = [c for c in xero_get(running, "Contacts?page=1")["Contacts"] if c["Name"] == "Stripe"]
    assert [(c["IsSupplier"], c["IsCustomer"]) for c in payee] == [(True, False)]

    running.clock.advance(60)
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"

    with db.session() as s:
        assert [c.name for c in s.scalars(select(Customer))] == ["Lindqvist Analys AB"]
