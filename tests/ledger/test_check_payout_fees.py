"""The pure comparison with fees booked per payout: each Stripe fee meets the "Stripe fees of
po_…" booking of the payout that settled it, whatever month each is dated in, and is not
expected in Xero before that payout lands."""

from __future__ import annotations

from datetime import date

from revhub.ledger.check import Entry, compare

NOV_30, DEC_1, DEC_2 = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)


def fee(side: str, record_id: str, amount: int, *keys: str, on: date = NOV_30, payout: str | None = None) -> Entry:
    return Entry(side, "fee", record_id, "EUR", amount, on, frozenset(keys), payout=payout)


def payout(po: str, amount: int, under_way: bool = False) -> list[Entry]:
    """The payout as Stripe and the store hold it, and (once landed) Xero's transfer."""
    transfer = [] if under_way else [Entry("xero", "payout", "tr-1", "EUR", amount, DEC_2, frozenset({po}))]
    return [Entry("stripe", "payout", po, "EUR", amount, DEC_1, frozenset({po}), under_way=under_way),
            Entry("store", "payout", "pay-out-1", "EUR", amount, DEC_1, frozenset({po}), under_way=under_way),
            *transfer]


def charged(po: str | None = "po_1") -> list[Entry]:
    """Two late-November charges' fees, as Stripe (settled by ``po``) and the store hold them."""
    return [fee("stripe", "txn_1", 320, "ch_1", payout=po), fee("store", "fee-1", 320, "txn_1"),
            fee("stripe", "txn_2", 180, "ch_2", payout=po), fee("store", "fee-2", 180, "txn_2")]


def booked(amount: int = 500, on: date = DEC_2) -> Entry:
    return fee("xero", "bt-po", amount, "po_1", on=on)


def test_fees_of_a_payout_booked_the_next_month_balance_in_the_month_of_the_charges():
    entries = [*charged(), *payout("po_1", 9_500), booked()]
    assert compare(entries, "2026-11", fees_per_payout=True).balanced
    assert compare(entries, "2026-12", fees_per_payout=True).balanced


def test_a_payouts_booking_short_of_its_fees_names_the_fees_and_the_booking():
    [difference] = [d for d in compare([*charged(), *payout("po_1", 9_500), booked(450)],
                                       fees_per_payout=True).differences if d.kind == "fee"]
    assert (difference.problem, difference.amounts) == ("amount_differs", {"stripe": 500, "xero": 450, "store": 500})
    assert difference.records["stripe"] == ["txn_1", "txn_2"]
    assert difference.records["xero"] == ["bt-po"]


def test_fees_of_a_payout_in_transit_are_not_expected_in_xero_yet():
    report = compare([*charged(), *payout("po_1", 9_500, under_way=True)], fees_per_payout=True)
    assert report.balanced
    assert [(x.period, x.stripe["in_transit"]) for x in report.ledgers] == [("2026-11", 0), ("2026-12", 9_500)]


def test_fees_no_payout_has_settled_yet_are_not_expected_in_xero_yet():
    assert compare(charged(po=None), fees_per_payout=True).balanced


def test_a_fee_stripe_and_the_store_disagree_on_is_named_even_before_its_payout_lands():
    entries = [fee("stripe", "txn_1", 320, "ch_1", payout=None), fee("store", "fee-1", 300, "txn_1")]
    [difference] = compare(entries, fees_per_payout=True).differences
    assert (difference.problem, difference.sides) == ("amount_differs", ["stripe", "store"])


def test_fees_booked_per_charge_still_need_their_own_booking_while_the_payout_is_in_transit():
    entries = [*charged(), *payout("po_1", 9_500, under_way=True), fee("xero", "bt-1", 320, "txn_1")]
    differences = [d for d in compare(entries).differences if d.kind == "fee"]
    assert [(d.problem, d.sides) for d in differences] == [("missing", ["xero"])]
    assert "txn_2" in differences[0].records["stripe"]
