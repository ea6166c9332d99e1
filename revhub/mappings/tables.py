"""Default field mappings, one table per provider and entity: each field described once and
used both to read the provider's records and to write canonical records back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldMapping:
    field: str        # canonical field
    path: str         # provider field, dotted for nesting ("Contact.ContactID")
    transform: str    # a name in revhub.mappings.transforms.TRANSFORMS
    line: int = 0     # where an override file defined it (0: shipped default)


def _table(rows: str) -> tuple[FieldMapping, ...]:
    out = []
    for row in rows.strip().splitlines():
        field, path, transform = row.split()
        out.append(FieldMapping(field, path, transform))
    return tuple(out)


DEFAULTS: dict[tuple[str, str], tuple[FieldMapping, ...]] = {
    ("xero", "customer"): _table("""
        name                    Name                     text
        email                   EmailAddress             text
        tax_id                  TaxNumber                text
        default_currency        DefaultCurrency          text
    """),
    ("xero", "invoice"): _table("""
        number                  InvoiceNumber            text
        po_number               Reference                text
        issue_date              Date                     xero_date
        due_date                DueDate                  xero_date
        currency                CurrencyCode             text
        subtotal_minor          SubTotal                 money_decimal
        tax_minor               TotalTax                 money_decimal
        total_minor             Total                    money_decimal
        amount_paid_minor       AmountPaid               money_decimal
        amount_due_minor        AmountDue                money_decimal
        status                  Status                   xero_invoice_status
    """),
    ("xero", "payment"): _table("""
        amount_minor            Amount                   money_decimal
        reference               Reference                text
    """),
    ("stripe", "customer"): _table("""
        name                    name                     text
        email                   email                    text
    """),
    ("stripe", "invoice"): _table("""
        currency                currency                 lower_currency
        po_number               metadata.po_number       text
    """),
    ("salesforce", "customer"): _table("""
        name                    Name                     text
        email                   Billing_Email__c         text
        tax_id                  Tax_Id__c                text
        billing_city            BillingCity              text
        billing_region          BillingState             text
        billing_postal_code     BillingPostalCode        text
        billing_country         BillingCountry           text
    """),
    ("salesforce", "purchase_order"): _table("""
        po_number               PO_Number__c             text
        issue_date              Issue_Date__c            iso_date
        currency                CurrencyIsoCode          text
        total_minor             Amount__c                money_decimal
        subscription_start      Subscription_Start__c    iso_date
        subscription_end        Subscription_End__c      iso_date
        payment_terms           Payment_Terms__c         text
        status                  Status__c                salesforce_po_status
    """),
    ("salesforce", "invoice"): _table("""
        number                  Invoice_Number__c        text
        amount_paid_minor       Amount_Paid__c           money_decimal
    """),
}
