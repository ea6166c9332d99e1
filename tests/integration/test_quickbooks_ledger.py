"""QuickBooks Online as the ledger (issue 18): Stripe's payments, refunds, fees and payouts
booked in QuickBooks by the hub through the batch endpoint, per the connection's fee
treatment, read back from QuickBooks and Stripe; then `revhub ledger check` finds the books
balanced, and names a difference made by hand in QuickBooks."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from revhub.cli import main
from revhub.ledger.sources import run_check
from revhub.mappings.outbox import OutboxWorker
from revhub.money import to_decimal
from revhub.sandbox.quickbooks.seeding import BANK_ACCOUNT, CLEARING_ACCOUNT, FEE_ACCOUNT
from revhub.store import Connection, Fee, Link, OutboxMessage, Payout
from tests.integration.clients import drain, stripe_client
from tests.integration.month_scenario import start_of_next_month
from tests.integration.purchase_orders import linked
from tests.integration.quickbooks_books import (
    DAY,
    books,
    clearing_movement,
    invoice_po,
    pay,
    qbo,
    settle,
    stripe_balance,
    synced,
)
from tests.sandbox.quickbooks.qbo_models import realm_misfits
from tests.signin import sign_in

pytestmark = pytest.mark.store


@pytest.fixture
def revhub(database_url, config):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(config.home)}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def a_month(db, vault, running) -> dict[str, str]:
    """Full, partial and over-payments, a partial refund, and the payout days later, all in one
    month (from its first day, so the payout four days on does not fall in the next one)."""
    start_of_next_month(running.clock)
    full, partial, over = (invoice_po(db, vault, f"45001800{n}", unit) for n, unit in
                           ((1, "1000.00"), (2, "800.00"), (3, "300.00")))
    intents = {"full": pay(db, running, full), "partial": pay(db, running, partial, 50_000),
               "over": pay(db, running, over, 35_000)}
    settle(db, vault, running)
    refund = stripe_client(running).v1.refunds.create({"payment_intent": intents["full"], "amount": 25_000})
    settle(db, vault, running)
    running.clock.advance(4 * DAY)  # Stripe pays the balance out
    settle(db, vault, running)
    return {**intents, "refund": refund.id}


@pytest.mark.parametrize("treatment", ["per_charge", "per_payout"])
def test_a_month_booked_in_quickbooks_balances_with_stripe_and_the_store(db, vault, sandboxes, revhub, treatment):
    running = books(db, vault, sandboxes, treatment)
    moves = a_month(db, vault, running)
    client, app = stripe_client(running), qbo(running)

    payments = {p["PrivateNote"].split()[0]: p for p in app.query("select * from Payment")}
    assert {k: Decimal(str(p["TotalAmt"])) for k, p in payments.items()} == {
        moves["full"]: Decimal("1000"), moves["partial"]: Decimal("500"), moves["over"]: Decimal("350")}
    assert Decimal(str(payments[moves["over"]]["UnappliedAmt"])) == Decimal("50")  # the customer's credit
    assert {p["DepositToAccountRef"]["value"] for p in payments.values()} == {CLEARING_ACCOUNT}
    [receipt] = app.query("select * from RefundReceipt")
    assert (Decimal(str(receipt["TotalAmt"])), receipt["DepositToAccountRef"]["value"]) == (Decimal("250"),
                                                                                              CLEARING_ACCOUNT)
    assert moves["refund"] in receipt["PrivateNote"]

    [payout] = client.v1.payouts.list().data
    charges = client.v1.balance_transactions.list({"type": "charge"}).data
    purchases = {p["PrivateNote"]: p for p in app.query("select * from Purchase")}
    if treatment == "per_charge":
        assert {n: Decimal(str(p["TotalAmt"])) for n, p in purchases.items()} == {
            f"Stripe fee {t.id}": to_decimal(t.fee, "USD") for t in charges}
    else:
        assert {n: Decimal(str(p["TotalAmt"])) for n, p in purchases.items()} == {
            f"Stripe fees of {payout.id}": to_decimal(sum(t.fee for t in charges), "USD")}
    assert {(p["AccountRef"]["value"], p["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"])
            for p in purchases.values()} == {(CLEARING_ACCOUNT, FEE_ACCOUNT)}
    [transfer] = app.query("select * from Transfer")
    assert (transfer["FromAccountRef"]["value"], transfer["ToAccountRef"]["value"]) == (CLEARING_ACCOUNT,
                                                                                        BANK_ACCOUNT)
    assert (Decimal(str(transfer["Amount"])), transfer["PrivateNote"]) == (to_decimal(payout.amount, "USD"),
                                                                           f"Stripe payout {payout.id}")
    assert clearing_movement(running) == stripe_balance(running)
    with db.session() as s:  # the canonical payout is linked to its transfer
        [record] = s.scalars(select(Payout)).all()
    assert linked(db, "payout", record.id, "quickbooks") == transfer["Id"]
    assert realm_misfits(running["quickbooks"].sandbox) == {}

    report = run_check(db, vault)
    assert [d.message for d in report.differences] == []
    assert report.ledger == "quickbooks" and [x.currency for x in report.ledgers] == ["USD"]
    [usd] = report.ledgers
    assert (usd.xero["payments"], usd.xero["refunds"], usd.xero["transfers"]) == (185_000, 25_000, payout.amount)
    assert usd.xero["clearing_movement"] == usd.stripe["balance_change"]
    result = revhub("ledger", "check", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["balanced"], out["ledger"], out["ledgers"][0]["quickbooks"]["payments"]) == (True, "quickbooks",
                                                                                            "1850.00")


def test_a_payment_deleted_in_quickbooks_is_named_with_its_ids_and_the_check_exits_1(db, vault, sandboxes, revhub):
    running = books(db, vault, sandboxes, "per_charge")
    moves = a_month(db, vault, running)
    assert run_check(db, vault).balanced
    app = qbo(running)
    [gone] = [p for p in app.query("select * from Payment") if p["PrivateNote"].startswith(moves["partial"])]
    app.post("Payment", {"Id": gone["Id"], "SyncToken": gone["SyncToken"]}, operation="delete")

    report = run_check(db, vault)
    [difference] = report.differences
    charge = stripe_client(running).v1.payment_intents.retrieve(moves["partial"]).latest_charge
    assert (difference.kind, difference.problem, difference.sides) == ("payment", "missing", ["quickbooks"])
    assert charge in difference.records["stripe"] and "quickbooks" not in difference.records
    assert difference.amounts == {"stripe": 50_000, "quickbooks": None, "store": 50_000}
    assert "none in quickbooks" in difference.message

    table = revhub("ledger", "check")
    assert table.exit_code == 1, table.output
    assert re.search(r"Stripe\s+QuickBooks\s+store", table.output)
    assert re.search(rf"payment missing \(quickbooks\).*{charge}", table.output)


def test_a_fee_purchase_changed_in_quickbooks_is_named_as_an_amount_that_differs(db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_charge")
    a_month(db, vault, running)
    app = qbo(running)
    purchase = app.query("select * from Purchase")[0]
    line = purchase["Line"][0]
    app.post("Purchase", {**purchase, "Line": [{**line, "Amount": 99}]})

    [difference] = run_check(db, vault).differences
    assert (difference.kind, difference.problem) == ("fee", "amount_differs")
    assert difference.records["quickbooks"] == [purchase["Id"]]
    assert difference.amounts["quickbooks"] == 9_900


def test_a_resync_from_an_empty_store_books_no_fee_or_payout_twice(db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_charge")
    a_month(db, vault, running)
    app = qbo(running)
    before = (len(app.query("select * from Purchase")), len(app.query("select * from Transfer")))
    with db.session(write=True) as s:  # the hub forgets what it booked, and is told again
        s.execute(delete(Link).where(Link.entity.in_(("payout", "fee")), Link.system == "quickbooks"))
        s.execute(update(OutboxMessage).where(OutboxMessage.entity.in_(("payout", "fee"))).values(
            status="pending", idempotency_key=OutboxMessage.idempotency_key + ":again"))
    drain(db, vault)

    assert (len(app.query("select * from Purchase")), len(app.query("select * from Transfer"))) == before
    with db.session() as s:
        fees = s.scalars(select(Fee)).all()
    assert all(linked(db, "fee", f.id, "quickbooks") for f in fees)
    assert run_check(db, vault).balanced


def test_the_console_ledger_page_names_quickbooks_as_the_books(app, db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_charge")
    a_month(db, vault, running)
    client = app.test_client()
    sign_in(client, db)

    page = client.get("/ledger?period=all")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<th class=\"num\">Stripe</th><th class=\"num\">QuickBooks</th><th class=\"num\">Store</th>" in text
    assert "The books balance" in text


def test_with_xero_and_quickbooks_both_enabled_the_check_refuses_naming_why(db, vault, sandboxes, revhub):
    sandboxes("stripe", "xero", "quickbooks", companies=None)

    result = revhub("ledger", "check")
    assert result.exit_code == 3, result.output
    assert "both a Xero and a QuickBooks connection" in result.output


def test_fee_settings_that_cannot_be_booked_are_refused_when_saved_naming_the_setting(revhub):
    result = revhub("connections", "add", "qbo", "--provider", "quickbooks", "--credential", "client_id=x",
                    "--setting", "realm_id=1", "--setting", "fee_treatment=per_charge",
                    "--setting", "deposit_account_id=92")
    assert result.exit_code != 0 and "bank_account_id" in result.output and "fee_account_id" in result.output


def test_an_over_payment_whose_batch_answers_are_lost_is_written_once_with_its_excess_unapplied(
        db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_charge")
    po_id = invoice_po(db, vault, "450018009", "300.00")
    intent = pay(db, running, po_id, 35_000)
    sandbox = running["quickbooks"].sandbox
    original, lost = sandbox.wsgi, []

    def lose_payment_answers(environ, start_response):
        # QBO writes the payment, its answers never arrive, and the outbox tries again later, when
        # QBO says the invoice is paid: capped anew, the payment must still be the same request.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        answer = original(environ, start_response)
        if environ["PATH_INFO"].endswith("/batch") and b'"Payment"' in body and len(lost) < 100:
            lost.append(True)
            list(answer)
            raise ConnectionResetError("answer lost")
        return answer

    sandbox.wsgi = lose_payment_answers
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "quickbooks"))
        row.settings = {**row.settings, "retry_max_backoff_seconds": 0.01, "timeout_seconds": 1}
    synced(db, vault, running)
    OutboxWorker(db, vault, "w").drain()
    with db.session() as s:
        [waiting] = s.scalars(select(OutboxMessage).where(OutboxMessage.entity == "payment")).all()
    assert lost and waiting.status == "failed"

    sandbox.wsgi = original
    with db.session(write=True) as s:  # its backoff has run out
        s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed").values(next_attempt_at=None))
    drain(db, vault)

    [payment] = [p for p in qbo(running).query("select * from Payment") if p["PrivateNote"].startswith(intent)]
    assert (payment["TotalAmt"], payment["UnappliedAmt"], payment["Line"][0]["Amount"]) == (350, 50, 300)
    assert run_check(db, vault).balanced
