"""Field ownership: which system wins when two systems changed the same field.

A policy is a provider name (that system owns the field) or ``"ask"`` (an admin decides).
There is deliberately no "latest wins": arrival order is not evidence of who is right.
Connections may override entries with ``settings["policies"] = {"customer.email": "xero"}``.
"""

from __future__ import annotations

from collections.abc import Mapping

ASK = "ask"

DEFAULT_POLICIES: dict[str, str] = {
    # The CRM is where account managers keep a company's identity.
    "customer.name": "salesforce",
    "customer.billing_line1": "salesforce",
    "customer.billing_line2": "salesforce",
    "customer.billing_city": "salesforce",
    "customer.billing_region": "salesforce",
    "customer.billing_postal_code": "salesforce",
    "customer.billing_country": "salesforce",
    "customer.default_payment_terms": "salesforce",
    "customer.credit_limit_minor": "salesforce",
    # Accounting owns tax registration; the billing mailbox is for a person to settle.
    "customer.tax_id": "xero",
    "customer.email": ASK,
    "contact.name": "salesforce",
    "contact.role": "salesforce",
    "product.name": "salesforce",
    "product.unit_amount_minor": "stripe",
    # POs are entered in the CRM (or revhub's intake, which writes there); their workflow
    # (approval, invoicing, payment) is revhub's.
    "purchase_order.status": "revhub",
    "purchase_order.*": "salesforce",
    "invoice.purchase_order_id": "revhub",
    # Money movement is known first by the payment provider.
    "invoice.status": "stripe",
    "invoice.amount_paid_minor": "stripe",
    "invoice.amount_due_minor": "stripe",
    "invoice.*": "stripe",
    "payment.*": "stripe",
    "refund.*": "stripe",
    "subscription.*": "stripe",
}


# A second provider of a kind takes the first one's place in the defaults: with HubSpot as the
# CRM, what they give Salesforce is HubSpot's (connection overrides may still name either).
SAME_KIND: dict[str, str] = {"hubspot": "salesforce"}


def owns(policy: str, provider: str) -> bool:
    """Whether a field under ``policy`` belongs to ``provider``."""
    return policy == provider or SAME_KIND.get(provider) == policy


def owner(entity: str, field: str, overrides: Mapping[str, str] | None = None) -> str:
    """The policy for ``entity.field``: a provider name or ``"ask"``."""
    key, wildcard = f"{entity}.{field}", f"{entity}.*"
    for table in (overrides or {}, DEFAULT_POLICIES):
        if key in table:
            return table[key]
        if wildcard in table:
            return table[wildcard]
    return ASK
