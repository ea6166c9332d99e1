"""QBO objects as the API answers them → canonical records (pure functions)."""

from __future__ import annotations

from decimal import Decimal

from revhub.connectors.base import Ref
from revhub.connectors.quickbooks import normalize

INVOICE = {
    "Id": "130", "SyncToken": "2", "DocNumber": "INV-1001", "TxnDate": "2026-10-01", "DueDate": "2026-10-31",
    "CurrencyRef": {"value": "EUR"}, "CustomerRef": {"value": "58", "name": "Acme"},
    "CustomField": [{"DefinitionId": "2", "Name": "Project", "Type": "StringType", "StringValue": "X"},
                    {"DefinitionId": "1", "Name": "PO Number", "Type": "StringType", "StringValue": "PO-9"}],
    "GlobalTaxCalculation": "TaxExcluded", "TotalAmt": 121.0, "Balance": 21.0,
    "TxnTaxDetail": {"TotalTax": 21},
    "MetaData": {"CreateTime": "2026-10-01T09:00:00-07:00", "LastUpdatedTime": "2026-10-02T09:00:00-07:00"},
    "Line": [{"Id": "1", "Amount": 100.0, "Description": "Seats", "DetailType": "SalesItemLineDetail",
              "SalesItemLineDetail": {"ItemRef": {"value": "7"}, "Qty": 4, "UnitPrice": 25,
                                      "TaxCodeRef": {"value": "6"}}},
             {"Amount": 100.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}],
}


def test_an_invoice_with_its_po_custom_field_tax_and_balance():
    record = normalize.invoice(INVOICE, {"6": "NL_VAT_21"}, {"6": Decimal(21)})
    assert record["po_number"] == "PO-9" and record["customer_id"] == Ref("customer", "58")
    assert (record["subtotal_minor"], record["tax_minor"], record["total_minor"]) == (10000, 2100, 12100)
    assert (record["amount_paid_minor"], record["amount_due_minor"], record["status"]) == (10000, 2100, "open")
    assert record["lines"] == [{"description": "Seats", "quantity": 4, "unit_amount_minor": 2500,
                                "amount_minor": 10000, "product_id": Ref("product", "7"), "tax_code": "NL_VAT_21",
                                "tax_minor": 2100}]  # the subtotal line is not a line of the invoice


def test_another_po_field_voided_and_paid_invoices():
    assert normalize.invoice(INVOICE, po_field_id="2")["po_number"] == "X"
    voided = {**INVOICE, "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"}
    assert normalize.invoice(voided)["status"] == "void"
    assert normalize.invoice({**INVOICE, "Balance": 0})["status"] == "paid"


def test_versions_order_by_time_then_sync_token_and_a_tombstone_comes_last():
    later_edit = {**INVOICE, "SyncToken": "3"}
    tombstone = {"Id": "130", "status": "Deleted", "MetaData": INVOICE["MetaData"]}
    assert normalize.version(INVOICE) < normalize.version(later_edit) < normalize.version(tombstone)
    # The company's offset is honoured: 09:00-07:00 is 16:00 UTC.
    assert normalize.updated_at(INVOICE).isoformat() == "2026-10-02T16:00:00+00:00"


def test_deletes_are_tombstones_and_inactive_lists():
    assert normalize.is_deleted("invoice", {"status": "Deleted"})
    assert normalize.is_deleted("customer", {"Active": False}) and normalize.is_deleted("product", {"Active": False})
    assert not normalize.is_deleted("invoice", {"Active": False})


def test_a_payment_allocates_to_invoices_only_and_quotes_the_processor_id():
    payment = {"TotalAmt": 150, "CurrencyRef": {"value": "JPY"}, "CustomerRef": {"value": "58"},
               "TxnDate": "2026-10-05", "PrivateNote": "Stripe pi_3AbC revhub",
               "Line": [{"Amount": 100, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
                        {"Amount": 50, "LinkedTxn": [{"TxnId": "140", "TxnType": "CreditMemo"}]}]}
    record = normalize.payment(payment)
    assert (record["amount_minor"], record["reference"], record["received_at"]) == (
        150, "pi_3AbC", "2026-10-05T00:00:00+00:00")
    assert record["allocations"] == [{"invoice_id": Ref("invoice", "130"), "amount_minor": 100}]


def test_a_credit_memo_quotes_the_refund_id():
    memo = {"TotalAmt": 75.5, "CurrencyRef": {"value": "USD"}, "TxnDate": "2026-10-06",
            "PrivateNote": "Refund re_9xY of INV-1001"}
    record = normalize.refund(memo)
    assert (record["amount_minor"], record["reference"], record["kind"]) == (7550, "re_9xY", "credit_note")


def test_a_cloudevent_time_in_nanoseconds_is_read():
    from revhub.connectors.quickbooks.connector import _event_time

    assert _event_time("2026-11-01T10:00:00.123456789Z").isoformat() == "2026-11-01T10:00:00.123456+00:00"
    assert _event_time("2026-11-01T10:00:00Z").isoformat() == "2026-11-01T10:00:00+00:00"
