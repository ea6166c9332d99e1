"""The matching engine: which receipts are matched automatically, to what, and which are not."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from revhub.recon.matching import Allocation, OpenInvoice, Receipt, match

JAN = date(2026, 1, 15)


def invoice(id_: str, number: str, due: int, customer: str = "acme", po: str | None = None,
            currency: str = "EUR", total: int | None = None) -> OpenInvoice:
    return OpenInvoice(id_, number, po, customer, currency, total or due, due, date(2026, 1, 1), date(2026, 1, 31))


def paid(amount: int, reference: str | None = None, customer: str | None = "acme", currency: str = "EUR",
         id_: str = "pay_1", **extra) -> Receipt:
    return Receipt(id_, amount, currency, JAN, customer, reference, **extra)


def only_match(invoices, receipts, rates=None):
    result = match(invoices, receipts, rates) if rates else match(invoices, receipts)
    assert len(result.matches) == 1, result
    return result.matches[0]


def test_an_invoice_number_in_any_dress_is_read_from_the_reference():
    books = [invoice("i1", "INV-0042", 12100), invoice("i2", "INV-0043", 12100)]
    for reference in ("inv 0042", "Payment INV0042 2026-01-14", "#0042", "Betaling factuur INV-0042"):
        m = only_match(books, [paid(12100, reference)])
        assert (m.rule, m.allocations) == ("reference", (Allocation("i1", 12100),)), reference


def test_a_po_number_with_a_leading_po_and_spaces_finds_its_invoice():
    m = only_match([invoice("i1", "INV-0042", 50000, po="PO-2026-0017")], [paid(50000, "po 2026 0017")])
    assert m.allocations == (Allocation("i1", 50000),)


def test_a_processor_link_is_the_strongest_rule():
    m = only_match([invoice("i1", "INV-0042", 5000), invoice("i2", "INV-0043", 5000)],
                   [paid(5000, "INV-0043", linked_invoice_ids=("i1",))])
    assert (m.rule, m.allocations) == ("linked", (Allocation("i1", 5000),))


def test_one_typo_is_read_when_one_invoice_could_be_meant_and_the_amount_agrees():
    m = only_match([invoice("i1", "INV-004471", 7300), invoice("i2", "INV-009999", 7300)], [paid(7300, "INV-004417")])
    assert (m.rule, m.allocations) == ("reference:typo", (Allocation("i1", 7300),))
    assert m.evidence["edits"] == 1


def test_a_typo_with_a_different_amount_goes_to_a_person():
    result = match([invoice("i1", "INV-004471", 7300)], [paid(7000, "INV-004417")])
    assert result.matches == ()
    assert result.unmatched[0].candidates[0].invoice_ids == ("i1",)


def test_a_typo_two_invoices_could_explain_goes_to_a_person_with_both_ranked():
    books = [invoice("i1", "INV-004471", 7300), invoice("i2", "INV-004472", 7300)]
    result = match(books, [paid(7300, "INV-00447")])
    assert result.matches == ()
    assert {c.invoice_ids for c in result.unmatched[0].candidates} == {("i1",), ("i2",)}


def test_a_typo_landing_on_the_customers_other_invoice_is_not_taken_for_a_partial_payment():
    books = [invoice("i1", "INV-004471", 7300), invoice("i2", "INV-004477", 9900)]
    result = match(books, [paid(7300, "INV-004477")])
    assert result.matches == ()
    assert "INV-004471" in result.unmatched[0].reason


def test_a_partial_payment_leaves_the_rest_due_and_the_second_part_finishes_it():
    books = [invoice("i1", "INV-0042", 30000)]
    result = match(books, [paid(10000, "INV-0042", id_="a"), Receipt("b", 20000, "EUR", date(2026, 1, 20), "acme",
                                                                     "INV-0042")])
    assert [m.allocations for m in result.matches] == [(Allocation("i1", 10000),), (Allocation("i1", 20000),)]


def test_an_over_payment_pays_the_invoice_and_leaves_the_rest_on_account():
    m = only_match([invoice("i1", "INV-0042", 30000)], [paid(31500, "INV-0042")])
    assert (m.allocations, m.unapplied_minor) == ((Allocation("i1", 30000),), 1500)


def test_one_payment_naming_two_invoices_pays_both_when_it_is_their_sum():
    books = [invoice("i1", "INV-0042", 30000), invoice("i2", "INV-0043", 12000)]
    m = only_match(books, [paid(42000, "INV-0042, INV-0043")])
    assert m.allocations == (Allocation("i1", 30000), Allocation("i2", 12000))


def test_one_payment_naming_two_invoices_but_paying_part_goes_to_a_person():
    books = [invoice("i1", "INV-0042", 30000), invoice("i2", "INV-0043", 12000)]
    assert match(books, [paid(40000, "INV-0042 INV-0043")]).matches == ()


def test_the_longest_reading_of_a_reference_wins():
    books = [invoice("i1", "INV-0042", 30000), invoice("i2", "INV-0042-C", 12000)]
    m = only_match(books, [paid(12000, "INV 0042 C")])
    assert m.allocations == (Allocation("i2", 12000),)


def test_a_second_payment_of_a_paid_invoice_is_flagged_as_a_possible_duplicate():
    books = [invoice("i1", "INV-0042", 30000)]
    result = match(books, [paid(30000, "INV-0042", id_="a"), paid(30000, "INV-0042", id_="b")])
    assert [m.receipt_id for m in result.matches] == ["a"]
    assert "duplicate" in result.unmatched[0].reason


def test_a_refund_quoting_the_invoice_takes_back_part_of_what_was_paid():
    books = [invoice("i1", "INV-0042", 0, total=30000)]
    m = only_match(books, [paid(7500, "Refund INV-0042", kind="refund")])
    assert (m.rule, m.allocations) == ("reference:refund", (Allocation("i1", -7500),))


def test_a_refund_larger_than_what_was_paid_goes_to_a_person():
    books = [invoice("i1", "INV-0042", 20000, total=30000)]
    assert match(books, [paid(12000, "Refund INV-0042", kind="refund")]).matches == ()


def test_a_payment_in_another_currency_is_converted_at_the_days_rate_and_the_rate_kept():
    def rates(source, target, on):
        return Decimal("0.92") if (source, target) == ("USD", "EUR") else None

    m = only_match([invoice("i1", "INV-0042", 92000)], [paid(100100, "INV-0042", currency="USD")], rates)
    assert m.allocations == (Allocation("i1", 92000),)
    assert (m.rate, m.unapplied_minor) == (Decimal("0.92"), 0)


def test_a_payment_in_another_currency_without_a_rate_goes_to_a_person():
    assert match([invoice("i1", "INV-0042", 92000)], [paid(100000, "INV-0042", currency="USD")]).matches == ()


def test_the_only_open_invoice_of_the_customer_due_this_amount_is_matched_without_a_reference():
    books = [invoice("i1", "INV-0042", 30000), invoice("i2", "INV-0043", 12000)]
    m = only_match(books, [paid(12000)])
    assert (m.rule, m.allocations) == ("amount+customer", (Allocation("i2", 12000),))


def test_two_open_invoices_due_the_same_amount_are_never_guessed_between():
    books = [invoice("i1", "INV-0042", 12000), invoice("i2", "INV-0043", 12000)]
    result = match(books, [paid(12000)])
    assert result.matches == ()
    assert len(result.unmatched[0].candidates) == 2


def test_an_amount_alone_from_an_unknown_payer_is_never_enough():
    assert match([invoice("i1", "INV-0042", 12000)], [paid(12000, customer=None)]).matches == ()


def test_a_reference_naming_another_customers_invoice_is_not_matched():
    result = match([invoice("i1", "INV-0042", 12000, customer="globex")], [paid(12000, "INV-0042")])
    assert result.matches == ()
    assert "another customer" in result.unmatched[0].reason


def test_the_only_set_of_open_invoices_adding_up_to_a_payment_is_matched_as_combined():
    books = [invoice("i1", "INV-0042", 30000), invoice("i2", "INV-0043", 12000), invoice("i3", "INV-0044", 7000)]
    m = only_match(books, [paid(37000)])
    assert m.rule == "amount+customer:combined"
    assert {a.invoice_id for a in m.allocations} == {"i1", "i3"}


def test_the_same_data_in_any_order_gives_the_same_matches():
    books = [invoice(f"i{n}", f"INV-{n:04d}", 1000 * (n % 4 + 1)) for n in range(40)]
    receipts = [Receipt(f"p{n}", 1000 * (n % 4 + 1), "EUR", date(2026, 1, 1 + n % 20), "acme",
                        f"INV-{n:04d}" if n % 3 else None) for n in range(40)]
    first = match(books, receipts)
    for seed in range(5):
        rng = random.Random(seed)
        shuffled_books, shuffled_receipts = books[:], receipts[:]
        rng.shuffle(shuffled_books)
        rng.shuffle(shuffled_receipts)
        assert match(shuffled_books, shuffled_receipts) == first


def test_the_rate_the_processor_realised_converts_between_currencies_of_different_exponents():
    books = [invoice("i1", "INV-0042", 1_500_000, currency="JPY")]  # ¥1,500,000
    m = only_match(books, [paid(912_000, "INV-0042", settled=("JPY", 1_500_000))])  # €9,120.00
    assert m.allocations == (Allocation("i1", 1_500_000),)
    assert m.rate == Decimal("1500000") / Decimal("9120.00")
