"""Payments and credit notes through xero-python: amounts, PAID flip, errors, reversal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payment,
    PaymentDelete,
    Payments,
)
from xero_python.exceptions import AccountingBadRequestException

from tests.sandbox.xero.conftest import sales_invoice


@pytest.fixture
def invoice(accounting, tenant, customer):
    """An AUTHORISED USD 5,880.00 invoice."""
    return accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])
    ).invoices[0]


def pay(accounting, tenant, invoice_id, amount, account=None, reference="ch_3PqK2x"):
    """Record a Stripe charge against an invoice, into the clearing account by default."""
    return accounting.create_payment(
        tenant,
        Payment(
            invoice=Invoice(invoice_id=invoice_id),
            account=account or Account(code="091"),
            date=date(2024, 3, 10),
            amount=amount,
            reference=reference,
        ),
    ).payments[0]


def test_partial_payment_reduces_amount_due(accounting, tenant, invoice):
    payment = pay(accounting, tenant, invoice.invoice_id, Decimal("1000.00"))
    after = accounting.get_invoice(tenant, invoice.invoice_id).invoices[0]
    assert (after.amount_paid, after.amount_due, after.status) == (
        Decimal("1000.00"),
        Decimal("4880.00"),
        "AUTHORISED",
    )
    assert (payment.status, payment.payment_type, payment.account.code) == (
        "AUTHORISED",
        "ACCRECPAYMENT",
        "091",
    )


def test_full_payment_marks_the_invoice_paid(accounting, tenant, invoice):
    pay(accounting, tenant, invoice.invoice_id, Decimal("2880.00"))
    pay(accounting, tenant, invoice.invoice_id, Decimal("3000.00"))
    after = accounting.get_invoice(tenant, invoice.invoice_id).invoices[0]
    assert (after.status, after.amount_due, after.fully_paid_on_date) == (
        "PAID",
        0,
        date(2024, 3, 10),
    )
    assert len(after.payments) == 2


def test_overpayment_is_refused_with_xeros_message(accounting, tenant, invoice):
    with pytest.raises(AccountingBadRequestException) as caught:
        pay(accounting, tenant, invoice.invoice_id, Decimal("5880.01"))
    assert caught.value.reason == "Payment amount exceeds the amount outstanding on this document"


def test_unknown_account_code_is_refused(accounting, tenant, invoice):
    with pytest.raises(AccountingBadRequestException) as caught:
        pay(accounting, tenant, invoice.invoice_id, Decimal("10.00"), account=Account(code="999"))
    assert caught.value.reason == "Account must be valid."


def test_payment_into_a_revenue_account_is_refused(accounting, tenant, invoice):
    with pytest.raises(AccountingBadRequestException) as caught:
        pay(accounting, tenant, invoice.invoice_id, Decimal("10.00"), account=Account(code="200"))
    assert caught.value.reason == "Account must be valid."


def test_payment_into_an_account_with_payments_enabled_is_taken(accounting, tenant, invoice):
    payment = pay(accounting, tenant, invoice.invoice_id, Decimal("10.00"),
                  account=Account(code="880"))
    assert (payment.account.code, payment.amount) == ("880", Decimal("10.00"))


def test_payment_without_an_account_is_refused_with_xeros_message(accounting, tenant, invoice):
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.create_payment(tenant, Payment(invoice=Invoice(invoice_id=invoice.invoice_id),
                                                  date=date(2024, 3, 10), amount=Decimal("1.00")))
    assert caught.value.reason == (
        "You must specify an Account code or Account ID for the payment")


def test_the_chart_shows_types_classes_tax_and_bank_details(accounting, tenant):
    chart = {a.code: a for a in accounting.get_accounts(tenant).accounts}
    clearing, fees, sales, deferred = chart["091"], chart["404"], chart["200"], chart["835"]
    def shape(account):
        return (account.type.value, account._class, account.tax_type)

    assert shape(clearing) + (clearing.currency_code.value,) == ("BANK", "ASSET", "NONE", "EUR")
    assert clearing.bank_account_number and clearing.name == "Stripe Clearing"
    assert shape(fees) == ("EXPENSE", "EXPENSE", "NONE")
    assert shape(sales) == ("REVENUE", "REVENUE", "OUTPUT")
    assert shape(deferred) == ("CURRLIAB", "LIABILITY", "NONE")
    assert chart["880"].enable_payments_to_account is True


def test_bank_accounts_are_found_with_where(accounting, tenant):
    banks = accounting.get_accounts(tenant, where='Type=="BANK"').accounts
    assert sorted(a.code for a in banks) == ["090", "091"]


def test_payment_against_a_draft_is_refused(accounting, tenant, customer):
    draft = accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id, status="DRAFT")])
    ).invoices[0]
    with pytest.raises(AccountingBadRequestException) as caught:
        pay(accounting, tenant, draft.invoice_id, Decimal("10.00"))
    assert caught.value.reason == "Payments can only be made against Authorised documents"


def test_payment_by_account_id_and_invoice_number(accounting, tenant, invoice):
    clearing = accounting.get_accounts(tenant, where='Code=="091"').accounts[0]
    payment = accounting.create_payments(
        tenant,
        Payments(
            payments=[
                Payment(
                    invoice=Invoice(invoice_number=invoice.invoice_number),
                    account=Account(account_id=clearing.account_id),
                    date=date(2024, 3, 10),
                    amount=Decimal("5880.00"),
                )
            ]
        ),
    ).payments[0]
    assert payment.invoice.invoice_id == invoice.invoice_id


def test_deleting_a_payment_reopens_the_invoice(accounting, tenant, invoice):
    payment = pay(accounting, tenant, invoice.invoice_id, Decimal("5880.00"))
    deleted = accounting.delete_payment(
        tenant, payment.payment_id, PaymentDelete(status="DELETED")
    ).payments[0]
    after = accounting.get_invoice(tenant, invoice.invoice_id).invoices[0]
    assert deleted.status == "DELETED"
    assert (after.status, after.amount_due, after.amount_paid) == (
        "AUTHORISED",
        Decimal("5880.00"),
        0,
    )


def test_paid_invoice_cannot_be_voided(accounting, tenant, invoice):
    pay(accounting, tenant, invoice.invoice_id, Decimal("100.00"))
    with pytest.raises(AccountingBadRequestException):
        accounting.update_invoice(
            tenant, invoice.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")])
        )


def test_payments_list_pages(accounting, tenant, invoice):
    for _ in range(3):
        pay(accounting, tenant, invoice.invoice_id, Decimal("1.00"))
    answer = accounting.get_payments(tenant, page=1, page_size=2)
    assert (len(answer.payments), answer.pagination.item_count) == (2, 3)


def credit_note(contact_id, amount=Decimal("588.00")):
    return CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id),
        status="AUTHORISED",
        date=date(2024, 3, 5),
        currency_code=CurrencyCode.USD,
        line_amount_types=LineAmountTypes.NOTAX,
        line_items=[
            LineItem(
                description="Seat reduction", quantity=1, unit_amount=amount, account_code="200"
            )
        ],
    )


def test_credit_note_allocation_reduces_the_invoice(accounting, tenant, customer, invoice):
    note = accounting.create_credit_notes(
        tenant, CreditNotes(credit_notes=[credit_note(customer.contact_id)])
    ).credit_notes[0]
    assert (note.credit_note_number, note.remaining_credit) == ("CN-0001", Decimal("588.00"))
    accounting.create_credit_note_allocation(
        tenant,
        note.credit_note_id,
        Allocations(
            allocations=[
                Allocation(
                    invoice=Invoice(invoice_id=invoice.invoice_id),
                    amount=Decimal("588.00"),
                    date=date(2024, 3, 6),
                )
            ]
        ),
    )
    after = accounting.get_invoice(tenant, invoice.invoice_id).invoices[0]
    note_after = accounting.get_credit_note(tenant, note.credit_note_id).credit_notes[0]
    assert (after.amount_credited, after.amount_due) == (Decimal("588.00"), Decimal("5292.00"))
    assert (note_after.remaining_credit, note_after.status) == (0, "PAID")


def test_allocation_beyond_remaining_credit_is_refused(accounting, tenant, customer, invoice):
    note = accounting.create_credit_notes(
        tenant, CreditNotes(credit_notes=[credit_note(customer.contact_id)])
    ).credit_notes[0]
    with pytest.raises(AccountingBadRequestException):
        accounting.create_credit_note_allocation(
            tenant,
            note.credit_note_id,
            Allocations(
                allocations=[
                    Allocation(
                        invoice=Invoice(invoice_id=invoice.invoice_id),
                        amount=Decimal("600.00"),
                        date=date(2024, 3, 6),
                    )
                ]
            ),
        )


def test_jpy_amounts_are_kept_at_two_decimals_like_every_currency(accounting, tenant, customer):
    # Xero: "all monetary calculations in Xero are to two decimal places", JPY included.
    invoice = sales_invoice(customer.contact_id, unit=Decimal("88200"))
    invoice.currency_code = CurrencyCode.JPY
    created = accounting.create_invoices(tenant, Invoices(invoices=[invoice])).invoices[0]
    assert created.total == Decimal("882000.00")
    pay(accounting, tenant, created.invoice_id, Decimal("0.50"))
    assert accounting.get_invoice(tenant, created.invoice_id).invoices[0].amount_due == Decimal(
        "881999.50"
    )


def test_a_payment_amount_with_more_than_two_decimals_is_refused(accounting, tenant, customer):
    created = accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])
    ).invoices[0]
    with pytest.raises(AccountingBadRequestException):
        pay(accounting, tenant, created.invoice_id, Decimal("10.005"))
