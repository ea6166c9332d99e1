"""Every field stripe-python's resource classes declare, present as Stripe sends it.

Fields the sandbox has no behaviour for are sent as Stripe sends them for a plain test-mode
card account: null, an empty object, or the value below. Includable fields (Stripe leaves them
out unless asked with ``expand``) are added by :func:`include` only when asked for; fields that
exist only for Connect platforms are never sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NULLS: dict[str, tuple[str, ...]] = {
    "charge": ("application", "application_fee_amount", "authorization_code", "failure_balance_transaction",
               "level3", "on_behalf_of", "presentment_details", "receipt_email", "receipt_number", "review",
               "shipping", "source", "source_transfer", "statement_descriptor", "statement_descriptor_suffix",
               "transfer", "transfer_data", "transfer_group"),
    "payment_intent": ("allowed_payment_method_types", "customer_account", "excluded_payment_method_types",
                       "hooks", "managed_payments", "payment_details", "payment_method_configuration_details",
                       "payment_record",
                       "presentment_details", "processing", "review", "source", "statement_descriptor_suffix",
                       "transfer_data", "transfer_group"),
    "refund": ("customer_account", "description", "failure_balance_transaction", "failure_reason",
               "instructions_email", "next_action", "pending_reason", "presentment_details"),
    "invoice": ("automatically_finalizes_at", "customer_account", "status_details", "threshold_reason"),
    "customer": ("business_name", "customer_account", "individual_name"),
    "product": ("tax_details",),
}
_VALUES: dict[str, dict[str, Any]] = {
    "charge": {"calculated_statement_descriptor": "REVHUB SANDBOX", "fraud_details": {},
               "radar_options": None},
    "payment_intent": {"payment_method_options": {"card": {"installments": None, "mandate_options": None,
                                                           "network": None, "request_three_d_secure": "automatic"}}},
    "invoice": {"amount_paid_off_stripe": 0},
}
INCLUDABLE: dict[str, frozenset[str]] = {
    "customer": frozenset({"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax", "tax_ids"}),
    "invoice": frozenset({"confirmation_secret", "payments"}),
    "price": frozenset({"currency_options", "tiers"}),
}
CONNECT_ONLY: dict[str, frozenset[str]] = {"event": frozenset({"account", "context"})}


def complete(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Add the declared fields ``obj`` lacks, with the values Stripe sends for them."""
    for name in _NULLS.get(kind, ()):
        obj.setdefault(name, None)
    for name, value in _VALUES.get(kind, {}).items():
        obj.setdefault(name, value)
    return obj


def include(kind: str, name: str, obj: dict[str, Any], store: Any) -> Any:
    """The value of an includable field ``name`` of ``obj`` (asked for with ``expand``)."""
    return _INCLUDED[(kind, name)](obj, store)


def _listing(url: str, data: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


_INCLUDED: dict[tuple[str, str], Callable[[dict[str, Any], Any], Any]] = {
    ("customer", "cash_balance"): lambda c, s: {"object": "cash_balance", "available": None, "customer": c["id"],
                                                "customer_account": None, "livemode": False,
                                                "settings": {"reconciliation_mode": "automatic",
                                                             "using_merchant_default": True}},
    ("customer", "invoice_credit_balance"): lambda c, s: {},
    ("customer", "sources"): lambda c, s: _listing(f"/v1/customers/{c['id']}/sources", []),
    ("customer", "subscriptions"): lambda c, s: _listing(
        f"/v1/customers/{c['id']}/subscriptions",
        [_public(x) for x in s.all("subscription") if x["customer"] == c["id"] and x["status"] != "canceled"]),
    ("customer", "tax"): lambda c, s: {"automatic_tax": "unrecognized_location", "ip_address": None,
                                       "location": None, "provider": "stripe"},
    ("customer", "tax_ids"): lambda c, s: _listing(f"/v1/customers/{c['id']}/tax_ids", []),
    ("invoice", "confirmation_secret"): lambda i, s: None,
    ("invoice", "payments"): lambda i, s: _listing(
        f"/v1/invoices/{i['id']}/payments",
        [_public(x) for x in reversed(s.all("invoice_payment")) if x["invoice"] == i["id"]]),
    ("price", "currency_options"): lambda p, s: {p["currency"]: {
        "custom_unit_amount": None, "tax_behavior": p["tax_behavior"], "unit_amount": p["unit_amount"],
        "unit_amount_decimal": p["unit_amount_decimal"]}},
    ("price", "tiers"): lambda p, s: None,
}
