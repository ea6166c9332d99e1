"""Salesforce into the store over real HTTP: incremental queryAll on SystemModstamp, records
sharing one timestamp across pages, deletes as tombstones, and a REQUEST_LIMIT_EXCEEDED storm.

Every test drives simple-salesforce against the sandbox org and reads the outcome from the
store, the SyncRun row and the sandbox's request log.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import func, select

from revhub.connectors.salesforce.client import soql_datetime
from revhub.sandbox.tls import trusting_session
from revhub.store import Connection, Contact, Customer, Link, SyncRun
from revhub.sync.jobs import sync_one

pytestmark = pytest.mark.store

API = "/services/data/v62.0"


def _settings(db, connection: str, **changes) -> None:
    """Merge ``changes`` into a connection's settings (what an admin edits in the console)."""
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == connection))
        row.settings = {**row.settings, **changes}


def _fast_retries(db) -> None:
    _settings(db, "salesforce", retry_max_backoff_seconds=0.05)


def _rest(sf) -> tuple[requests.Session, dict[str, str]]:
    return (trusting_session(sf.settings["ca_bundle"]),
            {"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})


def _edit_accounts(sf, ids: list[str], tag: str) -> None:
    session, headers = _rest(sf)
    for n, account_id in enumerate(ids):
        response = session.patch(f"{sf.url}{API}/sobjects/Account/{account_id}", headers=headers,
                                 json={"Billing_Email__c": f"ap{n}@{tag}.example"})
        assert response.status_code == 204, response.text


def _salesforce_ids(db, entity: str = "customer") -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Link.external_id).where(Link.system == "salesforce", Link.entity == entity)
                              .order_by(Link.external_id)))


def _run(db, summary) -> SyncRun:
    with db.session() as s:
        return s.get(SyncRun, summary.run_id)


def _queries(sf) -> list[str]:
    """The SOQL of every queryAll the sandbox answered (first pages only), oldest first."""
    return [parse_qs(r.query)["q"][0] for r in sf.sandbox.requests.entries()
            if r.path.rstrip("/").endswith("/queryAll") and r.status == 200]


def _modstamp(sf, account_id: str):
    table = sf.sandbox.store.tables["Account"]
    return table.rows[table.position[account_id]]["SystemModstamp"]


def _counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        links = s.scalar(select(func.count()).select_from(Link).where(Link.system == "salesforce",
                                                                      Link.entity == "customer"))
        distinct = s.scalar(select(func.count(func.distinct(Link.external_id)))
                            .where(Link.system == "salesforce", Link.entity == "customer"))
        customers = s.scalar(select(func.count()).select_from(Customer))
    return links, distinct, customers


def test_an_incremental_run_fetches_only_accounts_changed_since_the_cursor_and_its_overlap(
        db, vault, sandboxes):
    running = sandboxes("salesforce", companies=20)
    sf = running["salesforce"]
    first = sync_one(db, vault, "salesforce", "customer")
    assert first.status == "succeeded" and first.counts.created == 20
    ids = _salesforce_ids(db)

    # Steady state: one edit moves the cursor past the seeded records' overlap window.
    running.clock.advance(600)
    _edit_accounts(sf, ids[:1], "warmup")
    assert sync_one(db, vault, "salesforce", "customer").status == "succeeded"
    running.clock.advance(600)
    sf.sandbox.requests.clear()
    _edit_accounts(sf, ids[5:10], "changed")

    summary = sync_one(db, vault, "salesforce", "customer")

    run = _run(db, summary)
    assert run.status == "succeeded"
    # The five edits plus the warm-up record: the newest one seen, where the last run stopped.
    assert (run.fetched, run.updated, run.unchanged, run.created, run.deleted) == (6, 5, 1, 0, 0)
    (soql,) = _queries(sf)
    # From the newest record seen (the warm-up edit) less the 60 s overlap window.
    lower_bound = soql_datetime(int(_modstamp(sf, ids[0]).timestamp() * 1000) - 60_000)
    assert f"WHERE SystemModstamp >= {lower_bound}" in soql
    with db.session() as s:
        emails = set(s.scalars(select(Customer.email).where(Customer.email.like("%@changed.example"))))
    assert emails == {f"ap{n}@changed.example" for n in range(5)}


def test_thousands_of_accounts_sharing_one_systemmodstamp_arrive_once_across_a_dropped_connection(
        db, vault, sandboxes):
    running = sandboxes("salesforce", companies=None)
    sf = running["salesforce"]
    _fast_retries(db)
    stamp = running.clock.now()
    sf.sandbox.insert_records("Account", [{"Name": f"Shared Stamp {n:04d} Ltd"} for n in range(3000)],
                              system_modstamp=stamp)
    dropped = []

    def drop_the_next_batch(summary) -> None:
        # After the first batch of 2,000 is committed, the connection drops for longer
        # than the retries last: the run stops inside the shared timestamp.
        if not dropped:
            dropped.append(requests.post(f"{sf.url}/__sandbox/faults", verify=sf.settings["ca_bundle"],
                                         json={"kind": "drop", "count": 8, "path": "/queryAll/"}).json())

    failed = sync_one(db, vault, "salesforce", "customer", on_page=drop_the_next_batch)

    assert failed.status == "failed" and "connection failed" in failed.note
    assert failed.counts.created == 2000
    assert [r.fault for r in sf.sandbox.requests.entries()].count("drop") == 8
    assert _counts(db) == (2000, 2000, 2000)

    resumed = sync_one(db, vault, "salesforce", "customer")

    assert resumed.status == "succeeded", resumed.note
    assert (resumed.counts.created, resumed.counts.updated) == (1000, 0)
    assert resumed.counts.unchanged == 2000
    assert _counts(db) == (3000, 3000, 3000)
    with db.session() as s:
        names = s.scalar(select(func.count(func.distinct(Customer.name))))
    assert names == 3000


