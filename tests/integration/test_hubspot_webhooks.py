"""HubSpot webhooks end to end: the sandbox's signed v3 deliveries reach the hub over real HTTP,
land in the inbox, and the worker fetches each record through hubspot-api-client."""

from __future__ import annotations

import pytest
from hubspot import HubSpot
from sqlalchemy import select

from revhub.sandbox.server import SandboxServer
from revhub.store import Customer, InboxEvent, Link
from revhub.sync.jobs import sync_one
from revhub.webhooks.worker import InboxWorker
from tests.integration.clients import wait_for

pytestmark = pytest.mark.store


@pytest.fixture
def hub(app):
    server = SandboxServer(app).start()
    yield server.url
    server.stop()


def _inbox(db) -> list[InboxEvent]:
    with db.session() as s:
        return list(s.scalars(select(InboxEvent).where(InboxEvent.provider == "hubspot").order_by(InboxEvent.id)))


def _customer(db, external_id: str) -> Customer:
    with db.session() as s:
        canonical_id = s.scalar(select(Link.canonical_id).where(
            Link.system == "hubspot", Link.external_id == external_id, Link.entity == "customer"))
        customer = s.get(Customer, canonical_id)
        s.expunge(customer)
        return customer


def test_a_company_edit_and_an_archive_arrive_signed_and_are_fetched_and_applied(db, vault, sandboxes, hub):
    running = sandboxes("hubspot", companies=3)
    portal = running["hubspot"]
    assert sync_one(db, vault, "hubspot", "customer").status == "succeeded"
    portal.sandbox.subscribe(f"{hub}/webhooks/hubspot/hubspot")
    client = HubSpot(access_token=portal.credentials["access_token"], host=portal.url)
    first, second = sorted((r.id for r in portal.sandbox.store.live("companies")), key=int)[:2]

    client.crm.objects.basic_api.update("companies", first, {"properties": {"billing_email": "ap@hooked.example"}})
    client.crm.objects.basic_api.archive("companies", second)

    events = wait_for(lambda: len(_inbox(db)) == 2 and _inbox(db), "both HubSpot events in the inbox")
    assert [e.event_type for e in events] == ["company.propertyChange", "company.deletion"]
    assert b"ap@hooked.example" in events[0].body  # the changed value rides along; the fetch decides
    assert InboxWorker(db, vault, "e2e").drain().processed == 2
    assert _customer(db, first).email == "ap@hooked.example"
    assert _customer(db, second).deleted_at is not None
    assert portal.sandbox.webhooks.failures == 0
