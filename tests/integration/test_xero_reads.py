"""Xero reads keep what the hub wrote: a connection's own tax types are read back as revhub tax
codes, and a unit price with more than two decimals keeps them (``unitdp=4``). Hub + Xero
sandbox, xero-python, the invoices read back through the hub's Xero connector."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.connectors.registry import build_connector
from revhub.store import Connection
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked, xero_put
from tests.integration.test_ledger_wire import first_customer_email, po_body, submit
from tests.integration.test_writeback_stripe import drain, invoice_of

pytestmark = pytest.mark.store


@pytest.fixture
def hub(db, vault, sandboxes):
    running = sandboxes("xero", companies=3)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    return running


def set_xero_settings(db, **settings) -> None:
    with db.session(write=True) as s:
        connection = s.scalars(select(Connection).where(Connection.provider == "xero")).one()
        connection.settings = {**(connection.settings or {}), **settings}


def read_back(db, vault, external_id: str) -> dict:
    """The invoice as the hub's Xero connector reads it: from its list, and fetched alone."""
    with db.session() as s:
        connection = s.scalars(select(Connection).where(Connection.provider == "xero")).one()
    connector = build_connector(connection, vault)
    listed = [c.record for page in connector.pull("invoice", None, full=True) for c in page.changes
              if c.external_id == external_id]
    fetched = connector.fetch("invoice", external_id).record
    assert listed == [fetched]
    return fetched


def test_an_invoice_using_the_connections_own_xero_tax_type_is_read_back_with_its_revhub_tax_code(db, vault, hub):
    [rate] = xero_put(hub, "TaxRates", {"TaxRates": [{"Name": "BTW 9% (own)", "ReportTaxType": "OUTPUT",
                                                       "TaxComponents": [{"Name": "BTW", "Rate": 9}]}]})["TaxRates"]
    set_xero_settings(db, tax_types={"NL_VAT_9": rate["TaxType"]})
    lines = [{"description": "Training book", "quantity": 2, "unit_price": "10.05", "tax_code": "NL_VAT_9"}]
    po_id = submit(db, po_body(first_customer_email(db), lines, "21.91", tax="1.81", po_number="4500066001"))
    drain(db, vault)

    record = read_back(db, vault, linked(db, "invoice", invoice_of(db, po_id).id, "xero"))
    assert [(ln["tax_code"], ln["tax_minor"]) for ln in record["lines"]] == [("NL_VAT_9", 181)]


def test_a_unit_price_with_three_decimals_is_read_back_from_xero_with_all_three(db, vault, hub):
    body = po_body(first_customer_email(db), [{"description": "Platform licence", "quantity": 2,
                                                "unit_price": "1.235"}], "2.470", currency="KWD",
                   po_number="4500066002")
    po_id = submit(db, body)
    drain(db, vault)

    record = read_back(db, vault, linked(db, "invoice", invoice_of(db, po_id).id, "xero"))
    assert [(ln["unit_amount_minor"], ln["amount_minor"]) for ln in record["lines"]] == [(1235, 2470)]
