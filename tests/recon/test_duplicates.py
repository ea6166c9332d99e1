"""The duplicate-invoice guard."""

from datetime import date

from revhub.recon.duplicates import InvoiceShape, all_suspects, suspects_for

LINES = (("seat", 10, 100_000),)


def shape(id_, po="PO-4471", total=1_000_000, issued=date(2026, 3, 1), customer="acme", lines=LINES):
    return InvoiceShape(id_, f"INV-{id_}", customer, "EUR", total, issued, po, lines)


def test_the_same_customer_po_number_and_total_is_a_suspect_however_the_po_is_written():
    [suspect] = suspects_for(shape("new", po="po 4471"), [shape("x1")])
    assert suspect.invoice_ids == ("new", "x1")
    assert "PO number" in suspect.why


def test_the_same_lines_and_total_within_the_window_is_a_suspect_without_a_po():
    assert suspects_for(shape("new", po=None, issued=date(2026, 3, 20)), [shape("x1", po=None)])


def test_the_same_lines_two_months_apart_are_a_monthly_bill_not_a_duplicate():
    assert not suspects_for(shape("new", po=None, issued=date(2026, 5, 1)), [shape("x1", po=None)])


def test_another_customer_or_another_total_is_never_a_suspect():
    assert not suspects_for(shape("new", customer="globex"), [shape("x1")])
    assert not suspects_for(shape("new", total=999_999), [shape("x1")])


def test_existing_pairs_are_listed_once_each():
    books = [shape("a"), shape("b", issued=date(2026, 3, 2)), shape("c", total=5)]
    assert [(s.invoice_ids, s.code) for s in all_suspects(books)] == [(("a", "b"), "duplicate")]
