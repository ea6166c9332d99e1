"""The canonical store's side of the books check: payments, refunds and fees as revhub holds them.

Each record carries the ids its links give it in every system (a Stripe charge id, a Xero
payment or credit note id), which is how it meets the other sides' records.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.ledger.check import Entry
from revhub.store import Link, Payment, Refund
from revhub.sync.lookups import chunks

_CAPTURED = ("succeeded", "reversed")  # a payment refunded later was still received


def _bounds(column, since: date | None, until: date | None) -> list:
    where = []
    if since:
        where.append(column >= datetime.combine(since, time(), UTC))
    if until:
        where.append(column < datetime.combine(until, time(), UTC))
    return where


def _links(session: Session, entity: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, str]]:
    """canonical id → {system: external id}."""
    found: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    for chunk in chunks(ids):
        for link in session.scalars(select(Link).where(Link.entity == entity, Link.canonical_id.in_(chunk))):
            found[link.canonical_id][link.system] = link.external_id
    return found


def read_store(session: Session, stripe_systems: set[str], since: date | None, until: date | None) -> list[Entry]:
    """Every received payment, its fee, and every refund dated in [since, until)."""
    payments = session.scalars(select(Payment).where(
        Payment.deleted_at.is_(None), Payment.status.in_(_CAPTURED), Payment.received_at.is_not(None),
        *_bounds(Payment.received_at, since, until))).all()
    refunds = session.scalars(select(Refund).where(
        Refund.deleted_at.is_(None), Refund.status == "succeeded", Refund.issued_at.is_not(None),
        *_bounds(Refund.issued_at, since, until))).all()
    payment_links = _links(session, "payment", [p.id for p in payments]
                           + [r.payment_id for r in refunds if r.payment_id])
    refund_links = _links(session, "refund", [r.id for r in refunds])
    entries: list[Entry] = []
    for p in payments:
        links = payment_links.get(p.id, {})
        keys = frozenset({str(p.id), *links.values(), *([p.reference] if p.reference else [])})
        via_stripe = bool(stripe_systems & set(links))
        day = p.received_at.astimezone(UTC).date()
        entries.append(Entry("store", "payment", str(p.id), p.currency, p.amount_minor, day, keys,
                             via_stripe=via_stripe))
        if p.fee_minor:
            entries.append(Entry("store", "fee", str(p.id), p.currency, p.fee_minor, day, keys,
                                 via_stripe=via_stripe))
    for r in refunds:
        links = refund_links.get(r.id, {})
        paid_by_stripe = bool(r.payment_id and stripe_systems & set(payment_links.get(r.payment_id, {})))
        entries.append(Entry("store", "refund", str(r.id), r.currency, r.amount_minor,
                             r.issued_at.astimezone(UTC).date(),
                             # the processor's refund id, which Xero's credit note quotes
                             frozenset({str(r.id), *links.values(), *([r.reference] if r.reference else [])}),
                             via_stripe=paid_by_stripe or bool(stripe_systems & set(links))))
    return entries
