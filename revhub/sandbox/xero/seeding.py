"""Load a generated ``Dataset`` into one tenant's books through the same handlers the API uses
(so ids, numbers, totals, statuses and webhook events are exactly what API calls would make),
without HTTP.

Mapping: products → Items; companies → Contacts (billing-system name, AP e-mail, tax number,
billing person as first/last name); invoices → AUTHORISED ACCREC invoices whose ``Reference``
is the customer's PO number (voided ones VOIDED); payments → Payments into the Stripe clearing
account 091, capped at the amount due (Xero refuses overpayments); refunds → an AUTHORISED
ACCRECCREDIT credit note refunded in cash (a payment on the credit note). The customer's
purchase orders are not Xero PurchaseOrders (those are supplier-side), so they are not loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from revhub.money import to_decimal, to_minor
from revhub.sandbox.dataset import PRODUCTS, Dataset, unit_price
from revhub.sandbox.xero import contacts, credit_notes, invoices, payments
from revhub.sandbox.xero.ledger import Write

SALES_ACCOUNT = "200"
CLEARING_ACCOUNT = "091"


def _date(value) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=UTC)
    return value.strftime("%Y-%m-%d")


def load(w: Write, ds: Dataset) -> None:
    """Create the data set's records in ``w.books``; raises ``ValidationFailed`` on bad data."""
    for sku, name, _, _ in PRODUCTS:
        if w.books["Items"].by_key("Code", sku) is None:
            contacts.create_item(
                w,
                {
                    "Code": sku,
                    "Name": name[:50],
                    "Description": name,
                    "SalesDetails": {
                        "UnitPrice": to_decimal(unit_price(sku, "USD"), "USD"),
                        "AccountCode": SALES_ACCOUNT,
                    },
                },
            )
    people = {}
    for person in ds.people:
        people.setdefault((person.company, person.role), person)
    contact_ids = {}
    for company in ds.companies:
        billing = people.get((company.key, "billing"))
        element = {
            "Name": company.short_name,
            "EmailAddress": company.email,
            "TaxNumber": company.tax_id,
            "DefaultCurrency": company.currency,
            "Addresses": [
                {
                    "AddressType": "POBOX",
                    "AddressLine1": company.street,
                    "City": company.city,
                    "Region": company.region or "",
                    "PostalCode": company.postal_code,
                    "Country": company.country,
                }
            ],
        }
        if billing is not None:
            element.update(FirstName=billing.first_name, LastName=billing.last_name)
        existing = w.books["Contacts"].by_key("Name", company.short_name)
        record = contacts.update(w, existing, element) if existing else contacts.create(w, element)
        contact_ids[company.key] = record.id
    invoice_ids = {}
    for inv in ds.invoices:
        element = {
            "Type": "ACCREC",
            "InvoiceNumber": inv.number,
            "Reference": inv.po_number,
            "Contact": {"ContactID": contact_ids[inv.company]},
            "CurrencyCode": inv.currency,
            "Date": _date(inv.issue_date),
            "DueDate": _date(inv.due_date),
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "LineItems": [
                {
                    "ItemCode": line.sku,
                    "Description": line.description,
                    "Quantity": line.quantity,
                    "UnitAmount": to_decimal(line.unit_amount, inv.currency),
                    "AccountCode": SALES_ACCOUNT,
                }
                for line in inv.lines
            ],
        }
        record = invoices.create(w, element)
        if inv.status == "void":
            invoices.update(w, record, {"Status": "VOIDED"})
        invoice_ids[inv.number] = record
    payment_by_key = {}
    for pay in ds.payments:
        invoice = invoice_ids[pay.invoice]
        due = to_minor(invoice.data["AmountDue"], invoice.data["CurrencyCode"])
        amount = min(pay.amount, due)
        if amount <= 0 or invoice.data["Status"] != "AUTHORISED":
            continue
        payment_by_key[pay.key] = (
            payments.create(
                w,
                {
                    "Invoice": {"InvoiceID": invoice.id},
                    "Account": {"Code": CLEARING_ACCOUNT},
                    "Date": _date(pay.paid_at),
                    "Amount": to_decimal(amount, invoice.data["CurrencyCode"]),
                    "Reference": pay.processor_id,
                },
            ),
            invoice,
        )
    for refund in ds.refunds:
        if refund.payment not in payment_by_key:
            continue
        _, invoice = payment_by_key[refund.payment]
        currency = invoice.data["CurrencyCode"]
        note = credit_notes.create(
            w,
            {
                "Type": "ACCRECCREDIT",
                "Contact": {"ContactID": invoice.data["Contact"]["ContactID"]},
                "Date": _date(refund.refunded_at),
                "Status": "AUTHORISED",
                "CurrencyCode": currency,
                "Reference": f"Refund {refund.processor_id} of {invoice.data['InvoiceNumber']}",
                "LineAmountTypes": "NoTax",
                "LineItems": [
                    {
                        "Description": f"Refund: {refund.reason}",
                        "Quantity": 1,
                        "UnitAmount": to_decimal(refund.amount, currency),
                        "AccountCode": SALES_ACCOUNT,
                    }
                ],
            },
        )
        payments.create(
            w,
            {
                "CreditNote": {"CreditNoteID": note.id},
                "Account": {"Code": CLEARING_ACCOUNT},
                "Date": _date(refund.refunded_at),
                "Amount": to_decimal(refund.amount, currency),
                "Reference": refund.key,
            },
        )
