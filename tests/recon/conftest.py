"""Books with two open invoices of one customer, and receipts to match against them."""

import pytest

from revhub.connectors.base import Change, Ref
from tests.sync.changes import apply, customer


def xero_invoice(ext: str, number: str, total: int, po: str | None = None) -> Change:
    return Change("invoice", ext, "1", dict(
        number=number, po_number=po, customer_id=Ref("customer", "cus_1"), currency="EUR",
        issue_date="2026-11-02", due_date="2026-12-02", subtotal_minor=total, tax_minor=0, total_minor=total,
        amount_paid_minor=0, amount_due_minor=total, status="open"))


def bank_receipt(ext: str, amount: int, reference: str | None) -> Change:
    """Money that arrived in Stripe with no invoice attached (a bank transfer to the customer balance)."""
    return Change("payment", ext, "1", dict(
        amount_minor=amount, currency="EUR", fee_minor=0, net_minor=amount, status="succeeded",
        received_at="2026-11-20T14:30:00+00:00", customer_id=Ref("customer", "cus_1"), reference=reference))


@pytest.fixture
def books(connections):
    apply(connections, "stripe", customer("cus_1", "1"))
    apply(connections, "xero", xero_invoice("inv-a", "INV-0042", 30000, po="PO-4471"),
          xero_invoice("inv-b", "INV-0043", 12000))
    return connections
