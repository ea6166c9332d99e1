"""Xero into the store over real HTTP: If-Modified-Since with paging, voided and deleted
invoices, a 429 storm, a connection dropped mid-run, and OAuth refresh-token rotation.

Each test gets its own organisation (tenant id), as separate customers would have, so the
hub's per-tenant rate limiter starts fresh.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from revhub.connections import Vault
from revhub.connectors.xero.normalize import parse_date
from revhub.sandbox.dataset import generate
from revhub.store import Connection, Customer, Invoice, Link, SyncRun
from revhub.sync.jobs import sync_one

pytestmark = pytest.mark.store

API = "/api.xro/2.0"


def _start(sandboxes, companies: int | None = 8):
    return sandboxes("xero", companies=companies, options={"xero": {"tenant_id": str(uuid.uuid4())}})


def _settings(db, **changes) -> None:
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "xero"))
        row.settings = {**row.settings, **changes}


def _credentials(db, vault: Vault) -> dict:
    with db.session() as s:
        return vault.open(s.scalar(select(Connection.credentials).where(Connection.name == "xero")))


class XeroClient:
    """Someone else's app editing the same organisation over the Accounting API."""

    def __init__(self, xero) -> None:
        self.url = xero.url
        token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"],
                        "Accept": "application/json"}

    def get(self, path: str) -> dict:
        response = requests.get(f"{self.url}{API}/{path}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: dict) -> dict:
        response = requests.request(method, f"{self.url}{API}/{path}", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


def _log_if_modified_since(sandbox) -> list[str | None]:
    """Record the If-Modified-Since header of every accounting request (the sandbox's own
    request log keeps no headers)."""
    seen: list[str | None] = []
    inner = sandbox.wsgi

    def recording(environ, start_response):
        if environ.get("PATH_INFO", "").lower().startswith(API.lower()):
            seen.append(environ.get("HTTP_IF_MODIFIED_SINCE"))
        return inner(environ, start_response)

    sandbox.wsgi = recording
    return seen


def _run(db, summary) -> SyncRun:
    with db.session() as s:
        return s.get(SyncRun, summary.run_id)


def _links(db, entity: str) -> tuple[int, int]:
    with db.session() as s:
        where = (Link.system == "xero", Link.entity == entity)
        return (s.scalar(select(func.count()).select_from(Link).where(*where)),
                s.scalar(select(func.count(func.distinct(Link.external_id))).where(*where)))


def _contact_ids(db) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Link.external_id).where(Link.system == "xero", Link.entity == "customer")
                              .order_by(Link.external_id)))


def _add_fault(xero, **rule) -> None:
    response = requests.post(f"{xero.url}/__sandbox/faults", json=rule)
    assert response.status_code == 201, response.text


def test_an_incremental_run_asks_with_if_modified_since_and_gets_only_the_changed_contacts(
        db, vault, sandboxes):
    running = _start(sandboxes, companies=20)
    xero = running["xero"]
    other = XeroClient(xero)
    assert sync_one(db, vault, "xero", "customer").counts.created == 20
    ids = _contact_ids(db)
    running.clock.advance(300)
    warm = other.send("POST", f"Contacts/{ids[0]}", {"Contacts": [{"ContactID": ids[0], "FirstName": "Warm"}]})
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"
    running.clock.advance(300)
    for n, contact_id in enumerate(ids[10:15]):
        other.send("POST", f"Contacts/{contact_id}",
                   {"Contacts": [{"ContactID": contact_id, "EmailAddress": f"ap{n}@changed.example"}]})
    headers = _log_if_modified_since(xero.sandbox)

    summary = sync_one(db, vault, "xero", "customer")

    run = _run(db, summary)
    assert run.status == "succeeded"
    # The five edits only: the previous run's newest record, at the cursor's edge, is skipped.
    assert (run.fetched, run.updated, run.unchanged, run.created) == (5, 5, 0, 0)
    # Asked from the newest record already seen, less one millisecond, and in one request.
    newest_seen = parse_date(warm["Contacts"][0]["UpdatedDateUTC"])
    assert [datetime.fromisoformat(h) for h in headers] == [newest_seen - timedelta(milliseconds=1)]
    with db.session() as s:
        emails = set(s.scalars(select(Customer.email).where(Customer.email.like("%@changed.example"))))
    assert emails == {f"ap{n}@changed.example" for n in range(5)}


