"""Files attached to invoices (the customer's PO as a PDF), raw bodies in and out."""

from __future__ import annotations

import pytest
import requests
from xero_python.accounting import Invoices
from xero_python.exceptions import AccountingBadRequestException

from tests.sandbox.xero.conftest import sales_invoice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def invoice(accounting, tenant, customer):
    return accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])).invoices[0]


def test_a_po_pdf_is_attached_and_listed(accounting, tenant, invoice):
    [added] = accounting.create_invoice_attachment_by_file_name(
        tenant, invoice.invoice_id, "PO-0042-2024-1170.pdf", PDF, include_online=True
    ).attachments
    assert (added.file_name, added.mime_type, added.content_length) == (
        "PO-0042-2024-1170.pdf", "application/pdf", len(PDF))
    assert added.include_online is True
    [listed] = accounting.get_invoice_attachments(tenant, invoice.invoice_id).attachments
    assert listed.attachment_id == added.attachment_id
    assert accounting.get_invoice(tenant, invoice.invoice_id).invoices[0].has_attachments is True


def test_the_file_comes_back_byte_for_byte(server, accounting, tenant, invoice, token_store):
    [added] = accounting.create_invoice_attachment_by_file_name(
        tenant, invoice.invoice_id, "PO.pdf", PDF).attachments
    headers = {"Authorization": "Bearer " + token_store["token"]["access_token"],
               "xero-tenant-id": tenant, "Accept": "application/pdf"}
    base = f"{server.url}/api.xro/2.0/Invoices/{invoice.invoice_id}/Attachments"
    by_name = requests.get(f"{base}/PO.pdf", headers=headers, timeout=10)
    by_id = requests.get(f"{base}/{added.attachment_id}", headers=headers, timeout=10)
    assert by_name.content == by_id.content == PDF
    assert by_name.headers["Content-Type"] == "application/pdf"


def test_a_second_upload_under_the_same_name_replaces_the_first(accounting, tenant, invoice):
    accounting.create_invoice_attachment_by_file_name(tenant, invoice.invoice_id, "PO.pdf", PDF)
    accounting.update_invoice_attachment_by_file_name(
        tenant, invoice.invoice_id, "PO.pdf", PDF + b"v2")
    [only] = accounting.get_invoice_attachments(tenant, invoice.invoice_id).attachments
    assert only.content_length == len(PDF) + 2


def test_an_empty_file_is_refused(accounting, tenant, invoice):
    with pytest.raises(AccountingBadRequestException):
        accounting.create_invoice_attachment_by_file_name(tenant, invoice.invoice_id, "e.pdf", b"")


def test_a_keyed_upload_is_stored_once(accounting, tenant, invoice):
    answers = [
        accounting.create_invoice_attachment_by_file_name(
            tenant, invoice.invoice_id, "PO.pdf", PDF, idempotency_key="po-pdf-1"
        ).attachments[0].attachment_id
        for _ in range(2)
    ]
    [stored] = accounting.get_invoice_attachments(tenant, invoice.invoice_id).attachments
    assert answers == [stored.attachment_id] * 2  # replayed, not uploaded again


def test_a_fee_receipt_is_attached_to_its_bank_transaction(accounting, tenant, customer):
    from datetime import date
    from decimal import Decimal

    from xero_python.accounting import (
        Account,
        BankTransaction,
        BankTransactions,
        Contact,
        LineAmountTypes,
        LineItem,
    )

    [fee] = accounting.create_bank_transactions(tenant, BankTransactions(bank_transactions=[
        BankTransaction(type="SPEND", contact=Contact(contact_id=customer.contact_id),
                        bank_account=Account(code="091"), date=date(2024, 3, 10),
                        line_amount_types=LineAmountTypes.NOTAX,
                        line_items=[LineItem(description="Stripe fees", quantity=1,
                                             unit_amount=Decimal("2.90"), account_code="404")])
    ])).bank_transactions
    accounting.create_bank_transaction_attachment_by_file_name(
        tenant, fee.bank_transaction_id, "fees-2024-03.csv", b"date,fee\n2024-03-10,2.90\n")
    [listed] = accounting.get_bank_transaction_attachments(
        tenant, fee.bank_transaction_id).attachments
    assert (listed.file_name, listed.mime_type) == ("fees-2024-03.csv", "text/csv")
