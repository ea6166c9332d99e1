"""The books check end to end: seeded Stripe and Xero sandboxes, synced and written back by the
hub, then a difference made by hand through a provider's API is found and named."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import stripe
from click.testing import CliRunner
from sqlalchemy import select
from xero_python.accounting.models import PaymentDelete

from revhub.cli import main
from revhub.connectors.registry import build_connector
from revhub.ledger.sources import run_check
from revhub.mappings.outbox import OutboxWorker
from revhub.store import Connection, Link, Payment
from revhub.sync.jobs import plan, sync_all
from tests.signin import sign_in

pytestmark = pytest.mark.store


@pytest.fixture
def books(db, vault, sandboxes):
    """Seeded Stripe and Xero, after a first sync and a drained outbox."""
    running = sandboxes("stripe", "xero", companies=4)
    sync_all(db, vault, plan(db))
    OutboxWorker(db, vault, "w").drain()
    return running


@pytest.fixture
def revhub(database_url, config):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(config.home)}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def named(report, record_id: str, kind: str = "payment") -> list:
    return [d for d in report.differences
            if d.kind == kind and any(record_id in ids for ids in d.records.values())]


def over_paid_references(xero) -> set[str]:
    """The processor references Xero's RECEIVE-OVERPAYMENT transactions quote ("pi_… overpayment")."""
    found = xero.call("get_bank_transactions", "ledger", where='Type=="RECEIVE-OVERPAYMENT"')
    return {(t.get("Reference") or "").split()[0] for t in found.get("BankTransactions") or () if t.get("Reference")}


def a_balanced_stripe_payment(db, vault, report) -> tuple[str, str]:
    """(Stripe charge id, Xero payment id) of a payment every side agrees on and that Xero holds
    whole as one payment: of an over-paid one Xero holds the amount due as a payment and the
    rest as a RECEIVE-OVERPAYMENT quoting it, which would still stand after the payment is
    deleted. The first by id, so that every run picks the same one."""
    over_paid = over_paid_references(xero_api(db, vault))
    with db.session() as s:
        references = dict(s.execute(select(Payment.id, Payment.reference)).all())
        links = s.execute(select(Link.canonical_id, Link.system, Link.external_id)
                          .where(Link.entity == "payment").order_by(Link.canonical_id)).all()
    by_record: dict = {}
    for canonical_id, system, external_id in links:
        by_record.setdefault(canonical_id, {})[system] = external_id
    for canonical_id, ids in by_record.items():
        if (references.get(canonical_id) not in over_paid and "stripe" in ids and "xero" in ids
                and not named(report, ids["stripe"])):
            return ids["stripe"], ids["xero"]
    raise AssertionError("the seeded books have no payment that balances")


def xero_api(db, vault):
    with db.session() as s:
        connection = s.scalar(select(Connection).where(Connection.name == "xero"))
    return build_connector(connection, vault).api


def stripe_client(books) -> stripe.StripeClient:
    running = books["stripe"]
    return stripe.StripeClient(running.credentials["api_key"], base_addresses={"api": running.url})


def test_a_payment_deleted_in_xero_through_its_api_is_named_as_missing_in_xero(db, vault, books):
    charge_id, xero_payment_id = a_balanced_stripe_payment(db, vault, run_check(db, vault))
    xero = xero_api(db, vault)
    xero.call("delete_payment", "payment", payment_id=xero_payment_id,
              payment_delete=PaymentDelete(status="DELETED"))

    [difference] = named(run_check(db, vault), charge_id)
    assert (difference.kind, difference.problem, difference.sides) == ("payment", "missing", ["xero"])
    assert "xero" not in difference.records and len(difference.records["store"]) == 1
    assert difference.records["stripe"][0] == charge_id


def test_a_stripe_charge_the_hub_never_saw_is_named_with_its_charge_and_balance_transaction(db, vault, books):
    intent = stripe_client(books).v1.payment_intents.create(params={
        "amount": 12_345, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True})
    charge = stripe_client(books).v1.charges.retrieve(intent.latest_charge)

    [payment] = named(run_check(db, vault), charge.id)
    assert (payment.problem, payment.sides) == ("missing", ["xero", "store"])
    assert payment.records == {"stripe": sorted([charge.id, charge.balance_transaction])}
    assert payment.amounts["stripe"] == 12_345 and payment.currency == "EUR"


def test_the_cli_writes_json_that_parses_and_exits_1_when_the_books_differ(db, vault, books, revhub):
    intent = stripe_client(books).v1.payment_intents.create(params={
        "amount": 9_900, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True})
    month = datetime.now(UTC).strftime("%Y-%m")

    result = revhub("ledger", "check", "--period", month, "--currency", "usd", "--format", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.output)
    assert (out["period"], out["currency"], out["balanced"]) == (month, "USD", False)
    assert {x["currency"] for x in out["ledgers"]} == {"USD"}
    charge_id = stripe_client(books).v1.payment_intents.retrieve(intent.id).latest_charge
    missing = [d for d in out["differences"] if charge_id in d["records"].get("stripe", [])
               and d["kind"] == "payment"]
    assert missing and missing[0]["amounts"]["stripe"] == "99.00"


