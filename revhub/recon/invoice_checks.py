"""Invoices checked against their PO and against each other, on the canonical store.

Before revhub writes an invoice for a PO, ``guard`` runs the three-way match and the
duplicate guard; a finding the admin's policy calls blocking stops the write (nothing is
stored or sent), the others are recorded as open exceptions for a person to look at.
``scan`` does the same for invoices that already exist, from any system.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from revhub.recon.duplicates import InvoiceShape, all_suspects, suspects_for
from revhub.recon.references import normalise_number
from revhub.recon.three_way import Bill, Finding, Line, Order, PoLedger, Tolerances, check, po_ledger
from revhub.store import Invoice, Policy, PurchaseOrder, SyncException, utcnow
from revhub.sync.context import REVHUB

POLICY = "three_way_match"
KIND = "invoice_check"
NOT_BILLED = ("draft", "void")


class InvoiceBlocked(Exception):
    """An invoice the admin's policy does not let revhub write."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("; ".join(f.message for f in findings))


def tolerances(session: Session) -> Tolerances:
    row = session.get(Policy, POLICY)
    return Tolerances.from_json(row.value if row else None)


def set_tolerances(session: Session, value: Tolerances, actor: str) -> None:
    row = session.get(Policy, POLICY)
    if row is None:
        session.add(Policy(name=POLICY, value=value.as_json(), updated_by=actor))
    else:
        row.value, row.updated_by, row.updated_at = value.as_json(), actor, utcnow()
    session.flush()


def order_of(po: PurchaseOrder) -> Order:
    return Order(str(po.id), po.currency, po.total_minor,
                 tuple(Line(str(ln.product_id) if ln.product_id else None, ln.quantity, ln.unit_amount_minor,
                            ln.amount_minor) for ln in po.lines),
                 po.subscription_start, po.subscription_end)


def bill_of(inv: Invoice) -> Bill:
    return Bill(str(inv.id), inv.currency, inv.total_minor, inv.issue_date or inv.created_at.date(),
                tuple(Line(str(ln.product_id) if ln.product_id else None, ln.quantity, ln.unit_amount_minor,
                           ln.amount_minor) for ln in inv.lines), inv.amount_paid_minor)


def shape_of(inv: Invoice | dict[str, Any], invoice_id: str | None = None) -> InvoiceShape:
    if isinstance(inv, Invoice):
        return InvoiceShape(str(inv.id), inv.number, str(inv.customer_id), inv.currency, inv.total_minor,
                            inv.issue_date, inv.po_number,
                            tuple((str(ln.product_id) if ln.product_id else None, ln.quantity, ln.unit_amount_minor)
                                  for ln in inv.lines))
    return InvoiceShape(invoice_id or "new", inv.get("number"), str(inv["customer_id"]), inv["currency"],
                        inv["total_minor"], date.fromisoformat(inv["issue_date"]) if inv.get("issue_date") else None,
                        inv.get("po_number"),
                        tuple((ln.get("product_id"), ln["quantity"], ln["unit_amount_minor"])
                              for ln in inv.get("lines") or ()))


def invoices_of(session: Session, po: PurchaseOrder) -> list[Invoice]:
    """The PO's invoices: linked to it, or carrying its number for its customer."""
    norm = normalise_number(po.po_number)
    rows = session.scalars(select(Invoice).options(selectinload(Invoice.lines)).where(
        Invoice.customer_id == po.customer_id, Invoice.deleted_at.is_(None), Invoice.status.not_in(NOT_BILLED)))
    return [inv for inv in rows if inv.purchase_order_id == po.id
            or (inv.po_number and normalise_number(inv.po_number) == norm)]


def ledger_of(session: Session, po: PurchaseOrder) -> PoLedger:
    return po_ledger(order_of(po), [bill_of(inv) for inv in invoices_of(session, po)])