def test_a_deleted_account_reaches_the_store_as_a_tombstone(db, vault, sandboxes):
    running = sandboxes("salesforce", companies=4)
    sf = running["salesforce"]
    sync_one(db, vault, "salesforce", "customer")
    gone = _salesforce_ids(db)[2]
    with db.session() as s:
        canonical_id = s.scalar(select(Link.canonical_id).where(Link.external_id == gone))
    running.clock.advance(120)
    session, headers = _rest(sf)
    response = session.delete(f"{sf.url}{API}/sobjects/Account/{gone}", headers=headers)
    assert response.status_code == 204, response.text
    sf.sandbox.requests.clear()

    summary = sync_one(db, vault, "salesforce", "customer")

    assert summary.status == "succeeded" and summary.counts.deleted == 1
    assert all("/queryAll" in r.path for r in sf.sandbox.requests.entries())  # not /query: it hides deletes
    with db.session() as s:
        customer = s.get(Customer, canonical_id)
        active = s.scalar(select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None)))
    assert customer is not None and customer.deleted_at is not None
    assert active == 3
    # Read again (the overlap window), the tombstone stays a tombstone.
    again = sync_one(db, vault, "salesforce", "customer")
    assert again.status == "succeeded" and again.counts.created == 0
    with db.session() as s:
        assert s.get(Customer, canonical_id).deleted_at is not None


def test_a_request_limit_exceeded_storm_slows_the_run_but_every_record_arrives(db, vault, sandboxes):
    running = sandboxes("salesforce", companies=12)
    sf = running["salesforce"]
    _fast_retries(db)
    response = requests.post(f"{sf.url}/__sandbox/faults", verify=sf.settings["ca_bundle"],
                             json={"kind": "429", "count": 5, "path": "/queryAll"})
    assert response.status_code == 201

    summary = sync_one(db, vault, "salesforce", "customer")

    assert summary.status == "succeeded", summary.note
    assert summary.counts.created == 12
    log = [r for r in sf.sandbox.requests.entries() if "/queryAll" in r.path]
    assert [r.status for r in log] == [403] * 5 + [200]
    assert [r.fault for r in log] == ["429"] * 5 + [None]
    assert _counts(db) == (12, 12, 12)
    assert _run(db, summary).api_calls == 6


def test_an_expired_session_is_refreshed_even_when_the_first_refresh_attempt_is_dropped(
        db, vault, sandboxes):
    running = sandboxes("salesforce", companies=4)
    sf = running["salesforce"]
    _fast_retries(db)
    assert sync_one(db, vault, "salesforce", "customer").status == "succeeded"
    with db.session() as s:
        stored = vault.open(s.scalar(select(Connection.credentials).where(Connection.name == "salesforce")))
    running.clock.advance(3 * 3600)   # idle past the org's two-hour session timeout
    requests.post(f"{sf.url}/__sandbox/faults", verify=sf.settings["ca_bundle"],
                  json={"kind": "drop", "count": 1, "path": "^/services/oauth2/token"})
    sf.sandbox.requests.clear()

    summary = sync_one(db, vault, "salesforce", "customer")

    assert summary.status == "succeeded", summary.note
    log = [(r.path.rstrip("/").rsplit("/", 1)[-1], r.status) for r in sf.sandbox.requests.entries()]
    assert log == [("queryAll", 401), ("token", 0), ("queryAll", 401), ("token", 200), ("queryAll", 200)]
    with db.session() as s:
        now = vault.open(s.scalar(select(Connection.credentials).where(Connection.name == "salesforce")))
    assert now["access_token"] != stored["access_token"]   # saved for the next process


def test_contacts_deleted_with_their_account_become_tombstones_too(db, vault, sandboxes):
    running = sandboxes("salesforce", companies=3)
    sf = running["salesforce"]
    for entity in ("customer", "contact"):
        assert sync_one(db, vault, "salesforce", entity).status == "succeeded"
    gone = _salesforce_ids(db)[0]
    with db.session() as s:
        customer_id = s.scalar(select(Link.canonical_id).where(Link.external_id == gone))
        contacts = set(s.scalars(select(Contact.id).where(Contact.customer_id == customer_id)))
    assert len(contacts) == 2   # billing and purchasing
    running.clock.advance(120)
    session, headers = _rest(sf)
    assert session.delete(f"{sf.url}{API}/sobjects/Account/{gone}", headers=headers).status_code == 204

    summary = sync_one(db, vault, "salesforce", "contact")

    assert summary.status == "succeeded" and summary.counts.deleted == 2
    with db.session() as s:
        deleted = {c.id for c in s.scalars(select(Contact).where(Contact.deleted_at.is_not(None)))}
        active = s.scalar(select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None)))
    assert deleted == contacts and active == 4