def _invoice_to_void(other: XeroClient) -> dict:
    invoices = other.get("Invoices?Statuses=AUTHORISED&page=1")["Invoices"]
    return next(i for i in invoices if i["Type"] == "ACCREC" and not i["AmountPaid"] and not i["AmountCredited"])


def test_a_voided_invoice_becomes_void_and_a_deleted_draft_becomes_a_tombstone(db, vault, sandboxes):
    running = _start(sandboxes, companies=8)
    other = XeroClient(running["xero"])
    voided = _invoice_to_void(other)
    draft = other.send("PUT", "Invoices", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": voided["Contact"]["ContactID"]}, "Status": "DRAFT",
        "LineItems": [{"Description": "Extra seats", "Quantity": 2, "UnitAmount": 50, "AccountCode": "200"}]}]})
    draft_id = draft["Invoices"][0]["InvoiceID"]
    sync_one(db, vault, "xero", "customer")
    assert sync_one(db, vault, "xero", "invoice").status == "succeeded"
    with db.session() as s:
        canonical = dict(s.execute(select(Link.external_id, Link.canonical_id).where(Link.entity == "invoice")).all())
    running.clock.advance(120)
    other.send("POST", f"Invoices/{voided['InvoiceID']}",
               {"Invoices": [{"InvoiceID": voided["InvoiceID"], "Status": "VOIDED"}]})
    other.send("POST", f"Invoices/{draft_id}", {"Invoices": [{"InvoiceID": draft_id, "Status": "DELETED"}]})

    summary = sync_one(db, vault, "xero", "invoice")

    assert summary.status == "succeeded", summary.note
    assert (summary.counts.deleted, summary.counts.updated) == (1, 1)
    with db.session() as s:
        void = s.get(Invoice, canonical[voided["InvoiceID"]])
        gone = s.get(Invoice, canonical[draft_id])
        assert (void.status, void.deleted_at) == ("void", None)   # a voided invoice stays on the books
        assert gone.deleted_at is not None                         # a deleted draft never existed
        active = s.scalar(select(func.count()).select_from(Invoice).where(Invoice.deleted_at.is_(None)))
    assert active == len(canonical) - 1