def guard(session: Session, po: PurchaseOrder, record: dict[str, Any], actor: str) -> list[Finding]:
    """Check an invoice about to be written for ``po``; raise ``InvoiceBlocked`` if it may not be."""
    policy = tolerances(session)
    existing = invoices_of(session, po)
    shape = shape_of(record)
    bill = Bill("new", record["currency"], record["total_minor"], shape.issued or utcnow().date(),
                tuple(Line(ln.get("product_id"), ln["quantity"], ln["unit_amount_minor"], ln["amount_minor"])
                      for ln in record.get("lines") or ()))
    findings = check(order_of(po), bill, [bill_of(i) for i in existing], policy)
    customer_invoices = session.scalars(select(Invoice).options(selectinload(Invoice.lines)).where(
        Invoice.customer_id == po.customer_id, Invoice.deleted_at.is_(None), Invoice.status.not_in(NOT_BILLED)))
    findings += [Finding(s.code, f"looks like invoice {_number(session, s.invoice_ids[1])}: {s.why}",
                         s.code in policy.blocking)
                 for s in suspects_for(shape, [shape_of(i) for i in customer_invoices])]
    blocking = [f for f in findings if f.blocking]
    if blocking:
        raise InvoiceBlocked(blocking)
    return findings


def scan(session: Session) -> int:
    """Check every existing invoice; one open exception per invoice with findings. Returns how many."""
    policy = tolerances(session)
    invoices = session.scalars(select(Invoice).options(selectinload(Invoice.lines)).where(
        Invoice.deleted_at.is_(None), Invoice.status.not_in(NOT_BILLED))).all()
    findings: dict[str, list[dict[str, Any]]] = {}
    pos = session.scalars(select(PurchaseOrder).options(selectinload(PurchaseOrder.lines)).where(
        PurchaseOrder.deleted_at.is_(None))).all()
    by_key = {(str(po.customer_id), normalise_number(po.po_number)): po for po in pos}
    by_id = {po.id: po for po in pos}
    per_po: dict[uuid.UUID, list[Invoice]] = {}
    for inv in invoices:
        po = by_id.get(inv.purchase_order_id) or (
            by_key.get((str(inv.customer_id), normalise_number(inv.po_number))) if inv.po_number else None)
        if po is not None:
            per_po.setdefault(po.id, []).append(inv)
    for po_id, bills in per_po.items():
        order = order_of(by_id[po_id])
        ordered = sorted(bills, key=lambda i: (i.issue_date or date.min, i.number or "", str(i.id)))
        for n, inv in enumerate(ordered):
            for f in check(order, bill_of(inv), [bill_of(b) for b in ordered[:n]], policy):
                findings.setdefault(str(inv.id), []).append({"code": f.code, "message": f.message})
    for s in all_suspects([shape_of(i) for i in invoices]):
        findings.setdefault(s.invoice_ids[1], []).append(
            {"code": s.code, "message": f"looks like invoice {_number(session, s.invoice_ids[0])}: {s.why}"})
    for invoice_id, found in findings.items():
        _file(session, invoice_id, found)
    return len(findings)


def record(session: Session, invoice_id: uuid.UUID, findings: list[Finding]) -> None:
    """Keep the findings of an invoice that was written anyway (none of them blocking)."""
    if findings:
        _file(session, str(invoice_id), [{"code": f.code, "message": f.message} for f in findings])


def _file(session: Session, invoice_id: str, found: list[dict[str, Any]]) -> None:
    row = session.scalar(select(SyncException).where(SyncException.kind == KIND,
                                                     SyncException.external_id == invoice_id,
                                                     SyncException.status == "open"))
    message = "; ".join(f["message"] for f in found)[:2000]
    if row is None:
        session.add(SyncException(kind=KIND, entity="invoice", system=REVHUB, external_id=invoice_id,
                                  message=message, payload={"findings": found}, candidates=[]))
    else:
        row.message, row.payload = message, {"findings": found}
    session.flush()


def _number(session: Session, invoice_id: str) -> str:
    inv = session.get(Invoice, uuid.UUID(invoice_id))
    return (inv.number if inv else None) or invoice_id
