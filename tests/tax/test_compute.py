"""Tax per line, rounded half up to the minor unit, summed: Xero's documented rounding."""

from decimal import Decimal

import pytest

from revhub.tax import line_tax, tax_code, totals
from revhub.tax.codes import TaxCodeError, invoice_notes, strip_notes
from revhub.tax.mapping import TaxMappingError, xero_tax_types


def test_xeros_documented_example_taxes_each_line_then_sums():
    # developer.xero.com "Rounding in Xero": 25.06, 25.61, 25.63 at 15 % → 3.76 + 3.84 + 3.84 = 11.44
    taxes = [line_tax(amount, Decimal(15), inclusive=False) for amount in (2506, 2561, 2563)]
    assert taxes == [376, 384, 384]
    assert totals(zip((2506, 2561, 2563), taxes, strict=True), inclusive=False).tax_minor == 1144


def test_half_a_minor_unit_rounds_up():
    assert line_tax(2165, Decimal(10), inclusive=False) == 217  # 216.5 → 217 (2.165 → 2.17)


def test_inclusive_tax_is_the_part_of_the_line_amount_above_its_net():
    assert line_tax(12100, Decimal(21), inclusive=True) == 2100
    assert line_tax(1000, Decimal(9), inclusive=True) == 83  # 82.57 → 83


def test_a_zero_rate_has_no_tax():
    assert line_tax(12345, Decimal(0), inclusive=False) == 0


def test_inclusive_totals_take_the_tax_out_of_the_subtotal():
    sums = totals([(12100, 2100), (1000, 83)], inclusive=True)
    assert (sums.subtotal_minor, sums.tax_minor, sums.total_minor) == (10917, 2183, 13100)


def test_exclusive_totals_add_the_tax_to_the_subtotal():
    sums = totals([(9999, 2100), (2010, 181)], inclusive=False)
    assert (sums.subtotal_minor, sums.tax_minor, sums.total_minor) == (12009, 2281, 14290)


def test_an_unknown_tax_code_names_the_known_ones():
    with pytest.raises(TaxCodeError, match="unknown tax code 'BTW21'.*NL_VAT_21"):
        tax_code("BTW21")


def test_reverse_charge_needs_the_buyers_vat_number_and_carries_the_note():
    code = tax_code("EU_REVERSE_CHARGE")
    assert code.needs_buyer_vat and code.rate == 0
    assert invoice_notes(["EU_REVERSE_CHARGE", "EU_REVERSE_CHARGE"], "DE123456789") == (
        "VAT reverse charged / BTW verlegd (VAT no. DE123456789)")


def test_a_note_appended_to_a_line_description_is_read_back_without_it():
    assert strip_notes("Platform licence\nVAT reverse charged / BTW verlegd (VAT no. DE1)") == "Platform licence"


def test_a_connection_maps_tax_codes_to_its_own_xero_tax_types_over_the_defaults():
    mapping = xero_tax_types({"tax_types": {"NL_VAT_21": "TAX001"}})
    assert mapping["NL_VAT_21"] == "TAX001" and mapping["NL_VAT_9"] == "TAX001"


def test_a_tax_mapping_naming_an_unknown_code_is_refused_when_the_connection_loads():
    with pytest.raises(TaxMappingError, match="unknown tax codes BTW_HOOG"):
        xero_tax_types({"tax_types": {"BTW_HOOG": "OUTPUT"}})


def test_every_default_xero_tax_type_reads_back_as_one_revhub_code():
    defaults = xero_tax_types(None)
    assert len(set(defaults.values())) == len(defaults)
