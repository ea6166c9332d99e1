"""Write-back: a PO submitted once becomes the right invoice in Xero and the PO in Salesforce."""

from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select, update

from revhub.mappings.outbox import OutboxWorker
from revhub.mappings.outbox import plan as outbox_plan
from revhub.mappings.transforms import TRANSFORMS
from revhub.store import Customer, OutboxMessage, PurchaseOrder
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked, submit_po, xero_get

pytestmark = pytest.mark.store


def submit(db, email: str, currency: str, quantity: int, unit: str, total: str, number: str = "4500012345",
           terms: str = "NET45"):
    return submit_po(db, email, currency, quantity, unit, total, number=number, terms=terms)


def xero_invoice(running, invoice_id: str) -> dict:
    return xero_get(running, f"Invoices/{invoice_id}")["Invoices"][0]


@pytest.fixture
def crm_and_books(db, vault, sandboxes):
    running = sandboxes("salesforce", "xero", companies=4)
    sync_all(db, vault, plan(db))
    with db.session() as s:
        emails = {c.default_currency or "": c.email for c in s.scalars(select(Customer))}
    return running, emails



def customer_email(db, currency: str) -> str:
    with db.session() as s:
        # Salesforce accounts carry no currency: take any customer; the PO names its own.
        return s.scalars(select(Customer.email).order_by(Customer.name)).first()


@pytest.mark.parametrize("currency, unit, total, expected", [("EUR", "100.50", "301.50", Decimal("301.50")),
                                                              ("JPY", "15000", "45000", Decimal("45000"))])
def test_a_po_becomes_a_xero_invoice_with_its_po_number_due_date_and_total(db, vault, crm_and_books,
                                                                           currency, unit, total, expected):
    running, _ = crm_and_books
    po_id = submit(db, customer_email(db, currency), currency, 3, unit, total)
    result = OutboxWorker(db, vault, "w").drain()
    assert result.dead == 0, result
    with db.session() as s:
        po = s.get(PurchaseOrder, po_id)
        invoice = po_invoice(s, po_id)
    xero_id = linked(db, "invoice", invoice.id, "xero")
    remote = xero_invoice(running, xero_id)
    assert (remote["Type"], remote["Status"], remote["Reference"]) == ("ACCREC", "AUTHORISED", "4500012345")
    assert remote["CurrencyCode"] == currency and Decimal(str(remote["Total"])) == expected
    assert remote["InvoiceNumber"] == invoice.number
    assert (invoice.due_date - invoice.issue_date).days == 45  # NET45 from the invoice date
    assert TRANSFORMS["xero_date"].read(remote["DueDate"], None) == invoice.due_date.isoformat()
    assert po.status == "invoiced"


def po_invoice(session, po_id):
    from revhub.store import Invoice

    return session.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()


def test_the_salesforce_po_is_created_with_its_invoice_number_and_status(db, vault, crm_and_books):
    running, _ = crm_and_books
    po_id = submit(db, customer_email(db, "USD"), "USD", 2, "49.00", "98.00")
    OutboxWorker(db, vault, "w").drain()
    sf_id = linked(db, "purchase_order", po_id, "salesforce")
    sf = running["salesforce"]
    from revhub.sandbox.tls import trusting_session

    session = trusting_session(sf.settings["ca_bundle"])
    response = session.get(f"{sf.url}/services/data/v62.0/sobjects/Purchase_Order__c/{sf_id}",
                           headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    record = response.json()
    with db.session() as s:
        invoice = po_invoice(s, po_id)
    assert record["PO_Number__c"] == "4500012345" and record["Status__c"] == "Invoiced"
    assert record["Invoice_Number__c"] == invoice.number and Decimal(str(record["Amount__c"])) == Decimal("98.00")


def test_a_xero_validation_error_parks_that_item_and_the_rest_of_the_batch_goes_through(db, vault, crm_and_books):
    running, _ = crm_and_books
    email = customer_email(db, "USD")
    good = submit(db, email, "USD", 1, "10.00", "10.00", number="PO-GOOD")
    bad = submit(db, email, "USD", 1, "10.00", "10.00", number="PO-BAD")
    with db.session() as s:
        bad_invoice = po_invoice(s, bad)
    worker = OutboxWorker(db, vault, "w")
    pusher = worker.pusher("xero")
    original = pusher._invoice

    def with_unknown_account(item, contact_id):
        body = original(item, contact_id)
        if item.record_id == bad_invoice.id:
            for line in body["LineItems"]:
                line["AccountCode"] = "9999"
        return body

    pusher._invoice = with_unknown_account
    worker.drain(target="xero")
    with db.session() as s:
        dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
        good_invoice = po_invoice(s, good)
    assert [m.record_id for m in dead] == [bad_invoice.id]
    assert "9999" in dead[0].last_error
    assert linked(db, "invoice", good_invoice.id, "xero") is not None


def test_a_worker_killed_after_xero_answered_does_not_create_a_second_invoice(db, vault, crm_and_books):
    running, _ = crm_and_books
    po_id = submit(db, customer_email(db, "USD"), "USD", 1, "10.00", "10.00")
    worker = OutboxWorker(db, vault, "w")
    worker._record = lambda *args, **kwargs: (_ for _ in ()).throw(SystemExit("killed before commit"))
    with pytest.raises(SystemExit):
        worker.drain(target="xero")
    with db.session(write=True) as s:  # the dead worker's claims expire
        s.execute(update(OutboxMessage).values(locked_until=func.current_timestamp()))
        s.execute(update(OutboxMessage).where(OutboxMessage.status == "processing").values(
            locked_until=None, status="pending"))
    OutboxWorker(db, vault, "w2").drain(target="xero")
    xero = running["xero"]
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    invoices = requests.get(f"{xero.url}/api.xro/2.0/Invoices", params={"page": 1},
                            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"],
                                     "Accept": "application/json"}).json()["Invoices"]
    with db.session() as s:
        number = po_invoice(s, po_id).number
    assert [i["InvoiceNumber"] for i in invoices].count(number) == 1


def test_the_dry_run_lists_what_would_be_written_without_writing(db, vault, crm_and_books):
    submit(db, customer_email(db, "USD"), "USD", 1, "10.00", "10.00")
    entries = outbox_plan(db, vault)
    invoice = next(e for e in entries if e["target"] == "xero" and e["entity"] == "invoice")
    assert invoice["operation"] == "create" and invoice["changes"]["po_number"] == {"from": None, "to": "4500012345"}
    assert invoice["payload"]["Reference"] == "4500012345"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")) == 0
