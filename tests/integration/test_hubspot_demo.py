"""``make demo`` with HubSpot as its CRM: REVHUB_DEMO_CRM picks the CRM sandbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.config import load_config
from revhub.demo import DemoSettingError, demo_providers, first_sync, prepare
from revhub.store import Connection, SyncRun


def test_the_demo_runs_hubspot_instead_of_salesforce_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("REVHUB_DEMO_CRM", "hubspot")
    config = load_config(env={}, home=tmp_path / "home", secret_key="test-secret")
    db, vault, sandboxes = prepare(config, companies=2)
    try:
        assert set(sandboxes.running) == {"hubspot", "stripe", "xero"}
        first_sync(db, vault)
        with db.session() as s:
            runs = {(name, entity): status for name, entity, status in s.execute(
                select(Connection.name, SyncRun.entity, SyncRun.status).join(Connection,
                                                                           Connection.id == SyncRun.connection_id))}
    finally:
        sandboxes.stop()
        db.dispose()
    assert {k: v for k, v in runs.items() if k[0] == "hubspot"} == {
        ("hubspot", "customer"): "succeeded", ("hubspot", "contact"): "succeeded",
        ("hubspot", "purchase_order"): "succeeded"}


def test_the_demo_keeps_salesforce_unless_told_and_names_the_setting_it_refuses(monkeypatch):
    monkeypatch.delenv("REVHUB_DEMO_CRM", raising=False)
    assert "salesforce" in demo_providers() and "hubspot" not in demo_providers()
    with pytest.raises(DemoSettingError, match="REVHUB_DEMO_CRM"):
        demo_providers("pipedrive")
