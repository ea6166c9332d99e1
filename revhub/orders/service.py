"""Purchase orders from intake to invoice: stored, approved and invoiced through ``sync.apply``
(system ``revhub``), so links, audit and write-back work as for every other change."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revhub.connectors.base import Change
from revhub.orders import approvals
from revhub.orders.validation import FieldError, PurchaseOrderDraft, target_errors
from revhub.recon import invoice_checks
from revhub.store import (
    AuditEntry,
    Connection,
    Customer,
    Invoice,
    Product,
    PurchaseOrder,
    PurchaseOrderApproval,
    utcnow,
)
from revhub.store.commerce import PAYMENT_TERM_DAYS
from revhub.sync.apply import apply_changes
from revhub.sync.context import SyncContext, revhub_context
from revhub.tax import TAX_CODES, totals

TRANSITIONS = {
    "received": {"approved", "cancelled"},
    "approved": {"invoiced", "cancelled"},
    # An invoice is voided in Xero or Stripe (never when paid: both refuse that); the PO then
    # waits for a new invoice or its cancellation.
    "invoiced": {"partially_paid", "paid", "invoice_voided"},
    "partially_paid": {"paid", "invoice_voided"},
    "invoice_voided": {"invoiced", "cancelled"},
    "paid": set(),
    "cancelled": set(),
}

# What an admin is told when the PO's state does not allow the step.
_WHY_NOT = {
    "invoiced": "its invoice is open: void it in Stripe or Xero first",
    "partially_paid": "it has payments: refund them and void its invoice first",
    "paid": "it is paid",
    "cancelled": "it is cancelled",
}


class IntakeError(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class DuplicatePurchaseOrder(Exception):
    def __init__(self, original: PurchaseOrder) -> None:
        super().__init__(f"PO number {original.po_number!r} was already received for this customer "
                         f"as internal PO {original.internal_number}")
        # Plain values: the session (and the ORM object with it) is gone when this is reported.
        self.original = {"id": str(original.id), "internal_number": original.internal_number,
                         "status": original.status}


class TransitionError(ValueError):
    """A status change the PO workflow does not allow."""


class SelfApprovalError(TransitionError):
    """The approver is the person (or integration) who submitted the PO."""


def submitted_by(session: Session, po: PurchaseOrder) -> str | None:
    """Who submitted ``po``: the actor of its first audit entry (its creation)."""
    return session.scalar(select(AuditEntry.actor).where(
        AuditEntry.entity == "purchase_order", AuditEntry.record_id == po.id, AuditEntry.action == "create")
        .order_by(AuditEntry.id).limit(1))


# Prefixes that name a person: a console user, an API token's user, a free-text API approver.
_PERSON_PREFIXES = ("console", "user", "api")


def same_party(a: str | None, b: str | None) -> bool:
    """True when two actors name one party: "console:Dana", "user:dana" and "dana" are one person;
    "integration:dana" (an integration token) and "sync:xero" are parties of their own."""
    def key(actor: str) -> tuple[str, str]:
        kind, _, name = actor.strip().rpartition(":")
        kind = kind.casefold()
        return ("person" if kind in ("", *_PERSON_PREFIXES) else kind, name.strip().casefold())
    return bool(a and b) and key(a) == key(b)


def context(session: Session, actor: str) -> SyncContext:
    return revhub_context(session, actor)


def _version() -> str:
    return f"{time.time_ns():020d}"


def _po_key(po_customer: uuid.UUID, po_number: str) -> str:
    return f"{po_customer}/{po_number}"


def _resolve_customer(session: Session, wanted: dict[str, str]) -> Customer | None:
    query = select(Customer).where(Customer.deleted_at.is_(None))
    if wanted.get("id"):
        try:
            return session.scalar(query.where(Customer.id == uuid.UUID(wanted["id"])))
        except ValueError:
            return None
    return session.scalar(query.where(func.lower(Customer.email) == wanted["email"].strip().lower()))


def submit(session: Session, draft: PurchaseOrderDraft, *, actor: str,
           threshold_minor: int | None = None) -> PurchaseOrder:
    """Store a validated PO (received), approving it at once when it needs no approval: by the
    admin's thresholds (``revhub.orders.approvals``), or at or under ``threshold_minor`` if given."""
    customer = _resolve_customer(session, draft.customer)
    errors = [] if customer else [FieldError("customer", f"no customer matches {draft.customer}")]
    products: dict[str, uuid.UUID] = {}
    for i, line in enumerate(draft.lines):
        if line.sku:
            product_id = session.scalar(select(Product.id).where(Product.sku == line.sku))
            if product_id is None:
                errors.append(FieldError(f"lines[{i}].product", f"no product with SKU {line.sku!r}"))
            products[line.sku] = product_id
    if customer is not None:
        errors += _buyer_vat_errors(customer, draft)
    errors += target_errors(draft, {c.name: (c.provider, c.settings or {})
                                    for c in session.scalars(select(Connection))})
    if errors:
        raise IntakeError(errors)
    original = _same_po_number(session, customer.id, draft.po_number)
    if original is not None:
        raise DuplicatePurchaseOrder(original)
    record = {
        "po_number": draft.po_number, "customer_id": str(customer.id), "issue_date": draft.issue_date.isoformat(),
        "currency": draft.currency, "total_minor": draft.total_minor,
        "subscription_start": draft.subscription_start.isoformat() if draft.subscription_start else None,
        "subscription_end": draft.subscription_end.isoformat() if draft.subscription_end else None,
        "payment_terms": draft.payment_terms, "status": "received",
        "amounts_include_tax": draft.amounts_include_tax, "tax_minor": draft.tax_minor,
        "lines": [{"product_id": str(products[ln.sku]) if ln.sku else None, "description": ln.description,
                   "quantity": ln.quantity, "unit_amount_minor": ln.unit_amount_minor,
                   "amount_minor": ln.amount_minor, "tax_code": ln.tax_code, "tax_minor": ln.tax_minor}
                  for ln in draft.lines],
    }
    apply_changes(session, context(session, actor), [
        Change("purchase_order", _po_key(customer.id, draft.po_number), _version(), record)])
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.customer_id == customer.id,
                                                    PurchaseOrder.po_number == draft.po_number))
    if (not approvals.required_levels(session, draft.currency, draft.total_minor) if threshold_minor is None
            else draft.total_minor <= threshold_minor):
        _approve_now(session, po, approver="policy:auto-approval", note="total at or under the approval threshold")
    return po


