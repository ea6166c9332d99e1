"""The books balance (issue 10, the proof): a month of mixed activity, driven through the hub
and the Stripe and Xero sandboxes on their clock, leaves no difference between Stripe, Xero
and the canonical store, as `revhub ledger check` reads them. Full, partial and over-payments,
refunds before and after the payment reached Xero, a void and its re-invoice, VAT at every
rate, EUR, USD, GBP, JPY and KWD, fees and payouts, provider faults and a worker killed -9."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from revhub.cli import main
from revhub.config import load_config
from revhub.connections import Vault
from revhub.connectors.resilience import forget_limiters
from revhub.currency_rules import stripe_minor
from revhub.ledger.check import ROWS
from revhub.ledger.sources import run_check
from revhub.money import to_decimal
from revhub.sandbox.launch import SandboxSet
from revhub.store import Base, Database
from tests.integration.month_scenario import Month
from tests.integration.purchase_orders import linked, xero_get
from tests.sandbox.xero.xero_models import assert_exchanges_fit_models

pytestmark = pytest.mark.store
CURRENCIES = ("EUR", "USD", "GBP", "JPY", "KWD")

EVERY_DUTCH_RATE = [  # 99.99 × 21 % → 21.00; 20.10 × 9 % → 1.81 (per line, half up)
    {"description": "Platform licence", "quantity": 3, "unit_price": "33.33", "tax_code": "NL_VAT_21"},
    {"description": "Training book", "quantity": 2, "unit_price": "10.05", "tax_code": "NL_VAT_9"},
    {"description": "Intra-community transport", "quantity": 1, "unit_price": "50.00", "tax_code": "NL_VAT_0"},
    {"description": "Medical consult", "quantity": 1, "unit_price": "5.55", "tax_code": "EXEMPT"},
]


def line(quantity: int, unit: str, code: str, description: str = "Platform licence") -> list[dict]:
    return [{"description": description, "quantity": quantity, "unit_price": unit, "tax_code": code}]


def a_month(month: Month) -> tuple[str, dict]:
    """The month's activity; returns its period and the POs by what happened to them."""
    period = month.start_of_next_month()
    for name, email, country, vat in [
            ("Van Dijk Logistiek B.V.", "ap@vandijk.example", "NL", "NL859466812B01"),
            ("Lindqvist Analys AB", "faktura@lindqvist.example", "SE", "SE556677889901"),
            ("Harbor Freight Systems Inc.", "ap@harbor.example", "US", None),
            ("Thames Instruments Ltd", "accounts@thames.example", "GB", None),
            ("Sakura Seimitsu KK", "keiri@sakura.example", "JP", None),
            ("Gulf Marine Trading WLL", "finance@gulfmarine.example", "KW", None)]:
        month.customer(name, email, country, vat)
    month.settle()

    pos = {
        "full_every_rate": month.po("ap@vandijk.example", "4500100001", "EUR", EVERY_DUTCH_RATE, "198.45", "22.81"),
        "partial_reverse_charge": month.po("faktura@lindqvist.example", "4500100002", "EUR",
                                           line(1, "1000.00", "EU_REVERSE_CHARGE"), "1000.00", "0.00"),
        "refund_after_sync_usd": month.po("ap@harbor.example", "4500100003", "USD",
                                          line(2, "250.00", "EXPORT"), "500.00", "0.00"),
        "refund_before_sync_gbp": month.po("accounts@thames.example", "4500100004", "GBP",
                                           line(1, "300.00", "EXPORT"), "300.00", "0.00"),
        "overpaid_jpy": month.po("keiri@sakura.example", "4500100005", "JPY", line(3, "15000", "EXPORT"),
                                 "45000", "0"),
        "full_kwd": month.po("finance@gulfmarine.example", "4500100006", "KWD", line(3, "1.230", "EXPORT"),
                             "3.690", "0.000"),
        "voided_then_reinvoiced": month.po("ap@vandijk.example", "4500100007", "EUR",
                                           line(2, "120.25", "NL_VAT_21"), "291.01", "50.51"),
    }
    # Xero rate-limits and Stripe falls over while the invoices go out.
    month.fault("xero", kind="429", count=1, path="/Invoices", method="PUT")
    month.fault("stripe", kind="503", count=3, path="^/v1/invoices$", method="POST")
    month.drain()

    month.days_pass(1)
    intents = {"full_every_rate": month.pay(pos["full_every_rate"]),
               "partial_reverse_charge": month.pay_amount(pos["partial_reverse_charge"], 40000),
               "refund_after_sync_usd": month.pay(pos["refund_after_sync_usd"]),
               "refund_before_sync_gbp": month.pay(pos["refund_before_sync_gbp"]),
               "overpaid_jpy": month.pay_amount(pos["overpaid_jpy"], 50000),
               "full_kwd": month.pay(pos["full_kwd"])}
    month.refund(intents["refund_before_sync_gbp"])  # all of it, before the hub has seen the payment
    month.stripe.v1.invoices.void_invoice(month.stripe_invoice(pos["voided_then_reinvoiced"]).id)
    # Stripe and Xero answer 429 and 503 while the hub reads them.
    month.fault("stripe", kind="429", count=1, path="^/v1/events", method="GET")
    month.fault("xero", kind="503", count=3, path="/Payments", method="GET")
    month.sync()
    month.kill_worker_mid_write("xero", "/Payments", method="PUT")
    month.drain()
    assert month.armed("stripe") == month.armed("xero") == []  # every fault was met

    revhub = CliRunner().invoke(main, ["po", "reinvoice", str(month.po_number(pos["voided_then_reinvoiced"]))],
                                env={"REVHUB_DATABASE_URL": month.config.database_url,
                                     "REVHUB_HOME": str(month.config.home),
                                     "REVHUB_ENCRYPTION_KEY": month.config.encryption_key})
    assert revhub.exit_code == 0, revhub.output
    month.drain()
    month.days_pass(1)
    month.pay(pos["voided_then_reinvoiced"])
    month.refund(intents["refund_after_sync_usd"], 10000)  # after the payment reached Xero
    # The customer gets the over-paid 5,000 back, after Xero booked it as their credit.
    month.noted["excess_refund"] = month.refund(intents["overpaid_jpy"], 5000)
    month.settle()

    month.days_pass(5)  # Stripe's automatic payouts, with the fees they settled
    month.settle()
    month.days_pass(1)
    month.settle()
    return period, pos


