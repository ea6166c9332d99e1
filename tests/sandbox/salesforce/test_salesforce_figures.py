"""Receivables key figures and the PO ledger written to Salesforce, read back from the sandbox
(whose Account and Purchase_Order__c fields come from the metadata package)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from revhub.connectors.base import Change, Ref
from revhub.connectors.salesforce.client import SalesforceAPI
from revhub.connectors.salesforce.push_figures import account_records, po_records, push_figures
from revhub.recon.service import run
from revhub.store import Customer, Invoice, Link, PurchaseOrder
from tests.recon.conftest import bank_receipt, xero_invoice
from tests.sync.changes import apply, customer

from .conftest import account

pytestmark = pytest.mark.store


@pytest.fixture
def books(connections):
    apply(connections, "stripe", customer("cus_1", "1"))
    apply(connections, "xero", customer("cus_1", "1"))  # the same contact in Xero, linked by its e-mail
    apply(connections, "xero", xero_invoice("inv-a", "INV-0042", 30000), xero_invoice("inv-b", "INV-0043", 12000))
    apply(connections, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    with connections.session(write=True) as s:
        run(s, actor="test")
    paid = xero_invoice("inv-b", "INV-0043", 12000)  # Xero's echo once the payment reached it
    paid.record.update(amount_paid_minor=12000, amount_due_minor=0, status="paid")
    apply(connections, "xero", Change("invoice", "inv-b", "2", paid.record))
    return connections


def test_key_figures_and_the_po_ledger_are_read_back_from_salesforce(books, sf, sandbox, base_url, ca_path):
    account_id = sf.Account.create(account(Name="Initech", CurrencyIsoCode="EUR"))["id"]
    po_id = sf.Purchase_Order__c.create({"Name": "PO-4471", "Account__c": account_id, "PO_Number__c": "4471",
                                        "Amount__c": 500})["id"]
    with books.session(write=True) as s:
        cust = s.query(Customer).one()
        s.add(Link(entity="customer", canonical_id=cust.id, system="salesforce", external_id=account_id,
                   remote_version="1", base_snapshot={}))
    apply(books, "salesforce", Change("purchase_order", po_id, "1", dict(
        po_number="4471", customer_id=Ref("customer", account_id), currency="EUR", issue_date="2026-11-01",
        total_minor=50000, subtotal_minor=50000, tax_minor=0, status="approved", lines=[])))
    with books.session(write=True) as s:
        po = s.query(PurchaseOrder).one()
        for inv in s.scalars(select(Invoice)):
            inv.purchase_order_id = po.id
        accounts, pos = account_records(s, "salesforce", date(2026, 12, 20)), po_records(s, "salesforce")
    api = SalesforceAPI({"access_token": sandbox.sessions.static_token}, base_url, ca_bundle=ca_path)
    done = push_figures(api, accounts, pos)
    assert (done.accounts, done.purchase_orders, done.refused) == (1, 1, [])
    back = sf.Account.get(account_id)
    # INV-0042 (300.00) is owed and 18 days overdue; INV-0043 was paid on 2026-11-20, before it was due.
    assert (back["Revhub_Outstanding__c"], back["Revhub_Overdue__c"]) == (300.0, 300.0)
    assert (back["Revhub_Avg_Days_Late__c"], back["Revhub_On_Time_Rate__c"]) == (0.0, 100.0)
    assert back["Revhub_Figures_As_Of__c"] == "2026-12-20"
    po_back = sf.Purchase_Order__c.get(po_id)
    assert (po_back["Invoiced__c"], po_back["Paid__c"], po_back["Remaining__c"]) == (420.0, 120.0, 80.0)
    again = push_figures(api, accounts, pos)  # absolute values: sending twice changes nothing
    assert again.refused == [] and sf.Account.get(account_id)["Revhub_Outstanding__c"] == 300.0
