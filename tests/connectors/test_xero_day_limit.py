"""Xero's daily allowance spent during an outbox drain (issue 16, the month-end run): the hub
asks once, is told "day" with a Retry-After, and asks no more until then; the messages wait
for the reset instead of each batch drawing its own 429 or dying."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.store import OutboxMessage
from revhub.sync.jobs import sync_one
from tests.integration.clients import stripe_client

pytestmark = pytest.mark.store


def test_after_a_daily_limit_429_no_further_batch_is_sent_until_xero_said_it_resets(db, vault, sandboxes):
    # One call a day: the first batch of contacts is written, the second meets the day's limit.
    running = sandboxes("stripe", "xero", companies=None,
                        options={"xero": {"tenant_id": str(uuid.uuid4()), "per_day": 1}})
    client = stripe_client(running)
    for n in range(120):  # three batches of contacts at Xero's 50
        client.v1.customers.create(params={"name": f"Day Trader {n:03d} BV", "email": f"ap{n}@day{n}.example"})
    assert sync_one(db, vault, "stripe", "customer").status == "succeeded"

    result = OutboxWorker(db, vault, "w").drain(target="xero")

    contacts = [r.status for r in running["xero"].sandbox.requests.entries() if "contacts" in r.path.lower()]
    assert contacts == [200, 429]   # the third batch was never sent to be refused again
    assert (result.sent, result.dead, result.retried) == (50, 0, 70)
    with db.session() as s:
        waiting = s.scalars(select(OutboxMessage).where(OutboxMessage.target_system == "xero",
                                                        OutboxMessage.status == "failed")).all()
    assert len(waiting) == 70
    # They wait for the reset Xero announced (about a day), not a few seconds' backoff.
    soonest = min(m.next_attempt_at for m in waiting).replace(tzinfo=UTC)
    assert soonest > datetime.now(UTC) + timedelta(hours=23)
