"""The Stripe payloads revhub builds, checked against stripe-python's generated ``*Params``
TypedDicts (Stripe's OpenAPI spec): every name is one real Stripe knows."""

from __future__ import annotations

import uuid
from datetime import date

from stripe.params import (
    CustomerCreateParams,
    InvoiceAddLinesParams,
    InvoiceCreateParams,
    InvoiceFinalizeInvoiceParams,
    InvoicePayParams,
    TaxRateCreateParams,
)

from revhub.connectors.stripe import normalize
from revhub.connectors.stripe.catalog import LINE_PRODUCT_ID, tax_rate_params
from revhub.connectors.stripe.push import StripePusher, days_until_due
from revhub.mappings.writes import WriteItem
from revhub.tax import TAX_CODES
from tests.integration.stripe_params import unknown_params

CUSTOMER = {"id": str(uuid.uuid4()), "name": "Van Dijk Logistiek B.V.", "email": "ap@vandijk.example",
            "default_currency": "EUR", "tax_id": "NL123456789B01", "billing_city": "Utrecht",
            "billing_country": "NL"}


def invoice_item(lines: list[dict], **record) -> WriteItem:
    base = {"number": "RH-000001", "po_number": "4500012345", "customer_id": CUSTOMER["id"],
            "issue_date": "2026-11-20", "due_date": "2026-12-20", "currency": "EUR", "status": "open",
            "lines": lines}
    base.update(record)
    return WriteItem(1, "key-1", "upsert", "invoice", uuid.uuid4(), 1, base, None, None,
                     {"customer": "cus_1"}, {"customer": CUSTOMER})


def pusher(today: date = date(2026, 11, 20)) -> StripePusher:
    return StripePusher(api=None, today=lambda: today)


def test_the_customer_payload_has_only_parameters_stripe_customer_create_declares():
    assert unknown_params(pusher()._customer(CUSTOMER), CustomerCreateParams) == []


def test_the_invoice_payload_has_only_parameters_stripe_invoice_create_declares():
    item = invoice_item([{"description": "Platform licence", "quantity": 3, "unit_amount_minor": 3333,
                          "amount_minor": 9999, "product_external_id": "prod_1"}])
    assert unknown_params(pusher()._invoice(item, "cus_1"), InvoiceCreateParams) == []


def test_the_invoice_lines_have_only_parameters_stripe_add_lines_declares():
    item = invoice_item([{"description": "Platform licence", "quantity": 3, "unit_amount_minor": 3333,
                          "amount_minor": 9999, "product_external_id": "prod_1"}])
    assert unknown_params({"lines": pusher().describe("invoice", item)["lines"]}, InvoiceAddLinesParams) == []


def test_the_invoice_is_due_by_days_from_finalization_never_by_a_past_date():
    params = pusher(date(2026, 11, 20))._invoice(invoice_item([], due_date="2026-12-20"), "cus_1")
    assert "due_date" not in params and params["days_until_due"] == 30
    assert params["metadata"]["terms_due_date"] == "2026-12-20"


def test_due_on_receipt_is_zero_days_until_due():
    assert days_until_due("2026-11-20", date(2026, 11, 20)) == 0


def test_terms_that_ran_out_before_the_push_are_due_at_once_in_stripe():
    assert days_until_due("2026-10-01", date(2026, 11, 20)) == 0


def test_a_line_without_a_product_is_sent_as_quantity_times_unit_price_on_revhubs_line_product():
    item = invoice_item([{"description": "Workshop day", "quantity": 3, "unit_amount_minor": 3333,
                          "amount_minor": 9999}])
    [line] = pusher().describe("invoice", item)["lines"]
    assert line == {"description": "Workshop day", "quantity": 3,
                    "price_data": {"currency": "eur", "product": LINE_PRODUCT_ID, "unit_amount": 3333}}


def test_a_stripe_line_reads_back_as_quantity_and_unit_price():
    line = {"amount": 9999, "quantity": 3, "description": "Workshop day",
            "pricing": {"type": "price_details", "unit_amount_decimal": "3333",
                        "price_details": {"price": "price_1", "product": LINE_PRODUCT_ID}}}
    [record] = normalize.invoice({"currency": "eur", "lines": {"data": [line]}})["lines"]
    assert (record["quantity"], record["unit_amount_minor"], record["amount_minor"]) == (3, 3333, 9999)
    assert record["product_id"] is None


def test_each_tax_rate_revhub_creates_has_only_parameters_stripe_tax_rate_create_declares():
    for code in TAX_CODES:
        for inclusive in (False, True):
            assert unknown_params(tax_rate_params(code, inclusive), TaxRateCreateParams) == []


def test_a_tax_rate_percentage_is_an_exact_decimal_string_never_a_float():
    params = tax_rate_params("NL_VAT_21", False)
    assert (params["percentage"], params["inclusive"]) == ("21", False)
    assert params["metadata"]["revhub_tax_key"] == "NL_VAT_21:21:exclusive"


def test_a_taxed_line_names_its_tax_rate_and_carries_its_tax_code():
    item = invoice_item([{"description": "Platform licence", "quantity": 3, "unit_amount_minor": 3333,
                          "amount_minor": 9999, "tax_code": "NL_VAT_21", "tax_minor": 2100}])
    [line] = pusher().describe("invoice", item)["lines"]
    assert line["tax_rates"] == ["<tax rate NL_VAT_21:21:exclusive>"]
    assert line["metadata"] == {"revhub_tax_code": "NL_VAT_21"}
    assert unknown_params({"lines": [line]}, InvoiceAddLinesParams) == []


def test_the_reverse_charge_note_and_the_buyers_vat_number_are_the_stripe_invoice_footer():
    item = invoice_item([{"description": "Platform licence", "quantity": 1, "unit_amount_minor": 10000,
                          "amount_minor": 10000, "tax_code": "EU_REVERSE_CHARGE", "tax_minor": 0}])
    assert pusher()._invoice(item, "cus_1")["footer"] == "VAT reverse charged / BTW verlegd (VAT no. NL123456789B01)"


def test_a_stripe_unit_price_goes_in_stripes_own_units():
    item = invoice_item([{"description": "Platform licence", "quantity": 3, "unit_amount_minor": 150000,
                          "amount_minor": 450000}], currency="MGA")
    assert pusher().describe("invoice", item)["lines"][0]["price_data"]["unit_amount"] == 1500


def test_the_finalize_and_send_calls_use_only_declared_parameters():
    assert unknown_params({"auto_advance": False}, InvoiceFinalizeInvoiceParams) == []
    assert unknown_params({"paid_out_of_band": True}, InvoicePayParams) == []
