"""The pure comparison with QuickBooks as the ledger: its entries fill the ledger column, and
every difference, message and JSON figure names QuickBooks, not Xero."""

from __future__ import annotations

import json
from dataclasses import replace

from revhub.connectors.quickbooks.ledger_settings import QuickBooksLedger
from revhub.ledger.check import compare
from revhub.ledger.sources_quickbooks import QuickBooksLedgerReader
from tests.ledger.test_check import entry, paid


def in_quickbooks(entries):
    return [replace(e, side="quickbooks") if e.side == "xero" else e for e in entries]


def test_a_payment_quickbooks_holds_like_stripe_and_the_store_is_balanced():
    report = compare(in_quickbooks(paid(xero_id="145")), ledger="quickbooks")
    assert report.balanced and report.ledger == "quickbooks"
    assert report.ledgers[0].xero["net"] == 10_000  # the ledger column's figures
    out = report.as_json()
    assert out["ledger"] == "quickbooks" and out["ledgers"][0]["quickbooks"]["payments"] == "100.00"
    assert "xero" not in out["ledgers"][0]


def test_a_payment_missing_in_quickbooks_is_named_so_with_the_other_sides_records():
    report = compare([e for e in paid() if e.side != "xero"], ledger="quickbooks")
    [difference] = report.differences
    assert (difference.problem, difference.sides) == ("missing", ["quickbooks"])
    assert difference.amounts == {"stripe": 10_000, "quickbooks": None, "store": 10_000}
    assert difference.message.endswith("none in quickbooks")
    assert json.loads(json.dumps(report.as_json()))["differences"][0]["sides"] == ["quickbooks"]


def test_a_fee_purchase_of_another_amount_names_the_quickbooks_purchase():
    entries = in_quickbooks([entry("stripe", "fee", "txn_1", 320, "ch_1"),
                             entry("xero", "fee", "201", 330, "txn_1", via_stripe=False),
                             entry("store", "fee", "fee-1", 320, "txn_1", "201")])
    [difference] = compare(entries, ledger="quickbooks").differences
    assert (difference.problem, difference.records["quickbooks"]) == ("amount_differs", ["201"])
    assert "quickbooks fee purchase 201 EUR 3.30" in difference.message


def test_the_reader_keeps_fee_lines_and_transfers_of_the_configured_accounts_only():
    reader = QuickBooksLedgerReader(api=None, ledger=QuickBooksLedger("per_charge", "92", "35", "93"))
    reader._accounts = {"92": {"Id": "92", "CurrencyRef": {"value": "USD"}}}
    expense = "AccountBasedExpenseLineDetail"
    purchase = {"Id": "7", "TxnDate": "2026-11-05", "CurrencyRef": {"value": "USD"}, "AccountRef": {"value": "92"},
                "PrivateNote": "Stripe fee txn_1A", "Line": [
                    {"DetailType": expense, "Amount": 2.9, expense: {"AccountRef": {"value": "93"}}},
                    {"DetailType": expense, "Amount": 5, expense: {"AccountRef": {"value": "60"}}}]}
    [fee] = reader._fee(purchase)
    assert (fee.kind, fee.amount_minor, fee.keys, fee.clearing) == ("fee", 290, frozenset({"txn_1A"}), True)
    assert reader._fee({**purchase, "Line": purchase["Line"][1:]}) == []
    [payout] = reader._transfer({"Id": "9", "TxnDate": "2026-11-06", "Amount": 970.1,
                                 "PrivateNote": "Stripe payout po_1", "FromAccountRef": {"value": "92"},
                                 "ToAccountRef": {"value": "35"}})
    assert (payout.kind, payout.currency, payout.amount_minor, payout.keys) == ("payout", "USD", 97_010,
                                                                                  frozenset({"po_1"}))
    assert reader._transfer({"Id": "10", "TxnDate": "2026-11-06", "Amount": 5, "FromAccountRef": {"value": "35"},
                             "ToAccountRef": {"value": "92"}}) == []


def test_the_books_alert_names_quickbooks_as_the_ledger_that_disagrees():
    from revhub.alerts.check import books_alert

    alert = books_alert(compare([e for e in paid() if e.side != "xero"], ledger="quickbooks"))
    assert alert.text.startswith("Stripe, QuickBooks and the store disagree.") and "none in quickbooks" in alert.text
