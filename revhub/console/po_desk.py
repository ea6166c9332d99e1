"""The PO desk: purchase orders by status, the approval queue (approve, or reject with a
reason; never by the PO's own submitter), and each PO's timeline from intake to paid."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from revhub.console import listing as lst
from revhub.console.access import current_actor, current_role, require_role, role_allows
from revhub.console.po_timeline import timeline
from revhub.console.search import has_control_characters
from revhub.orders import service
from revhub.recon.invoice_checks import ledger_of
from revhub.store import Customer, Invoice, PurchaseOrder
from revhub.store.commerce import PO_STATUSES

po_desk = Blueprint("po_desk", __name__, url_prefix="/purchase-orders")
MAX_REASON = 500


def _db():
    from revhub.app import get_db

    return get_db()


def _text(max_length: int):
    """Free text for a filter: bounded, and without control characters (PostgreSQL refuses NUL)."""
    bounded = lst.text(max_length)

    def parse(value: str) -> str:
        if has_control_characters(value):
            raise lst.FilterValueError("no control characters, please")
        return bounded(value)
    return parse


def _note_error(name: str, value: str) -> str | None:
    """What is wrong with a note or reason typed into a decision form, if anything."""
    if len(value) > MAX_REASON:
        return f"{name}: at most {MAX_REASON} characters"
    if has_control_characters(value, allowed="\n\r\t"):
        return f"{name}: no control characters, please"
    return None


def _like(value: str) -> str:
    return "%" + value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


FILTERS = (
    lst.Filter("status", "Status", lst.choice(*PO_STATUSES), lambda q, v: q.where(PurchaseOrder.status == v),
               choices=PO_STATUSES),
    lst.Filter("customer", "Customer", _text(128),
               lambda q, v: q.where(func.lower(Customer.name).like(_like(v), escape="\\")), hint="part of a name"),
    lst.Filter("po_number", "PO number", _text(64),
               lambda q, v: q.where(func.lower(PurchaseOrder.po_number).like(_like(v), escape="\\"))),
)
COLUMNS = (
    ("internal_number", lambda r: r[0].internal_number), ("po_number", lambda r: r[0].po_number),
    ("customer", lambda r: r[1]), ("status", lambda r: r[0].status),
    ("total", lambda r: lst.money_cells(r[0].total_minor, r[0].currency)[0]),
    ("currency", lambda r: r[0].currency), ("issue_date", lambda r: r[0].issue_date.isoformat()),
    ("received_at", lambda r: r[0].created_at), ("id", lambda r: str(r[0].id)),
)


def _query(status: str | None = None):
    query = (select(PurchaseOrder, Customer.name).join(Customer, Customer.id == PurchaseOrder.customer_id)
             .where(PurchaseOrder.deleted_at.is_(None)))
    if status:
        query = query.where(PurchaseOrder.status == status)
    return query.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.internal_number.desc())


def _status_counts(session, rows) -> dict[str, object]:
    counts = dict(session.execute(select(PurchaseOrder.status, func.count()).where(
        PurchaseOrder.deleted_at.is_(None)).group_by(PurchaseOrder.status)).all())
    return {"counts": {s: counts.get(s, 0) for s in PO_STATUSES},
            "may_decide": role_allows(current_role(), "approver")}


@po_desk.get("")
@require_role("viewer")
def index():
    return lst.list_page(_query(), FILTERS, template="po_desk.html", filename="purchase-orders",
                         columns=COLUMNS, scalars=False, extra=_status_counts, queue=False)


@po_desk.get("/approvals")
@require_role("viewer")
def approvals():
    return lst.list_page(_query("received"), FILTERS[1:], template="po_desk.html",
                         filename="po-approval-queue", columns=COLUMNS, scalars=False,
                         extra=_status_counts, queue=True)


def _load(session, po_id: str) -> PurchaseOrder:
    try:
        po = session.get(PurchaseOrder, uuid.UUID(po_id))
    except ValueError:
        po = None
    if po is None:
        abort(404, description=f"no purchase order {po_id}")
    return po


def _detail(po_id: str, *, error: str | None = None, reason: str = "", status: int = 200):
    with _db().session() as s:
        po = _load(s, po_id)
        customer = s.get(Customer, po.customer_id)
        invoices = list(s.scalars(select(Invoice).where(Invoice.purchase_order_id == po.id)
                                  .order_by(Invoice.created_at)))
        page = render_template("po_detail.html", po=po, customer=customer, invoices=invoices,
                               events=timeline(s, po), submitter=service.submitted_by(s, po),
                               ledger=ledger_of(s, po),
                               may_decide=role_allows(current_role(), "approver"),
                               error=error, reason=reason)
    return page, status


@po_desk.get("/<po_id>")
@require_role("viewer")
def detail(po_id: str):
    return _detail(po_id)


@po_desk.post("/<po_id>/approve")
@require_role("approver")
def approve(po_id: str):
    note = (request.form.get("note") or "").strip()
    if error := _note_error("note", note):
        return _detail(po_id, error=error, status=400)
    try:
        with _db().session(write=True) as s:
            po = _load(s, po_id)
            invoice = service.approve(s, po, approver=current_actor(), note=note or None)
            number = po.internal_number
    except service.TransitionError as exc:
        return _detail(po_id, error=str(exc), status=409)
    flash(f"PO {number} approved and invoiced." if invoice else
          f"PO {number}: your approval is recorded; it needs one more (a finance lead's).")
    return redirect(url_for("po_desk.detail", po_id=po_id))


@po_desk.post("/<po_id>/reject")
@require_role("approver")
def reject(po_id: str):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return _detail(po_id, error="reason: say why the PO is rejected (the submitter sees it)", status=400)
    if error := _note_error("reason", reason):
        return _detail(po_id, error=error, status=400)
    try:
        with _db().session(write=True) as s:
            po = _load(s, po_id)
            service.reject(s, po, actor=current_actor(), reason=reason)
            number = po.internal_number
    except service.TransitionError as exc:
        return _detail(po_id, error=str(exc), reason=reason, status=409)
    flash(f"PO {number} rejected.")
    return redirect(url_for("po_desk.detail", po_id=po_id))
