"""Disputes booked in QuickBooks Online: a chargeback Stripe opens on an invoice's payment is a
Purchase out of the clearing account (amount to Disputed Payments, fee to Bank Charges); won, a
journal entry gives both back to the clearing account; lost, a journal entry moves the amount to
Chargeback Losses. Read back from Stripe and QuickBooks; `revhub ledger check` balances, and a
rerun books nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from quickbooks.objects.journalentry import JournalEntry
from sqlalchemy import select, update

from revhub.cli import main
from revhub.ledger.sources import run_check
from revhub.money import to_decimal
from revhub.sandbox.quickbooks.amounts import wire
from revhub.sandbox.quickbooks.seeding import CHARGEBACK_ACCOUNT, CLEARING_ACCOUNT, DISPUTE_ACCOUNT, FEE_ACCOUNT
from revhub.store import Connection, Dispute, OutboxMessage
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked
from tests.integration.quickbooks_books import (
    books,
    clearing_movement,
    invoice_po,
    qbo,
    settle,
    stripe_balance,
    stripe_invoice_id,
)
from tests.sandbox.quickbooks.qbo_models import realm_misfits, unknown_fields

pytestmark = pytest.mark.store
EXPENSE, JOURNAL = "AccountBasedExpenseLineDetail", "JournalEntryLineDetail"


@pytest.fixture
def revhub(database_url, config):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(config.home)}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def disputed_books(db, vault, sandboxes):
    return books_with_dispute_accounts(db, vault, sandboxes, "per_charge")


def books_with_dispute_accounts(db, vault, sandboxes, treatment: str):
    """The QuickBooks books of ``treatment``, with the accounts disputes are booked to."""
    running = books(db, vault, sandboxes, treatment)
    with db.session(write=True) as s:
        row = s.scalars(select(Connection).where(Connection.name == "quickbooks")).one()
        row.settings = {**row.settings, "dispute_account_id": DISPUTE_ACCOUNT,
                        "chargeback_account_id": CHARGEBACK_ACCOUNT}
    return running


def disputed_payment(db, vault, running, number: str, unit: str):
    """An invoice paid with Stripe's disputing test card, settled into both books: its dispute."""
    po_id = invoice_po(db, vault, number, unit)
    client = stripe_client(running)
    paid = client.v1.invoices.pay(stripe_invoice_id(db, po_id), {"payment_method": "pm_card_createDispute"})
    [dispute] = client.v1.disputes.list({"created": {"gte": paid.created}}).data
    settle(db, vault, running)
    return dispute


def dispute_bookings(running, reference: str) -> tuple[list[dict], list[dict]]:
    app = qbo(running)
    return ([p for p in app.query("select * from Purchase") if reference in (p.get("PrivateNote") or "")],
            [j for j in app.query("select * from JournalEntry") if reference in (j.get("PrivateNote") or "")])


def qbo_clearing(running) -> Decimal:
    """The clearing account's movement with the dispute journals' clearing lines counted in."""
    back = sum((Decimal(str(line["Amount"])) * (1 if line[JOURNAL]["PostingType"] == "Debit" else -1)
                for j in qbo(running).query("select * from JournalEntry") for line in j["Line"]
                if line[JOURNAL]["AccountRef"]["value"] == CLEARING_ACCOUNT), Decimal(0))
    return clearing_movement(running) + back


def postings(journal: dict) -> dict[tuple[str, str], Decimal]:
    return {(line[JOURNAL]["PostingType"], line[JOURNAL]["AccountRef"]["value"]): Decimal(str(line["Amount"]))
            for line in journal["Line"]}