def po_number_key(po_number: str) -> str:
    """What makes two PO numbers the same: " po-4500 " and "PO-4500" are one PO."""
    return po_number.strip().casefold()


def _same_po_number(session: Session, customer_id: uuid.UUID, po_number: str) -> PurchaseOrder | None:
    """The customer's PO whose number is ``po_number`` once trimmed and case-folded."""
    wanted = po_number_key(po_number)
    # casefold() has no SQL equivalent (ß, dotless i): the customer's numbers are compared in Python.
    rows = session.execute(select(PurchaseOrder.id, PurchaseOrder.po_number)
                           .where(PurchaseOrder.customer_id == customer_id)).all()
    match = next((row.id for row in rows if po_number_key(row.po_number) == wanted), None)
    return session.get(PurchaseOrder, match) if match else None


def _buyer_vat_errors(customer: Customer, draft: PurchaseOrderDraft) -> list[FieldError]:
    """A reverse-charge line needs the buyer's VAT number on the invoice: the customer must have one."""
    if customer.tax_id:
        return []
    return [FieldError(f"lines[{i}].tax_code", f"{line.tax_code} needs the buyer's VAT number; customer "
                                              f"{customer.name!r} has no tax id")
            for i, line in enumerate(draft.lines) if line.tax_code and TAX_CODES[line.tax_code].needs_buyer_vat]


def transition(session: Session, po: PurchaseOrder, to: str, *, actor: str) -> None:
    """Move ``po`` to status ``to`` (audited, and announced to the other systems)."""
    transition_many(session, [(po, to)], actor=actor)


