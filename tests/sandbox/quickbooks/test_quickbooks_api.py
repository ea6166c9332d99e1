"""The QuickBooks sandbox driven through python-quickbooks: answers parse into the SDK's objects."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from intuitlib.exceptions import AuthClientError
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import AuthorizationException, ObjectNotFoundException, QuickbooksException
from quickbooks.objects.base import CustomField, LinkedTxn, Ref
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.taxcode import TaxCode

from revhub.sandbox.faults import FaultRule
from tests.sandbox.quickbooks.conftest import client_for
from tests.sandbox.quickbooks.qbo_models import unknown_fields


def _invoice(qb, customer_id: str, qty=3, price=100, tax_code=None, po="PO-77") -> Invoice:
    inv = Invoice()
    inv.CustomerRef = Ref()
    inv.CustomerRef.value = customer_id
    line = SalesItemLine()
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice = qty, price
    line.Amount = qty * price
    if tax_code:
        line.SalesItemLineDetail.TaxCodeRef = Ref()
        line.SalesItemLineDetail.TaxCodeRef.value = tax_code
    inv.Line = [line]
    field = CustomField()
    field.DefinitionId, field.StringValue = "1", po
    inv.CustomField = [field]
    return inv


def _usd_customer(qb) -> Customer:
    return next(c for c in Customer.all(qb=qb) if c.CurrencyRef.value == "USD")


def test_lists_parse_into_sdk_objects(qb):
    customers = Customer.all(qb=qb)
    invoices = Invoice.filter(max_results=1000, qb=qb)
    assert customers and all(c.Id and c.SyncToken == "0" for c in customers)
    assert {i.Sku for i in Item.all(qb=qb)} >= {"RH-PLAT", "RH-ONB"}
    inv = invoices[0]
    assert inv.CustomField[0].Name == "PO Number" and inv.CustomField[0].StringValue.startswith("PO-")
    assert inv.Line[0].SalesItemLineDetail.ItemRef.value and inv.CurrencyRef.value
    assert Invoice.count(qb=qb) == len(invoices)
    assert [t.Name for t in TaxCode.all(qb=qb)] == ["21% BTW hoog", "9% BTW laag", "0% BTW"]


def test_create_with_tax_and_custom_po_field(qb):
    customer = _usd_customer(qb)
    saved = _invoice(qb, customer.Id, tax_code="6").save(qb=qb)
    again = Invoice.get(saved.Id, qb=qb)
    assert (again.TotalAmt, again.Balance, again.TxnTaxDetail.TotalTax) == (363, 363, 63)
    assert again.CustomField[0].StringValue == "PO-77" and again.DocNumber
    assert Invoice.filter(DocNumber=again.DocNumber, qb=qb)[0].Id == saved.Id


def test_stale_sync_token_is_5010(qb):
    inv = Invoice.filter(max_results=1, qb=qb)[0]
    first = Invoice.get(inv.Id, qb=qb)
    first.PrivateNote = "one"
    first.save(qb=qb)
    inv.PrivateNote = "two"  # still holds the old SyncToken
    with pytest.raises(QuickbooksException) as err:
        inv.save(qb=qb)
    assert err.value.error_code == 5010


def test_payment_applies_and_delete_shows_in_cdc(qbo, qb):
    customer = _usd_customer(qb)
    inv = _invoice(qb, customer.Id, qty=1, price=50).save(qb=qb)
    pay = Payment()
    pay.CustomerRef, pay.TotalAmt = customer.to_ref(), 50
    line = PaymentLine()
    line.Amount = 50
    link = LinkedTxn()
    link.TxnId, link.TxnType = inv.Id, "Invoice"
    line.LinkedTxn = [link]
    pay.Line = [line]
    pay.save(qb=qb)
    assert Invoice.get(inv.Id, qb=qb).Balance == 0
    qbo.clock.advance(60)
    since = qbo.clock.now()
    pay.delete(qb=qb)
    assert Invoice.get(inv.Id, qb=qb).Balance == 50
    cdc = change_data_capture([Invoice, Payment], since, qb=qb)
    assert [i.Id for i in cdc.Invoice] == [inv.Id] and [p.Id for p in cdc.Payment] == [pay.Id]
    # The SDK's objects drop the tombstone's ``status``; the wire carries it.
    raw = qb.change_data_capture("Payment", since.isoformat())["CDCResponse"][0]["QueryResponse"][0]
    assert raw["Payment"] == [{"domain": "QBO", "status": "Deleted", "Id": pay.Id,
                               "MetaData": raw["Payment"][0]["MetaData"]}]


def test_cdc_refuses_more_than_30_days(qbo, qb):
    with pytest.raises(QuickbooksException) as err:
        change_data_capture([Invoice], qbo.clock.now() - timedelta(days=31), qb=qb)
    assert "older than fixed days is not supported" in err.value.detail


def test_batch_limit_and_per_item_faults(qb):
    customer = _usd_customer(qb)
    memos = []
    for n in range(2):
        memo = CreditMemo()
        memo.CustomerRef = customer.to_ref()
        memo.Line = _invoice(qb, customer.Id, qty=1, price=10 + n).Line
        memos.append(memo)
    bad = Item()
    bad.Name = "No income account"
    result = batch_create(memos + [bad], qb=qb)
    assert len(result.successes) == 2 and result.faults[0].Error[0].code == "2020"
    body = {"BatchItemRequest": [{"bId": str(n), "operation": "create", "Item": {"Name": f"x{n}"}} for n in range(31)]}
    with pytest.raises(QuickbooksException) as err:
        qb.batch_operation(json.dumps(body))
    assert "at most 30" in err.value.detail


def test_missing_object_and_request_id_replay(qb):
    with pytest.raises(ObjectNotFoundException):
        Invoice.get("99999", qb=qb)
    customer = _usd_customer(qb)
    first = _invoice(qb, customer.Id).save(qb=qb, request_id="req-1")
    second = _invoice(qb, customer.Id).save(qb=qb, request_id="req-1")
    assert first.Id == second.Id


def test_refresh_rotates_and_old_token_dies(qbo):
    token = qbo.issue_token()["refresh_token"]
    qb = client_for(qbo, token)
    assert qb.auth_client.refresh_token != token
    with pytest.raises(AuthClientError):  # the rotated-away token is refused (invalid_grant)
        client_for(qbo, token)
    qbo.authority.expire_access_tokens()
    with pytest.raises(AuthorizationException):
        Customer.all(qb=qb)


def test_throttle_answers_429_in_qbo_shape(qbo, qb):
    qbo.throttle.per_minute = 3
    url = f"{qbo.url}/v3/company/{qbo.realm_id}/query?query=select%20*%20from%20Customer"
    headers = {"Authorization": "Bearer " + qb.auth_client.access_token, "Accept": "application/json"}
    statuses = [requests.get(url, headers=headers, timeout=5).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = requests.get(url, headers=headers, timeout=5).json()
    assert body["Fault"]["Error"][0]["code"] == "3001"


def test_injected_fault_in_qbo_shape(qbo, qb):
    qbo.faults.add(FaultRule(kind="503", count=1))
    with pytest.raises(QuickbooksException) as err:
        Customer.all(qb=qb)
    assert err.value.error_code == 3003


@pytest.mark.parametrize("cls", [Customer, Item, Invoice, Payment, CreditMemo, TaxCode])
def test_every_answered_field_is_one_the_sdk_declares(qbo, qb, cls):
    if cls is CreditMemo:
        customer = _usd_customer(qb)
        memo = CreditMemo()
        memo.CustomerRef = customer.to_ref()
        memo.Line = _invoice(qb, customer.Id, qty=1, price=10).Line
        memo.save(qb=qb)
    answer = qb.query(f"select * from {cls.qbo_object_name} MAXRESULTS 1000")["QueryResponse"]
    rows = answer[cls.qbo_object_name]
    assert rows and {p for row in rows for p in unknown_fields(cls, row)} == set()
