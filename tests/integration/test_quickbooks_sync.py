"""QuickBooks Online into the store over real HTTP and python-quickbooks: a full list, CDC
increments with deletes, a cursor past CDC's 30 days, throttling, and refresh-token rotation."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from revhub.connections import Vault
from revhub.sandbox.faults import FaultRule
from revhub.store import Connection, Customer, Invoice, Link, Payment
from revhub.sync.jobs import sync_one

pytestmark = pytest.mark.store
ENTITIES = ("customer", "product", "invoice", "payment", "refund")


class OtherApp:
    """Someone else's app editing the same company over the Accounting API."""

    def __init__(self, qbo) -> None:
        self.base = f"{qbo.url}/v3/company/{qbo.sandbox.realm_id}"
        token = requests.post(f"{qbo.url}/__sandbox/tokens", timeout=5).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def query(self, text: str) -> list[dict]:
        body = requests.get(f"{self.base}/query", params={"query": text}, headers=self.headers, timeout=5).json()
        return next(iter(v for k, v in body["QueryResponse"].items() if isinstance(v, list)), [])

    def post(self, entity: str, body: dict, **params) -> dict:
        response = requests.post(f"{self.base}/{entity.lower()}", json=body, params=params, headers=self.headers,
                                 timeout=5)
        assert response.status_code == 200, response.text
        return response.json()


def _sync(db, vault, *entities: str, full: bool = False):
    summaries = [sync_one(db, vault, "quickbooks", e, full=full) for e in entities or ENTITIES]
    assert all(s.status == "succeeded" for s in summaries), [(s.entity, s.note) for s in summaries]
    return summaries[0] if len(summaries) == 1 else summaries


def _canonical(db, entity: str) -> dict[str, str]:
    with db.session() as s:
        return dict(s.execute(select(Link.external_id, Link.canonical_id)
                              .where(Link.system == "quickbooks", Link.entity == entity)).all())


def test_full_then_incremental_with_deletes(db, vault, sandboxes):
    running = sandboxes("quickbooks", companies=6)
    other = OtherApp(running["quickbooks"])
    running.clock.advance(300)  # the seed is older than the overlap CDC takes over with
    _sync(db, vault)
    invoices = other.query("select * from Invoice MAXRESULTS 1000")
    assert len(_canonical(db, "invoice")) == len(invoices) and _canonical(db, "customer")
    with db.session() as s:
        stored = {i.number: i for i in s.scalars(select(Invoice))}
        first = invoices[0]
        po = first["CustomField"][0]["StringValue"]
        assert stored[first["DocNumber"]].po_number == po and po.startswith("PO-")
        assert stored[first["DocNumber"]].total_minor > 0
    paid = other.query("select * from Payment")[0]
    customer = other.query("select * from Customer")[-1]

    running.clock.advance(300)  # past the connector's overlap
    other.post("Customer", {**customer, "PrimaryEmailAddr": {"Address": "ap@renamed.example"}})
    other.post("Payment", {"Id": paid["Id"], "SyncToken": paid["SyncToken"]}, operation="delete")
    customers, _, invoice_run, payment_run, _ = _sync(db, vault)

    assert (customers.fetched, customers.counts.updated) == (1, 1)
    assert payment_run.counts.deleted == 1
    assert invoice_run.fetched == len(paid["Line"])  # the invoice the payment left is open again
    with db.session() as s:
        assert s.get(Customer, _canonical(db, "customer")[customer["Id"]]).email == "ap@renamed.example"
        assert s.get(Payment, _canonical(db, "payment")[paid["Id"]]).deleted_at is not None
        reopened = s.get(Invoice, _canonical(db, "invoice")[paid["Line"][0]["LinkedTxn"][0]["TxnId"]])
        assert reopened.status == "open" and reopened.amount_paid_minor == 0

    running.clock.advance(300)
    other.post("Customer", {"Id": customer["Id"], "SyncToken": "1", "sparse": True, "Active": False})
    assert _sync(db, vault, "customer").counts.deleted == 1   # QBO only makes customers inactive


def test_a_cursor_past_30_days_lists_again(db, vault, sandboxes):
    running = sandboxes("quickbooks", companies=3)
    _sync(db, vault, "customer")
    running.clock.advance(31 * 86400)
    summary = _sync(db, vault, "customer")
    assert "30-day" in summary.note and summary.fetched == 3 and summary.counts.unchanged == 3


def test_throttled_calls_are_retried_and_the_rotated_token_is_saved(db, vault, sandboxes):
    running = sandboxes("quickbooks", companies=3)
    qbo = running["quickbooks"]
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "quickbooks"))
        row.settings = {**row.settings, "retry_max_backoff_seconds": 0.05}
    qbo.sandbox.faults.add(FaultRule(kind="429", count=2, path="/query"))
    first = _credentials(db, vault)["refresh_token"]

    assert _sync(db, vault, "customer").counts.created == 3

    saved = _credentials(db, vault)
    assert saved["refresh_token"] != first and qbo.sandbox.authority.rotations == 1
    statuses = [r.status for r in qbo.sandbox.requests.entries() if r.path.endswith("/query")]
    assert statuses[:3] == [429, 429, 200]
    assert set(qbo.sandbox.minorversions) == {"75"}
    _sync(db, vault, "product")  # the saved access token is used: no second rotation
    assert qbo.sandbox.authority.rotations == 1


def _credentials(db, vault: Vault) -> dict:
    with db.session() as s:
        return vault.open(s.scalar(select(Connection.credentials).where(Connection.name == "quickbooks")))


def test_a_full_cdc_answer_is_read_on_from_its_newest_change(db, vault, sandboxes, monkeypatch):
    # CDC answers at most 1,000 objects per entity; here 3, so 7 edits take several answers.
    monkeypatch.setattr("revhub.sandbox.quickbooks.api.CDC_MAX_PER_ENTITY", 3)
    monkeypatch.setattr("revhub.connectors.quickbooks.connector.CDC_MAX", 3)
    running = sandboxes("quickbooks", companies=8)
    other = OtherApp(running["quickbooks"])
    _sync(db, vault, "customer")
    running.clock.advance(300)
    for n, customer in enumerate(other.query("select * from Customer")[:7]):
        running.clock.advance(5)
        other.post("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True,
                                "PrimaryEmailAddr": {"Address": f"ap{n}@cdc.example"}})
    running["quickbooks"].sandbox.requests.clear()

    summary = _sync(db, vault, "customer")

    assert summary.counts.updated == 7 and "full" not in (summary.note or "")
    cdc_calls = [r for r in running["quickbooks"].sandbox.requests.entries() if r.path.endswith("/cdc")]
    # Each answer read on from its newest change (inclusive): edits 0-2, 2-4, 4-6, then 6 alone.
    assert len(cdc_calls) == 4
    with db.session() as s:
        assert len(list(s.scalars(select(Customer.email).where(Customer.email.like("%@cdc.example"))))) == 7


def test_an_access_token_refused_mid_run_is_refreshed_once_and_the_rotation_saved(db, vault, sandboxes):
    running = sandboxes("quickbooks", companies=2)
    qbo = running["quickbooks"].sandbox
    _sync(db, vault, "customer")
    saved = _credentials(db, vault)
    qbo.authority.expire_access_tokens()  # the saved access token is refused (401) from now on

    _sync(db, vault, "customer")

    after = _credentials(db, vault)
    assert qbo.authority.rotations == 2 and after["refresh_token"] != saved["refresh_token"]
    assert after["access_token"] != saved["access_token"]
    assert [r.status for r in qbo.requests.entries() if "/v3/" in r.path][-2:] == [401, 200]
