"""The Xero bookings of fees, payouts and over-payments: what lands where, in bodies that
Xero's own models (xero-python, from Xero's OpenAPI description) describe."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from xero_python.api_client.serializer import serialize

from revhub.connectors.xero.allocation import Split
from revhub.connectors.xero.exact_json import restore_numbers
from revhub.connectors.xero.push import XeroPusher
from revhub.connectors.xero.push_money import _Planned
from revhub.mappings.writes import WriteItem
from tests.sandbox.xero.xero_models import check

SETTINGS = {"fee_treatment": "per_payout", "clearing_account_code": "091", "bank_account_code": "090",
            "fee_account_code": "404"}


def item(entity: str, record: dict) -> WriteItem:
    return WriteItem(1, "k", "upsert", entity, uuid.uuid4(), 1, record, None, None)


FEE = item("fee", {"reference": "txn_1", "amount_minor": 347, "currency": "EUR",
                   "incurred_at": "2026-11-20T10:00:00+00:00"})
PAYOUT = item("payout", {"reference": "po_1", "amount_minor": 98_250, "fee_minor": 1_750, "currency": "EUR",
                         "status": "paid", "arrival_date": "2026-11-23"})


def test_a_fee_is_spent_from_the_clearing_account_to_the_fee_account_in_its_settlement_currency():
    body = XeroPusher(None, SETTINGS)._fee_body(FEE)
    check("BankTransaction", body, envelope=False)
    assert (body["Type"], body["BankAccount"]["Code"], body["CurrencyCode"]) == ("SPEND", "091", "EUR")
    assert [(li["AccountCode"], li["UnitAmount"]) for li in body["LineItems"]] == [("404", Decimal("3.47"))]
    assert body["Reference"] == "Stripe fee txn_1"


def test_a_payouts_fees_are_one_spend_of_their_sum_dated_with_the_payout():
    body = XeroPusher(None, SETTINGS)._payout_fees_body(PAYOUT)
    check("BankTransaction", body, envelope=False)
    assert [li["UnitAmount"] for li in body["LineItems"]] == [Decimal("17.50")]
    assert (body["Reference"], body["Date"]) == ("Stripe fees of po_1", "/Date(1795392000000+0000)/")  # 2026-11-23


def test_a_payout_is_a_transfer_from_the_clearing_account_to_the_bank_account():
    body = XeroPusher(None, SETTINGS).bank_transfer(PAYOUT)
    check("BankTransfer", body, envelope=False)
    assert (body["FromBankAccount"]["Code"], body["ToBankAccount"]["Code"], body["Amount"]) == \
        ("091", "090", Decimal("982.50"))
    assert body["Reference"] == "Stripe payout po_1"


def test_an_overpayment_is_received_into_the_clearing_account_as_the_customers_credit():
    payment = item("payment", {"reference": "pi_1", "amount_minor": 120_000, "currency": "EUR",
                               "received_at": "2026-11-20T10:00:00+00:00"})
    body = XeroPusher(None, SETTINGS)._overpayment(_Planned(payment, Split([("inv", 100_000)], 20_000),
                                                            "contact-1", "INV-1001"))
    check("BankTransaction", body, envelope=False)
    assert (body["Type"], body["Contact"]["ContactID"], body["BankAccount"]["Code"]) == \
        ("RECEIVE-OVERPAYMENT", "contact-1", "091")
    assert [li["LineAmount"] for li in body["LineItems"]] == [Decimal("200.00")]


def wire(collection: str, body: dict) -> dict:
    """A body as it leaves the client: xero-python's serializer, then revhub's exact numbers."""
    return json.loads(restore_numbers(json.dumps(serialize({collection: [body]}))), parse_float=str)[collection][0]


def test_fee_payout_and_overpayment_amounts_reach_xero_as_exact_numbers_not_floats():
    big = item("payout", {"reference": "po_2", "amount_minor": 1234567890123456, "fee_minor": 1, "currency": "EUR",
                          "status": "paid", "arrival_date": "2026-11-23"})
    pusher = XeroPusher(None, SETTINGS)
    assert wire("BankTransfers", pusher.bank_transfer(big))["Amount"] == "12345678901234.56"
    assert wire("BankTransactions", pusher._payout_fees_body(big))["LineItems"][0]["UnitAmount"] == "0.01"
    payment = item("payment", {"reference": "pi_2", "amount_minor": 1234567890123457, "currency": "EUR",
                               "received_at": "2026-11-20T10:00:00+00:00"})
    body = pusher._overpayment(_Planned(payment, Split([], 1234567890123457), "contact-1", "INV-1"))
    assert wire("BankTransactions", body)["LineItems"][0]["LineAmount"] == "12345678901234.57"
