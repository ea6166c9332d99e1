"""An admin pauses (or resumes) reminders for a customer: a flag on the customer, audited."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revhub.store import Customer
from revhub.store.audit import audit_context


class CustomerNotFound(LookupError):
    pass


def find_customer(session: Session, wanted: str) -> Customer | None:
    """A customer by id or by e-mail address (case-insensitive)."""
    try:
        return session.get(Customer, uuid.UUID(wanted))
    except ValueError:
        return session.scalar(select(Customer).where(func.lower(Customer.email) == wanted.strip().lower(),
                                                     Customer.deleted_at.is_(None)))


def set_paused(session: Session, wanted: str, *, paused: bool, actor: str) -> str:
    """Pause or resume reminders for the customer ``wanted``; its name."""
    customer = find_customer(session, wanted)
    if customer is None:
        raise CustomerNotFound(f"customer: no customer {wanted!r} (give its e-mail address or id)")
    with audit_context(session, actor=actor, source="dunning"):  # the ORM hook audits the change
        customer.dunning_paused = paused
    return customer.name
