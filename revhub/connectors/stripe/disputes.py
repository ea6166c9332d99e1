"""Stripe disputes → canonical disputes (pure), and the reads that link one to its customer
and invoice: the dispute names only its charge and payment intent.
https://docs.stripe.com/api/disputes/object
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revhub.connectors.base import Change, Ref
from revhub.connectors.stripe.normalize import iso_datetime
from revhub.currency_rules import stripe_minor

PAGE_LIMIT = 100

STATUSES = {"warning_needs_response": "open", "needs_response": "open", "warning_under_review": "under_review",
            "under_review": "under_review", "appeal_needs_response": "under_review",
            "appeal_under_review": "under_review", "won": "won", "lost": "lost", "warning_closed": "closed",
            "prevented": "closed"}
RANKS = {"warning_needs_response": 0, "needs_response": 0, "warning_under_review": 1, "under_review": 1,
         "appeal_needs_response": 1, "appeal_under_review": 1, "won": 2, "lost": 2, "warning_closed": 2,
         "prevented": 2}


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def dispute(obj: dict[str, Any], charge: dict[str, Any] | None = None, invoice: str | None = None,
            closed_at: int | None = None) -> dict[str, Any]:
    """A Stripe dispute in ISO minor units; its balance movements in their settlement currency.
    ``charge`` (the disputed charge) gives the customer, ``invoice`` the invoice it paid,
    ``closed_at`` when the dispute was seen to close (an event's time)."""
    currency = (obj.get("currency") or "").upper()
    status = STATUSES.get(obj.get("status") or "", "open")
    charge = charge if isinstance(charge, dict) else obj.get("charge") if isinstance(obj.get("charge"), dict) else None
    due_by = (obj.get("evidence_details") or {}).get("due_by")
    record: dict[str, Any] = {
        "reference": obj["id"],
        "payment_id": Ref("payment", _id(obj.get("charge"))) if obj.get("charge") else None,
        "amount_minor": stripe_minor(obj.get("amount") or 0, currency),
        "currency": currency,
        "reason": obj.get("reason"),
        "status": status,
        "evidence_due_by": iso_datetime(due_by) if due_by else None,
        "opened_at": iso_datetime(obj.get("created")),
        **movements(obj.get("balance_transactions") or []),
    }
    if charge is not None and charge.get("customer"):
        record["customer_id"] = Ref("customer", _id(charge["customer"]))
    if invoice:
        record["invoice_id"] = Ref("invoice", invoice)
    if closed_at is not None and status in ("won", "lost", "closed"):
        record["closed_at"] = iso_datetime(closed_at)
    return record


def movements(txns: list[dict[str, Any]]) -> dict[str, Any]:
    """Withdrawn and reinstated, the fee charged and the fee given back, from the dispute's
    balance transactions (in their settlement currency, ISO minor units)."""
    txns = [t for t in txns if isinstance(t, dict) and t.get("currency")]
    if not txns:
        return {}
    currency = txns[0]["currency"].upper()

    def total(values) -> int:
        return stripe_minor(sum(values), currency)

    return {"settled_currency": currency,
            "withdrawn_minor": total(-t["amount"] for t in txns if t["amount"] < 0),
            "reinstated_minor": total(t["amount"] for t in txns if t["amount"] > 0),
            "fee_minor": total(t.get("fee") or 0 for t in txns if (t.get("fee") or 0) > 0),
            "fee_returned_minor": total(-(t.get("fee") or 0) for t in txns if (t.get("fee") or 0) < 0)}


def version_rank(obj: dict[str, Any]) -> int:
    return RANKS.get(obj.get("status") or "", 0)


def changes(api: Any, objects: list[dict[str, Any]], version_of: Callable[[dict], str],
            seen_at: dict[int, int]) -> list[Change]:
    """Disputes as canonical changes, with their customer (from the charge) and invoice (from
    the charge's invoice payment): a dispute names neither. Disputes are few, so one read each
    where the charge is not expanded (events), and one invoice-payment read per intent.
    https://docs.stripe.com/api/charges/retrieve, https://docs.stripe.com/api/invoice-payment/list"""
    charges: dict[str, dict[str, Any]] = {}
    for obj in objects:
        charge = obj.get("charge")
        if isinstance(charge, dict):
            charges[charge["id"]] = charge
        elif charge and charge not in charges:
            charges[charge] = api.get(f"/v1/charges/{charge}", "dispute")
    invoices: dict[str, str] = {}
    for intent in {o.get("payment_intent") for o in objects if isinstance(o.get("payment_intent"), str)}:
        body = api.get("/v1/invoice_payments", "dispute", limit=PAGE_LIMIT,
                       payment={"type": "payment_intent", "payment_intent": intent})
        paid = [p["invoice"] for p in body["data"] if p.get("status") == "paid"]
        if paid:
            invoices[intent] = paid[0]
    out = []
    for obj in objects:
        record = dispute(obj, charges.get(_id(obj.get("charge")) or ""), invoices.get(obj.get("payment_intent") or ""),
                         seen_at.get(id(obj)))
        out.append(Change("dispute", obj["id"], version_of(obj), record, changed_at=iso_datetime(obj.get("created"))))
    return out
