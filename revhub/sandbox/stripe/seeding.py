"""Loading the generated data set as if it had happened through the API, in time order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from revhub.sandbox.dataset import PRODUCTS, Dataset
from revhub.sandbox.stripe import catalog


def _ts(day: date | datetime, hour: int = 10) -> int:
    if isinstance(day, datetime):
        return int(day.timestamp())
    return int(datetime.combine(day, time(hour), UTC).timestamp())


def load(sb, ds: Dataset) -> None:
    """Customers, products, invoices with PO numbers, payments (full, partial, over), refunds."""
    actions: list[tuple[int, int, Callable[[], None]]] = []
    state: dict[str, Any] = {"customers": {}, "products": {}, "invoices": {}, "charges": {}, "prices": {}}
    # One pass over the invoices (a scan per company was quadratic: minutes at 200k records).
    first_issue: dict[str, date] = {}
    for i in ds.invoices:
        if i.company not in first_issue or i.issue_date < first_issue[i.company]:
            first_issue[i.company] = i.issue_date
    first_use = {c.key: first_issue.get(c.key, date.today()) for c in ds.companies}
    order = 0

    def at(ts: int, fn: Callable[[], None]) -> None:
        nonlocal order
        order += 1
        actions.append((ts, order, fn))

    catalog_day = _ts(min(first_use.values(), default=date.today()) - timedelta(days=30))
    for sku, name, _, _interval in PRODUCTS:
        at(catalog_day, lambda sku=sku, name=name: state["products"].__setitem__(
            sku, catalog.create_product(sb, {"name": name, "metadata": {"sku": sku}})))
    for company in ds.companies:
        at(_ts(first_use[company.key] - timedelta(days=7)), lambda c=company: state["customers"].__setitem__(
            c.key, catalog.create_customer(sb, {
                "name": c.short_name, "email": c.email,
                "address": {"line1": c.street, "city": c.city, "state": c.region or "", "postal_code": c.postal_code,
                            "country": c.country},
                "metadata": {"tax_id": c.tax_id}})))
    for invoice in ds.invoices:
        at(_ts(invoice.issue_date), lambda inv=invoice: _invoice(sb, state, inv))
    payments_by_invoice: dict[str, list] = {}
    for payment in ds.payments:
        payments_by_invoice.setdefault(payment.invoice, []).append(payment)
        at(_ts(payment.paid_at), lambda pay=payment: _pay(sb, state, pay))
    for refund in ds.refunds:
        at(_ts(refund.refunded_at), lambda r=refund: sb.payments.refund(
            state["charges"][r.payment], r.amount, "requested_by_customer", object_id=r.processor_id))
    for invoice in ds.invoices:
        if invoice.status in ("void", "uncollectible") and invoice.number not in payments_by_invoice:
            at(_ts(invoice.issue_date + timedelta(days=20)), lambda inv=invoice: _close(sb, state, inv))
    actions.sort(key=lambda a: (a[0], a[1]))
    ceiling = int(sb.clock.time())
    try:
        for ts, _, fn in actions:
            sb._fixed_now = min(ts, ceiling)
            fn()
    finally:
        sb._fixed_now = None


def _invoice(sb, state: dict, inv) -> None:
    customer = state["customers"][inv.company]
    created = sb.invoices.create({"customer": customer["id"], "collection_method": "send_invoice",
                                  "days_until_due": str(max(0, (inv.due_date - inv.issue_date).days)),
                                  "currency": inv.currency.lower(), "number": inv.number,
                                  "custom_fields": [{"name": "PO number", "value": inv.po_number}],
                                  "metadata": {"po_number": inv.po_number}})
    for line in inv.lines:
        product = state["products"][line.sku]
        sb.invoices.add_line(created, {"description": line.description, "quantity": str(line.quantity),
                                       "price_data": {"currency": inv.currency.lower(), "product": product["id"],
                                                      "unit_amount": str(line.unit_amount)}})
    sb.invoices.finalize(created)
    state["invoices"][inv.number] = created


def _pay(sb, state: dict, payment) -> None:
    invoice = state["invoices"][payment.invoice]
    if invoice["status"] not in ("open", "uncollectible"):
        return
    intent = sb.payments.intent(payment.amount, invoice["currency"], invoice["customer"],
                                description=f"Payment for Invoice {invoice['number']}",
                                object_id=payment.processor_id)
    sb.payments.confirm(intent, "pm_card_visa")
    state["charges"][payment.key] = sb.store["charge"].get(intent["latest_charge"])
    sb.invoices.attach(invoice, intent)


def _close(sb, state: dict, inv) -> None:
    invoice = state["invoices"][inv.number]
    if inv.status == "void":
        sb.invoices.void(invoice)
    else:
        sb.invoices.mark_uncollectible(invoice)
