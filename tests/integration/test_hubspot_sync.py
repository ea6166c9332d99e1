"""HubSpot into the store over real HTTP with hubspot-api-client: a full sync of companies,
contacts and deals (with their line items as PO lines), an incremental run that reads only what
changed, archived records as tombstones, and a backfill that walks past the search's result cap.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from revhub.store import Connection, Contact, Customer, Link, PurchaseOrder, PurchaseOrderLine
from revhub.sync.jobs import plan, sync_all, sync_one

pytestmark = pytest.mark.store


def _settings(db, **changes) -> None:
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "hubspot"))
        row.settings = {**row.settings, **changes}


def _linked(db, entity: str) -> dict[str, object]:
    with db.session() as s:
        return dict(s.execute(select(Link.external_id, Link.canonical_id)
                              .where(Link.system == "hubspot", Link.entity == entity)).all())


def _searches(hs) -> list[dict]:
    """The bodies are not logged; the log keeps (path, query, status) of each search."""
    return [r for r in hs.sandbox.requests.entries() if r.path.endswith("/search")]


def test_a_full_sync_brings_companies_contacts_and_deals_with_their_line_items(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=4)
    hs = running["hubspot"].sandbox

    results = sync_all(db, vault, plan(db, connection="hubspot"))

    assert [r.status for r in results] == ["succeeded"] * 3, [(r.entity, r.note) for r in results]
    deals = hs.store.live("deals")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 4
        assert s.scalar(select(func.count()).select_from(Contact)) == 8
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.customer_id.is_(None))) == 0
        assert s.scalar(select(func.count()).select_from(PurchaseOrder)) == len(deals)
        lines = s.scalar(select(func.count()).select_from(PurchaseOrderLine))
        deal = deals[0]
        po = s.get(PurchaseOrder, _linked(db, "purchase_order")[deal.id])
        assert po.po_number == deal.properties["po_number"] and po.currency == deal.properties["deal_currency_code"]
        assert po.customer_id is not None and po.status == deal.properties["po_status"]
        customer = s.get(Customer, po.customer_id)
    assert lines == len(hs.store.objects["line_items"])
    company = hs.store.get("companies", hs.store.associated("deals", deal.id, "companies")[0])
    assert customer.email == company.properties["billing_email"] and customer.name == company.properties["name"]


def test_an_incremental_run_reads_only_changes_since_the_cursor_and_archived_records_become_tombstones(
        db, vault, sandboxes):
    running = sandboxes("hubspot", companies=6)
    hs = running["hubspot"].sandbox
    assert sync_one(db, vault, "hubspot", "customer").counts.created == 6
    running.clock.advance(600)
    companies = sorted(hs.store.live("companies"), key=lambda r: int(r.id))
    hs.store.update("companies", companies[1].id, {"billing_email": "ap@changed.example"})
    hs.store.archive("companies", companies[4].id)
    hs.requests.clear()

    summary = sync_one(db, vault, "hubspot", "customer")

    assert summary.status == "succeeded", summary.note
    assert (summary.counts.updated, summary.counts.deleted, summary.counts.created) == (1, 1, 0)
    linked = _linked(db, "customer")
    with db.session() as s:
        assert s.get(Customer, linked[companies[1].id]).email == "ap@changed.example"
        assert s.get(Customer, linked[companies[4].id]).deleted_at is not None
        assert s.scalar(select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))) == 5
    [search] = _searches(running["hubspot"])
    assert search.status == 200
    again = sync_one(db, vault, "hubspot", "customer")
    assert again.status == "succeeded" and again.counts.deleted == 0 and again.counts.updated == 0


def test_a_changed_line_item_re_reads_its_deal(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=2)
    hs = running["hubspot"].sandbox
    sync_all(db, vault, plan(db, connection="hubspot"))
    running.clock.advance(600)
    deal = sorted(hs.store.live("deals"), key=lambda r: int(r.id))[0]
    line_id = hs.store.associated("deals", deal.id, "line_items")[0]
    hs.store.update("line_items", line_id, {"quantity": "77"})

    summary = sync_one(db, vault, "hubspot", "purchase_order")

    assert summary.status == "succeeded" and summary.counts.updated == 1, summary.note
    with db.session() as s:
        quantities = set(s.scalars(select(PurchaseOrderLine.quantity).where(
            PurchaseOrderLine.purchase_order_id == _linked(db, "purchase_order")[deal.id])))
    assert 77 in quantities


def test_a_backfill_walks_time_windows_past_the_search_result_cap(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=None, options={"hubspot": {"max_search_results": 400}})
    hs = running["hubspot"].sandbox
    for n in range(900):
        if n % 150 == 0:
            running.clock.advance(1)
        hs.store.create("companies", {"name": f"Windowed {n:04d} Ltd", "billing_email": f"ap{n}@w.example"})
    _settings(db, search_max_results=400)

    summary = sync_one(db, vault, "hubspot", "customer")

    assert summary.status == "succeeded", summary.note
    assert summary.counts.created == 900
    searches = _searches(running["hubspot"])
    assert [r.status for r in searches if r.status != 200] == []  # never a page past the cap, nor a 429
    # One query can give 400 at most: the 900 arrived through several windows.
    assert len(searches) >= 900 // 200
    with db.session() as s:
        assert s.scalar(select(func.count(func.distinct(Customer.name)))) == 900


def test_searches_refused_with_429_secondly_are_retried_and_every_record_arrives(db, vault, sandboxes):
    # Another integration on the same token keeps the search allowance spent until the hub has
    # met HubSpot's SECONDLY 429 (however fast or slow this machine runs the hub's pages).
    running = sandboxes("hubspot", companies=None, options={"hubspot": {"search_per_second": 2}})
    hs = running["hubspot"].sandbox
    for n in range(1000):
        hs.store.create("companies", {"name": f"Throttled {n:04d} Ltd"})
    stop = threading.Event()

    def spend_until_refused() -> None:
        while not stop.is_set() and 429 not in [r.status for r in _searches(running["hubspot"])]:
            hs.search_window.take()
            time.sleep(0.005)

    elsewhere = threading.Thread(target=spend_until_refused, daemon=True)
    elsewhere.start()
    try:
        summary = sync_one(db, vault, "hubspot", "customer")
    finally:
        stop.set()
        elsewhere.join()

    assert summary.status == "succeeded", summary.note
    assert summary.counts.created == 1000
    statuses = [r.status for r in _searches(running["hubspot"])]
    assert 429 in statuses and statuses.count(200) == 5
