"""The canonical store's side of the books check: payments, refunds, fees, payouts and
disputes as revhub holds them.

Each record carries the ids its links give it in every system (a Stripe charge id, a Xero
payment or credit note id) and its processor reference, which is how it meets the other
sides' records.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.ledger.check import Entry
from revhub.store import Dispute, Fee, Link, Payment, Payout, Refund
from revhub.sync.lookups import chunks

_CAPTURED = ("succeeded", "reversed")  # a payment refunded later was still received
_PAID_OUT = ("pending", "in_transit", "paid")  # money gone from the balance (failed ones come back)
_UNDER_WAY = ("pending", "in_transit")  # not in the bank yet, so not booked in Xero yet


def _bounds(column, since: date | None, until: date | None) -> list:
    where = [column.is_not(None)]
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


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


def read_store(session: Session, stripe_systems: set[str], since: date | None, until: date | None) -> list[Entry]:
    """Every received payment, refund, processor fee and payout dated in [since, until)."""
    payments = session.scalars(select(Payment).where(
        Payment.deleted_at.is_(None), Payment.status.in_(_CAPTURED), *_bounds(Payment.received_at, since, until)))
    refunds = session.scalars(select(Refund).where(
        Refund.deleted_at.is_(None), Refund.status == "succeeded", *_bounds(Refund.issued_at, since, until)))
    fees = session.scalars(select(Fee).where(Fee.deleted_at.is_(None), *_bounds(Fee.incurred_at, since, until)))
    payouts = session.scalars(select(Payout).where(
        Payout.deleted_at.is_(None), Payout.status.in_(_PAID_OUT), *_bounds(Payout.initiated_at, since, until)))
    payments, refunds, fees, payouts = (list(x) for x in (payments, refunds, fees, payouts))
    paid = _links(session, "payment", [p.id for p in payments] + [r.payment_id for r in refunds if r.payment_id])
    refunded = _links(session, "refund", [r.id for r in refunds])
    booked = _links(session, "fee", [f.id for f in fees])
    transferred = _links(session, "payout", [p.id for p in payouts])

    def via_stripe(*links: dict[str, str]) -> bool:
        return any(stripe_systems & set(x) for x in links)

    entries = [Entry("store", "payment", str(p.id), p.currency, p.amount_minor, _day(p.received_at),
                     _keys(p, paid.get(p.id, {})), via_stripe=via_stripe(paid.get(p.id, {})))
               for p in payments]
    entries += [Entry("store", "refund", str(r.id), r.currency, r.amount_minor, _day(r.issued_at),
                      _keys(r, refunded.get(r.id, {})),
                      via_stripe=via_stripe(refunded.get(r.id, {}), paid.get(r.payment_id, {})))
                for r in refunds]
    # A fee is the processor's by definition; it meets the Stripe fee by its balance transaction.
    entries += [Entry("store", "fee", str(f.id), f.currency, f.amount_minor, _day(f.incurred_at),
                      _keys(f, booked.get(f.id, {})))
                for f in fees]
    entries += [Entry("store", "payout", str(p.id), p.currency, p.amount_minor, _day(p.initiated_at),
                      _keys(p, transferred.get(p.id, {})), under_way=p.status in _UNDER_WAY)
                for p in payouts]
    return entries + _disputes(session, since, until)


def _disputes(session: Session, since: date | None, until: date | None) -> list[Entry]:
    """Each dispute's money in the settlement currency: withdrawn less reinstated, and the dispute
    fee less any fee given back; keyed by the processor's dispute id (``du_…``)."""
    disputes = list(session.scalars(select(Dispute).where(
        Dispute.deleted_at.is_(None), Dispute.withdrawn_minor.is_not(None), Dispute.settled_currency.is_not(None),
        *_bounds(Dispute.opened_at, since, until))))
    linked = _links(session, "dispute", [d.id for d in disputes])
    entries = []
    for d in disputes:
        keys = _keys(d, linked.get(d.id, {}))
        entries.append(Entry("store", "dispute", str(d.id), d.settled_currency,
                             d.withdrawn_minor - (d.reinstated_minor or 0), _day(d.opened_at), keys))
        fee = (d.fee_minor or 0) - (d.fee_returned_minor or 0)
        if d.fee_minor:
            entries.append(Entry("store", "fee", f"{d.id}:fee", d.settled_currency, fee, _day(d.opened_at), keys))
    return entries


def _keys(record, links: dict[str, str]) -> frozenset[str]:
    """Its canonical id, its ids in every linked system, and its processor reference."""
    reference = getattr(record, "reference", None)
    return frozenset({str(record.id), *links.values(), *([reference] if reference else [])})
