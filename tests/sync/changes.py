"""Changes as connectors hand them to ``sync.apply``, for the sync tests."""

from revhub.connectors.base import Change, Ref
from revhub.sync.apply import apply_changes
from revhub.sync.context import context_for


def apply(db, system, *changes):
    with db.session(write=True) as s:
        return apply_changes(s, context_for(s, system), list(changes))


def customer(ext, version, **fields):
    record = dict(name="Acme Labs Inc.", email="ap@acmelabs.example", tax_id="US123456789",
                  default_currency="USD")
    record.update(fields)
    return Change("customer", ext, version, record, changed_at="2026-11-20T10:00:00+00:00")


def stripe_invoice(external_id: str = "in_1") -> Change:
    return Change("invoice", external_id, "1", dict(
        number="INV-1002", customer_id=Ref("customer", "cus_1"), currency="EUR", issue_date="2026-11-02",
        due_date="2026-12-02", total_minor=50000, amount_paid_minor=50000, amount_due_minor=0, status="paid"))


def payment_of(invoice_external_id: str) -> Change:
    return Change("payment", "ch_9", "1", dict(
        amount_minor=50000, currency="EUR", fee_minor=1480, net_minor=48520, status="succeeded",
        received_at="2026-11-20T14:30:00+00:00", customer_id=Ref("customer", "cus_1"),
        allocations=[dict(invoice_id=Ref("invoice", invoice_external_id), amount_minor=50000)]))
