"""The model check itself, and every resource the hub reads answering in Xero's model shapes."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.xero.conftest import sales_invoice
from tests.sandbox.xero.xero_models import (
    ModelMismatch,
    check,
    check_answer,
    check_request,
)

INVOICE = {"Type": "ACCREC", "InvoiceID": "0b7d2c8e-4b1a-4a0e-9a7e-2f3c4d5e6f70", "Total": 10.5}


def test_a_key_the_model_does_not_declare_is_refused():
    with pytest.raises(ModelMismatch, match="unknown key 'AmountRefunded'"):
        check("Invoices", {"Invoices": [{**INVOICE, "AmountRefunded": 1}]})


def test_a_string_where_the_model_wants_a_number_is_refused():
    with pytest.raises(ModelMismatch, match="Total"):
        check("Invoices", {"Invoices": [{**INVOICE, "Total": "10.50"}]})


def test_an_enum_value_the_spec_does_not_list_is_refused():
    with pytest.raises(ModelMismatch, match="accrec"):
        check("Invoices", {"Invoices": [{**INVOICE, "Type": "accrec"}]})


def test_an_iso_date_where_xero_sends_ms_json_is_refused():
    with pytest.raises(ModelMismatch, match="Date"):
        check("Invoices", {"Invoices": [{**INVOICE, "Date": "2024-03-01"}]})


def test_null_enum_is_refused():
    with pytest.raises(ModelMismatch, match="null"):
        check("Invoices", {"Invoices": [{**INVOICE, "CurrencyCode": None}]})


def test_envelope_keys_are_allowed_only_at_the_top():
    check("Invoices", {"Id": "x", "Status": "OK", "ProviderName": "p", "DateTimeUTC": "/Date(1)/",
                       "Invoices": [INVOICE]})
    with pytest.raises(ModelMismatch, match="ProviderName"):
        check("Invoices", {"Invoices": [{**INVOICE, "ProviderName": "p"}]})


def test_a_request_body_with_a_key_xero_does_not_know_is_refused():
    body = b'{"Invoices": [{"Type": "ACCREC", "TaxCode": "BTW21"}]}'
    with pytest.raises(ModelMismatch, match="TaxCode"):
        check_request("PUT", "/api.xro/2.0/Invoices", body)


def test_a_bare_payment_is_held_to_the_payment_model():
    check_request("POST", "/api.xro/2.0/Payments", b'{"Amount": 5.0, "Invoice": {"InvoiceID": "x"}}')
    with pytest.raises(ModelMismatch, match="Fee"):
        check_request("POST", "/api.xro/2.0/Payments", b'{"Amount": 5.0, "Fee": 1}')


def _get(server, token_store, tenant, path):
    return requests.get(
        f"{server.url}/api.xro/2.0/{path}",
        headers={"Authorization": "Bearer " + token_store["token"]["access_token"],
                 "xero-tenant-id": tenant, "Accept": "application/json"},
        timeout=10,
    )


def test_every_collection_the_hub_reads_answers_in_model_shape(
    accounting, tenant, customer, sandbox, server, token_store
):
    from xero_python.accounting import (
        Account,
        CreditNote,
        CreditNotes,
        Invoices,
        LineAmountTypes,
        LineItem,
        Payment,
        Payments,
    )

    [invoice] = accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])).invoices
    accounting.create_payments(tenant, Payments(payments=[Payment(
        invoice=invoice, account=Account(code="090"), amount=100, date=invoice.date)]))
    accounting.create_credit_notes(tenant, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=customer, status="AUTHORISED", line_amount_types=LineAmountTypes.NOTAX,
        line_items=[
            LineItem(description="Refund", quantity=1, unit_amount=10, account_code="200")])]))
    for path in ("Contacts?page=1", "Items", "Invoices?page=1", "Invoices", "Payments?page=1",
                 "CreditNotes?page=1", "Accounts", "Organisation", f"Invoices/{invoice.invoice_id}"):
        answer = _get(server, token_store, tenant, path)
        assert answer.status_code == 200, path
        check_answer(answer.content)


def test_credit_notes_carry_no_invoice_only_fields(accounting, tenant, customer):
    from xero_python.accounting import CreditNote, CreditNotes, LineAmountTypes, LineItem

    [note] = accounting.create_credit_notes(tenant, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=customer, status="AUTHORISED", line_amount_types=LineAmountTypes.NOTAX,
        line_items=[
            LineItem(description="Refund", quantity=1, unit_amount=10, account_code="200")])]
    )).credit_notes
    raw = accounting.api_client.last_response.data
    assert b"AmountPaid" not in raw and b"AmountCredited" not in raw
    assert note.remaining_credit == 10


def test_a_draft_without_due_date_leaves_due_date_out(accounting, tenant, customer):
    from xero_python.accounting import Invoices

    draft = sales_invoice(customer.contact_id, status="DRAFT")
    draft.due_date = None
    accounting.create_invoices(tenant, Invoices(invoices=[draft]))
    raw = accounting.api_client.last_response.data
    assert b'"DueDate"' not in raw and b"null" not in raw


def test_a_refused_element_echoes_its_dates_as_xero_renders_them(server, tenant, token_store):
    body = {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Echo Ltd"}, "Date": "2024-03-01",
                          "Status": "AUTHORISED", "LineItems": [
                              {"Description": "x", "Quantity": 1, "UnitAmount": 1.0,
                               "AccountCode": "NOPE"}]}]}
    answer = requests.put(
        f"{server.url}/api.xro/2.0/Invoices?summarizeErrors=false", json=body,
        headers={"Authorization": "Bearer " + token_store["token"]["access_token"],
                 "xero-tenant-id": tenant}, timeout=10).json()
    [element] = answer["Invoices"]
    assert element["StatusAttributeString"] == "ERROR"
    assert element["Date"] == "/Date(1709251200000+0000)/"


def test_the_recorded_calls_expose_a_request_xero_would_not_understand(
    sandbox, server, tenant, token_store
):
    from tests.sandbox.xero.xero_models import assert_exchanges_fit_models

    body = {"Contacts": [{"Name": "Initech", "VatNumber": "NL001234567B01"}]}
    requests.put(f"{server.url}/api.xro/2.0/Contacts", json=body, timeout=10, headers={
        "Authorization": "Bearer " + token_store["token"]["access_token"],
        "xero-tenant-id": tenant})
    with pytest.raises(ModelMismatch, match="VatNumber"):
        assert_exchanges_fit_models(sandbox)
    sandbox.exchanges.clear()  # the fixture's own check after the test
