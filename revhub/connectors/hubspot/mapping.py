"""HubSpot's default field tables: each field once, read from HubSpot and written back.

The PO is a set of custom deal properties (a "Purchase order" group an admin adds), not a
custom object: a deal already is the CRM's record of the sale, with its company and line
items associated, and custom objects need an Enterprise portal. ``po_status`` is a dropdown
whose internal values are revhub's PO states, so it reads as plain text.
"""

from __future__ import annotations

from revhub.mappings.tables import FieldMapping


def _table(rows: str) -> tuple[FieldMapping, ...]:
    return tuple(FieldMapping(*row.split()) for row in rows.strip().splitlines())


COMPANY = _table("""
    name                    name                 text
    email                   billing_email        text
    tax_id                  tax_id               text
    billing_line1           address              text
    billing_line2           address2             text
    billing_city            city                 text
    billing_region          state                text
    billing_postal_code     zip                  text
    billing_country         country              text
""")
DEAL = _table("""
    po_number               po_number            text
    issue_date              po_issue_date        iso_date
    currency                deal_currency_code   text
    total_minor             amount               money_decimal
    subscription_start      subscription_start   iso_date
    subscription_end        subscription_end     iso_date
    payment_terms           payment_terms        text
    status                  po_status            text
""")
# What an invoice raised against the PO writes onto the deal.
DEAL_INVOICE = _table("""
    number                  invoice_number       text
    amount_paid_minor       amount_paid          money_decimal
""")

COMPANY_PROPERTIES = [m.path for m in COMPANY]
CONTACT_PROPERTIES = ["firstname", "lastname", "email", "jobtitle"]
DEAL_PROPERTIES = [m.path for m in DEAL] + ["dealname", "revhub_id", "invoice_number", "amount_paid"]
LINE_PROPERTIES = ["name", "hs_sku", "description", "quantity", "price", "amount", "tax_code", "tax_amount"]
