"""Where a linked record lives in its provider's own UI.

Stripe: https://dashboard.stripe.com/{test/}<kind>/<id> (test mode unless the connection's
``livemode`` setting says otherwise: revhub never reads the API key to guess).
Xero: the go.xero.com pages for contacts, invoices and credit notes.
Salesforce: Lightning record pages on the connection's ``instance_url``.
A record kind a provider has no stable page for gets no link rather than a wrong one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

_STRIPE_KIND = {"customer": "customers", "product": "products", "invoice": "invoices",
                "payment": "payments", "refund": "refunds", "subscription": "subscriptions",
                "payout": "payouts"}
_XERO_PAGE = {"customer": "https://go.xero.com/Contacts/View/{id}",
              "invoice": "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={id}",
              "refund": "https://go.xero.com/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}"}
_SALESFORCE_OBJECT = {"customer": "Account", "contact": "Contact", "product": "Product2",
                      "purchase_order": "Purchase_Order__c"}


def provider_url(provider: str, settings: dict[str, Any] | None, entity: str, external_id: str) -> str | None:
    """The provider UI page of ``external_id`` (an ``entity`` record), or None if there is none."""
    settings = settings or {}
    ident = quote(external_id, safe="")
    if provider == "stripe" and entity in _STRIPE_KIND:
        mode = "" if settings.get("livemode") is True else "test/"
        return f"https://dashboard.stripe.com/{mode}{_STRIPE_KIND[entity]}/{ident}"
    if provider == "xero" and entity in _XERO_PAGE:
        return _XERO_PAGE[entity].format(id=ident)
    if provider == "salesforce" and entity in _SALESFORCE_OBJECT:
        instance = str(settings.get("instance_url") or "").rstrip("/")
        if not instance.startswith("https://"):
            return None  # a sandbox on plain http, or none configured: no page to open
        return f"{instance}/lightning/r/{_SALESFORCE_OBJECT[entity]}/{ident}/view"
    return None
