"""Three-way match (PO, invoice, service period) and the PO ledger, worked by hand."""

from datetime import date
from decimal import Decimal

import pytest

from revhub.recon.three_way import Bill, Line, Order, Tolerances, check, po_ledger

PO = Order("po1", "EUR", 1_200_000, (Line("seat", 10, 100_000, 1_000_000), Line("support", 1, 200_000, 200_000)),
           date(2026, 1, 1), date(2026, 12, 31))
STRICT = Tolerances()


HALF = (Line("seat", 5, 100_000, 500_000), Line("support", 1, 100_000, 100_000))


def bill(total=600_000, issued=date(2026, 3, 1), lines=HALF, id_="b1", paid=0):
    return Bill(id_, "EUR", total, issued, lines, paid)


def codes(findings):
    return sorted(f.code for f in findings)


def test_an_invoice_within_the_po_and_its_period_has_no_findings():
    assert check(PO, bill(), [], STRICT) == []


def test_an_invoice_above_what_is_left_on_the_po_is_flagged_and_blocks_by_default():
    earlier = bill(id_="b0", total=1_000_000)
    [finding] = check(PO, bill(total=300_000, lines=()), [earlier], STRICT)
    assert (finding.code, finding.blocking) == ("over_remaining", True)


def test_an_invoice_after_the_po_ends_is_flagged_without_blocking_unless_the_policy_says_so():
    [finding] = check(PO, bill(issued=date(2027, 1, 5)), [], STRICT)
    assert (finding.code, finding.blocking) == ("after_end", False)
    strict = Tolerances(blocking=frozenset({"after_end"}))
    assert check(PO, bill(issued=date(2027, 1, 5)), [], strict)[0].blocking


def test_a_product_not_on_the_po_is_flagged():
    findings = check(PO, bill(lines=(Line("training", 1, 600_000, 600_000),)), [], STRICT)
    assert codes(findings) == ["product_not_on_po"]


def test_more_licences_than_are_left_are_flagged_beyond_the_tolerance():
    earlier = bill(id_="b0", total=800_000, lines=(Line("seat", 8, 100_000, 800_000),))
    later = bill(total=300_000, lines=(Line("seat", 3, 100_000, 300_000),))
    assert codes(check(PO, later, [earlier], STRICT)) == ["quantity_over"]
    assert codes(check(PO, later, [earlier], Tolerances(quantity=1))) == []


def test_a_unit_price_above_the_pos_is_flagged_beyond_the_percentage_allowed():
    dearer = bill(total=510_000, lines=(Line("seat", 5, 102_000, 510_000),))
    assert codes(check(PO, dearer, [], STRICT)) == ["price_off"]
    assert codes(check(PO, dearer, [], Tolerances(price_pct=Decimal("2")))) == []


def test_the_po_ledger_adds_up_ordered_invoiced_paid_and_remaining():
    ledger = po_ledger(PO, [bill(id_="b0", total=600_000, paid=600_000), bill(id_="b1", total=300_000, paid=100_000)])
    assert (ledger.ordered_minor, ledger.invoiced_minor, ledger.paid_minor, ledger.remaining_minor) == \
        (1_200_000, 900_000, 700_000, 300_000)
    assert ledger.expires == date(2026, 12, 31)


def test_a_policy_naming_an_unknown_finding_is_refused():
    with pytest.raises(ValueError, match="unknown finding"):
        Tolerances.from_json({"blocking": ["late"]})
