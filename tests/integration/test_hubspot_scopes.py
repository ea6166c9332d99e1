"""HubSpot scopes: the sandbox refuses a call its token's scopes do not cover (403
MISSING_SCOPES, as HubSpot does); `connections check` names what is missing, and a write-back
without the write scope waits, saying which scope it needs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.connection_check import check_connection
from revhub.connections import save_connection
from revhub.connectors.hubspot.oauth import SCOPES
from revhub.mappings.outbox import OutboxWorker
from revhub.sandbox.hubspot.oauth import APP_SCOPES
from revhub.store import Connection, Customer, Link, OutboxMessage
from revhub.sync.context import revhub_context
from revhub.sync.jobs import plan, sync_all
from revhub.sync.own_changes import apply_own_change

pytestmark = pytest.mark.store


def _findings(db, vault, name: str = "hubspot") -> dict[str, tuple[bool, str]]:
    with db.session() as s:
        row = s.scalar(select(Connection).where(Connection.name == name))
        return {f.what: (f.ok, f.detail) for f in check_connection(row, vault, lambda changes: None)}


def test_a_private_app_without_a_read_scope_is_named_by_the_check(db, vault, sandboxes):
    sandboxes("hubspot", companies=None,
              options={"hubspot": {"private_app_scopes": APP_SCOPES - {"crm.objects.deals.read"}}})
    found = _findings(db, vault)
    assert found["read deals"][0] is False and "missing scope: crm.objects.deals.read" in found["read deals"][1]
    assert found["read companies"] == (True, "answers (scope granted)")


def test_an_oauth_install_without_the_company_write_scope_is_named_by_the_check(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=None)
    hs = running["hubspot"].sandbox
    # The app was installed before revhub wrote companies.
    hs.scope = " ".join(sorted(set(SCOPES) - {"crm.objects.companies.write"}))
    with db.session(write=True) as s:
        save_connection(s, vault, name="crm", provider="hubspot", settings=running["hubspot"].settings,
                        credentials={"client_id": hs.client_id, "client_secret": hs.client_secret,
                                     "refresh_token": hs.refresh_token})
    found = _findings(db, vault, "crm")
    assert found["access token"] == (True, "valid (OAuth)")
    assert found["scopes"][0] is False and "missing: crm.objects.companies.write" in found["scopes"][1]


def test_a_customer_write_without_the_write_scope_waits_naming_the_scope(db, vault, sandboxes):
    running = sandboxes("hubspot", "xero", companies=1,
                        options={"hubspot": {"private_app_scopes": APP_SCOPES - {"crm.objects.companies.write"}}})
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    with db.session(write=True) as s:
        customer = s.scalars(select(Customer)).first()
        company = s.scalar(select(Link.external_id).where(Link.canonical_id == customer.id, Link.system == "hubspot"))
        apply_own_change(s, revhub_context(s, "test:admin"), "customer", customer.id,
                         {"name": "Renamed By An Admin BV"}, {"name": customer.name})

    result = OutboxWorker(db, vault, "w").drain(target="hubspot")

    assert result.dead == 0 and result.retried >= 1, result
    with db.session() as s:
        held = s.scalars(select(OutboxMessage).where(
            OutboxMessage.target_system == "hubspot", OutboxMessage.entity == "customer",
            OutboxMessage.record_id == customer.id).order_by(OutboxMessage.id.desc())).first()
        assert held.status != "sent" and "missing scope: crm.objects.companies.write" in held.last_error
    assert running["hubspot"].sandbox.store.get("companies", company).properties["name"] != "Renamed By An Admin BV"
