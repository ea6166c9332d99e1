"""Each side's records as ledger entries, from payloads in the providers' own shapes (checked
against stripe-python's resource classes and xero-python's models), and the period window."""

from __future__ import annotations

import json
from datetime import date

import pytest
import stripe
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token

from revhub.ledger.sources import PeriodError, month_bounds, read_window
from revhub.ledger.sources_stripe import entries_of
from revhub.ledger.sources_xero import XeroLedgerReader, ledger_accounts, quoted_ids

NOV_5 = 1793880000  # 2026-11-05 14:00 UTC
XERO_NOV_5 = "/Date(1793836800000+0000)/"


def stripe_txn(**fields) -> dict:
    """A balance transaction with only the fields stripe-python's BalanceTransaction declares."""
    txn = {"id": "txn_1", "object": "balance_transaction", "amount": 10_000, "currency": "eur", "fee": 320,
           "net": 9_680, "type": "charge", "created": NOV_5, "status": "available", "reporting_category": "charge",
           "source": {"id": "ch_1", "object": "charge", "amount": 10_000, "amount_captured": 10_000,
                      "currency": "eur", "payment_intent": "pi_1"}, **fields}
    assert set(txn) <= set(stripe.BalanceTransaction.__annotations__)
    return txn


def test_a_charge_is_a_payment_keyed_by_charge_and_intent_and_its_fee_a_fee_of_that_charge():
    payment, fee = entries_of(stripe_txn())
    assert (payment.kind, payment.record_id, payment.currency) == ("payment", "ch_1", "EUR")
    assert payment.amount_minor == 10_000
    assert payment.keys == {"ch_1", "pi_1", "txn_1"} and payment.refs == ("txn_1",)
    assert (fee.kind, fee.record_id, fee.amount_minor, fee.on) == ("fee", "txn_1", 320, date(2026, 11, 5))
    assert "ch_1" in fee.keys


def test_a_charge_settled_in_another_currency_keeps_the_paid_amount_and_books_the_fee_as_settled():
    source = {"id": "ch_2", "object": "charge", "amount": 10_000, "amount_captured": 10_000, "currency": "usd"}
    payment, fee = entries_of(stripe_txn(amount=9_210, currency="eur", fee=297, net=8_913, source=source))
    assert (payment.currency, payment.amount_minor) == ("USD", 10_000)
    assert (fee.currency, fee.amount_minor) == ("EUR", 297)
    assert payment.settled == ("EUR", 9_210)


def test_a_charge_in_a_currency_stripe_counts_in_other_units_is_read_in_iso_minor_units():
    # Stripe holds ISK with two decimals (ISO: none): ISK 2,500 is 250000 in Stripe.
    source = {"id": "ch_3", "object": "charge", "amount": 250_000, "amount_captured": 250_000, "currency": "isk"}
    payment, fee = entries_of(stripe_txn(amount=250_000, currency="isk", fee=4_000, net=246_000, source=source))
    assert (payment.currency, payment.amount_minor) == ("ISK", 2_500)
    assert (fee.currency, fee.amount_minor) == ("ISK", 40)
    assert payment.settled == ("ISK", 2_500)


def test_a_refund_is_a_refund_of_its_own_id_not_merged_with_other_refunds_of_the_charge():
    source = {"id": "re_1", "object": "refund", "amount": 2_500, "currency": "eur", "charge": "ch_1"}
    [refund] = entries_of(stripe_txn(id="txn_r", type="refund", amount=-2_500, fee=0, net=-2_500, source=source))
    assert (refund.kind, refund.record_id, refund.amount_minor) == ("refund", "re_1", 2_500)
    assert refund.keys == {"re_1", "txn_r"}


def test_a_payout_is_a_payout_and_an_adjustment_is_outside_the_check():
    payout = {"id": "po_1", "object": "payout", "amount": 9_680, "currency": "eur"}
    assert set(payout) <= set(stripe.Payout.__annotations__)
    [entry] = entries_of(stripe_txn(id="txn_p", type="payout", amount=-9_680, fee=0, net=-9_680, source=payout))
    assert (entry.kind, entry.record_id, entry.amount_minor) == ("payout", "po_1", 9_680)
    assert entries_of(stripe_txn(type="adjustment")) == []


# -- Xero ---------------------------------------------------------------------------

