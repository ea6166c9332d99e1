"""Xero unit prices read with ``unitdp=4`` → canonical minor units (no network)."""

from revhub.connectors.xero import normalize as xe


def test_a_three_decimal_unit_price_is_read_exactly():
    assert xe.unit_minor(1.235, "KWD") == 1235


def test_a_unit_price_finer_than_the_currencys_cent_is_rounded_half_up_as_xero_shows_it_at_two_decimals():
    assert (xe.unit_minor(33.3333, "EUR"), xe.unit_minor(0.005, "EUR")) == (3333, 1)


def test_an_invoice_line_of_a_connections_own_tax_type_carries_its_revhub_code():
    invoice = {"InvoiceID": "i1", "Type": "ACCREC", "CurrencyCode": "EUR", "LineAmountTypes": "Exclusive",
               "LineItems": [{"Description": "Book", "Quantity": 2, "UnitAmount": 10.05, "LineAmount": 20.10,
                              "TaxType": "TAX005", "TaxAmount": 1.81}]}
    [line] = xe.invoice(invoice, tax_types={"NL_VAT_9": "TAX005"})["lines"]
    assert (line["tax_code"], line["unit_amount_minor"], line["tax_minor"]) == ("NL_VAT_9", 1005, 181)
