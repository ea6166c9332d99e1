"""After invoices change: tie them to their purchase orders and move the POs along
(invoiced → partially paid → paid, or → invoice voided when every invoice is void) from
what the invoices say."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.orders.service import TRANSITIONS, settlement, transition_many
from revhub.store import Invoice, PurchaseOrder
from revhub.store.audit import audit_context

ACTOR = "revhub:reconcile"


def after_invoices(session: Session, invoice_ids: Iterable[uuid.UUID]) -> None:
    ids = list(invoice_ids)
    if not ids:
        return
    # Plain columns first: most invoices of a billing system have no PO here, and loading
    # them as ORM objects would cost more than the rest of the page's apply.
    heads = session.execute(select(Invoice.id, Invoice.purchase_order_id, Invoice.po_number, Invoice.customer_id)
                            .where(Invoice.id.in_(ids))).all()
    touched = {h.purchase_order_id for h in heads if h.purchase_order_id}
    unlinked = [h for h in heads if h.purchase_order_id is None and h.po_number and h.customer_id]
    po_of: dict[uuid.UUID, uuid.UUID] = {}
    if unlinked:  # one query per page, not one per invoice
        rows = session.execute(select(PurchaseOrder.customer_id, PurchaseOrder.po_number, PurchaseOrder.id).where(
            PurchaseOrder.po_number.in_({h.po_number for h in unlinked})))
        known = {(customer_id, number): po_id for customer_id, number, po_id in rows}
        po_of = {h.id: known[(h.customer_id, h.po_number)] for h in unlinked
                 if (h.customer_id, h.po_number) in known}
    if po_of:
        with audit_context(session, actor=ACTOR, source="revhub"):
            for invoice in session.scalars(select(Invoice).where(Invoice.id.in_(po_of))):
                invoice.purchase_order_id = po_of[invoice.id]
        touched.update(po_of.values())
    if not touched:
        return
    by_po: dict[uuid.UUID, list[Invoice]] = {}
    for invoice in session.scalars(select(Invoice).where(Invoice.purchase_order_id.in_(touched))):
        by_po.setdefault(invoice.purchase_order_id, []).append(invoice)
    moves = []
    for po in session.scalars(select(PurchaseOrder).where(PurchaseOrder.id.in_(touched))):
        outcome = settlement(by_po.get(po.id, []))
        if outcome and outcome.status != po.status and outcome.status in TRANSITIONS.get(po.status, ()):
            moves.append((po, outcome.status))
    transition_many(session, moves, actor=ACTOR)