def transition_many(session: Session, moves: list[tuple[PurchaseOrder, str]], *, actor: str) -> None:
    """Several POs moved in one pass of ``sync.apply`` (a page of paid invoices settles many)."""
    for po, to in moves:
        if to not in TRANSITIONS.get(po.status, set()):
            raise TransitionError(f"a {po.status} purchase order cannot become {to}")
    if not moves:
        return
    # The change names its record by id (``origin``): a PO that came from Salesforce or
    # HubSpot has no revhub link for its key until its first move here makes one.
    apply_changes(session, context(session, actor), [
        Change("purchase_order", _po_key(po.customer_id, po.po_number), _version(), {"status": to},
               origin=str(po.id))
        for po, to in moves])
    for po, _ in moves:
        session.refresh(po)


def approve(session: Session, po: PurchaseOrder, *, approver: str, note: str | None = None) -> Invoice | None:
    """Record ``approver``'s approval of ``po`` at the level they fill; when every level the
    thresholds require is filled, approve the PO and raise its invoice (else return None)."""
    if po.status != "received":
        raise TransitionError(f"only a received purchase order can be approved; this one is {po.status}")
    submitter = submitted_by(session, po)
    if same_party(approver, submitter):
        raise SelfApprovalError(f"PO {po.internal_number} was submitted by {submitter}; "
                                "someone else must approve it")
    required = approvals.required_levels(session, po.currency, po.total_minor) or (approvals.APPROVER,)
    earlier = approvals.given_levels(session, po)
    if any(same_party(approver, a.approver) for a in earlier):
        raise SelfApprovalError(f"{approver} already approved PO {po.internal_number}; "
                                "the next level needs someone else")
    decider = approvals.Decider(approver, approvals.is_finance_lead(session, approver))
    level = approvals.next_level(required, [a.level for a in earlier], decider)
    if level is None:
        raise TransitionError(f"PO {po.internal_number} now needs a finance lead's approval; "
                              f"{approver} is not a finance lead")
    session.add(PurchaseOrderApproval(purchase_order_id=po.id, approver=approver, decision="approved",
                                      level=level, note=note))
    if len(earlier) + 1 < len(required):
        session.flush()
        return None
    return _approve_now(session, po, approver=approver, note=None, record=False)


def _approve_now(session: Session, po: PurchaseOrder, *, approver: str, note: str | None,
                 record: bool = True) -> Invoice:
    if record:
        session.add(PurchaseOrderApproval(purchase_order_id=po.id, approver=approver, decision="approved",
                                          note=note))
    transition(session, po, "approved", actor=approver)
    invoice = invoice_for(session, po, actor=approver)
    transition(session, po, "invoiced", actor=approver)
    return invoice


def cancel(session: Session, po: PurchaseOrder, *, actor: str, note: str | None = None) -> None:
    """Cancel ``po`` (received, approved, or with its invoice voided); the reason is kept."""
    if "cancelled" not in TRANSITIONS.get(po.status, set()):
        raise TransitionError(f"PO {po.internal_number} cannot be cancelled: "
                              f"{_WHY_NOT.get(po.status, f'it is {po.status}')}")
    session.add(PurchaseOrderApproval(purchase_order_id=po.id, approver=actor, decision="cancelled", note=note))
    transition(session, po, "cancelled", actor=actor)


def reject(session: Session, po: PurchaseOrder, *, actor: str, reason: str) -> None:
    """Reject a PO waiting for approval: it is cancelled and ``reason`` kept on its approval
    record (decision ``rejected``), where the customer's portal shows it."""
    if po.status != "received":
        raise TransitionError(f"only a PO waiting for approval can be rejected; PO {po.internal_number} is {po.status}")
    if not (reason or "").strip():
        raise TransitionError("reason: say why the PO is rejected (the customer sees it)")
    if same_party(actor, submitted_by(session, po)):
        raise SelfApprovalError(f"PO {po.internal_number} was submitted by {actor}; someone else must decide on it")
    session.add(PurchaseOrderApproval(purchase_order_id=po.id, approver=actor, decision="rejected",
                                      note=reason.strip()))
    transition(session, po, "cancelled", actor=actor)


