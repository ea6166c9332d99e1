"""``revhub connections check`` on a HubSpot connection: each object read, each property
revhub needs defined, the upsert keys unique."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.connection_check import check_connection
from revhub.sandbox.hubspot import properties
from revhub.store import Connection

pytestmark = pytest.mark.store


def _check(db, vault):
    with db.session() as s:
        row = s.scalar(select(Connection).where(Connection.name == "hubspot"))
        return check_connection(row, vault, lambda changes: None)


def test_a_portal_set_up_as_documented_passes_every_check(db, vault, sandboxes):
    sandboxes("hubspot", companies=None)
    findings = _check(db, vault)
    assert findings and all(f.ok for f in findings), [f for f in findings if not f.ok]
    assert {f.what for f in findings} >= {"read deals", "deals properties", "line_items properties"}


def test_a_missing_property_and_a_non_unique_upsert_key_are_named(db, vault, sandboxes, monkeypatch):
    monkeypatch.setitem(properties.PROPERTIES, "deals", properties.PROPERTIES["deals"] - {"amount_paid"})
    monkeypatch.setitem(properties.UNIQUE, "line_items", frozenset())
    sandboxes("hubspot", companies=None)
    failed = {f.what: f.detail for f in _check(db, vault) if not f.ok}
    assert failed == {"deals properties": "missing: amount_paid (see docs/setup/hubspot.md)",
                      "line_items.revhub_line_id": "must require unique values (upsert key)"}
