"""After invoices change: tie them to their purchase orders and move the POs along
(invoiced → partially paid → paid) from what the invoices say."""

from __future__ import annotations

import uuid
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.store import Invoice, PurchaseOrder
from revhub.store.audit import audit_context
from revhub.orders.service import TRANSITIONS, settlement, transition

ACTOR = "revhub:reconcile"


def after_invoices(session: Session, invoice_ids: Iterable[uuid.UUID]) -> None:
    ids = list(invoice_ids)
    if not ids:
        return
    invoices = session.scalars(select(Invoice).where(Invoice.id.in_(ids))).all()
    touched: set[uuid.UUID] = set()
    with audit_context(session, actor=ACTOR, source="revhub"):
        for invoice in invoices:
            if invoice.purchase_order_id is None and invoice.po_number and invoice.customer_id:
                po_id = session.scalar(select(PurchaseOrder.id).where(
                    PurchaseOrder.customer_id == invoice.customer_id, PurchaseOrder.po_number == invoice.po_number))
                if po_id is not None:
                    invoice.purchase_order_id = po_id
            if invoice.purchase_order_id:
                touched.add(invoice.purchase_order_id)
    for po_id in touched:
        po = session.get(PurchaseOrder, po_id)
        outcome = settlement(session.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).all())
        if outcome and outcome.status != po.status and outcome.status in TRANSITIONS.get(po.status, ()):
            transition(session, po, outcome.status, actor=ACTOR)