def reinvoice(session: Session, po: PurchaseOrder, *, actor: str, today: date | None = None) -> Invoice:
    """A new invoice (a new number, the PO number on it) for a PO whose invoice was voided."""
    if po.status != "invoice_voided":
        why = "it has not been invoiced yet" if po.status in ("received", "approved") else \
            _WHY_NOT.get(po.status, f"it is {po.status}")
        raise TransitionError(f"PO {po.internal_number} cannot be re-invoiced: {why}")
    invoice = invoice_for(session, po, actor=actor, today=today)
    transition(session, po, "invoiced", actor=actor)
    return invoice


def invoice_number(session: Session, po: PurchaseOrder) -> str:
    """The next invoice number of ``po``: RH-000042, then RH-000042-2, … after voids.

    Stripe and Xero keep a voided invoice's number for good, so a new invoice needs its own.
    """
    first = f"RH-{po.internal_number:06d}"
    # Looked up by equality, a block at a time, so the index on the number serves it (a LIKE
    # prefix scanned every invoice, a cost that grew with the store at every approval).
    candidates = itertools.chain((first,), (f"{first}-{n}" for n in itertools.count(2)))
    while True:
        block = list(itertools.islice(candidates, 20))
        taken = set(session.scalars(select(Invoice.number).where(Invoice.number.in_(block))))
        free = next((number for number in block if number not in taken), None)
        if free is not None:
            return free


def _invoice_key(po: PurchaseOrder, number: str) -> str:
    """The revhub-side id of a PO's invoice (the first keeps the key it always had)."""
    suffix = number.removeprefix(f"RH-{po.internal_number:06d}")
    return f"po/{po.id}{suffix.replace('-', '/', 1)}"


def invoice_for(session: Session, po: PurchaseOrder, *, actor: str, today: date | None = None) -> Invoice:
    """The invoice of an approved PO: its lines, its PO number, due by its payment terms."""
    issued = today or utcnow().date()
    lines = [{"product_id": str(ln.product_id) if ln.product_id else None, "description": ln.description,
              "quantity": ln.quantity, "unit_amount_minor": ln.unit_amount_minor, "amount_minor": ln.amount_minor,
              "tax_code": ln.tax_code, "tax_minor": ln.tax_minor or 0} for ln in po.lines]
    sums = totals(((ln["amount_minor"], ln["tax_minor"]) for ln in lines), inclusive=po.amounts_include_tax)
    record: dict[str, Any] = {
        "number": invoice_number(session, po), "po_number": po.po_number, "purchase_order_id": str(po.id),
        "customer_id": str(po.customer_id), "issue_date": issued.isoformat(),
        "due_date": (issued + timedelta(days=PAYMENT_TERM_DAYS[po.payment_terms])).isoformat(),
        "currency": po.currency, "subtotal_minor": sums.subtotal_minor, "tax_minor": sums.tax_minor,
        "total_minor": sums.total_minor, "amount_paid_minor": 0, "amount_due_minor": sums.total_minor,
        "status": "open", "amounts_include_tax": po.amounts_include_tax, "lines": lines,
    }
    try:  # the three-way match and the duplicate guard, before anything is written
        findings = invoice_checks.guard(session, po, record, actor)
    except invoice_checks.InvoiceBlocked as exc:
        raise TransitionError(f"PO {po.internal_number} cannot be invoiced: {exc}") from exc
    apply_changes(session, context(session, actor), [
        Change("invoice", _invoice_key(po, record["number"]), _version(), record)])
    invoice = session.scalar(select(Invoice).where(Invoice.purchase_order_id == po.id,
                                                   Invoice.number == record["number"]))
    invoice_checks.record(session, invoice.id, findings)  # flagged, not blocking: a person looks
    return invoice


@dataclass
class Settlement:
    status: str
    amount_paid_minor: int


def settlement(invoices: list[Invoice]) -> Settlement | None:
    """What a PO's invoices say about its payment."""
    current = [i for i in invoices if i.deleted_at is None]
    live = [i for i in current if i.status != "void"]
    if current and not live:
        return Settlement("invoice_voided", 0)  # every invoice voided: re-invoice or cancel
    if not live:
        return None
    paid = sum(i.amount_paid_minor for i in live)
    if all(i.status == "paid" or (i.amount_due_minor <= 0 < i.total_minor) for i in live):
        return Settlement("paid", paid)
    return Settlement("partially_paid", paid) if paid > 0 else None