def test_a_429_storm_waits_as_told_by_retry_after_and_every_record_arrives(db, vault, sandboxes):
    running = _start(sandboxes, companies=8)
    xero = running["xero"]
    _settings(db, retry_max_backoff_seconds=0.05)  # so only Retry-After can explain the waits
    _add_fault(xero, kind="429", count=2, path="(?i)/contacts")

    summary = sync_one(db, vault, "xero", "customer")

    assert summary.status == "succeeded", summary.note
    assert summary.counts.created == 8 and _links(db, "customer") == (8, 8)
    log = [r for r in xero.sandbox.requests.entries() if "contacts" in r.path.lower()]
    assert [r.status for r in log] == [429, 429, 200]
    gaps = [later.at - earlier.at for earlier, later in zip(log, log[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps   # the fault answers Retry-After: 1


def test_a_connection_dropped_mid_run_loses_and_doubles_nothing(db, vault, sandboxes, monkeypatch):
    # Each page commits on its own here, so the fault can be injected between two of them.
    monkeypatch.setattr("revhub.sync.runner.GROUP_RECORDS", 1)
    # Pages of 100 (the connector asks for 1,000), so 250 contacts take three.
    monkeypatch.setattr("revhub.connectors.xero.connector.PAGE_SIZE", 100)
    running = _start(sandboxes, companies=None)
    xero = running["xero"]
    xero.sandbox.load_dataset(generate(250, seed=3))   # 250 contacts sharing one UpdatedDateUTC
    _settings(db, retry_max_backoff_seconds=0.05)
    dropped: list[int] = []

    def drop_after_first_page(summary) -> None:
        if not dropped:
            dropped.append(summary.fetched)
            _add_fault(xero, kind="drop", count=8, path="(?i)/contacts")

    failed = sync_one(db, vault, "xero", "customer", on_page=drop_after_first_page)

    assert failed.status == "failed" and "connection failed" in failed.note
    assert dropped == [100] and _links(db, "customer") == (100, 100)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 100

    resumed = sync_one(db, vault, "xero", "customer")

    assert resumed.status == "succeeded", resumed.note
    assert resumed.counts.created == 150 and resumed.counts.updated == 0
    assert _links(db, "customer") == (250, 250)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 250
        assert s.scalar(select(func.count(func.distinct(Customer.name)))) == 250


def test_an_expired_access_token_is_refreshed_and_the_rotated_refresh_token_outlives_the_process(
        db, vault, sandboxes):
    running = _start(sandboxes, companies=4)
    xero = running["xero"]
    consent = _credentials(db, vault)["refresh_token"]
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"
    first = _credentials(db, vault)
    assert first["refresh_token"] != consent and first["access_token"]

    running.clock.advance(31 * 60)   # the access token (30 min) has expired; the hub's clock does not know
    second_run = sync_one(db, vault, "xero", "customer")

    assert second_run.status == "succeeded", second_run.note
    second = _credentials(db, vault)
    assert second["refresh_token"] not in (consent, first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    statuses = [r.status for r in xero.sandbox.requests.entries() if "contacts" in r.path.lower()]
    assert statuses[-2:] == [401, 200]

    # Past the grace period, only the newest refresh token works: a new process (a fresh
    # connector built from the stored connection) must have been handed it.
    running.clock.advance(31 * 60)
    third_run = sync_one(db, vault, "xero", "customer")
    assert third_run.status == "succeeded", third_run.note
    assert _credentials(db, vault)["refresh_token"] != second["refresh_token"]
    assert _links(db, "customer") == (4, 4)


def test_a_daily_limit_429_stops_the_run_at_once_instead_of_waiting_out_the_day(db, vault, sandboxes):
    running = sandboxes("xero", companies=8, options={"xero": {"tenant_id": str(uuid.uuid4()), "per_day": 1}})
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"   # the day's one call
    started = time.monotonic()

    summary = sync_one(db, vault, "xero", "invoice")

    assert time.monotonic() - started < 5
    assert summary.status == "failed" and "rate limit (day)" in summary.note
    log = [r for r in running["xero"].sandbox.requests.entries() if "invoices" in r.path.lower()]
    assert [r.status for r in log] == [429]   # asked once; waiting hours inside a run helps nobody
    assert _links(db, "customer") == (8, 8)


def test_a_token_refresh_whose_connection_drops_is_tried_again_rather_than_failing_the_connection(
        db, vault, sandboxes):
    running = _start(sandboxes, companies=4)
    xero = running["xero"]
    _settings(db, retry_max_backoff_seconds=0.05)
    assert sync_one(db, vault, "xero", "customer").status == "succeeded"
    before = _credentials(db, vault)
    running.clock.advance(31 * 60)
    _add_fault(xero, kind="drop", count=1, path="(?i)^/connect/token")

    summary = sync_one(db, vault, "xero", "customer")

    assert summary.status == "succeeded", summary.note
    token_calls = [(r.status, r.fault) for r in xero.sandbox.requests.entries() if r.path == "/connect/token"]
    assert token_calls[-2:] == [(0, "drop"), (200, None)]
    assert _credentials(db, vault)["refresh_token"] != before["refresh_token"]
