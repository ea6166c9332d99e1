"""A payment write-back to Xero interrupted after the payment landed but before its excess was
held as customer credit (a worker killed, a provider failing the second call) is completed by
the next attempt: the overpayment is booked once and the store keeps the amount received."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from sqlalchemy import select, update

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Connection, OutboxMessage, Payment
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.test_ledger_overpayment import drain, hub, invoiced, pay_in_stripe  # noqa: F401, F811

pytestmark = pytest.mark.store


def paid_then_credit_refused(db, vault, hub, number: str) -> str:  # noqa: F811
    """A 1,200 payment on a 1,000 invoice whose first write-back lands the payment in Xero and
    then fails on the overpayment (Xero answers 503 past the HTTP layer's retries)."""
    with db.session(write=True) as s:  # quick retries: the 503s outlast its eight attempts in no time
        xero = s.scalars(select(Connection).where(Connection.name == "xero")).one()
        xero.settings = {**xero.settings, "retry_max_backoff_seconds": 0.05}
    invoice = invoiced(db, vault, number)
    intent = pay_in_stripe(hub, linked(db, "invoice", invoice.id, "stripe"), 120000)
    hub.clock.advance(60)
    sync_all(db, vault, plan(db, connection="stripe"))
    rule = {"kind": "503", "count": 20, "path": "/BankTransactions", "method": "PUT"}
    assert requests.post(f"{hub['xero'].url}/__sandbox/faults", json=rule).status_code in (200, 201)
    OutboxWorker(db, vault, "first").drain()
    requests.delete(f"{hub['xero'].url}/__sandbox/faults")
    with db.session(write=True) as s:  # the retry delay has passed
        s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed").values(next_attempt_at=None))
    drain(db, vault)
    return intent


def test_an_overpayment_whose_credit_failed_after_the_payment_landed_is_booked_by_the_retry(db, vault, hub):  # noqa: F811
    intent = paid_then_credit_refused(db, vault, hub, "4500066101")

    credits = [t for t in xero_get(hub, "BankTransactions")["BankTransactions"]
               if t["Type"] == "RECEIVE-OVERPAYMENT" and intent in (t.get("Reference") or "")]
    assert [Decimal(str(t["Total"])) for t in credits] == [Decimal("200.00")]


def test_xeros_echo_of_a_payment_adopted_on_retry_leaves_the_canonical_amount_received(db, vault, hub):  # noqa: F811
    intent = paid_then_credit_refused(db, vault, hub, "4500066102")
    hub.clock.advance(60)
    sync_all(db, vault, plan(db, connection="xero", entity="payment"))

    with db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.reference == intent)).one()
    assert (payment.amount_minor, payment.currency) == (120000, "EUR")
