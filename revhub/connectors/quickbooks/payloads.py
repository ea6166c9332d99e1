"""QBO bodies for revhub's writes: customers, invoices (PO number in a custom field, tax through
TaxCodes), payments applied to invoices, and refunds as credit memos or refund receipts.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
"""

from __future__ import annotations

from typing import Any

from revhub.connectors.errors import ConfigError
from revhub.mappings.writes import WriteItem
from revhub.money import to_decimal


def _number(value: int, currency: str) -> float | int:
    amount = to_decimal(value, currency)
    return int(amount) if amount == amount.to_integral_value() else float(amount)



class QuickBooksPayloads:
    """Needs ``po_field_id``, ``tax_codes``, ``deposit_account`` and ``refund_document``."""

    po_field_id: str
    tax_codes: dict[str, str]
    deposit_account: str | None
    refund_document: str

    def _customer(self, record: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"DisplayName": record.get("name")}
        if record.get("email"):
            body["PrimaryEmailAddr"] = {"Address": record["email"]}
        if record.get("default_currency"):
            body["CurrencyRef"] = {"value": record["default_currency"]}
        address = {k: record.get(f"billing_{f}") for k, f in (("Line1", "line1"), ("Line2", "line2"),
                   ("City", "city"), ("CountrySubDivisionCode", "region"), ("PostalCode", "postal_code"),
                   ("Country", "country"))}
        if any(address.values()):
            body["BillAddr"] = {k: v for k, v in address.items() if v}
        return body

    def _invoice(self, item: WriteItem, customer_id: str) -> dict[str, Any]:
        record = item.record
        currency = record["currency"]
        lines = record.get("lines") or ()
        taxed = any(line.get("tax_code") for line in lines)
        body: dict[str, Any] = {
            "DocNumber": record.get("number"), "TxnDate": record.get("issue_date"), "DueDate": record.get("due_date"),
            "CurrencyRef": {"value": currency}, "CustomerRef": {"value": customer_id},
            "GlobalTaxCalculation": ("TaxInclusive" if record.get("amounts_include_tax") else "TaxExcluded")
            if taxed else "NotApplicable",
            "Line": [self._line(line, currency) for line in lines]}
        if record.get("po_number"):
            body["CustomField"] = [{"DefinitionId": self.po_field_id, "Type": "StringType",
                                    "StringValue": record["po_number"]}]
        return {k: v for k, v in body.items() if v is not None}

    def _line(self, line: dict[str, Any], currency: str) -> dict[str, Any]:
        detail: dict[str, Any] = {"Qty": line.get("quantity") or 1,
                                  "UnitPrice": _number(line.get("unit_amount_minor") or 0, currency)}
        if line.get("product_external_id"):
            detail["ItemRef"] = {"value": line["product_external_id"]}
        code = line.get("tax_code")
        if code:
            if code not in self.tax_codes:
                raise ConfigError(f"tax code {code} has no QuickBooks TaxCode in setting tax_codes",
                                  provider="quickbooks", entity="invoice")
            detail["TaxCodeRef"] = {"value": self.tax_codes[code]}
        return {"DetailType": "SalesItemLineDetail", "Description": line.get("description") or "Item",
                "Amount": _number(line.get("amount_minor") or 0, currency), "SalesItemLineDetail": detail}

    def _payment(self, item: WriteItem, applied: list[tuple[str, int]] | None = None) -> dict[str, Any]:
        """A payment applied to its invoices; ``applied`` (invoice id, minor units) when capped at what
        the invoices still owe in QBO: an over-payment's excess stays unapplied, the customer's credit."""
        record = item.record
        currency = record["currency"]
        if applied is None:
            applied = [(a["invoice_external_id"], a["amount_minor"]) for a in record.get("allocations") or ()]
        lines = [{"Amount": _number(amount, currency), "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}
                 for invoice_id, amount in applied if amount]
        body = {"CustomerRef": {"value": item.refs.get("customer")}, "CurrencyRef": {"value": currency},
                "TotalAmt": _number(record["amount_minor"], currency), "TxnDate": (record.get("received_at") or "")[:10]
                or None, "Line": lines,
                # PaymentRefNum holds 21 characters: the processor's id goes in the private note.
                "PrivateNote": f"{record.get('reference') or ''} revhub payment {item.record_id}".strip()}
        if self.deposit_account:
            body["DepositToAccountRef"] = {"value": str(self.deposit_account)}
        return {k: v for k, v in body.items() if v is not None}

    def _credit_memo(self, item: WriteItem, customer_id: str) -> dict[str, Any]:
        record = item.record
        currency = record["currency"]
        note = f"Refund {record.get('reference') or ''} revhub refund {item.record_id}".replace("  ", " ")
        return {"CustomerRef": {"value": customer_id}, "CurrencyRef": {"value": currency},
                "TxnDate": (record.get("issued_at") or "")[:10] or None, "PrivateNote": note[:4000],
                "GlobalTaxCalculation": "NotApplicable",
                "Line": [{"DetailType": "SalesItemLineDetail", "Description": record.get("reason") or "Refund",
                          "Amount": _number(record["amount_minor"], currency),
                          "SalesItemLineDetail": {"Qty": 1, "UnitPrice": _number(record["amount_minor"], currency)}}]}

    def _refund_body(self, item: WriteItem, customer_id: str) -> dict[str, Any]:
        body = self._credit_memo(item, customer_id)
        if self.refund_document == "RefundReceipt":
            body["DepositToAccountRef"] = {"value": str(self.deposit_account)}
        return body
