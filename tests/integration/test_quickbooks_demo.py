"""``make demo`` with its books in QuickBooks: REVHUB_DEMO_LEDGER=quickbooks seeds and connects
the QuickBooks sandbox instead of Xero, and after the first sync and the outbox drained the
books check finds no difference between Stripe, QuickBooks and the store in any period."""

from __future__ import annotations

import pytest

from revhub.demo import DemoSettingError, demo_providers, first_sync, prepare
from revhub.ledger.sources import run_check
from revhub.mappings.outbox import OutboxWorker
from revhub.store import OutboxMessage
from tests.integration.quickbooks_books import qbo
from tests.sandbox.quickbooks.qbo_models import realm_misfits

pytestmark = pytest.mark.store


@pytest.fixture
def quickbooks_demo(config, monkeypatch):
    monkeypatch.setenv("REVHUB_DEMO_LEDGER", "quickbooks")
    db, vault, sandboxes = prepare(config)
    try:
        first_sync(db, vault)
        OutboxWorker(db, vault, "demo-test").drain()
        yield db, vault, sandboxes
    finally:
        sandboxes.stop()


def test_the_quickbooks_demo_books_balance_in_every_currency_and_period(quickbooks_demo):
    db, vault, sandboxes = quickbooks_demo
    assert "quickbooks" in sandboxes.running and "xero" not in sandboxes.running
    with db.session() as s:
        dead = [(m.entity, m.last_error) for m in s.query(OutboxMessage).filter(OutboxMessage.status == "dead")]
    assert dead == []

    report = run_check(db, vault)
    assert [f"{d.currency} {d.period} {d.kind} {d.problem}: {d.message}" for d in report.differences] == []
    assert report.ledger == "quickbooks" and report.ledgers
    assert any(x.xero["fees"] and x.xero["transfers"] for x in report.ledgers)  # fees and payouts booked
    app = qbo(sandboxes)
    assert app.query("select * from Purchase") and app.query("select * from Transfer")
    assert realm_misfits(sandboxes["quickbooks"].sandbox) == {}


def test_the_demo_keeps_xero_unless_told_and_names_the_setting_it_refuses(monkeypatch):
    monkeypatch.delenv("REVHUB_DEMO_LEDGER", raising=False)
    assert "xero" in demo_providers() and "quickbooks" not in demo_providers()
    assert "quickbooks" in demo_providers(ledger="quickbooks") and "xero" not in demo_providers(ledger="quickbooks")
    with pytest.raises(DemoSettingError, match="REVHUB_DEMO_LEDGER"):
        demo_providers(ledger="sage")
