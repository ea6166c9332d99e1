"""Stripe balance transactions and payouts → canonical fees and payouts. Pure functions.

A fee is read from the balance transaction in that transaction's own currency: Stripe settles
a charge in the account's settlement currency (a USD charge on a EUR account settles in EUR,
its fee in EUR), so the charge's currency says nothing about the fee's.
https://docs.stripe.com/api/balance_transactions/object
"""

from __future__ import annotations

from typing import Any

from revhub.connectors.base import Ref
from revhub.connectors.stripe.normalize import iso_date, iso_datetime, stripe_minor

# Balance transactions that carry a processing fee on money received.
FEE_TYPES = ("charge", "payment")


def has_fee(txn: dict[str, Any]) -> bool:
    """Whether ``txn`` is a charge's transaction with a processing fee to book."""
    return txn.get("type") in FEE_TYPES and bool(txn.get("fee"))


def fee(txn: dict[str, Any]) -> dict[str, Any]:
    """The processing fee of one charge, in the settlement currency (ISO minor units)."""
    source = txn.get("source")
    currency = (txn.get("currency") or "").upper() or None
    return {
        "reference": txn["id"],
        "payment_id": Ref("payment", source.get("id") if isinstance(source, dict) else source) if source else None,
        "amount_minor": _minor(txn.get("fee") or 0, currency),
        "currency": currency,
        "incurred_at": iso_datetime(txn.get("created")),
    }


def payout(obj: dict[str, Any], settled: list[dict[str, Any]]) -> dict[str, Any]:
    """A payout, with the fees of the transactions it settled (``settled``, from
    ``GET /v1/balance_transactions?payout=``; the payout's own transaction is not a fee).
    Amounts in ISO minor units; the settled transactions are in the payout's currency."""
    currency = (obj.get("currency") or "").upper() or None
    return {
        "reference": obj["id"],
        "amount_minor": _minor(obj.get("amount") or 0, currency),
        "fee_minor": _minor(sum(t.get("fee") or 0 for t in settled if t.get("type") != "payout"), currency),
        "currency": currency,
        "status": obj.get("status") or "pending",
        "initiated_at": iso_datetime(obj.get("created")),
        "arrival_date": iso_date(obj.get("arrival_date")),
    }


def _minor(amount: int, currency: str | None) -> int:
    """Stripe's units (which differ from ISO for MGA, ISK, UGX) as ISO minor units."""
    return stripe_minor(amount, currency) if currency else amount


def settled_in_own_currency(charge: dict[str, Any]) -> bool:
    """Whether a charge's (expanded) balance transaction is in the charge's currency, so its
    fee and net can stand on the payment in the payment's currency."""
    txn = charge.get("balance_transaction")
    return isinstance(txn, dict) and (txn.get("currency") or "").lower() == (charge.get("currency") or "").lower()
