"""After invoices change: tie them to their purchase orders and move the POs along
(invoiced → partially paid → paid) from what the invoices say."""

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
    invoices = session.scalars(select(Invoice).where(Invoice.id.in_(ids))).all()
    touched: set[uuid.UUID] = set()
    unlinked = [i for i in invoices if i.purchase_order_id is None and i.po_number and i.customer_id]
    waiting = {i.id for i in unlinked}
    po_of: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    if unlinked:  # one query per page, not one per invoice
        rows = session.execute(select(PurchaseOrder.customer_id, PurchaseOrder.po_number, PurchaseOrder.id).where(
            PurchaseOrder.po_number.in_({i.po_number for i in unlinked})))
        po_of = {(customer_id, number): po_id for customer_id, number, po_id in rows}
    with audit_context(session, actor=ACTOR, source="revhub"):
        for invoice in invoices:
            if invoice.id in waiting:
                po_id = po_of.get((invoice.customer_id, invoice.po_number))
                if po_id is not None:
                    invoice.purchase_order_id = po_id
            if invoice.purchase_order_id:
                touched.add(invoice.purchase_order_id)
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
