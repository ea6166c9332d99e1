"""Expenses (Purchase) and transfers (Transfer) in the QuickBooks sandbox, driven through
python-quickbooks' classes: what QBO requires of them, the account types it accepts, the batch
endpoint and its request-id replay."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from quickbooks.batch import batch_create
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.base import Ref
from quickbooks.objects.detailline import AccountBasedExpenseLine, AccountBasedExpenseLineDetail
from quickbooks.objects.purchase import Purchase
from quickbooks.objects.transfer import Transfer

from revhub.sandbox.quickbooks.seeding import (
    BANK_ACCOUNT,
    CLEARING_ACCOUNT,
    FEE_ACCOUNT,
    SALES_ACCOUNT,
    UNDEPOSITED_ACCOUNT,
)
from tests.sandbox.quickbooks.qbo_models import realm_misfits


def _ref(value: str) -> Ref:
    ref = Ref()
    ref.value = value
    return ref


def _fee(paid_from: str = CLEARING_ACCOUNT, expense: str = FEE_ACCOUNT, amounts=(Decimal("2.90"),),
         kind: str = "Cash") -> Purchase:
    purchase = Purchase()
    purchase.PaymentType, purchase.AccountRef = kind, _ref(paid_from)
    purchase.TxnDate, purchase.PrivateNote = "2026-11-20", "Stripe fee txn_123"
    for amount in amounts:
        line = AccountBasedExpenseLine()
        line.Amount = float(amount)
        line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
        line.AccountBasedExpenseLineDetail.AccountRef = _ref(expense)
        purchase.Line.append(line)
    return purchase


def _transfer(source: str = CLEARING_ACCOUNT, target: str = BANK_ACCOUNT, amount=Decimal("970.10")) -> Transfer:
    transfer = Transfer()
    transfer.FromAccountRef, transfer.ToAccountRef = _ref(source), _ref(target)
    transfer.Amount, transfer.TxnDate, transfer.PrivateNote = float(amount), "2026-11-24", "Stripe payout po_1"
    return transfer


def _refused(obj, qb) -> QuickbooksException:
    with pytest.raises(QuickbooksException) as err:
        obj.save(qb=qb)
    return err.value


def test_a_purchase_totals_its_lines_and_reads_back_as_the_sdks_class(qbo, qb):
    saved = _fee(amounts=(Decimal("2.90"), Decimal("0.35"))).save(qb=qb)
    again = Purchase.get(saved.Id, qb=qb)
    assert (Decimal(str(again.TotalAmt)), again.AccountRef.value, again.PaymentType) == (
        Decimal("3.25"), CLEARING_ACCOUNT, "Cash")
    assert again.AccountRef.name == "Stripe Clearing" and again.CurrencyRef.value == "USD"
    assert {line.AccountBasedExpenseLineDetail.AccountRef.value for line in again.Line} == {FEE_ACCOUNT}
    assert [p.Id for p in Purchase.filter(TxnDate="2026-11-20", qb=qb)] == [saved.Id]
    assert realm_misfits(qbo) == {}


@pytest.mark.parametrize("change, element", [
    (lambda p: setattr(p, "PaymentType", ""), "PaymentType"),
    (lambda p: setattr(p, "PaymentType", "Barter"), "PaymentType"),
    (lambda p: setattr(p, "AccountRef", None), "AccountRef"),
    (lambda p: setattr(p, "Line", []), "Line"),
])
def test_a_purchase_without_what_qbo_requires_is_refused_naming_the_field(qb, change, element):
    purchase = _fee()
    change(purchase)
    error = _refused(purchase, qb)
    assert error.error_code in (2010, 2020) and element in error.detail


def test_a_purchase_is_paid_from_a_bank_account_and_a_card_purchase_from_a_card_account(qb):
    assert "must be Bank" in _refused(_fee(paid_from=SALES_ACCOUNT), qb).detail
    assert "must be Credit Card" in _refused(_fee(kind="CreditCard"), qb).detail
    assert "Object Not Found" in _refused(_fee(expense="9999"), qb).message


def test_a_transfer_moves_between_two_bank_or_current_asset_accounts_of_one_currency(qbo, qb):
    saved = _transfer().save(qb=qb)
    again = Transfer.get(saved.Id, qb=qb)
    assert (again.FromAccountRef.value, again.ToAccountRef.value, Decimal(str(again.Amount))) == (
        CLEARING_ACCOUNT, BANK_ACCOUNT, Decimal("970.10"))
    assert _transfer(UNDEPOSITED_ACCOUNT, BANK_ACCOUNT).save(qb=qb).Id
    assert "must be Bank or Other Current Asset" in _refused(_transfer(CLEARING_ACCOUNT, FEE_ACCOUNT), qb).detail
    assert "must be different" in _refused(_transfer(BANK_ACCOUNT, BANK_ACCOUNT), qb).detail
    assert "more than zero" in _refused(_transfer(amount=Decimal(0)), qb).detail
    missing = _transfer()
    missing.ToAccountRef = None
    assert "ToAccountRef" in _refused(missing, qb).detail
    assert realm_misfits(qbo) == {}


def test_a_transfer_between_accounts_of_two_currencies_is_refused(qbo, qb):
    realm = qbo.realms[qbo.realm_id]
    realm.objects["Account"]["500"] = {"Id": "500", "Name": "EUR Bank", "AccountType": "Bank", "Active": True,
                                       "CurrencyRef": {"value": "EUR"}, "SyncToken": "0", "domain": "QBO"}
    assert "one currency" in _refused(_transfer(CLEARING_ACCOUNT, "500"), qb).detail
    eur_fee = _fee()
    eur_fee.CurrencyRef = _ref("EUR")
    assert "must match the currency of the account" in _refused(eur_fee, qb).detail


def test_a_payment_is_deposited_only_to_a_bank_or_undeposited_funds_account(qbo, qb):
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.payment import Payment

    customer = next(c for c in Customer.all(qb=qb) if c.CurrencyRef.value == "USD")
    payment = Payment()
    payment.CustomerRef, payment.TotalAmt, payment.DepositToAccountRef = customer.to_ref(), 10, _ref(FEE_ACCOUNT)
    assert "DepositToAccountRef" in _refused(payment, qb).detail
    payment.DepositToAccountRef = _ref(UNDEPOSITED_ACCOUNT)
    assert payment.save(qb=qb).DepositToAccountRef.name == "Undeposited Funds"


def test_fees_and_payouts_go_through_the_batch_endpoint_and_a_repeated_request_id_writes_once(qbo, qb):
    result = batch_create([_fee(), _transfer(), _fee(paid_from=SALES_ACCOUNT)], qb=qb)
    assert len(result.successes) == 2 and "must be Bank" in result.faults[0].Error[0].Detail
    body = json.dumps({"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Purchase": json.loads(_fee().to_json())},
        {"bId": "2", "operation": "create", "Transfer": json.loads(_transfer().to_json())}]})
    realm = qbo.realms[qbo.realm_id]
    before = (len(realm.objects["Purchase"]), len(realm.objects["Transfer"]))
    url = f"{qb.api_url}/company/{qb.company_id}/batch"
    first = qb.post(url, body, request_id="ledger-batch-1")
    again = qb.post(url, body, request_id="ledger-batch-1")
    assert first["BatchItemResponse"] == again["BatchItemResponse"]  # the first answer, replayed
    assert (len(realm.objects["Purchase"]), len(realm.objects["Transfer"])) == (before[0] + 1, before[1] + 1)


def test_a_purchase_and_a_transfer_can_be_deleted_and_cdc_says_so(qbo, qb):
    since = (qbo.clock.now() - timedelta(minutes=5)).isoformat()
    fee, transfer = _fee().save(qb=qb), _transfer().save(qb=qb)
    fee.delete(qb=qb)
    transfer.delete(qb=qb)
    assert Purchase.filter(Id=fee.Id, qb=qb) == [] and Transfer.filter(Id=transfer.Id, qb=qb) == []
    answer = qb.change_data_capture("Purchase,Transfer", since)
    gone = [(name, o["Id"], o.get("status")) for part in answer["CDCResponse"][0]["QueryResponse"]
            for name, objects in part.items() if isinstance(objects, list) for o in objects]
    assert gone == [("Purchase", fee.Id, "Deleted"), ("Transfer", transfer.Id, "Deleted")]


@pytest.mark.parametrize("lines", ["not a list", ["not an object"],
                                   [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": 1,
                                     "AccountBasedExpenseLineDetail": "93"}]])
def test_malformed_purchase_lines_are_a_400_naming_the_field_not_a_500(qb, lines):
    body = {"PaymentType": "Cash", "AccountRef": {"value": CLEARING_ACCOUNT}, "Line": lines}
    with pytest.raises(QuickbooksException) as err:
        qb.create_object("Purchase", json.dumps(body))
    assert err.value.error_code == 2010 and "Line" in err.value.detail


def test_a_reference_that_is_not_an_object_is_a_400_naming_it(qb):
    body = {"FromAccountRef": CLEARING_ACCOUNT, "ToAccountRef": {"value": BANK_ACCOUNT}, "Amount": 5}
    with pytest.raises(QuickbooksException) as err:
        qb.create_object("Transfer", json.dumps(body))
    assert err.value.error_code == 2010 and "FromAccountRef" in err.value.detail


def test_an_expense_naming_a_payee_the_company_does_not_have_is_not_found(qb):
    purchase = _fee()
    purchase.EntityRef = _ref("56")
    assert _refused(purchase, qb).error_code == 610
