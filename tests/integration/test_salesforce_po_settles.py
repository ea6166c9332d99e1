"""A PO that came from Salesforce (never through revhub's intake) settles when its invoice is
paid in Stripe: the PO moves to paid in the store and in Salesforce, and nothing else is made."""

import pytest
from sqlalchemy import func, select

from revhub.store import Invoice, Link, PurchaseOrder
from revhub.sync.jobs import sync_all
from tests.integration.clients import drain, salesforce_po, stripe_client

pytestmark = pytest.mark.store


def _partly_paid(db) -> tuple[PurchaseOrder, Invoice]:
    """A Salesforce PO the seed left partially paid, and its open Stripe invoice."""
    with db.session() as s:
        for po in s.scalars(select(PurchaseOrder).where(PurchaseOrder.status == "partially_paid")
                            .order_by(PurchaseOrder.po_number)):
            invoices = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po.id)).all()
            if len(invoices) == 1 and invoices[0].status == "open":
                return po, invoices[0]
    raise AssertionError("the seed has no partially paid PO with one open invoice")


def _link(db, record_id, system: str) -> str:
    with db.session() as s:
        return s.scalar(select(Link.external_id).where(Link.canonical_id == record_id, Link.system == system))


def test_paying_the_rest_of_a_salesforce_po_marks_it_paid_everywhere(db, vault, hub):
    po, invoice = _partly_paid(db)
    with db.session() as s:
        pos_before = s.scalar(select(func.count()).select_from(PurchaseOrder))
    stripe_client(hub).v1.invoices.pay(_link(db, invoice.id, "stripe"), {"payment_method": "pm_card_visa"})

    runs = sync_all(db, vault, [("stripe", "invoice")])

    assert [(r.status, r.note) for r in runs] == [("succeeded", None)]
    with db.session() as s:
        assert s.get(PurchaseOrder, po.id).status == "paid"
        assert s.scalar(select(func.count()).select_from(PurchaseOrder)) == pos_before
    drain(db, vault, "salesforce")
    assert salesforce_po(hub, _link(db, po.id, "salesforce"))["Status__c"] == "Paid"
