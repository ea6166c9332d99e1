"""What the QuickBooks pusher would book for a dispute (the outbox's dry run): the withdrawal
purchase, a won dispute's reversal journal and a lost one's, each balanced; and the dispute
account settings it refuses, each naming the setting."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from revhub.connectors.errors import ConfigError
from revhub.connectors.quickbooks.push import QuickBooksPusher
from revhub.mappings.writes import WriteItem

ACCOUNTS = {"deposit_account_id": "92", "bank_account_id": "35", "fee_account_id": "93",
            "dispute_account_id": "94", "chargeback_account_id": "95"}
OPEN = {"reference": "du_1", "status": "open", "settled_currency": "USD", "withdrawn_minor": 100_000,
        "fee_minor": 1_500, "opened_at": "2026-11-05T10:00:00+00:00"}


def item(record: dict) -> WriteItem:
    return WriteItem(1, "k", "upsert", "dispute", uuid.uuid4(), 1, record, None, None)


def postings(journal: dict) -> dict[tuple[str, str], Decimal]:
    return {(x["JournalEntryLineDetail"]["PostingType"], x["JournalEntryLineDetail"]["AccountRef"]["value"]):
            Decimal(str(x["Amount"])) for x in journal["Line"]}


def balanced(journal: dict) -> bool:
    sums = {"Debit": Decimal(0), "Credit": Decimal(0)}
    for (posting, _), amount in postings(journal).items():
        sums[posting] += amount
    return sums["Debit"] == sums["Credit"]


def test_an_open_dispute_is_one_purchase_from_clearing_the_amount_to_disputed_payments_the_fee_to_fees():
    booked = QuickBooksPusher(None, {"fee_treatment": "per_charge", **ACCOUNTS}).describe("dispute", item(OPEN))
    purchase = booked["Purchase"]
    assert (purchase["PaymentType"], purchase["AccountRef"], purchase["TxnDate"], purchase["PrivateNote"]) == (
        "Cash", {"value": "92"}, "2026-11-05", "Stripe dispute du_1")
    assert [(x["AccountBasedExpenseLineDetail"]["AccountRef"]["value"], x["Amount"]) for x in purchase["Line"]] == [
        ("94", 1000), ("93", 15)]
    assert "JournalEntry" not in booked


def test_won_the_journal_gives_the_amount_and_fee_back_to_clearing_and_lost_moves_it_to_chargeback_losses():
    pusher = QuickBooksPusher(None, {"fee_treatment": "per_charge", **ACCOUNTS})
    won = {**OPEN, "status": "won", "reinstated_minor": 100_000, "fee_returned_minor": 1_500,
           "closed_at": "2026-11-20T09:00:00+00:00"}
    [back] = pusher.describe("dispute", item(won))["JournalEntry"]
    assert postings(back) == {("Debit", "92"): Decimal("1015"), ("Credit", "94"): Decimal("1000"),
                              ("Credit", "93"): Decimal("15")}
    assert (back["TxnDate"], back["PrivateNote"], balanced(back)) == ("2026-11-20", "Stripe dispute reversal du_1",
                                                                      True)
    [loss] = pusher.describe("dispute", item({**OPEN, "status": "lost", "closed_at": "2026-11-21"}))["JournalEntry"]
    assert postings(loss) == {("Debit", "95"): Decimal("1000"), ("Credit", "94"): Decimal("1000")}
    assert loss["PrivateNote"] == "Stripe dispute lost du_1"


def test_per_payout_the_dispute_fee_goes_with_the_payout_and_without_accounts_nothing_is_booked():
    booked = QuickBooksPusher(None, {"fee_treatment": "per_payout", **ACCOUNTS}).describe("dispute", item(OPEN))
    assert [x["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] for x in booked["Purchase"]["Line"]] == ["94"]
    plain = {k: v for k, v in ACCOUNTS.items() if k not in ("dispute_account_id", "chargeback_account_id")}
    assert "note" in QuickBooksPusher(None, {"fee_treatment": "per_charge", **plain}).describe("dispute", item(OPEN))


@pytest.mark.parametrize(("change", "named"), [
    ({"chargeback_account_id": None}, "chargeback_account_id"),
    ({"dispute_account_id": None}, "dispute_account_id"),
    ({"dispute_account_id": "93"}, "dispute_account_id"),
    ({"chargeback_account_id": "92"}, "chargeback_account_id"),
    ({"chargeback_account_id": "94"}, "chargeback_account_id"),
])
def test_dispute_accounts_that_cannot_be_used_are_refused_naming_the_setting(change, named):
    with pytest.raises(ConfigError, match=named):
        QuickBooksPusher(None, {"fee_treatment": "per_charge", **ACCOUNTS, **change})
