"""Paging as Xero pages: ``page`` from 1, ``pageSize`` up to 1,000 (default 100), a
``pagination`` element on every paged answer; and the hub's connector asking for 1,000."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xero_python.accounting import (
    Account,
    BankTransaction,
    BankTransactions,
    Contact,
    Invoices,
    LineAmountTypes,
    LineItem,
)

from revhub.connectors.xero.client import XeroAPI, XeroAuth
from revhub.connectors.xero.connector import PAGE_SIZE, XeroConnector
from revhub.sandbox.xero import listing
from tests.sandbox.xero.conftest import sales_invoice


def _invoices(accounting, tenant, contact_id, count):
    accounting.create_invoices(tenant, Invoices(invoices=[
        sales_invoice(contact_id, reference=f"PO-{n}") for n in range(count)]))


def test_a_page_holds_up_to_a_thousand(accounting, tenant, customer):
    _invoices(accounting, tenant, customer.contact_id, 1200)
    first = accounting.get_invoices(tenant, page=1, page_size=1000)
    second = accounting.get_invoices(tenant, page=2, page_size=1000)
    assert (len(first.invoices), len(second.invoices)) == (1000, 200)
    pagination = first.pagination
    assert (pagination.page, pagination.page_size, pagination.page_count, pagination.item_count) == (
        1, 1000, 2, 1200)


def test_the_default_page_is_a_hundred(accounting, tenant, customer):
    _invoices(accounting, tenant, customer.contact_id, 150)
    answer = accounting.get_invoices(tenant, page=1)
    assert (len(answer.invoices), answer.pagination.page_size) == (100, 100)


def test_a_page_past_the_end_is_empty(accounting, tenant, customer):
    _invoices(accounting, tenant, customer.contact_id, 3)
    answer = accounting.get_invoices(tenant, page=2)
    assert answer.invoices == [] and answer.pagination.page_count == 1


def test_bank_transactions_and_overpayments_page_too(accounting, tenant, customer):
    spend = BankTransaction(
        type="SPEND", contact=Contact(contact_id=customer.contact_id),
        bank_account=Account(code="091"), date=date(2024, 3, 10),
        line_amount_types=LineAmountTypes.NOTAX,
        line_items=[LineItem(description="Fee", quantity=1, unit_amount=Decimal("1.00"),
                             account_code="404")])
    accounting.create_bank_transactions(tenant, BankTransactions(bank_transactions=[spend] * 3))
    answer = accounting.get_bank_transactions(tenant, page=2, page_size=2)
    assert (len(answer.bank_transactions), answer.pagination.item_count) == (1, 3)
    assert accounting.get_overpayments(tenant, page=1).pagination.item_count == 0


def _connector(sandbox, server) -> XeroConnector:
    token = sandbox.issue_token()
    credentials = {"client_id": sandbox.authority.client_id,
                   "client_secret": sandbox.authority.client_secret,
                   "refresh_token": token["refresh_token"]}
    auth = XeroAuth(credentials, server.url, save=lambda changes: None)
    return XeroConnector(XeroAPI(auth, sandbox.default_tenant_id, server.url), "xero")


def test_the_connector_lists_a_thousand_at_a_time(accounting, tenant, customer, sandbox, server):
    _invoices(accounting, tenant, customer.contact_id, 600)
    sandbox.clock.advance(1)
    _invoices(accounting, tenant, customer.contact_id, 600)
    sandbox.exchanges.clear()
    pages = list(_connector(sandbox, server).pull("invoice", None))
    assert PAGE_SIZE == 1000
    assert len({change.external_id for page in pages for change in page.changes}) == 1200
    lists = [c for c in sandbox.exchanges if c.method == "GET" and c.path.endswith("/Invoices")]
    assert len(lists) == 2 and all("pageSize=1000" in c.query for c in lists)


def test_the_connector_stops_on_the_last_page_without_an_empty_call(
    accounting, tenant, customer, sandbox, server
):
    _invoices(accounting, tenant, customer.contact_id, 1000)
    sandbox.exchanges.clear()
    list(_connector(sandbox, server).pull("invoice", None))
    lists = [c for c in sandbox.exchanges if c.method == "GET" and c.path.endswith("/Invoices")]
    assert len(lists) == 1


def test_the_connectors_order_is_served_without_sorting_the_collection_per_page(
    accounting, tenant, customer, sandbox, server, monkeypatch
):
    """The connector asks ``order=UpdatedDateUTC ASC, InvoiceID ASC`` on every page. That is
    the order the collection keeps, so no page sorts the whole collection again (which made a
    full read cost pages x records, seconds of sandbox time per 10,000 invoices), and the
    answer is still in that order: records sharing a time by ID, not by when they were made."""
    _invoices(accounting, tenant, customer.contact_id, 600)
    sandbox.clock.advance(1)
    _invoices(accounting, tenant, customer.contact_id, 600)
    sorts = []
    sort_records = listing.sort_records
    monkeypatch.setattr(listing, "sort_records",
                        lambda records, keys: sorts.append(keys) or sort_records(records, keys))

    pages = list(_connector(sandbox, server).pull("invoice", None))

    made = list(sandbox.tenants[tenant]["Invoices"]._by_id.values())  # in the order they were made
    expected = [r.id for r in sorted(made, key=lambda r: (r.data["UpdatedDateUTC"], r.data["InvoiceID"].lower()))]
    assert expected != [r.id for r in made]  # IDs do not follow the order of making: the order is shown
    assert [change.external_id.lower() for page in pages for change in page.changes] == expected
    assert len(pages) == 2 and sorts == []
    # Any other order is sorted, as before.
    numbers = [i.invoice_number for i in accounting.get_invoices(tenant, order="InvoiceNumber DESC", page=1).invoices]
    assert len(sorts) == 1 and numbers == sorted(numbers, reverse=True)
