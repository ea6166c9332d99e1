"""What the QuickBooks pusher would book for a fee or a payout under each fee treatment (the
outbox's dry run), and the settings it refuses, each naming the setting."""

from __future__ import annotations

import uuid

import pytest

from revhub.connectors.errors import ConfigError
from revhub.connectors.quickbooks.push import QuickBooksPusher
from revhub.mappings.writes import WriteItem

ACCOUNTS = {"deposit_account_id": "92", "bank_account_id": "35", "fee_account_id": "93"}


def item(entity: str, record: dict) -> WriteItem:
    return WriteItem(1, "k", "upsert", entity, uuid.uuid4(), 1, record, None, None)


FEE = {"reference": "txn_1", "amount_minor": 320, "currency": "USD", "incurred_at": "2026-11-05T10:00:00+00:00"}
PAYOUT = {"reference": "po_1", "amount_minor": 97_010, "fee_minor": 640, "currency": "USD", "status": "paid",
          "arrival_date": "2026-11-09"}


def test_per_charge_a_fee_is_a_purchase_from_clearing_to_the_fee_account():
    pusher = QuickBooksPusher(None, {"fee_treatment": "per_charge", **ACCOUNTS})
    purchase = pusher.describe("fee", item("fee", FEE))["Purchase"]
    assert (purchase["PaymentType"], purchase["AccountRef"], purchase["TxnDate"]) == ("Cash", {"value": "92"},
                                                                                      "2026-11-05")
    [line] = purchase["Line"]
    assert (line["Amount"], line["AccountBasedExpenseLineDetail"]["AccountRef"]) == (3.2, {"value": "93"})
    assert purchase["PrivateNote"] == "Stripe fee txn_1"
    assert pusher.describe("payout", item("payout", PAYOUT)) == {"Transfer": {
        "FromAccountRef": {"value": "92"}, "ToAccountRef": {"value": "35"}, "Amount": 970.1,
        "TxnDate": "2026-11-09", "PrivateNote": "Stripe payout po_1"}}


def test_per_payout_the_fees_are_one_purchase_with_the_payout_and_none_on_their_own():
    pusher = QuickBooksPusher(None, {"fee_treatment": "per_payout", **ACCOUNTS})
    assert "not booked on its own" in pusher.describe("fee", item("fee", FEE))["note"]
    booked = pusher.describe("payout", item("payout", PAYOUT))
    assert booked["Purchase"]["PrivateNote"] == "Stripe fees of po_1"
    assert booked["Purchase"]["Line"][0]["Amount"] == 6.4
    assert booked["Transfer"]["Amount"] == 970.1


def test_without_a_fee_treatment_fees_and_payouts_are_not_booked():
    pusher = QuickBooksPusher(None, {})
    assert "none" in pusher.describe("payout", item("payout", PAYOUT))["note"]


@pytest.mark.parametrize("settings, named", [
    ({"fee_treatment": "per_charge", "deposit_account_id": "92"}, "bank_account_id"),
    ({"fee_treatment": "weekly", **ACCOUNTS}, "fee_treatment"),
    ({"fee_treatment": "per_charge", **ACCOUNTS, "bank_account_id": "92"}, "deposit_account_id"),
])
def test_settings_fees_cannot_be_booked_with_are_refused_naming_the_setting(settings, named):
    with pytest.raises(ConfigError, match=named):
        QuickBooksPusher(None, settings)