def test_lost_and_won_disputes_are_booked_in_quickbooks_and_the_books_check_balances(db, vault, disputed_books,
                                                                                    revhub):
    running = disputed_books
    lost = disputed_payment(db, vault, running, "450019001", "1000.00")
    won = disputed_payment(db, vault, running, "450019002", "250.00")
    client = stripe_client(running)
    client.v1.disputes.close(lost.id)
    decided = client.v1.disputes.update(won.id, {"evidence": {"uncategorized_text": "winning_evidence"}})
    assert decided.status == "won"
    settle(db, vault, running)
    # The books balance with both disputes present (before, the check named each dispute).
    report = run_check(db, vault)
    assert report.balanced, [d.message for d in report.differences]
    [usd] = report.ledgers
    assert usd.xero["clearing_movement"] == usd.stripe["balance_change"]
    result = revhub("ledger", "check")
    assert result.exit_code == 0, result.output

    # Opened: one purchase each out of the clearing account, amount and fee on their accounts.
    for dispute in (lost, won):
        txn = client.v1.balance_transactions.retrieve(dispute.balance_transactions[0].id)
        [withdrawal], _ = dispute_bookings(running, dispute.id)
        assert withdrawal["AccountRef"]["value"] == CLEARING_ACCOUNT and withdrawal["PaymentType"] == "Cash"
        lines = {(line[EXPENSE]["AccountRef"]["value"], Decimal(str(line["Amount"]))) for line in withdrawal["Line"]}
        assert lines == {(DISPUTE_ACCOUNT, to_decimal(-txn.amount, "USD")), (FEE_ACCOUNT, to_decimal(txn.fee, "USD"))}
    # Lost: the amount moved from Disputed Payments to Chargeback Losses; no money moves.
    [_], [loss] = dispute_bookings(running, lost.id)
    amount = to_decimal(lost.amount, "USD")
    assert postings(loss) == {("Debit", CHARGEBACK_ACCOUNT): amount, ("Credit", DISPUTE_ACCOUNT): amount}
    assert loss["PrivateNote"] == f"Stripe dispute lost {lost.id}"
    # Won: amount and fee back into the clearing account.
    [_], [back] = dispute_bookings(running, won.id)
    reversal = client.v1.balance_transactions.retrieve(decided.balance_transactions[1].id)
    assert postings(back) == {
        ("Debit", CLEARING_ACCOUNT): to_decimal(reversal.net, "USD"),
        ("Credit", DISPUTE_ACCOUNT): to_decimal(reversal.amount, "USD"),
        ("Credit", FEE_ACCOUNT): to_decimal(-reversal.fee, "USD")}
    assert qbo_clearing(running) == stripe_balance(running)
    for journal in (loss, back):
        assert unknown_fields(JournalEntry, wire(journal)) == []
    assert realm_misfits(running["quickbooks"].sandbox) == {}
    with db.session() as s:  # each canonical dispute is linked to its withdrawal
        for dispute in (lost, won):
            ours = s.scalars(select(Dispute).where(Dispute.reference == dispute.id)).one()
            assert linked(db, "dispute", ours.id, "quickbooks") == dispute_bookings(running, dispute.id)[0][0]["Id"]

    # A rerun (the hub told again, its request ids new) books nothing twice.
    with db.session(write=True) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.entity == "dispute").values(
            status="pending", idempotency_key=OutboxMessage.idempotency_key + ":again"))
    drain(db, vault)
    for dispute in (lost, won):
        purchases, journals = dispute_bookings(running, dispute.id)
        assert (len(purchases), len(journals)) == (1, 1)
    assert run_check(db, vault).balanced


def test_the_books_check_names_a_dispute_quickbooks_does_not_hold(db, vault, disputed_books):
    running = disputed_books
    dispute = disputed_payment(db, vault, running, "450019003", "400.00")
    [withdrawal], _ = dispute_bookings(running, dispute.id)
    qbo(running).post("Purchase", {"Id": withdrawal["Id"], "SyncToken": withdrawal["SyncToken"]}, operation="delete")

    report = run_check(db, vault)
    named = [d for d in report.differences if d.kind == "dispute"]
    assert named and dispute.id in named[0].message and named[0].sides == ["quickbooks"]


@pytest.mark.parametrize(("change", "named"), [
    ({"dispute_account_id": DISPUTE_ACCOUNT}, "chargeback_account_id"),
    ({"dispute_account_id": CLEARING_ACCOUNT, "chargeback_account_id": CHARGEBACK_ACCOUNT}, "dispute_account_id"),
    ({"dispute_account_id": DISPUTE_ACCOUNT, "chargeback_account_id": DISPUTE_ACCOUNT}, "chargeback_account_id"),
])
def test_dispute_accounts_that_cannot_be_booked_are_refused_when_saved_naming_the_setting(revhub, change, named):
    args = ["connections", "add", "qbo", "--provider", "quickbooks", "--credential", "client_id=x",
            "--setting", "realm_id=1", "--setting", "fee_treatment=per_charge", "--setting", "deposit_account_id=92",
            "--setting", "bank_account_id=35", "--setting", "fee_account_id=93"]
    args += [x for key, value in change.items() for x in ("--setting", f"{key}={value}")]
    result = revhub(*args)
    assert result.exit_code != 0 and named in result.output, result.output


def test_fees_booked_per_payout_take_the_dispute_fee_with_the_payout_and_the_books_balance(db, vault, sandboxes):
    running = books_with_dispute_accounts(db, vault, sandboxes, "per_payout")
    dispute = disputed_payment(db, vault, running, "450019004", "1000.00")  # 1,000 in, 1,000 + fee out
    po_id = invoice_po(db, vault, "450019006", "3000.00")
    stripe_client(running).v1.invoices.pay(stripe_invoice_id(db, po_id), {"payment_method": "pm_card_visa"})
    settle(db, vault, running)
    running.clock.advance(4 * 86400)  # available, paid out, landed
    settle(db, vault, running)

    [withdrawal], _ = dispute_bookings(running, dispute.id)
    assert [line[EXPENSE]["AccountRef"]["value"] for line in withdrawal["Line"]] == [DISPUTE_ACCOUNT]
    [payout] = stripe_client(running).v1.payouts.list().data
    assert "adjustment" in {t.type for t in stripe_client(running).v1.balance_transactions.list(
        {"payout": payout.id}).data}
    assert qbo_clearing(running) == stripe_balance(running)
    report = run_check(db, vault)
    assert report.balanced, [d.message for d in report.differences]
