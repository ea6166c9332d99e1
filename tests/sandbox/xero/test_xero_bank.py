"""Spend and receive money, overpayments and their allocation, transfers between banks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    Allocation,
    Allocations,
    BankTransaction,
    BankTransactions,
    BankTransfer,
    BankTransfers,
    Contact,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
)
from xero_python.exceptions import AccountingBadRequestException

from tests.sandbox.xero.conftest import sales_invoice


def _transaction(contact_id, kind="SPEND", bank="091", amount="2.90", account="404", **extra):
    return BankTransaction(
        type=kind, contact=Contact(contact_id=contact_id), bank_account=Account(code=bank),
        date=date(2024, 3, 10), reference="txn_3PqK2xFee",
        line_amount_types=extra.pop("line_amount_types", LineAmountTypes.NOTAX),
        line_items=[LineItem(description="Stripe processing fees", quantity=1,
                             unit_amount=Decimal(amount), account_code=account, **extra)])


def _create(accounting, tenant, *transactions):
    return accounting.create_bank_transactions(
        tenant, BankTransactions(bank_transactions=list(transactions))).bank_transactions


def test_a_fee_is_booked_as_spend_money_from_the_clearing_account(accounting, tenant, customer):
    [fee] = _create(accounting, tenant, _transaction(customer.contact_id))
    assert (fee.type, fee.status, fee.total) == ("SPEND", "AUTHORISED", Decimal("2.90"))
    assert (fee.bank_account.code, fee.bank_account.name) == ("091", "Stripe Clearing")
    assert fee.line_items[0].account_code == "404" and fee.currency_code.value == "EUR"
    [listed] = accounting.get_bank_transactions(tenant, page=1).bank_transactions
    assert listed.bank_transaction_id == fee.bank_transaction_id


def test_receive_money_is_taxed_like_an_invoice_line(accounting, tenant, customer):
    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE", amount="100.00", account="200",
        line_amount_types=LineAmountTypes.EXCLUSIVE))
    assert (received.sub_total, received.total_tax, received.total) == (
        Decimal("100.00"), Decimal("21.00"), Decimal("121.00"))


def test_a_transaction_must_name_a_bank_account(accounting, tenant, customer):
    with pytest.raises(AccountingBadRequestException) as caught:
        _create(accounting, tenant, _transaction(customer.contact_id, bank="404"))
    assert caught.value.reason == "A valid BankAccount must be specified"


def test_a_receive_overpayment_creates_an_overpayment(accounting, tenant, customer):
    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00", account="200"))
    [overpayment] = accounting.get_overpayments(tenant, page=1).overpayments
    assert received.overpayment_id == overpayment.overpayment_id
    assert (overpayment.type, overpayment.status) == ("RECEIVE-OVERPAYMENT", "AUTHORISED")
    assert overpayment.total == overpayment.remaining_credit == Decimal("200.00")
    assert received.line_items[0].account_code == "610"  # coded to receivables by Xero
    assert overpayment.contact.contact_id == customer.contact_id


def test_an_overpayment_has_one_line(accounting, tenant, customer):
    overpaid = _transaction(customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00")
    overpaid.line_items = overpaid.line_items * 2
    with pytest.raises(AccountingBadRequestException):
        _create(accounting, tenant, overpaid)


def _allocate(accounting, tenant, overpayment_id, invoice_id, amount):
    return accounting.create_overpayment_allocations(tenant, overpayment_id, Allocations(
        allocations=[Allocation(invoice=Invoice(invoice_id=invoice_id), amount=Decimal(amount),
                                date=date(2024, 3, 11))])).allocations


def test_an_overpayment_allocated_to_an_invoice_reduces_what_is_due(accounting, tenant, customer):
    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00"))
    invoice = sales_invoice(customer.contact_id, quantity=1, unit=Decimal("150.00"))
    invoice.currency_code = CurrencyCode.EUR  # the clearing account's currency
    [created] = accounting.create_invoices(tenant, Invoices(invoices=[invoice])).invoices
    [allocation] = _allocate(accounting, tenant, received.overpayment_id, created.invoice_id,
                             "150.00")
    assert allocation.amount == Decimal("150.00")
    after = accounting.get_invoice(tenant, created.invoice_id).invoices[0]
    assert (after.amount_due, after.amount_credited, after.status) == (0, Decimal("150.00"), "PAID")
    assert after.overpayments[0].overpayment_id == received.overpayment_id
    overpayment = accounting.get_overpayment(tenant, received.overpayment_id).overpayments[0]
    assert overpayment.remaining_credit == Decimal("50.00")


def test_an_allocation_beyond_the_remaining_credit_is_refused(accounting, tenant, customer):
    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="20.00"))
    invoice = sales_invoice(customer.contact_id, quantity=1, unit=Decimal("150.00"))
    invoice.currency_code = CurrencyCode.EUR  # the clearing account's currency
    [created] = accounting.create_invoices(tenant, Invoices(invoices=[invoice])).invoices
    with pytest.raises(AccountingBadRequestException):
        _allocate(accounting, tenant, received.overpayment_id, created.invoice_id, "20.01")
    assert accounting.get_invoice(tenant, created.invoice_id).invoices[0].amount_due == Decimal(
        "150.00")


def test_an_allocation_across_currencies_is_refused(accounting, tenant, customer):
    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00"))
    [usd] = accounting.create_invoices(tenant, Invoices(invoices=[
        sales_invoice(customer.contact_id, quantity=1, unit=Decimal("150.00"))])).invoices
    with pytest.raises(AccountingBadRequestException):
        _allocate(accounting, tenant, received.overpayment_id, usd.invoice_id, "10.00")


def test_a_payout_is_a_transfer_from_clearing_to_the_bank(accounting, tenant):
    [transfer] = accounting.create_bank_transfer(tenant, BankTransfers(bank_transfers=[
        BankTransfer(from_bank_account=Account(code="091"), to_bank_account=Account(code="090"),
                     amount=Decimal("970.10"), date=date(2024, 3, 12))])).bank_transfers
    assert (transfer.from_bank_account.code, transfer.to_bank_account.code) == ("091", "090")
    assert transfer.amount == Decimal("970.10")
    spend = accounting.get_bank_transaction(tenant, transfer.from_bank_transaction_id)
    receive = accounting.get_bank_transaction(tenant, transfer.to_bank_transaction_id)
    assert spend.bank_transactions[0].type == "SPEND-TRANSFER"
    assert receive.bank_transactions[0].type == "RECEIVE-TRANSFER"
    assert receive.bank_transactions[0].total == Decimal("970.10")
    [listed] = accounting.get_bank_transfers(tenant).bank_transfers
    assert listed.bank_transfer_id == transfer.bank_transfer_id


def test_a_transfer_needs_two_different_bank_accounts(accounting, tenant):
    with pytest.raises(AccountingBadRequestException):
        accounting.create_bank_transfer(tenant, BankTransfers(bank_transfers=[BankTransfer(
            from_bank_account=Account(code="091"), to_bank_account=Account(code="091"),
            amount=Decimal("1.00"))]))
    with pytest.raises(AccountingBadRequestException):
        accounting.create_bank_transfer(tenant, BankTransfers(bank_transfers=[BankTransfer(
            from_bank_account=Account(code="091"), to_bank_account=Account(code="200"),
            amount=Decimal("1.00"))]))
    assert accounting.get_bank_transfers(tenant).bank_transfers == []


def test_deleting_an_unallocated_overpayment_transaction_voids_it(accounting, tenant, customer):
    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00"))
    deleting = _transaction(customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00")
    deleting.status = "DELETED"
    accounting.update_bank_transaction(tenant, received.bank_transaction_id, BankTransactions(
        bank_transactions=[deleting]))
    overpayment = accounting.get_overpayment(tenant, received.overpayment_id).overpayments[0]
    assert (overpayment.status, overpayment.remaining_credit) == ("VOIDED", 0)


def test_a_keyed_bank_transaction_is_written_once(accounting, tenant, customer):
    first = _create_keyed(accounting, tenant, customer, "fee-txn_1")
    second = _create_keyed(accounting, tenant, customer, "fee-txn_1")
    assert first == second
    assert len(accounting.get_bank_transactions(tenant).bank_transactions) == 1


def _create_keyed(accounting, tenant, customer, key):
    return accounting.create_bank_transactions(
        tenant, BankTransactions(bank_transactions=[_transaction(customer.contact_id)]),
        idempotency_key=key).bank_transactions[0].bank_transaction_id


def test_changing_a_spend_line_recomputes_the_total(accounting, tenant, customer):
    [fee] = _create(accounting, tenant, _transaction(customer.contact_id))
    changed = _transaction(customer.contact_id, amount="3.10")
    changed.line_items[0].line_item_id = fee.line_items[0].line_item_id
    [after] = accounting.update_bank_transaction(
        tenant, fee.bank_transaction_id, BankTransactions(bank_transactions=[changed])
    ).bank_transactions
    assert after.total == Decimal("3.10") and len(after.line_items) == 1


def test_a_read_never_sees_half_a_transfer(sandbox, server, tenant, token_store, monkeypatch):
    import threading

    import requests

    from revhub.sandbox.xero.ratelimit import Limits

    monkeypatch.setattr(sandbox.limiter, "limits", Limits(per_minute=10_000, concurrent=50))
    headers = {"Authorization": "Bearer " + token_store["token"]["access_token"],
               "xero-tenant-id": tenant, "Accept": "application/json"}
    base = f"{server.url}/api.xro/2.0"
    transfer = {"BankTransfers": [{"FromBankAccount": {"Code": "091"},
                                   "ToBankAccount": {"Code": "090"}, "Amount": 5.0}]}
    done, seen = threading.Event(), []

    def write():
        for _ in range(15):
            requests.put(f"{base}/BankTransfers", json=transfer, headers=headers, timeout=10)
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    while not done.is_set():
        answer = requests.get(f"{base}/BankTransactions", headers=headers, timeout=10).json()
        seen.append(len(answer["BankTransactions"]))
    writer.join()
    assert seen and all(count % 2 == 0 for count in seen)


def test_an_overpayment_refunded_in_cash_is_used_up(accounting, tenant, customer):
    from xero_python.accounting import Overpayment, Payment

    [received] = _create(accounting, tenant, _transaction(
        customer.contact_id, kind="RECEIVE-OVERPAYMENT", amount="200.00"))
    refund = accounting.create_payment(tenant, Payment(
        overpayment=Overpayment(overpayment_id=received.overpayment_id),
        account=Account(code="091"), date=date(2024, 3, 15), amount=Decimal("200.00"),
        reference="re_3PqK2x")).payments[0]
    assert refund.payment_type == "AROVERPAYMENTPAYMENT"
    overpayment = accounting.get_overpayment(tenant, received.overpayment_id).overpayments[0]
    assert (overpayment.remaining_credit, overpayment.status) == (0, "PAID")
    assert overpayment.payments[0].payment_id == refund.payment_id
