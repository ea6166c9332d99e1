"""The report functions' inputs, read from the canonical store (the I/O edge of ``reports``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revhub.reports.mrr import Recurring, monthly_value
from revhub.reports.receivables import Cash, Disputed, Receivable
from revhub.reports.recognition import ServiceLine
from revhub.store import (
    Customer,
    Dispute,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Product,
    PurchaseOrder,
    Refund,
    Subscription,
)

RECEIVABLE = ("open", "paid", "uncollectible")
# POs whose subscription counts as recurring revenue: approved and after, never cancelled.
RECURRING_PO = ("approved", "invoiced", "partially_paid", "paid")
# Stripe's subscription statuses: still billing, or ended (kept so that churn shows).
LIVE = ("active", "past_due", "trialing", "unpaid")
ENDED = ("canceled", "incomplete_expired")


def customer_names(session: Session) -> dict[str, str]:
    return {str(i): n for i, n in session.execute(select(Customer.id, Customer.name))}


def receivables(session: Session) -> list[Receivable]:
    """Invoices owed to us, each with the dated payments and credit notes on it. Money the
    books show as paid with no dated payment behind it counts as paid when the invoice last
    changed."""
    paid: dict[str, list[tuple[date, int]]] = defaultdict(list)
    rows = session.execute(select(PaymentAllocation.invoice_id, PaymentAllocation.amount_minor,
                                  func.coalesce(Payment.received_at, Payment.created_at))
                           .join(Payment, Payment.id == PaymentAllocation.payment_id)
                           .where(Payment.deleted_at.is_(None), Payment.status == "succeeded"))
    for invoice_id, amount, at in rows:
        paid[str(invoice_id)].append((at.date(), amount))
    credits = session.execute(select(Refund.invoice_id, Refund.amount_minor,
                                     func.coalesce(Refund.issued_at, Refund.created_at))
                              .where(Refund.kind == "credit_note", Refund.invoice_id.is_not(None),
                                     Refund.deleted_at.is_(None)))
    for invoice_id, amount, at in credits:
        paid[str(invoice_id)].append((at.date(), amount))
    out = []
    for inv in session.scalars(select(Invoice).where(Invoice.deleted_at.is_(None), Invoice.status.in_(RECEIVABLE),
                                                     Invoice.issue_date.is_not(None))):
        dated = paid.get(str(inv.id), [])
        unexplained = inv.amount_paid_minor - sum(a for _, a in dated)
        if unexplained > 0:
            dated = [*dated, (inv.updated_at.date(), unexplained)]
        out.append(Receivable(str(inv.id), inv.number, str(inv.customer_id), inv.currency, inv.issue_date,
                              inv.due_date or inv.issue_date, inv.total_minor, tuple(sorted(dated))))
    return out


def cash(session: Session) -> list[Cash]:
    applied = dict(session.execute(select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount_minor))
                                   .group_by(PaymentAllocation.payment_id)).all())
    out = [Cash((p.received_at or p.created_at).date(), p.currency, p.amount_minor, int(applied.get(p.id) or 0))
           for p in session.scalars(select(Payment).where(Payment.deleted_at.is_(None),
                                                          Payment.status.in_(("succeeded", "reversed"))))]
    out += [Cash((r.issued_at or r.created_at).date(), r.currency, r.amount_minor, refund=True)
            for r in session.scalars(select(Refund).where(Refund.deleted_at.is_(None), Refund.kind == "refund",
                                                          Refund.status == "succeeded"))]
    return out


def disputes(session: Session) -> list[Disputed]:
    """Every dispute with a customer. One decided without a known closing time (read from a full
    list, not an event) counts as decided when the record last changed."""
    out = []
    for d in session.scalars(select(Dispute).where(Dispute.deleted_at.is_(None), Dispute.customer_id.is_not(None))):
        decided = d.status not in ("open", "under_review")
        closed = (d.closed_at or d.updated_at).date() if decided else None
        out.append(Disputed(str(d.id), d.reference, str(d.customer_id), d.currency, d.amount_minor,
                            (d.opened_at or d.created_at).date(), closed, d.status if decided else None))
    return out


def service_lines(session: Session) -> list[ServiceLine]:
    """Invoice lines of invoices raised against a PO with a subscription period: the PO's period
    is the service period. Tax is left out: it is owed to the tax office, never revenue."""
    rows = session.execute(
        select(InvoiceLine.amount_minor, InvoiceLine.tax_minor, Invoice.id, Invoice.customer_id, Invoice.currency,
               Invoice.issue_date, Invoice.amounts_include_tax, PurchaseOrder.subscription_start,
               PurchaseOrder.subscription_end)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(PurchaseOrder, PurchaseOrder.id == Invoice.purchase_order_id)
        .where(Invoice.deleted_at.is_(None), Invoice.status.in_(RECEIVABLE), Invoice.issue_date.is_not(None),
               PurchaseOrder.subscription_start.is_not(None), PurchaseOrder.subscription_end.is_not(None)))
    return [ServiceLine(str(r.id), str(r.customer_id), r.currency, r.issue_date,
                        r.amount_minor - (r.tax_minor or 0) if r.amounts_include_tax else r.amount_minor,
                        r.subscription_start, r.subscription_end) for r in rows]


def recurring(session: Session) -> list[Recurring]:
    """PO subscription periods and the processor's subscriptions, as monthly amounts."""
    out = []
    for po in session.scalars(select(PurchaseOrder).where(
            PurchaseOrder.deleted_at.is_(None), PurchaseOrder.status.in_(RECURRING_PO),
            PurchaseOrder.subscription_start.is_not(None), PurchaseOrder.subscription_end.is_not(None))):
        net = po.total_minor - po.tax_minor if po.amounts_include_tax else po.total_minor
        out.append(Recurring(str(po.id), str(po.customer_id), po.currency,
                             monthly_value(net, po.subscription_start, po.subscription_end),
                             po.subscription_start, po.subscription_end))
    rows = session.execute(select(Subscription, Product).join(Product, Product.id == Subscription.product_id)
                           .where(Subscription.deleted_at.is_(None), Subscription.customer_id.is_not(None),
                                  Subscription.status.in_(LIVE + ENDED),
                                  Product.unit_amount_minor.is_not(None), Product.currency.is_not(None)))
    for sub, product in rows:
        per_interval = product.unit_amount_minor * sub.quantity
        monthly = per_interval // 12 if product.recurring_interval == "year" else per_interval
        start = (sub.current_period_start or sub.created_at).date()
        end = None if sub.status in LIVE else (sub.current_period_end or sub.updated_at).date()
        out.append(Recurring(str(sub.id), str(sub.customer_id), product.currency, monthly, start, end))
    return out
