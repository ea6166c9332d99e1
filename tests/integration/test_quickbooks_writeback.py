"""Write-back to QuickBooks Online through the batch endpoint, read back from the sandbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.orders import service
from revhub.orders.validation import validate
from revhub.sandbox.quickbooks.seeding import CLEARING_ACCOUNT
from revhub.store import Connection, Customer, Invoice, OutboxMessage, Payment, PaymentAllocation, Refund
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po
from tests.integration.test_quickbooks_sync import OtherApp
from tests.sandbox.quickbooks.qbo_models import realm_misfits

pytestmark = pytest.mark.store


@pytest.fixture
def books(db, vault, sandboxes):
    running = sandboxes("quickbooks", companies=4)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    return running


def _usd_customer(db) -> str:
    with db.session() as s:
        return s.scalars(select(Customer.email).where(Customer.default_currency == "USD")).first()


def _drain(db, vault):
    result = OutboxWorker(db, vault, "w").drain()
    with db.session() as s:
        dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
        assert not dead, [(m.entity, m.last_error) for m in dead]
    return result


def _batches(running) -> list:
    return [r for r in running["quickbooks"].sandbox.requests.entries() if r.path.endswith("/batch")]


def test_a_po_becomes_a_quickbooks_invoice_with_its_po_number_in_the_custom_field(db, vault, books):
    po_id = submit_po(db, _usd_customer(db), "USD", 3, "120.25", "360.75", number="4500012345", terms="NET45")
    _drain(db, vault)

    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    qbo_id = linked(db, "invoice", invoice.id, "quickbooks")
    [remote] = OtherApp(books["quickbooks"]).query(f"select * from Invoice where Id = '{qbo_id}'")
    assert remote["CustomField"][0] == {"DefinitionId": "1", "Name": "PO Number", "Type": "StringType",
                                        "StringValue": "4500012345"}
    assert (remote["DocNumber"], remote["TotalAmt"], remote["CurrencyRef"]["value"]) == (invoice.number, 360.75, "USD")
    assert (remote["TxnDate"], remote["DueDate"]) == (invoice.issue_date.isoformat(), invoice.due_date.isoformat())
    assert [b.query for b in _batches(books)] and all("requestid=" in b.query for b in _batches(books))


def test_a_batch_answered_but_lost_is_not_written_twice(db, vault, books):
    submit_po(db, _usd_customer(db), "USD", 2, "10", "20", number="PO-LOST-1", terms="NET30")
    qbo = books["quickbooks"].sandbox
    before = len(qbo.realms[qbo.realm_id].objects["Invoice"])
    # The sandbox writes, then the connection drops before the answer: the retry replays the request id.
    original = qbo.wsgi

    lost: list[bool] = []

    def lose_first_batch_answer(environ, start_response):
        answer = original(environ, start_response)
        if environ["PATH_INFO"].endswith("/batch") and not lost:
            lost.append(True)
            list(answer)
            raise ConnectionResetError("answer lost")
        return answer

    qbo.wsgi = lose_first_batch_answer
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "quickbooks"))
        row.settings = {**row.settings, "retry_max_backoff_seconds": 0.05, "timeout_seconds": 1}
    _drain(db, vault)
    assert len(qbo.realms[qbo.realm_id].objects["Invoice"]) == before + 1
    batches = [b for b in _batches(books)]
    assert len(batches) == 2 and batches[0].query == batches[1].query  # the same requestid, answered once
    # ... from QBO's replay, not by falling back on the duplicate-number check (which queries).
    later = [r for r in qbo.requests.entries() if r.at > batches[0].at]
    assert not [r for r in later if r.path.endswith("/query")]


@pytest.mark.parametrize("document", ["CreditMemo", "RefundReceipt"])
def test_a_stripe_payment_and_refund_are_booked_in_quickbooks(db, vault, sandboxes, document):
    running = sandboxes("stripe", "quickbooks", companies=3)
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "quickbooks"))
        row.settings = {**row.settings, "refund_document": document, "deposit_account_id": CLEARING_ACCOUNT}
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    drain(db, vault)
    po_id = submit_po(db, _usd_customer(db), "USD", 2, "250.00", "500.00", number="PO-QB-PAY", terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    client = stripe_client(running)
    paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
    _settle(db, vault, running)
    [charge] = client.v1.invoice_payments.list({"invoice": paid.id}).data
    client.v1.refunds.create({"payment_intent": charge.payment.payment_intent, "amount": 7550,
                              "reason": "requested_by_customer"})
    _settle(db, vault, running)

    other = OtherApp(running["quickbooks"])
    qbo_invoice = linked(db, "invoice", invoice.id, "quickbooks")
    [remote] = other.query(f"select * from Invoice where Id = '{qbo_invoice}'")
    assert (remote["TotalAmt"], remote["Balance"]) == (500, 0)
    with db.session() as s:
        payment = s.scalars(select(Payment).join(PaymentAllocation)
                            .where(PaymentAllocation.invoice_id == invoice.id)).one()
        refund = s.scalars(select(Refund).where(Refund.payment_id == payment.id)).one()
    [qbo_payment] = other.query(f"select * from Payment where Id = '{linked(db, 'payment', payment.id, 'quickbooks')}'")
    # QBO answers a reference with the account's name beside its id.
    assert qbo_payment["DepositToAccountRef"] == {"value": CLEARING_ACCOUNT, "name": "Stripe Clearing"}
    assert qbo_payment["TotalAmt"] == 500 and qbo_payment["Line"][0]["LinkedTxn"][0]["TxnId"] == qbo_invoice
    assert payment.reference in qbo_payment["PrivateNote"]
    [memo] = other.query(f"select * from {document} where Id = '{linked(db, 'refund', refund.id, 'quickbooks')}'")
    assert memo["TotalAmt"] == 75.5 and refund.reference in memo["PrivateNote"]
    assert memo["CustomerRef"]["value"] == remote["CustomerRef"]["value"]
    if document == "RefundReceipt":  # paid back out of the clearing account
        assert memo["DepositToAccountRef"]["value"] == CLEARING_ACCOUNT and memo["Balance"] == 0
    assert realm_misfits(running["quickbooks"].sandbox) == {}  # what the hub wrote fits the SDK's classes


def _settle(db, vault, running) -> None:
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    drain(db, vault)


def test_a_taxed_po_is_invoiced_with_qbo_tax_codes_and_the_same_totals(db, vault, books):
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "quickbooks"))
        row.settings = {**row.settings, "tax_codes": {"NL_VAT_21": "6", "NL_VAT_9": "7"}}
        email = s.scalars(select(Customer.email).where(Customer.default_currency == "EUR")).first()
    draft = validate({"customer": {"email": email}, "po_number": "PO-TAX-1", "issue_date": "2026-11-20",
                      "currency": "EUR", "total": "142.90", "tax": "22.81", "payment_terms": "NET30",
                      "subscription_start": "2026-12-01", "subscription_end": "2027-11-30",
                      "lines": [{"product": "RH-PLAT", "description": "Platform licence", "quantity": 3,
                                 "unit_price": "33.33", "tax_code": "NL_VAT_21"},
                                {"description": "Training book", "quantity": 2, "unit_price": "10.05",
                                 "tax_code": "NL_VAT_9"}]})
    assert not isinstance(draft, list), draft
    with db.session(write=True) as s:
        po_id = service.submit(s, draft, actor="test", threshold_minor=10**12).id
    _drain(db, vault)

    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    [remote] = OtherApp(books["quickbooks"]).query(
        f"select * from Invoice where Id = '{linked(db, 'invoice', invoice.id, 'quickbooks')}'")
    assert [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in remote["Line"][:2]] == ["6", "7"]
    assert (remote["TxnTaxDetail"]["TotalTax"], remote["TotalAmt"]) == (22.81, 142.9)
    assert (invoice.tax_minor, invoice.total_minor) == (2281, 14290)
    assert realm_misfits(books["quickbooks"].sandbox) == {}


def test_a_customer_changed_in_stripe_is_a_sparse_update_with_the_current_sync_token(db, vault, sandboxes):
    running = sandboxes("stripe", "quickbooks", companies=3)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    drain(db, vault)
    with db.session() as s:
        customer = s.scalars(select(Customer).where(Customer.default_currency == "USD")).first()
    stripe_id, qbo_id = linked(db, "customer", customer.id, "stripe"), linked(db, "customer", customer.id, "quickbooks")
    other = OtherApp(running["quickbooks"])
    [before] = other.query(f"select * from Customer where Id = '{qbo_id}'")
    stripe_client(running).v1.customers.update(stripe_id, {"email": "payables@moved.example"})
    _settle(db, vault, running)

    [after] = other.query(f"select * from Customer where Id = '{qbo_id}'")
    assert after["PrimaryEmailAddr"] == {"Address": "payables@moved.example"}
    assert int(after["SyncToken"]) == int(before["SyncToken"]) + 1 and after["DisplayName"] == before["DisplayName"]
