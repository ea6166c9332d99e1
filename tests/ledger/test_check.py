"""The pure comparison: given what each side holds, the ledgers and the differences."""

from __future__ import annotations

import json
from datetime import date

from revhub.ledger.check import Entry, compare

NOV = date(2026, 11, 5)


def entry(side: str, kind: str, record_id: str, amount: int, *keys: str, on: date = NOV,
          currency: str = "EUR", via_stripe: bool = True, clearing: bool = False, refs=(),
          under_way: bool = False) -> Entry:
    return Entry(side, kind, record_id, currency, amount, on, frozenset(keys), tuple(refs), via_stripe, clearing,
                 under_way)


def paid(amount: int = 10_000, charge: str = "ch_1", xero_id: str = "xp-1", canonical: str = "pay-1",
         **kw) -> list[Entry]:
    """One card payment as each side holds it, linked through the store (charge id, Xero id)."""
    return [entry("stripe", "payment", charge, amount, "pi_1", refs=("txn_1",), **kw),
            entry("xero", "payment", xero_id, amount, "pi_1", clearing=True, **kw),
            entry("store", "payment", canonical, amount, charge, xero_id, "pi_1", **kw)]


def test_a_payment_every_side_holds_for_the_same_amount_is_balanced():
    report = compare(paid())
    assert report.balanced
    ledger = report.ledgers[0]
    assert (ledger.currency, ledger.period) == ("EUR", "2026-11")
    assert ledger.stripe["net"] == ledger.xero["net"] == ledger.store["net"] == 10_000


def test_a_charge_with_no_xero_payment_is_missing_in_xero_and_names_the_charge_and_the_store_record():
    report = compare([e for e in paid() if e.side != "xero"])
    [difference] = report.differences
    assert (difference.kind, difference.problem, difference.sides) == ("payment", "missing", ["xero"])
    assert difference.records == {"stripe": ["ch_1", "txn_1"], "store": ["pay-1"]}
    assert difference.amounts == {"stripe": 10_000, "xero": None, "store": 10_000}
    assert "ch_1" in difference.message and "none in xero" in difference.message


def test_a_refund_with_no_credit_note_is_missing_in_xero():
    entries = [entry("stripe", "refund", "re_1", 2_500, "ch_1"), entry("store", "refund", "ref-1", 2_500, "re_1")]
    [difference] = compare(entries).differences
    assert (difference.kind, difference.problem, difference.sides) == ("refund", "missing", ["xero"])
    assert difference.records == {"stripe": ["re_1"], "store": ["ref-1"]}


def test_a_fee_booked_twice_in_xero_names_both_bank_transactions():
    entries = [entry("stripe", "fee", "txn_1", 320, "ch_1"), entry("store", "fee", "pay-1", 320, "ch_1"),
               entry("xero", "fee", "bt-1", 320, "ch_1"), entry("xero", "fee", "bt-2", 320, "ch_1")]
    [difference] = compare(entries).differences
    assert (difference.problem, difference.sides) == ("booked_twice", ["xero"])
    assert difference.records["xero"] == ["bt-1", "bt-2"]
    assert difference.amounts["xero"] == 640


def test_an_amount_that_differs_lists_every_side_and_its_amount():
    entries = paid()
    entries[1] = entry("xero", "payment", "xp-1", 9_000, "pi_1")
    [difference] = compare(entries).differences
    assert (difference.problem, difference.sides) == ("amount_differs", ["stripe", "xero", "store"])
    assert difference.amounts == {"stripe": 10_000, "xero": 9_000, "store": 10_000}


def test_a_bank_payment_that_never_went_through_stripe_needs_only_xero_and_the_store():
    entries = [entry("xero", "payment", "xp-9", 5_000, via_stripe=False),
               entry("store", "payment", "pay-9", 5_000, "xp-9", via_stripe=False)]
    assert compare(entries).balanced


def test_an_overpayment_received_in_xero_counts_with_the_payment_it_came_with():
    over = [entry("stripe", "payment", "ch_1", 12_000, "pi_1"),
            entry("xero", "payment", "xp-1", 10_000, "pi_1"),
            entry("xero", "payment", "bt-over", 2_000, "pi_1"),
            entry("store", "payment", "pay-1", 12_000, "ch_1", "xp-1")]
    assert compare(over).balanced