def _database_url(store_backend, home) -> str:
    """A migrated, empty database for the month (the ``database_url`` fixture, once per module)."""
    kind, template = store_backend
    if kind == "sqlite":
        shutil.copy(template, home / "revhub.db")
        return f"sqlite:///{home / 'revhub.db'}"
    database = Database(template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.dispose()
    return template


@pytest.fixture(scope="module")
def books(store_backend, tmp_path_factory):
    """One month run once, then read by every test here: (month, its period 'YYYY-MM', the POs)."""
    home = tmp_path_factory.mktemp("month")
    url = _database_url(store_backend, home)
    config = load_config(env={}, home=home / "home", database_url=url, secret_key="test-secret")
    db, vault = Database(url), Vault(config.encryption_key)
    forget_limiters()
    running = SandboxSet(home / "sandboxes", seed=7).start(("stripe", "xero"))
    try:
        running.connect(db, vault)
        month = Month(db, vault, running, config)
        period, pos = a_month(month)
        yield month, period, pos
        xero = running["xero"].sandbox
    finally:
        running.stop()
        db.dispose()
    assert_exchanges_fit_models(xero)  # what the hub sent to Xero, held to xero-python's models


def revhub(month: Month, *args: str):
    return CliRunner().invoke(main, list(args), env={
        "REVHUB_DATABASE_URL": month.config.database_url, "REVHUB_HOME": str(month.config.home),
        "REVHUB_ENCRYPTION_KEY": month.config.encryption_key})


def described(differences) -> str:
    return "\n".join(f"{d.currency} {d.kind} {d.problem}: {d.message}" for d in differences)


def test_no_payment_refund_fee_or_payout_of_the_month_is_missing_booked_twice_or_of_another_amount(books):
    month, period, _ = books
    report = run_check(month.db, month.vault, period)
    assert {x.currency for x in report.ledgers} >= set(CURRENCIES)
    unsettled = [d for d in report.differences if d.problem != "settled_differs"]
    assert not unsettled, described(unsettled)


def test_the_months_euro_money_is_the_same_in_stripe_xero_and_the_store_to_the_cent(books):
    month, period, _ = books
    report = run_check(month.db, month.vault, period, "EUR")
    assert not [d for d in report.differences if d.currency == "EUR"], described(report.differences)
    [eur] = report.ledgers
    for label, stripe, xero, store in ROWS[:5]:  # cash in, refunds out, fees, net, payouts
        assert eur.stripe[stripe] == eur.xero[xero] == eur.store[store], label
    assert eur.stripe["fees"] > 0 and eur.stripe["payouts"] > 0  # Stripe took fees and paid out


@pytest.mark.parametrize("currency", ["USD", "GBP", "JPY", "KWD"])
def test_the_months_books_in_a_foreign_currency_balance_stripes_eur_balance_too(books, currency):
    month, period, _ = books
    report = run_check(month.db, month.vault, period, currency)
    assert not report.differences, described(report.differences)


def test_ledger_check_for_the_month_reports_zero_differences(books):
    month, period, _ = books
    result = revhub(month, "ledger", "check", "--period", period, "--format", "json")
    out = json.loads(result.output)  # a side that could not be read fails here
    assert out["differences"] == [], out["differences"]
    assert (result.exit_code, out["balanced"], out["period"]) == (0, True, period), result.output


def test_a_refund_of_the_over_paid_excess_uses_the_customers_credit_in_xero_not_a_new_credit_note(books):
    month, _, pos = books
    refund = month.noted["excess_refund"]
    invoice_id = linked(month.db, "invoice", month.invoice(pos["overpaid_jpy"]).id, "xero")
    contact = xero_get(month.running, f"Invoices/{invoice_id}")["Invoices"][0]["Contact"]["ContactID"]
    credits = [o for o in xero_get(month.running, "Overpayments")["Overpayments"]
               if o["Contact"]["ContactID"] == contact and o["Status"] != "DELETED"]
    notes = [n for n in xero_get(month.running, "CreditNotes")["CreditNotes"]
             if refund in (n.get("Reference") or "") and n["Status"] not in ("DELETED", "VOIDED")]
    assert notes == []
    assert [Decimal(str(o["RemainingCredit"])) for o in credits] == [Decimal(0)]


def test_every_invoice_of_the_month_has_the_same_total_and_vat_in_xero_stripe_and_the_store(books):
    month, _, pos = books
    for po_id in pos.values():
        invoice = month.invoice(po_id)
        remote = month.stripe_invoice(po_id)
        xero = xero_get(month.running, f"Invoices/{linked(month.db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
        total = to_decimal(invoice.total_minor, invoice.currency)
        assert (Decimal(str(xero["Total"])), Decimal(str(xero["TotalTax"]))) == (
            total, to_decimal(invoice.tax_minor, invoice.currency)), invoice.number
        assert to_decimal(stripe_minor(remote.total, invoice.currency), invoice.currency) == total, invoice.number
        assert to_decimal(stripe_minor(sum(t.amount for t in remote.total_taxes), invoice.currency),
                          invoice.currency) == to_decimal(invoice.tax_minor, invoice.currency), invoice.number

