"""Stripe streams, declared as data (STYLE.md habit 2)."""

from __future__ import annotations

from dataclasses import dataclass

from revhub.connectors.base import Stream


@dataclass(frozen=True)
class StripeStream(Stream):
    path: str = ""
    event_types: tuple[str, ...] = ()
    expand: tuple[str, ...] = ()


def _s(entity, remote, path, event_types, expand=()) -> StripeStream:
    # Stripe lists newest first and objects have no "updated" field: unsorted for our purposes,
    # so the cursor (an event) moves only when a full list or an event walk is complete.
    return StripeStream(entity=entity, remote=remote, primary_key="id", cursor_field="created",
                        sorted=False, path=path, event_types=event_types, expand=expand)


STREAMS: dict[str, StripeStream] = {s.entity: s for s in (
    _s("customer", "customer", "/v1/customers",
       ("customer.created", "customer.updated", "customer.deleted")),
    _s("product", "product", "/v1/products",
       ("product.created", "product.updated", "product.deleted"), ("data.default_price",)),
    _s("invoice", "invoice", "/v1/invoices",
       ("invoice.created", "invoice.updated", "invoice.finalized", "invoice.paid",
        "invoice.payment_succeeded", "invoice.payment_failed", "invoice.voided",
        "invoice.marked_uncollectible", "invoice.deleted", "invoice.sent")),
    _s("payment", "charge", "/v1/charges",
       ("charge.succeeded", "charge.failed", "charge.updated", "charge.captured", "charge.refunded"),
       ("data.balance_transaction",)),
    _s("refund", "refund", "/v1/refunds", ("refund.created", "refund.updated"), ("data.balance_transaction",)),
    _s("subscription", "subscription", "/v1/subscriptions",
       ("customer.subscription.created", "customer.subscription.updated",
        "customer.subscription.deleted")),
    # Balance transactions have no events; they never change their amounts, so they are
    # listed by creation time (``created[gte]``) from the newest one seen.
    _s("fee", "balance_transaction", "/v1/balance_transactions", ()),
    # Disputes change state without their charge changing: their own events, the charge expanded
    # for its customer (https://docs.stripe.com/api/events/types#event_types-charge.dispute.created).
    _s("dispute", "dispute", "/v1/disputes",
       ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
        "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated"), ("data.charge",)),
    _s("payout", "payout", "/v1/payouts",
       ("payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
        "payout.reconciliation_completed")),
)}

ENTITY_OF_EVENT: dict[str, str] = {t: s.entity for s in STREAMS.values() for t in s.event_types}
