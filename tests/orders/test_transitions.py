"""The PO workflow around a voided invoice: pure rules, no store."""

from __future__ import annotations

import pytest

from revhub.orders.service import TRANSITIONS, settlement
from revhub.store import Invoice


def invoice(status: str, total: int = 1000, paid: int = 0) -> Invoice:
    return Invoice(status=status, total_minor=total, amount_paid_minor=paid, amount_due_minor=total - paid,
                   deleted_at=None)


def test_a_po_whose_only_invoice_is_void_settles_as_invoice_voided():
    assert settlement([invoice("void")]).status == "invoice_voided"


def test_a_voided_invoice_beside_a_new_open_one_leaves_the_po_as_it_is():
    assert settlement([invoice("void"), invoice("open")]) is None


def test_a_voided_invoice_beside_a_paid_one_settles_the_po_as_paid():
    assert settlement([invoice("void"), invoice("paid", paid=1000)]).status == "paid"


@pytest.mark.parametrize("status", ["invoiced", "partially_paid"])
def test_an_invoiced_po_can_have_its_invoice_voided_but_not_be_cancelled_or_re_invoiced_directly(status):
    assert "invoice_voided" in TRANSITIONS[status] and "cancelled" not in TRANSITIONS[status]


def test_from_invoice_voided_a_po_is_re_invoiced_or_cancelled_and_nothing_else():
    assert TRANSITIONS["invoice_voided"] == {"invoiced", "cancelled"}