class _Response:
    def __init__(self, body: dict) -> None:
        self.text = self.data = json.dumps(body)


def xero_shaped(collection: str, *objects: dict) -> dict:
    """``{collection: objects}``, refused unless xero-python's models read it and know every field."""
    body = {collection: list(objects)}
    api = AccountingApi(ApiClient(Configuration(oauth2_token=OAuth2Token()), pool_threads=1))
    parsed = api.api_client.deserialize(_Response(body), collection, api.get_model_finder())
    items = getattr(parsed, next(name for name, key in parsed.attribute_map.items() if key == collection))
    model = type(items[0])
    for obj in objects:
        assert set(obj) <= set(model.attribute_map.values()), set(obj) - set(model.attribute_map.values())
    return body


class RecordedXero:
    """Answers the reader's calls with recorded bodies, as XeroAPI.call returns them (parsed JSON)."""

    def __init__(self, **bodies: dict) -> None:
        self.bodies = bodies

    def call(self, method: str, entity: str | None = None, **params) -> dict:
        if params.get("page", 1) > 1:
            return {}
        return self.bodies.get(method, {})


CLEARING = {"AccountID": "acc-clearing", "Code": "090"}
BANK = {"AccountID": "acc-bank", "Code": "091"}


def reader(**bodies) -> XeroLedgerReader:
    chart = xero_shaped("Accounts", {**CLEARING, "Name": "Stripe", "Type": "BANK", "CurrencyCode": "EUR"},
                        {**BANK, "Name": "Bank", "Type": "BANK", "CurrencyCode": "EUR"})
    return XeroLedgerReader(RecordedXero(get_accounts=chart, **bodies), ledger_accounts({}))


def payment(**fields) -> dict:
    return {"PaymentID": "xp-1", "Date": XERO_NOV_5, "Amount": 100.0, "Reference": "pi_1 (fee 3.20, net 96.80 EUR)",
            "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT", "Account": CLEARING,
            "Invoice": {"InvoiceID": "inv-1", "CurrencyCode": "EUR"}, **fields}


def test_a_xero_payment_into_the_clearing_account_is_stripe_cash_keyed_by_the_quoted_intent():
    [entry] = reader(get_payments=xero_shaped("Payments", payment())).entries(None, None)
    assert (entry.kind, entry.record_id, entry.currency, entry.amount_minor) == ("payment", "xp-1", "EUR", 10_000)
    assert entry.keys == {"pi_1"} and entry.clearing and entry.via_stripe


def test_a_deleted_xero_payment_is_no_cash():
    body = xero_shaped("Payments", payment(Status="DELETED"))
    assert reader(get_payments=body).entries(None, None) == []


def test_a_refund_paid_on_a_credit_note_is_keyed_by_the_note_and_the_stripe_refund_it_quotes():
    note = {"CreditNoteID": "cn-1", "Type": "ACCRECCREDIT", "CurrencyCode": "EUR", "Reference": "Stripe re_1",
            "Status": "PAID", "Date": XERO_NOV_5}
    refund = payment(PaymentID="xp-r", PaymentType="ARCREDITPAYMENT", Amount=25.0, Reference="refund",
                     Invoice=None, CreditNote={"CreditNoteID": "cn-1"})
    del refund["Invoice"]
    [entry] = reader(get_payments=xero_shaped("Payments", refund),
                     get_credit_notes=xero_shaped("CreditNotes", note)).entries(None, None)
    assert (entry.kind, entry.amount_minor, entry.currency) == ("refund", 2_500, "EUR")
    assert entry.keys == {"cn-1", "re_1"} and entry.refs == ("cn-1",)


def bank_transaction(**fields) -> dict:
    return {"BankTransactionID": "bt-1", "Type": "SPEND", "Status": "AUTHORISED", "Date": XERO_NOV_5,
            "CurrencyCode": "EUR", "Total": 3.2, "LineAmountTypes": "NoTax", "BankAccount": CLEARING,
            "Reference": "Stripe fees", "LineItems": [{"AccountCode": "404", "LineAmount": 3.2,
                                                        "Description": "fee of ch_1"}], **fields}


def test_money_spent_to_the_fee_account_is_a_fee_keyed_by_the_charge_it_names():
    [fee] = reader(get_bank_transactions=xero_shaped("BankTransactions", bank_transaction())).entries(None, None)
    assert (fee.kind, fee.record_id, fee.amount_minor, fee.clearing) == ("fee", "bt-1", 320, True)
    assert fee.keys == {"ch_1"}


