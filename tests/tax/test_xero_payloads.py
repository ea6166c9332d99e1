"""The Xero invoice revhub builds, checked against xero-python's models (Xero's OpenAPI
description): tax per line, the right LineAmountTypes, amounts exact on the wire."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from xero_python.api_client.serializer import serialize

from revhub.connectors.errors import ConfigError
from revhub.connectors.xero.exact_json import restore_numbers
from revhub.connectors.xero.push import XeroPusher
from revhub.mappings.writes import WriteItem
from tests.sandbox.xero.xero_models import check


def item(lines: list[dict], **record) -> WriteItem:
    base = {"number": "RH-000001", "po_number": "4500012345", "customer_id": str(uuid.uuid4()),
            "issue_date": "2026-11-20", "due_date": "2026-12-20", "currency": "EUR", "status": "open",
            "amounts_include_tax": False, "lines": lines}
    base.update(record)
    return WriteItem(1, "key-1", "upsert", "invoice", uuid.uuid4(), 1, base, None, None, {"customer": "c-1"},
                     {"customer": {"tax_id": "DE123456789"}})


LINE = {"description": "Platform licence", "quantity": 3, "unit_amount_minor": 3333, "amount_minor": 9999,
        "tax_code": "NL_VAT_21", "tax_minor": 2100}


def wire(body: dict, parse_float=Decimal) -> dict:
    """The invoice as it leaves the client: xero-python's serializer, then revhub's exact numbers."""
    return json.loads(restore_numbers(json.dumps(serialize({"Invoices": [body]}))), parse_float=parse_float)


def test_a_taxed_line_carries_its_tax_type_and_tax_amount_and_fits_xeros_invoice_model():
    body = XeroPusher(api=None)._invoice(item([LINE]), "c-1")
    check("Invoices", wire(body))
    [line] = body["LineItems"]
    assert body["LineAmountTypes"] == "Exclusive" and line["TaxType"] == "OUTPUT"


def test_amounts_reach_xero_as_exact_numbers_not_floats():
    body = XeroPusher(api=None)._invoice(item([{**LINE, "unit_amount_minor": 1234567890123456,
                                                "tax_minor": 1}]), "c-1")
    [line] = wire(body, parse_float=str)["Invoices"][0]["LineItems"]
    assert (line["UnitAmount"], line["TaxAmount"]) == ("12345678901234.56", "0.01")


def test_vat_included_amounts_are_inclusive_line_amount_types():
    assert XeroPusher(api=None)._invoice(item([LINE], amounts_include_tax=True), "c-1")["LineAmountTypes"] == (
        "Inclusive")


def test_an_invoice_without_tax_codes_is_no_tax():
    body = XeroPusher(api=None)._invoice(item([{**LINE, "tax_code": None, "tax_minor": 0}]), "c-1")
    assert body["LineAmountTypes"] == "NoTax" and "TaxType" not in body["LineItems"][0]


def test_a_connection_tax_mapping_sets_the_lines_tax_type():
    body = XeroPusher(api=None, settings={"tax_types": {"NL_VAT_21": "TAX001"}})._invoice(item([LINE]), "c-1")
    assert body["LineItems"][0]["TaxType"] == "TAX001"


def test_a_connection_with_a_tax_mapping_for_an_unknown_code_does_not_load():
    with pytest.raises(ConfigError, match="BTW_HOOG"):
        XeroPusher(api=None, settings={"tax_types": {"BTW_HOOG": "OUTPUT2"}})


def test_a_xero_line_reads_back_with_its_revhub_tax_code_and_tax():
    from revhub.connectors.xero import normalize

    [line] = normalize.invoice({"CurrencyCode": "EUR", "LineAmountTypes": "Exclusive", "LineItems": [
        {"Description": "Platform licence\nVAT reverse charged / BTW verlegd (VAT no. DE1)", "Quantity": 1,
         "UnitAmount": 100, "LineAmount": 100, "TaxType": "TAX003", "TaxAmount": 0}]})["lines"]
    assert (line["description"], line["tax_code"], line["tax_minor"]) == ("Platform licence", "EU_REVERSE_CHARGE", 0)


def test_a_no_tax_xero_invoice_reads_back_without_tax_codes_whatever_tax_type_xero_shows():
    from revhub.connectors.xero import normalize

    record = normalize.invoice({"CurrencyCode": "EUR", "LineAmountTypes": "NoTax", "LineItems": [
        {"Description": "Platform licence", "Quantity": 1, "UnitAmount": 100, "LineAmount": 100,
         "TaxType": "OUTPUT", "TaxAmount": 0}]})
    assert record["lines"][0]["tax_code"] is None and record["amounts_include_tax"] is False
