"""Who must approve a purchase order: thresholds per currency and two levels.

The admin keeps one row per currency (``approval_thresholds``): at or under ``approver_above``
a PO is approved by policy; above it a person with the approver role must approve; above
``finance_lead_above`` (when set) a second approval is needed, by a user flagged
``finance_lead``. A currency without a row has no free pass: every PO in it needs an approver
(one number in the PO's own currency made ¥20,000 need approval and KWD 9,999 not).

The finance lead is a flag on a user, not a fourth role, so ``viewer < approver < admin`` stays
as it is: a finance lead still needs the approver role (or admin) to decide at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.money import MoneyError, to_decimal_string, to_minor
from revhub.store import ApprovalThreshold, PurchaseOrder, PurchaseOrderApproval, User, utcnow

APPROVER, FINANCE_LEAD = "approver", "finance_lead"


class ThresholdError(ValueError):
    """A threshold an admin typed is not usable; the message names the field."""


@dataclass(frozen=True)
class Decider:
    """A person deciding on a PO: ``actor`` as audited (``console:dana``, ``user:dana``)."""

    actor: str
    finance_lead: bool = False


def required_levels(session: Session, currency: str, total_minor: int) -> tuple[str, ...]:
    """The approvals a PO of ``total_minor`` in ``currency`` needs, lowest level first."""
    row = session.get(ApprovalThreshold, currency.upper())
    if row is None:
        return (APPROVER,)
    if total_minor <= row.approver_above_minor:
        return ()
    if row.finance_lead_above_minor is not None and total_minor > row.finance_lead_above_minor:
        return (APPROVER, FINANCE_LEAD)
    return (APPROVER,)


def given_levels(session: Session, po: PurchaseOrder) -> list[PurchaseOrderApproval]:
    """The approvals ``po`` has had so far (decision ``approved`` with a level)."""
    return list(session.scalars(select(PurchaseOrderApproval).where(
        PurchaseOrderApproval.purchase_order_id == po.id, PurchaseOrderApproval.decision == "approved",
        PurchaseOrderApproval.level.is_not(None)).order_by(PurchaseOrderApproval.decided_at)))


def next_level(required: tuple[str, ...], given: list[str], decider: Decider) -> str | None:
    """Which open level ``decider`` fills: a finance lead fills the finance-lead level first;
    anyone with the approver role fills the approver level. None: nothing left they may fill."""
    open_levels = [level for level in required if level not in given]
    if decider.finance_lead and FINANCE_LEAD in open_levels:
        return FINANCE_LEAD
    return APPROVER if APPROVER in open_levels else None


def is_finance_lead(session: Session, actor: str) -> bool:
    """True when ``actor`` (``console:NAME`` / ``user:NAME``) is an enabled user flagged finance lead."""
    kind, _, name = actor.rpartition(":")
    if kind not in ("console", "user"):
        return False
    user = session.scalar(select(User).where(User.name == name))
    return bool(user and user.finance_lead and not user.disabled)


def parse_amount(value: str, currency: str, field: str) -> int:
    """A threshold typed in major units (``"10000"``, ``"9999.500"``) in minor units of ``currency``."""
    try:
        amount = to_minor(Decimal(str(value).strip().replace(",", "")), currency)
    except (InvalidOperation, MoneyError, ValueError):
        raise ThresholdError(f"{field}: {value!r} is not an amount in {currency}") from None
    if amount < 0:
        raise ThresholdError(f"{field}: must not be negative")
    return amount


def set_threshold(session: Session, currency: str, approver_above: str, finance_lead_above: str | None,
                  *, actor: str) -> ApprovalThreshold:
    """Create or change the thresholds of ``currency`` (amounts in major units)."""
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ThresholdError(f"currency: {currency!r} is not an ISO 4217 code")
    try:
        to_minor(Decimal(0), code)
    except MoneyError:
        raise ThresholdError(f"currency: {code} is not a currency revhub knows") from None
    low = parse_amount(approver_above, code, "approver_above")
    high = parse_amount(finance_lead_above, code, "finance_lead_above") if finance_lead_above not in (None, "") \
        else None
    if high is not None and high < low:
        raise ThresholdError("finance_lead_above: must be at least approver_above")
    row = session.get(ApprovalThreshold, code) or ApprovalThreshold(currency=code)
    row.approver_above_minor, row.finance_lead_above_minor = low, high
    row.updated_at, row.updated_by = utcnow(), actor
    session.add(row)
    _audit(session, actor, code, {"approver_above": to_decimal_string(low, code),
                                  "finance_lead_above": to_decimal_string(high, code) if high is not None else None})
    return row


def remove_threshold(session: Session, currency: str, *, actor: str) -> bool:
    """Drop the row of ``currency`` (its POs then all need an approver); False if there was none."""
    row = session.get(ApprovalThreshold, currency.strip().upper())
    if row is None:
        return False
    session.delete(row)
    _audit(session, actor, row.currency, {"removed": True})
    return True


def thresholds(session: Session) -> list[ApprovalThreshold]:
    return list(session.scalars(select(ApprovalThreshold).order_by(ApprovalThreshold.currency)))


def _audit(session: Session, actor: str, currency: str, details: dict) -> None:
    from revhub.console import audit_trail

    audit_trail.record(session, actor=actor, source="approvals", action="threshold", record_id=None,
                       details={"currency": currency, **details}, entity="approval_threshold")