def test_money_spent_to_another_account_is_not_a_fee():
    other = bank_transaction(LineItems=[{"AccountCode": "429", "LineAmount": 3.2}])
    assert reader(get_bank_transactions=xero_shaped("BankTransactions", other)).entries(None, None) == []


def test_an_overpayment_received_is_cash_in():
    over = bank_transaction(Type="RECEIVE-OVERPAYMENT", Total=50.0, OverpaymentID="op-1", Reference="pi_1",
                            LineItems=[{"AccountCode": "610", "LineAmount": 50.0}])
    [entry] = reader(get_bank_transactions=xero_shaped("BankTransactions", over)).entries(None, None)
    assert (entry.kind, entry.amount_minor) == ("payment", 5_000)
    assert entry.keys == {"pi_1", "op-1"}


def test_a_transfer_out_of_the_clearing_account_is_a_payout_and_one_between_other_accounts_is_not():
    payout = {"BankTransferID": "tr-1", "FromBankAccount": CLEARING, "ToBankAccount": BANK, "Amount": 96.8,
              "Date": XERO_NOV_5, "Reference": "Stripe payout po_1"}
    other = {**payout, "BankTransferID": "tr-2", "FromBankAccount": BANK, "ToBankAccount": CLEARING}
    entries = reader(get_bank_transfers=xero_shaped("BankTransfers", payout, other)).entries(None, None)
    assert [(e.kind, e.record_id, e.currency, e.amount_minor, e.keys) for e in entries] == [
        ("payout", "tr-1", "EUR", 9_680, {"po_1"})]


def test_the_ledger_accounts_come_from_the_connection_settings_with_defaults():
    assert ledger_accounts({}) == ledger_accounts({"clearing_account_code": "090", "fee_account_code": "404"})
    chosen = ledger_accounts({"fee_treatment": "per_charge", "clearing_account_code": "091",
                              "fee_account_code": "405", "bank_account_code": "090"})
    assert (chosen.clearing, chosen.fee, chosen.bank) == ("091", "405", "090")


def test_stripe_ids_and_revhub_record_ids_are_found_in_free_text():
    text = "revhub refund 01a21d88-49ee-7f71-b501-cc07ab4a5f9c of ch_3Ab9 (txn_77)"
    assert quoted_ids(text, None) == {"01a21d88-49ee-7f71-b501-cc07ab4a5f9c", "ch_3Ab9", "txn_77"}


def test_a_period_is_a_calendar_month_read_with_a_margin_either_side():
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    assert read_window("2026-11") == (date(2026, 10, 25), date(2026, 12, 8))
    assert read_window(None) == (None, None)
    with pytest.raises(PeriodError):
        month_bounds("2026-13")


def test_a_payout_on_its_way_to_the_bank_is_under_way_and_a_failed_one_comes_back():
    sent = {"id": "po_2", "object": "payout", "amount": 5_000, "currency": "eur", "status": "in_transit"}
    [entry] = entries_of(stripe_txn(id="txn_p2", type="payout", amount=-5_000, fee=0, net=-5_000, source=sent))
    assert entry.under_way
    failed = {**sent, "status": "failed"}
    [back] = entries_of(stripe_txn(id="txn_f", type="payout_failure", amount=5_000, fee=0, net=5_000, source=failed))
    assert (back.kind, back.record_id, back.amount_minor, back.under_way) == ("payout", "po_2", -5_000, False)


def test_a_foreign_overpayment_moves_the_clearing_account_its_total_over_the_currency_rate():
    # https://developer.xero.com/documentation/api/accounting/banktransactions (CurrencyRate:
    # units of the transaction's currency per one of the base currency)
    over = bank_transaction(Type="RECEIVE-OVERPAYMENT", CurrencyCode="JPY", Total=5000.0, CurrencyRate=163.9,
                            OverpaymentID="op-1", Reference="pi_1", LineItems=[{"LineAmount": 5000.0}])
    [entry] = reader(get_bank_transactions=xero_shaped("BankTransactions", over)).entries(None, None)
    assert (entry.currency, entry.amount_minor) == ("JPY", 5_000)
    assert entry.settled == ("EUR", 3_051)  # 5000 / 163.9 = 30.506… → 30.51
