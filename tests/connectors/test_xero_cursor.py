"""The Xero cursor moves past a timestamp shared by more than a page of invoices: the next
incremental run costs one call, not a re-read of every invoice sharing it."""

from __future__ import annotations

import pytest
import requests

from revhub.connectors.resilience import forget_limiters
from revhub.connectors.xero import XeroConnector
from revhub.sandbox.launch import SandboxSet

API = "/api.xro/2.0"
SHARED = 250  # two and a half pages of 100, all saved by one request: one UpdatedDateUTC


@pytest.fixture
def xero(tmp_path):
    forget_limiters()
    running = SandboxSet(tmp_path / "sandboxes").start(("xero",))
    yield running["xero"]
    running.stop()


def _send(xero, method: str, path: str, body: dict) -> dict:
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    response = requests.request(method, f"{xero.url}{API}/{path}", json=body, headers={
        "Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"],
        "Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()


def _invoices(xero, contact_id: str, count: int) -> list[str]:
    body = {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Status": "AUTHORISED",
                          "Date": "2026-11-02", "DueDate": "2026-12-02", "Reference": f"bulk-{n}",
                          "LineItems": [{"Description": "Seat", "Quantity": 1, "UnitAmount": 10 + n,
                                         "AccountCode": "200"}]} for n in range(count)]}
    return [i["InvoiceID"] for i in _send(xero, "PUT", "Invoices", body)["Invoices"]]


def _run(connector: XeroConnector, cursor: dict | None) -> tuple[list[str], dict | None, int]:
    calls, ids = connector.api.calls, []
    for page in connector.pull("invoice", cursor):
        ids += [c.external_id for c in page.changes]
        cursor = page.cursor
    return ids, cursor, connector.api.calls - calls


def test_more_than_a_page_sharing_the_newest_timestamp_is_not_read_again(xero):
    contact = _send(xero, "PUT", "Contacts", {"Contacts": [{"Name": "Bulk Buyer BV"}]})["Contacts"][0]
    created = _invoices(xero, contact["ContactID"], SHARED)
    connector = XeroConnector.from_connection("xero", xero.credentials, {**xero.settings, "page_size": 100},
                                              lambda changes: None)

    first, cursor, _ = _run(connector, None)
    assert sorted(first) == sorted(created)  # each read once, none skipped

    again, cursor, calls = _run(connector, cursor)
    assert (again, calls) == ([], 1)

    # A later change is still seen, once, and only it.
    changed = _invoices(xero, contact["ContactID"], 1)
    later, cursor, calls = _run(connector, cursor)
    assert (later, calls) == (changed, 1)
    assert _run(connector, cursor)[:2] == ([], cursor)


def test_the_last_record_read_having_changed_since_costs_one_re_read_not_a_loss(xero):
    contact = _send(xero, "PUT", "Contacts", {"Contacts": [{"Name": "Bulk Buyer BV"}]})["Contacts"][0]
    created = _invoices(xero, contact["ContactID"], 150)
    connector = XeroConnector.from_connection("xero", xero.credentials, {**xero.settings, "page_size": 100},
                                              lambda changes: None)
    _, cursor, _ = _run(connector, None)
    moved = cursor["after_id"]
    _send(xero, "POST", f"Invoices/{moved}", {"Invoices": [{"InvoiceID": moved, "Reference": "edited"}]})
    ids, cursor, _ = _run(connector, cursor)
    assert moved in {i.lower() for i in ids} and len(ids) == len(set(ids))
    assert {i.lower() for i in ids} <= {i.lower() for i in created}