def test_the_cli_table_lists_each_side_and_names_the_records_of_each_difference(db, vault, books, revhub):
    intent = stripe_client(books).v1.payment_intents.create(params={
        "amount": 5_000, "currency": "gbp", "payment_method": "pm_card_visa", "confirm": True})
    charge_id = stripe_client(books).v1.payment_intents.retrieve(intent.id).latest_charge

    result = revhub("ledger", "check", "--currency", "GBP")
    assert result.exit_code == 1, result.output
    assert re.search(r"^GBP \d{4}-\d{2}$", result.output, re.M)
    assert re.search(r"Stripe\s+Xero\s+store", result.output)
    assert re.search(rf"payment missing \(xero, store\).*{charge_id}", result.output)


def test_a_malformed_period_is_refused_naming_the_option_before_any_provider_is_called(revhub, books):
    result = revhub("ledger", "check", "--period", "2026-13")
    assert result.exit_code == 2 and "--period" in result.output and "YYYY-MM" in result.output


def test_the_console_page_shows_the_three_sides_and_the_records_behind_a_difference(app, config, db, vault, books):
    intent = stripe_client(books).v1.payment_intents.create(params={
        "amount": 7_700, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True})
    charge_id = stripe_client(books).v1.payment_intents.retrieve(intent.id).latest_charge
    client = app.test_client()
    sign_in(client, db)

    page = client.get("/ledger?period=all")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<th class=\"num\">Stripe</th><th class=\"num\">Xero</th><th class=\"num\">Store</th>" in text
    assert f"<code>{charge_id}</code>" in text


def test_a_side_that_cannot_be_read_exits_3_and_says_which(db, vault, books, revhub):
    from revhub.connections import save_connection

    with db.session(write=True) as s:
        save_connection(s, vault, name="stripe", provider="stripe", credentials={"api_key": "sk_test_revoked"},
                        settings=books["stripe"].settings)

    result = revhub("ledger", "check")
    assert result.exit_code == 3, result.output
    assert "could not read a side" in result.output and "stripe" in result.output


def test_the_console_page_asks_for_sign_in_before_it_reads_any_provider(app, books):
    response = app.test_client().get("/ledger")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def booked(db, vault, sandboxes):
    """Seeded Stripe and Xero on a connection that books each charge's fee and each payout in
    Xero, after a first sync and a drained outbox."""
    running = sandboxes("stripe", "xero", companies=4)
    with db.session(write=True) as s:
        xero = s.scalars(select(Connection).where(Connection.name == "xero")).one()
        xero.settings = {**xero.settings, "fee_treatment": "per_charge", "clearing_account_code": "091",
                         "bank_account_code": "090", "fee_account_code": "404"}
    sync_all(db, vault, plan(db))
    for _ in range(2):  # fees and payouts wait for the payments they belong to
        OutboxWorker(db, vault, "w").drain()
    return running


def test_fees_and_payouts_booked_per_charge_balance_with_stripe_and_the_store(db, vault, booked):
    report = run_check(db, vault)
    assert [d.message for d in report.differences if d.kind in ("fee", "payout")] == []
    fees = [(x.currency, x.stripe["fees"], x.xero["fees"], x.store["fees"]) for x in report.ledgers
            if x.stripe["fees"]]
    assert fees and all(stripe_ == xero == store for _, stripe_, xero, store in fees)


def test_a_fee_booked_twice_through_the_xero_api_is_named_with_both_bank_transactions(db, vault, booked):
    with db.session() as s:
        connection = s.scalar(select(Connection).where(Connection.name == "xero"))
    xero = build_connector(connection, vault).api
    spent = xero.call("get_bank_transactions", "fee", where='Type=="SPEND"')["BankTransactions"]
    fee = next(t for t in spent if t["Reference"].startswith("Stripe fee txn_"))
    again = xero.call("create_bank_transactions", "fee", bank_transactions={"BankTransactions": [{
        "Type": "SPEND", "Contact": {"ContactID": fee["Contact"]["ContactID"]},
        "BankAccount": {"Code": "091"}, "Date": fee["Date"], "CurrencyCode": fee["CurrencyCode"],
        "LineAmountTypes": "NoTax", "Reference": fee["Reference"],
        "LineItems": [{"Description": "Stripe processing fee", "Quantity": 1,
                       "UnitAmount": fee["Total"], "AccountCode": "404"}]}]})["BankTransactions"][0]

    [difference] = named(run_check(db, vault), fee["Reference"].removeprefix("Stripe fee "), kind="fee")
    assert (difference.problem, difference.sides) == ("booked_twice", ["xero"])
    assert difference.records["xero"] == sorted([fee["BankTransactionID"], again["BankTransactionID"]])


def test_the_console_page_answers_json_for_machines_and_refuses_a_malformed_month(app, db, books):
    client = app.test_client()
    sign_in(client, db)

    out = client.get("/ledger?period=all&format=json").get_json()
    assert set(out) == {"period", "currency", "balanced", "ledger", "ledgers", "differences"}
    assert out["ledger"] == "xero"  # the books system the ledger column holds
    assert all(isinstance(v, str) for x in out["ledgers"] for v in x["stripe"].values())
    refused = client.get("/ledger?period=2026-13")
    assert refused.status_code == 400 and "YYYY-MM" in refused.get_data(as_text=True)
