"""Loading a generated Dataset into the portal (no HTTP), as a HubSpot admin's data would be.

Companies carry the accounts-payable mailbox and tax id in custom properties (``billing_email``,
``tax_id``); each purchase order is a closed-won deal with the PO in custom deal properties and
its lines as line items; the invoice raised against the PO fills ``invoice_number``,
``po_status`` and ``amount_paid``.
"""

from __future__ import annotations

from collections import defaultdict

from revhub.money import to_decimal_string
from revhub.sandbox.dataset import Dataset
from revhub.sandbox.hubspot.store import HubSpotStore

_TITLES = {"billing": "Accounts Payable Manager", "purchasing": "Procurement Lead"}
# The deal's po_status dropdown (internal values); labels are the admin's business.
_STATUS = {"void": "invoice_voided", "uncollectible": "invoiced", "paid": "paid"}


def load(store: HubSpotStore, ds: Dataset) -> None:
    with store.lock:
        companies = {}
        for company in ds.companies:
            companies[company.key] = store.create("companies", {
                "name": company.name, "domain": company.email.split("@", 1)[1], "address": company.street,
                "city": company.city, "state": company.region, "zip": company.postal_code,
                "country": company.country, "lifecyclestage": "customer",
                "billing_email": company.email, "tax_id": company.tax_id}).id
        for person in ds.people:
            contact = store.create("contacts", {"firstname": person.first_name, "lastname": person.last_name,
                                                "email": person.email, "jobtitle": _TITLES.get(person.role)})
            store.associate("contacts", contact.id, "companies", companies[person.company])
        invoices = {inv.po_number: inv for inv in ds.invoices}
        paid: dict[str, int] = defaultdict(int)
        for payment in ds.payments:
            paid[payment.invoice] += payment.amount
        for po in ds.purchase_orders:
            company = ds.company(po.company)
            properties = {
                "dealname": f"{company.short_name} - {po.number}", "dealstage": "closedwon",
                "pipeline": "default", "closedate": f"{po.issue_date.isoformat()}T00:00:00.000Z",
                "amount": to_decimal_string(po.total, po.currency), "deal_currency_code": po.currency,
                "po_number": po.number, "po_status": "received", "po_issue_date": po.issue_date.isoformat(),
                "subscription_start": po.subscription_start.isoformat(),
                "subscription_end": po.subscription_end.isoformat(), "payment_terms": po.payment_terms}
            invoice = invoices.get(po.number)
            if invoice is not None:
                received = paid.get(invoice.number, 0)
                status = _STATUS.get(invoice.status) or ("partially_paid" if received else "invoiced")
                properties.update(invoice_number=invoice.number, po_status=status,
                                  amount_paid=to_decimal_string(received, invoice.currency))
            deal = store.create("deals", properties)
            store.associate("deals", deal.id, "companies", companies[po.company])
            for line in po.lines:
                item = store.create("line_items", {
                    "name": line.description, "hs_sku": line.sku, "description": line.description,
                    "quantity": str(line.quantity), "price": to_decimal_string(line.unit_amount, po.currency),
                    "amount": to_decimal_string(line.amount, po.currency)})
                store.associate("line_items", item.id, "deals", deal.id)