def test_fees_booked_per_payout_balance_when_their_total_is_stripes():
    entries = [entry("stripe", "fee", "txn_1", 320, "ch_1"), entry("store", "fee", "pay-1", 320, "ch_1"),
               entry("stripe", "fee", "txn_2", 180, "ch_2"), entry("store", "fee", "pay-2", 180, "ch_2"),
               entry("xero", "fee", "bt-po", 500, "po_1")]
    assert compare(entries).balanced


def test_fees_booked_per_payout_that_fall_short_list_each_unbooked_fee():
    entries = [entry("stripe", "fee", "txn_1", 320, "ch_1"), entry("store", "fee", "pay-1", 320, "ch_1"),
               entry("xero", "fee", "bt-po", 300, "po_1")]
    differences = compare(entries).differences
    assert {(d.problem, tuple(d.sides)) for d in differences} == {("missing", ("xero",)),
                                                                  ("missing", ("stripe", "store"))}
    assert {r for d in differences for rs in d.records.values() for r in rs} == {"txn_1", "pay-1", "bt-po"}


def test_a_payment_counts_in_the_month_of_its_stripe_date_even_when_xero_dates_it_next_month():
    entries = paid(on=date(2026, 10, 31))
    entries[1] = entry("xero", "payment", "xp-1", 10_000, "pi_1", on=date(2026, 11, 1))
    assert compare(entries, period="2026-10").balanced
    assert compare(entries, period="2026-11").ledgers == []


def test_the_currency_filter_keeps_only_that_currency():
    entries = paid() + [entry("stripe", "payment", "ch_jp", 5_000, currency="JPY")]
    report = compare(entries, currency="EUR")
    assert report.balanced and [x.currency for x in report.ledgers] == ["EUR"]


def test_a_paid_payout_with_no_bank_transfer_is_missing_in_xero():
    entries = [entry("stripe", "payout", "po_1", 9_680, refs=("txn_p",)),
               entry("store", "payout", "out-1", 9_680, "po_1")]
    [difference] = compare(entries).differences
    assert (difference.kind, difference.problem, difference.sides) == ("payout", "missing", ["xero"])
    assert difference.records == {"stripe": ["po_1", "txn_p"], "store": ["out-1"]}


def test_a_payout_still_in_transit_is_not_yet_expected_in_xero_and_shows_as_in_transit():
    entries = [entry("stripe", "payout", "po_1", 9_680, under_way=True),
               entry("store", "payout", "out-1", 9_680, "po_1", under_way=True)]
    report = compare(entries)
    assert report.balanced and report.ledgers[0].stripe["in_transit"] == 9_680


def test_a_payout_that_failed_and_came_back_needs_no_transfer():
    entries = [entry("stripe", "payout", "po_1", 9_680), entry("stripe", "payout", "po_1", -9_680, refs=("txn_f",))]
    report = compare(entries)
    assert report.balanced and report.ledgers[0].stripe["balance_change"] == 0


def test_the_clearing_account_moves_as_stripes_balance_does():
    entries = paid() + [
        entry("stripe", "fee", "txn_1", 320, "ch_1"), entry("store", "fee", "pay-1", 320, "ch_1"),
        entry("xero", "fee", "bt-1", 320, "ch_1", clearing=True),
        entry("stripe", "payout", "po_1", 9_680), entry("xero", "payout", "tr-1", 9_680, "po_1", clearing=True),
        entry("store", "payout", "out-1", 9_680, "po_1")]
    report = compare(entries)
    assert report.balanced
    ledger = report.ledgers[0]
    assert ledger.stripe["balance_change"] == ledger.xero["clearing_movement"] == 0
    assert ledger.stripe["fees"] == ledger.xero["fees"] == ledger.store["fees"] == 320


def test_json_output_carries_amounts_as_exact_decimals_in_the_currencys_own_places():
    entries = [entry("stripe", "payment", "ch_jp", 45_000, currency="JPY")]
    out = json.loads(json.dumps(compare(entries).as_json()))
    assert out["balanced"] is False
    assert out["ledgers"][0]["stripe"]["captured"] == "45000"
    assert out["differences"][0]["amounts"] == {"stripe": "45000", "xero": None, "store": None}


