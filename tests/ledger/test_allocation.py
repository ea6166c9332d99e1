"""Splitting received money between Xero invoices and customer credit."""

from revhub.connectors.xero.allocation import Split, split_payment


def test_a_payment_of_exactly_the_amount_due_is_all_applied():
    assert split_payment(100_000, [("inv", 100_000)], {"inv": 100_000}) == Split([("inv", 100_000)], 0)


def test_an_overpayment_applies_the_amount_due_and_keeps_the_rest_as_excess():
    assert split_payment(120_000, [("inv", 120_000)], {"inv": 100_000}) == Split([("inv", 100_000)], 20_000)


def test_a_payment_on_an_invoice_already_paid_in_xero_is_all_excess():
    assert split_payment(5_000, [("inv", 5_000)], {"inv": 0}) == Split([], 5_000)


def test_a_payment_over_two_invoices_fills_each_up_to_its_due_in_order():
    split = split_payment(30_000, [("a", 20_000), ("b", 10_000)], {"a": 15_000, "b": 10_000})
    assert split == Split([("a", 15_000), ("b", 10_000)], 5_000)


def test_an_allocation_larger_than_the_payment_never_applies_more_than_was_received():
    assert split_payment(4_000, [("inv", 9_000)], {"inv": 9_000}) == Split([("inv", 4_000)], 0)
