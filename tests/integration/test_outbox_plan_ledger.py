"""The outbox dry run shows the Xero bookings a Stripe fee or payout would make, under the
connection's fee treatment. Hub + sandboxes, real SDKs; nothing is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from revhub.mappings.outbox import plan as outbox_plan
from revhub.money import to_decimal
from revhub.store import OutboxMessage
from tests.integration.clients import stripe_client
from tests.integration.test_ledger_fees import DAY, books, charge, synced

pytestmark = pytest.mark.store


def planned(db, vault, entity: str) -> list[dict]:
    return [e for e in outbox_plan(db, vault, "xero") if e["entity"] == entity]


def test_the_plan_of_a_per_charge_fee_is_its_spend_from_the_clearing_account(db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_charge")
    txn = charge(stripe_client(running), 10000, "eur").balance_transaction
    synced(db, vault, running)

    [fee] = planned(db, vault, "fee")
    [spend] = fee["payload"]["BankTransactions"]
    assert (spend["Type"], spend["BankAccount"], spend["Reference"]) == (
        "SPEND", {"Code": "091"}, f"Stripe fee {txn.id}")
    [line] = spend["LineItems"]
    assert (Decimal(line["UnitAmount"]), line["AccountCode"]) == (to_decimal(txn.fee, "EUR"), "404")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")) == 0


def test_the_plan_of_a_paid_payout_is_its_fees_and_its_transfer_to_the_bank(db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_payout")
    client = stripe_client(running)
    charges = [charge(client, 10000, "eur"), charge(client, 5000, "eur")]
    synced(db, vault, running)
    running.clock.advance(4 * DAY)
    synced(db, vault, running)
    [remote] = client.v1.payouts.list().data
    assert remote.status == "paid"

    [payout] = planned(db, vault, "payout")
    [transfer] = payout["payload"]["BankTransfers"]
    assert (transfer["FromBankAccount"], transfer["ToBankAccount"]) == ({"Code": "091"}, {"Code": "090"})
    assert (Decimal(transfer["Amount"]), transfer["Reference"]) == (to_decimal(remote.amount, "EUR"),
                                                                    f"Stripe payout {remote.id}")
    [fees] = payout["payload"]["BankTransactions"]
    assert Decimal(fees["LineItems"][0]["UnitAmount"]) == to_decimal(
        sum(c.balance_transaction.fee for c in charges), "EUR")
    assert all("note" in fee["payload"] for fee in planned(db, vault, "fee"))  # booked with the payout