def test_a_charge_settled_in_another_currency_moves_that_currencys_balance_and_clearing_account():
    charge = Entry("stripe", "payment", "ch_1", "USD", 10_000, NOV, frozenset({"pi_1"}),
                   settled_currency="EUR", settled_minor=9_200)
    booked = Entry("xero", "payment", "xp-1", "USD", 10_000, NOV, frozenset({"pi_1"}), clearing=True,
                   settled_currency="EUR", settled_minor=9_200)
    stored = entry("store", "payment", "pay-1", 10_000, "ch_1", currency="USD")
    fee = [entry("stripe", "fee", "txn_1", 297, "ch_1"), entry("store", "fee", "pay-1", 297, "ch_1"),
           entry("xero", "fee", "bt-1", 297, "ch_1", clearing=True)]
    report = compare([charge, booked, stored, *fee], currency="EUR")
    assert report.balanced
    [eur] = report.ledgers
    assert eur.stripe["balance_change"] == eur.xero["clearing_movement"] == 9_200 - 297


def test_a_fee_the_store_holds_in_the_charges_currency_while_stripe_took_it_in_another_is_named():
    entries = [entry("stripe", "fee", "txn_1", 297, "ch_1", currency="EUR"),
               entry("xero", "fee", "bt-1", 297, "ch_1", currency="EUR"),
               entry("store", "fee", "pay-1", 297, "ch_1", currency="USD")]
    [difference] = compare(entries).differences
    assert (difference.problem, difference.sides) == ("currency_differs", ["store"])
    assert "store payment fee pay-1 USD 2.97" in difference.message


def test_a_charge_xero_converted_at_another_rate_than_stripe_is_named_settled_differs():
    charge = Entry("stripe", "payment", "ch_1", "USD", 10_000, NOV, frozenset({"pi_1"}),
                   settled_currency="EUR", settled_minor=9_200)
    booked = Entry("xero", "payment", "xp-1", "USD", 10_000, NOV, frozenset({"pi_1"}), clearing=True,
                   settled_currency="EUR", settled_minor=9_150)
    stored = entry("store", "payment", "pay-1", 10_000, "ch_1", currency="USD")
    [difference] = compare([charge, booked, stored]).differences
    assert (difference.problem, difference.sides) == ("settled_differs", ["stripe", "xero"])
    assert "EUR 92.00" in difference.message and "EUR 91.50" in difference.message


def test_an_over_payment_whose_excess_moved_xeros_clearing_account_in_the_charges_currency_is_settled_differs():
    # 50,000 JPY settled by Stripe as EUR 305.00; Xero: 45,000 allocated (EUR 274.50) and the
    # 5,000 excess held as credit, booked in JPY into the EUR clearing account with no rate.
    charge = Entry("stripe", "payment", "ch_1", "JPY", 50_000, NOV, frozenset({"pi_1"}),
                   settled_currency="EUR", settled_minor=30_500)
    allocated = Entry("xero", "payment", "xp-1", "JPY", 45_000, NOV, frozenset({"pi_1"}), clearing=True,
                      settled_currency="EUR", settled_minor=27_450)
    excess = Entry("xero", "payment", "bt-1", "JPY", 5_000, NOV, frozenset({"pi_1"}), clearing=True)
    stored = entry("store", "payment", "pay-1", 50_000, "ch_1", currency="JPY")
    [difference] = compare([charge, allocated, excess, stored]).differences
    assert (difference.problem, difference.sides) == ("settled_differs", ["stripe", "xero"])


def test_a_foreign_charge_xero_booked_into_the_clearing_account_at_face_value_is_settled_differs():
    charge = Entry("stripe", "payment", "ch_1", "USD", 10_000, NOV, frozenset({"pi_1"}),
                   settled_currency="EUR", settled_minor=9_200)
    booked = Entry("xero", "payment", "xp-1", "USD", 10_000, NOV, frozenset({"pi_1"}), clearing=True)
    stored = entry("store", "payment", "pay-1", 10_000, "ch_1", currency="USD")
    [difference] = compare([charge, booked, stored]).differences
    assert (difference.problem, difference.sides) == ("settled_differs", ["stripe", "xero"])
