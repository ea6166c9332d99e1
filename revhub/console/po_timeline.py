"""A purchase order's life from intake to paid, as one time-ordered list: its audit entries,
its invoices' audit entries, the approval decisions, what was sent to each system, and the
payments allocated to its invoices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from revhub.store import (
    AuditEntry,
    Invoice,
    OutboxMessage,
    Payment,
    PaymentAllocation,
    PurchaseOrder,
    PurchaseOrderApproval,
)

LIMIT = 1000


@dataclass(frozen=True)
class Event:
    at: datetime | None
    kind: str        # "change", "decision", "sent", "payment"
    title: str
    actor: str | None = None
    detail: Any = None
    entity: str | None = None
    record_id: uuid.UUID | None = None


def _sort_key(event: Event) -> datetime:
    return event.at or datetime.min.replace(tzinfo=UTC)


def timeline(session: Session, po: PurchaseOrder) -> list[Event]:
    """Everything that happened to ``po`` and its invoices, oldest first."""
    invoices = list(session.scalars(select(Invoice).where(Invoice.purchase_order_id == po.id)))
    invoice_ids = [i.id for i in invoices]
    numbers = {i.id: i.number or str(i.id) for i in invoices}
    events: list[Event] = []
    audit = select(AuditEntry).where(or_(
        (AuditEntry.entity == "purchase_order") & (AuditEntry.record_id == po.id),
        (AuditEntry.entity == "invoice") & AuditEntry.record_id.in_(invoice_ids)))
    for entry in session.scalars(audit.order_by(AuditEntry.id).limit(LIMIT)):
        events.append(Event(entry.at, "change", _change_title(entry, numbers), entry.actor,
                            {"before": entry.before, "after": entry.after}, entry.entity, entry.record_id))
    for decision in session.scalars(select(PurchaseOrderApproval)
                                    .where(PurchaseOrderApproval.purchase_order_id == po.id)):
        events.append(Event(decision.decided_at, "decision", f"PO {decision.decision}", decision.approver,
                            decision.note))
    outbox = select(OutboxMessage).where(or_(
        (OutboxMessage.entity == "purchase_order") & (OutboxMessage.record_id == po.id),
        (OutboxMessage.entity == "invoice") & OutboxMessage.record_id.in_(invoice_ids)))
    for message in session.scalars(outbox.order_by(OutboxMessage.id).limit(LIMIT)):
        what = "PO" if message.entity == "purchase_order" else f"invoice {numbers.get(message.record_id, '')}"
        events.append(Event(message.sent_at or message.created_at, "sent",
                            f"{what} {message.operation} → {message.target_system}: {message.status}",
                            None, message.last_error or message.remote_id, message.entity, message.record_id))
    paid = (select(Payment, PaymentAllocation).join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
            .where(PaymentAllocation.invoice_id.in_(invoice_ids)))
    for payment, allocation in session.execute(paid.limit(LIMIT)).all():
        events.append(Event(payment.received_at or payment.created_at, "payment",
                            f"payment {payment.status} on invoice {numbers.get(allocation.invoice_id, '')}",
                            None, {"amount_minor": allocation.amount_minor, "currency": payment.currency,
                                   "reference": payment.reference}, "payment", payment.id))
    return sorted(events, key=_sort_key)


def _change_title(entry: AuditEntry, numbers: dict[uuid.UUID, str]) -> str:
    noun = "PO" if entry.entity == "purchase_order" else f"invoice {numbers.get(entry.record_id, '')}"
    if entry.action == "create":
        status = (entry.after or {}).get("status")
        return f"{noun} created" + (f" ({status})" if status else "")
    status = (entry.after or {}).get("status")
    if entry.action == "update" and status:
        return f"{noun} {(entry.before or {}).get('status')} → {status}"
    return f"{noun} {entry.action}d" if entry.action in ("update", "delete", "purge") else f"{noun} {entry.action}"
