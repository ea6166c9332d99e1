"""``make demo`` shows a balanced ledger: the demo's own world (data set, seed, sandboxes and
connection settings, built by :func:`revhub.demo.prepare`), after its first sync and the outbox
drained, has no difference between Stripe, Xero and the canonical store, in any period."""

from __future__ import annotations

import pytest

from revhub.demo import first_sync, prepare
from revhub.ledger.sources import run_check
from revhub.mappings.outbox import OutboxWorker

pytestmark = pytest.mark.store


@pytest.fixture
def demo_world(config):
    """The store, vault and running sandboxes of ``revhub demo``, synced and written back."""
    db, vault, sandboxes = prepare(config)
    try:
        first_sync(db, vault)
        OutboxWorker(db, vault, "demo-test").drain()
        yield db, vault
    finally:
        sandboxes.stop()


def test_the_demo_books_balance_in_every_currency_and_period(demo_world):
    db, vault = demo_world
    report = run_check(db, vault)
    assert [f"{d.currency} {d.period} {d.kind} {d.problem}: {d.message}" for d in report.differences] == []
    assert report.ledgers  # the demo has money in it: the check compared something
