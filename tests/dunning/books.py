"""Customers, invoices and payments as Stripe hands them to ``sync.apply``, for the dunning tests."""

from __future__ import annotations

import json
from datetime import date, timedelta

from revhub.connectors.base import Change, Ref
from revhub.store import InboxEvent
from tests.sync.changes import apply

DUE = date(2026, 12, 1)


def customer(db, ext="cus_1", *, name="Acme Labs B.V.", email="ap@acmelabs.example", **fields) -> None:
    apply(db, "stripe", Change("customer", ext, "1", dict(name=name, email=email, default_currency="EUR", **fields)))


def invoice(db, ext="in_1", *, number="RH-000001", due=DUE, total=123450, paid=0, status="open", customer="cus_1",
            url="https://invoice.stripe.com/i/acct_sandbox/test_in_1", currency="EUR", version="1") -> None:
    apply(db, "stripe", Change("invoice", ext, version, dict(
        number=number, po_number="4500012345", customer_id=Ref("customer", customer), currency=currency,
        issue_date=(due - timedelta(days=30)).isoformat(), due_date=due.isoformat(), subtotal_minor=total,
        tax_minor=0, total_minor=total, amount_paid_minor=paid, amount_due_minor=total - paid, status=status,
        hosted_invoice_url=url)))


def payment(db, ext="ch_1", *, invoice="in_1", amount=123450, status="succeeded", customer="cus_1") -> None:
    apply(db, "stripe", Change("payment", ext, "1", dict(
        amount_minor=amount, currency="EUR", fee_minor=0, net_minor=amount, status=status, reference=ext,
        received_at="2026-11-20T14:30:00+00:00", customer_id=Ref("customer", customer),
        allocations=[dict(invoice_id=Ref("invoice", invoice), amount_minor=amount)])))


def payment_failed_event(db, *, invoice="in_1", attempt=1, next_attempt=None, event_id=None) -> None:
    body = {"id": event_id or f"evt_{invoice}_{attempt}", "type": "invoice.payment_failed", "data": {"object": {
        "id": invoice, "object": "invoice", "attempt_count": attempt, "next_payment_attempt": next_attempt,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_sandbox/test_{invoice}"}}}
    with db.session(write=True) as s:
        s.add(InboxEvent(provider="stripe", event_id=body["id"], event_type=body["type"],
                         body=json.dumps(body).encode(), status="ignored"))


def dispute(db, ext="du_1", *, payment="ch_1", status="open", amount=123450, version="1",
            due_by="2026-12-20T23:59:59+00:00") -> None:
    """A chargeback on ``payment`` as the Stripe connector hands it to ``sync.apply``."""
    apply(db, "stripe", Change("dispute", ext, version, dict(
        reference=ext, payment_id=Ref("payment", payment), customer_id=Ref("customer", "cus_1"),
        amount_minor=amount, currency="EUR",
        reason="product_not_received", status=status, evidence_due_by=due_by,
        opened_at="2026-11-25T10:00:00+00:00")))
