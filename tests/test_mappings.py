"""Declarative mappings: one table per provider entity, read and written with it."""

import pytest

from revhub.mappings import engine
from revhub.mappings.loader import MappingError, mapping_for, parse

XERO_INVOICE = {"InvoiceNumber": "INV-0042", "Reference": "PO-7781", "Date": "/Date(1793577600000+0000)/",
                "DueDate": "/Date(1796169600000+0000)/", "CurrencyCode": "JPY", "SubTotal": 1200000,
                "TotalTax": 0, "Total": 1200000, "AmountPaid": 0, "AmountDue": 1200000, "Status": "AUTHORISED"}


def test_a_mapping_reads_a_provider_record_into_canonical_fields():
    record = engine.read(mapping_for("xero", "invoice"), XERO_INVOICE, "JPY")
    assert record["po_number"] == "PO-7781" and record["status"] == "open"
    assert (record["issue_date"], record["total_minor"]) == ("2026-11-02", 1200000)


def test_the_same_mapping_writes_the_record_back_unchanged():
    mapping = mapping_for("xero", "invoice")
    record = engine.read(mapping, XERO_INVOICE, "JPY")
    written = engine.write(mapping, record, "JPY")
    assert engine.read(mapping, written, "JPY") == record
    assert written["Reference"] == "PO-7781" and written["Date"] == "/Date(1793577600000+0000)/"


def test_two_decimal_money_is_written_as_an_exact_decimal():
    written = engine.write(mapping_for("xero", "payment"), {"amount_minor": 123456}, "EUR")
    assert str(written["Amount"]) == "1234.56"


def test_an_override_file_replaces_one_field_and_keeps_the_rest():
    overrides = parse("invoice.po_number  PO_Ref__c  text   # the org uses its own field\n")
    mapping = {m.field: m for m in mapping_for("salesforce", "invoice", overrides)}
    assert mapping["po_number"].path == "PO_Ref__c" and mapping["po_number"].line == 1
    assert mapping["number"].path == "Invoice_Number__c"


@pytest.mark.parametrize("text, message", [
    ("invoice.po_number Reference moneyy", "x.map:2: unknown transform 'moneyy'"),
    ("invoice.po_numbr Reference text", "x.map:2: invoice has no field 'po_numbr'"),
    ("invoce.po_number Reference text", "x.map:2: unknown entity 'invoce'"),
    ("invoice.po_number", "x.map:2: expected"),
    ("invoice.po_number Ref-erence text", "x.map:2: provider path 'Ref-erence'"),
])
def test_a_bad_line_is_an_error_naming_the_line(text, message):
    with pytest.raises(MappingError) as error:
        parse("# header\n" + text, "x.map")
    assert str(error.value).startswith(message)
