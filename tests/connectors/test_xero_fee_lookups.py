"""Booking a batch of Stripe fees in Xero looks up only that batch's references (issue 16, found
by the month-end run): reading every fee ever booked before each batch made the month's Xero
reads grow with the square of its fees (425 reads for 2,000 fees; ~40,000 for 20,000, eight
days of a tenant's 5,000-call allowance)."""

from __future__ import annotations

import uuid

import pytest

from revhub.mappings.outbox import OutboxWorker
from revhub.mappings.writes import WriteItem

pytestmark = pytest.mark.store


def _fees(first: int, count: int) -> list[WriteItem]:
    return [WriteItem(message_id=n, idempotency_key=f"fee-{n}", operation="upsert", entity="fee",
                      record_id=uuid.uuid4(), version=1, external_id=None, base=None,
                      record={"reference": f"txn_{n:024d}", "amount_minor": 59 + n % 7, "currency": "EUR",
                              "incurred_at": "2026-12-01"})
            for n in range(first, first + count)]


def _reads(running) -> int:
    return sum(1 for r in running["xero"].sandbox.requests.entries()
               if r.method == "GET" and r.path.lower().endswith("/banktransactions"))


def test_a_batch_of_fees_reads_back_its_own_references_not_every_fee_booked_before(db, vault, sandboxes):
    running = sandboxes("xero", companies=None)
    pusher = OutboxWorker(db, vault, "w").pusher("xero")
    booked = pusher.push("fee", _fees(0, 400))   # eight batches of 50 booked before
    assert {r.status for r in booked} == {"sent"}

    before = _reads(running)
    latest = pusher.push("fee", _fees(400, 50))
    assert {r.status for r in latest} == {"sent"}
    assert _reads(running) - before <= 3   # a read per ~20 references, not ceil(450 / 100) pages of every fee

    # A batch whose answers were lost is sent again: Xero's bookings are found and adopted, none doubled.
    before = _reads(running)
    again = pusher.push("fee", _fees(400, 50))
    assert [r.external_id for r in again] == [r.external_id for r in latest]
    assert _reads(running) - before <= 3
    xero = running["xero"].sandbox
    assert len(xero.tenants[running["xero"].settings["tenant_id"]]["BankTransactions"]) == 450
