"""The reminder schedule per payment term: steps in days from the due date, editable.

Default (migration 0011): -3 friendly, 0 due, +7 and +14 reminders, +30 escalation, +45 final notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.store import DunningStep, Invoice, PurchaseOrder
from revhub.store.commerce import PAYMENT_TERM_DAYS, PAYMENT_TERMS

TONES = ("friendly", "due", "reminder", "escalation", "final")
# Used while the schedule table is empty (never edited); the migration stores the same rows.
DEFAULT_STEPS = ((-3, "friendly"), (0, "due"), (7, "reminder"), (14, "reminder"), (30, "escalation"), (45, "final"))


class ScheduleError(ValueError):
    """A schedule edit that cannot be kept; the message names the field."""


@dataclass(frozen=True)
class Step:
    offset_days: int
    tone: str

    @property
    def name(self) -> str:
        """The step's part of a reminder's key: ``d-3``, ``d+0``, ``d+14``."""
        return f"d{self.offset_days:+d}"

    def day(self, due: date) -> date:
        return due + timedelta(days=self.offset_days)


def steps_for(session: Session, payment_terms: str) -> list[Step]:
    """The steps of ``payment_terms``, earliest first (the default schedule while none is stored;
    a term whose steps an admin removed has none)."""
    rows = list(session.scalars(select(DunningStep).where(DunningStep.payment_terms == payment_terms)
                                .order_by(DunningStep.offset_days)))
    if not rows and session.scalar(select(DunningStep.id).limit(1)) is None:
        return [Step(d, tone) for d, tone in DEFAULT_STEPS if not (payment_terms == "DUE_ON_RECEIPT" and d < 0)]
    return [Step(r.offset_days, r.tone) for r in rows]


def schedule(session: Session) -> dict[str, list[Step]]:
    """Every payment term's steps."""
    return {terms: steps_for(session, terms) for terms in PAYMENT_TERMS}


def payment_terms_of(session: Session, invoice: Invoice) -> str:
    """The invoice's terms: its PO's, else those its dates imply, else NET30."""
    if invoice.purchase_order_id:
        terms = session.scalar(select(PurchaseOrder.payment_terms).where(PurchaseOrder.id == invoice.purchase_order_id))
        if terms:
            return terms
    if invoice.issue_date and invoice.due_date:
        days = (invoice.due_date - invoice.issue_date).days
        for terms, term_days in PAYMENT_TERM_DAYS.items():
            if term_days == days:
                return terms
    return "NET30"


def set_step(session: Session, payment_terms: str, offset_days: int | str, tone: str) -> None:
    """Add or change the step ``offset_days`` of ``payment_terms``."""
    terms, offset = _terms(payment_terms), _offset(offset_days)
    if tone not in TONES:
        raise ScheduleError(f"tone: must be one of {', '.join(TONES)}, not {tone!r}")
    _store_defaults(session)
    row = session.scalar(select(DunningStep).where(DunningStep.payment_terms == terms,
                                                   DunningStep.offset_days == offset))
    session.add(row or DunningStep(payment_terms=terms, offset_days=offset, tone=tone))
    if row:
        row.tone = tone


def remove_step(session: Session, payment_terms: str, offset_days: int | str) -> bool:
    """Drop a step; False if there was none."""
    terms, offset = _terms(payment_terms), _offset(offset_days)
    _store_defaults(session)
    row = session.scalar(select(DunningStep).where(DunningStep.payment_terms == terms,
                                                   DunningStep.offset_days == offset))
    if row is None:
        return False
    session.delete(row)
    return True


def _store_defaults(session: Session) -> None:
    """Before the first edit of an empty table: store the defaults, so the edit changes them."""
    if session.scalar(select(DunningStep.id).limit(1)) is None:
        defaults = [(t, st) for t in PAYMENT_TERMS for st in steps_for(session, t)]  # read before adding
        session.add_all(DunningStep(payment_terms=t, offset_days=st.offset_days, tone=st.tone) for t, st in defaults)
        session.flush()


def _terms(value: str) -> str:
    terms = (value or "").strip().upper()
    if terms not in PAYMENT_TERMS:
        raise ScheduleError(f"payment_terms: must be one of {', '.join(PAYMENT_TERMS)}, not {value!r}")
    return terms


def _offset(value: int | str) -> int:
    try:
        offset = int(str(value).strip())
    except ValueError:
        raise ScheduleError(f"offset_days: {value!r} is not a whole number of days") from None
    if not -60 <= offset <= 365:
        raise ScheduleError("offset_days: must be between -60 and 365")
    return offset
