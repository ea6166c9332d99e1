"""Load a generated ``Dataset`` into one tenant's books through the same handlers the API uses
(so ids, numbers, totals, statuses and webhook events are exactly what API calls would make),
without HTTP.

Mapping: products → Items; companies → Contacts (billing-system name, AP e-mail, tax number,
billing person as first/last name); invoices → AUTHORISED ACCREC invoices whose ``Reference``
is the customer's PO number (voided ones VOIDED); Stripe charges → Payments into the Stripe
clearing account 091 up to the amount due, any excess a RECEIVE-OVERPAYMENT (customer credit),
both at the rate Stripe realised when it converted the charge into EUR, so the clearing account
moved as Stripe's balance did; refunds → an AUTHORISED ACCRECCREDIT credit note refunded in cash
from 091 (a payment on the credit note). This is what the hub itself books for a charge.
Stripe's fees and payouts are not seeded: Stripe alone holds them (its balance transactions), and
the hub books them from there under the connection's fee treatment, as it would for a company
connecting revhub to books whose payments an earlier feed had recorded. The customer's purchase
orders are not Xero PurchaseOrders (those are supplier-side), so they are not loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from revhub.ledger.fx import part_rates, realised_rate
from revhub.money import to_decimal, to_minor
from revhub.sandbox.dataset import PRODUCTS, Dataset, Settlement, unit_price
from revhub.sandbox.xero import bank_transactions, contacts, credit_notes, invoices, payments
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

SALES_ACCOUNT = "200"
# The chart's accounts (accounts.DEFAULT_CHART) the Stripe money moves through; the hub's Xero
# connection books with the same ones (sandbox.launch.XERO_LEDGER_SETTINGS).
CLEARING_ACCOUNT, BANK_ACCOUNT, FEE_ACCOUNT = "091", "090", "404"


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
    payments_by_key = {pay.key: _payment(w, pay, invoice_ids[pay.invoice]) for pay in ds.payments}
    for refund in ds.refunds:
        if payments_by_key.get(refund.payment) is not None:
            _refund(w, refund, payments_by_key[refund.payment])


def currency_rate(presented: int, currency: str, settled: Settlement) -> Decimal | None:
    """Xero's ``CurrencyRate`` (units of ``currency`` per one unit of the settlement currency)
    for the rate Stripe realised, so the clearing account moves by exactly what Stripe settled;
    None when Stripe did not convert."""
    return realised_rate(presented, currency, abs(settled.amount), settled.currency)


def _rated(element: dict, rate: Decimal | None) -> dict:
    return {**element, "CurrencyRate": rate} if rate is not None else element


def _payment(w: Write, pay, invoice) -> Record | None:
    """A Stripe charge as a Stripe-to-Xero feed books it: what the invoice owes paid into the
    clearing account, any excess held as the customer's credit (a RECEIVE-OVERPAYMENT)."""
    if invoice.data["Status"] != "AUTHORISED":
        return None  # Stripe takes no payment on a void or paid invoice either
    currency = invoice.data["CurrencyCode"]
    due = to_minor(invoice.data["AmountDue"], currency)
    applied, excess = min(pay.amount, due), max(0, pay.amount - due)
    # Each part at the rate realised on its share of what Stripe settled: together they move
    # the clearing account by exactly that.
    applied_rate, excess_rate = part_rates([applied, excess], currency, pay.settled.amount, pay.settled.currency)
    if excess:
        bank_transactions.create(w, _rated({
            "Type": "RECEIVE-OVERPAYMENT", "Contact": {"ContactID": invoice.data["Contact"]["ContactID"]},
            "BankAccount": {"Code": CLEARING_ACCOUNT}, "Date": _date(pay.paid_at), "CurrencyCode": currency,
            "LineAmountTypes": "NoTax", "Reference": f"{pay.processor_id} overpayment",
            "LineItems": [{"Description": f"Overpayment on {invoice.data['InvoiceNumber']}",
                           "LineAmount": to_decimal(excess, currency)}]}, excess_rate))
    if applied <= 0:
        return None
    payments.create(w, _rated({"Invoice": {"InvoiceID": invoice.id}, "Account": {"Code": CLEARING_ACCOUNT},
                               "Date": _date(pay.paid_at), "Amount": to_decimal(applied, currency),
                               "Reference": pay.processor_id}, applied_rate))
    return invoice


def _refund(w: Write, refund, invoice: Record) -> None:
    """A Stripe refund: a credit note quoting the refund id, refunded in cash from the clearing account."""
    currency = invoice.data["CurrencyCode"]
    note = credit_notes.create(w, {
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": invoice.data["Contact"]["ContactID"]},
        "Date": _date(refund.refunded_at), "Status": "AUTHORISED", "CurrencyCode": currency,
        "Reference": f"Refund {refund.processor_id} of {invoice.data['InvoiceNumber']}",
        "LineAmountTypes": "NoTax",
        "LineItems": [{"Description": f"Refund: {refund.reason}", "Quantity": 1,
                       "UnitAmount": to_decimal(refund.amount, currency), "AccountCode": SALES_ACCOUNT}]})
    payments.create(w, _rated({"CreditNote": {"CreditNoteID": note.id}, "Account": {"Code": CLEARING_ACCOUNT},
                               "Date": _date(refund.refunded_at), "Amount": to_decimal(refund.amount, currency),
                               "Reference": refund.key}, currency_rate(refund.amount, currency, refund.settled)))
