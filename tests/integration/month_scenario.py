"""A month of books driven through the hub and the Stripe and Xero sandboxes (issue 10, the
proof): customers in Stripe, POs through the hub's intake, payments, refunds and voids made as
a customer or an accountant would, provider faults and a worker killed mid-run, and the
sandbox clock moved on so Stripe pays out. Used by tests/integration/test_ledger_month.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests
import stripe
from sqlalchemy import select, update

from revhub.mappings.outbox import OutboxWorker
from revhub.orders import service
from revhub.orders.validation import validate
from revhub.store import Connection, Invoice, OutboxMessage, PurchaseOrder
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked

DAY = 86400
# Quick retries in the HTTP layer (Stripe: two attempts; Xero: its eight, backing off 50 ms at most).
FAST_RETRIES = {"retry_attempts": 2, "max_backoff_seconds": 0.05, "retry_max_backoff_seconds": 0.05}
BOOKS = {"fee_treatment": "per_payout", "clearing_account_code": "091", "bank_account_code": "090",
         "fee_account_code": "404"}


def start_of_next_month(clock) -> str:
    """Move a sandbox clock to the first of next month, 09:00 UTC; returns 'YYYY-MM'. A scenario
    that moves the clock on by days starts here, so its activity stays in one period whatever
    day the tests run."""
    now = clock.now()
    first = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    clock.advance((first - now).total_seconds())
    return first.strftime("%Y-%m")


class Month:
    """The hub (store, vault) and the running sandboxes, with the moves of a working month."""

    def __init__(self, db, vault, running, config) -> None:
        self.db, self.vault, self.running, self.config = db, vault, running, config
        self.noted: dict[str, str] = {}  # ids of the month's notable moves, for the read-backs
        self.stripe = stripe.StripeClient(running["stripe"].credentials["api_key"],
                                          base_addresses={"api": running["stripe"].url}, max_network_retries=0)
        with db.session(write=True) as s:
            for connection in s.scalars(select(Connection)):
                extra = BOOKS if connection.provider == "xero" else {}
                connection.settings = {**(connection.settings or {}), **FAST_RETRIES, **extra}

    # -- the clock -----------------------------------------------------------------------
    def start_of_next_month(self) -> str:
        """Move the sandboxes' clock to the first of next month, 09:00 UTC; returns 'YYYY-MM'."""
        return start_of_next_month(self.running.clock)

    def days_pass(self, days: float) -> None:
        self.running.clock.advance(days * DAY)

    def today(self) -> datetime:
        return self.running.clock.now().astimezone(UTC)

    # -- people and orders ---------------------------------------------------------------
    def customer(self, name: str, email: str, country: str, vat: str | None = None) -> str:
        """A customer as Stripe holds it (address country, VAT number in metadata)."""
        params: dict = {"name": name, "email": email, "address": {"country": country, "line1": "1 Main Street"}}
        if vat:
            params["metadata"] = {"tax_id": vat}
        return self.stripe.v1.customers.create(params).id

    def po(self, email: str, number: str, currency: str, lines: list[dict], total: str, tax: str) -> uuid.UUID:
        """A PO through the intake (validated, submitted, approved at once): its invoice is queued."""
        issued = self.today().date().isoformat()
        draft = validate({"customer": {"email": email}, "po_number": number, "issue_date": issued,
                          "currency": currency, "lines": lines, "total": total, "tax": tax,
                          "subscription_start": "2027-01-01", "subscription_end": "2027-12-31",
                          "payment_terms": "NET30"})
        assert not isinstance(draft, list), draft
        with self.db.session(write=True) as s:
            return service.submit(s, draft, actor="test", threshold_minor=10**12).id

    def invoice(self, po_id: uuid.UUID) -> Invoice:
        """The PO's newest invoice."""
        with self.db.session() as s:
            return s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)
                             .order_by(Invoice.created_at.desc(), Invoice.number.desc())).first()

    def stripe_invoice(self, po_id: uuid.UUID):
        return self.stripe.v1.invoices.retrieve(linked(self.db, "invoice", self.invoice(po_id).id, "stripe"))

    def po_number(self, po_id: uuid.UUID) -> int:
        with self.db.session() as s:
            return s.get(PurchaseOrder, po_id).internal_number

    # -- money moves, as the customer or Stripe's dashboard makes them --------------------
    def pay(self, po_id: uuid.UUID) -> str:
        """The whole invoice paid by card; returns the payment intent id."""
        remote = self.stripe.v1.invoices.pay(self.stripe_invoice(po_id).id, {"payment_method": "pm_card_visa"})
        [payment] = self.stripe.v1.invoice_payments.list({"invoice": remote.id}).data
        return payment.payment.payment_intent

    def pay_amount(self, po_id: uuid.UUID, amount: int) -> str:
        """``amount`` (Stripe's units) paid against the invoice: less or more than it is due."""
        remote = self.stripe_invoice(po_id)
        intent = self.stripe.v1.payment_intents.create({
            "amount": amount, "currency": remote.currency, "customer": remote.customer,
            "payment_method": "pm_card_visa", "confirm": True})
        self.stripe.v1.invoices.attach_payment(remote.id, {"payment_intent": intent.id})
        return intent.id

    def refund(self, intent: str, amount: int | None = None) -> str:
        params: dict = {"payment_intent": intent, "reason": "requested_by_customer"}
        if amount is not None:
            params["amount"] = amount
        return self.stripe.v1.refunds.create(params).id

    # -- faults ----------------------------------------------------------------------------
    def fault(self, provider: str, **rule) -> None:
        """Arm a fault on a sandbox through its control surface."""
        response = requests.post(f"{self.running[provider].url}/__sandbox/faults", json=rule)
        assert response.status_code in (200, 201), response.text

    def armed(self, provider: str) -> list[dict]:
        return requests.get(f"{self.running[provider].url}/__sandbox/faults").json()["rules"]

    # -- the workers -------------------------------------------------------------------------
    def sync(self, rounds: int = 4) -> None:
        """Every connection synced; a run a provider failed is run again, as the scheduler would."""
        self.running.clock.advance(60)
        pairs = plan(self.db)
        for _ in range(rounds):
            results = sync_all(self.db, self.vault, pairs)
            pairs = [(r.connection, r.entity) for r in results if r.status != "succeeded"]
            if not pairs:
                return
        raise AssertionError(f"syncs still failing after {rounds} rounds: {pairs}")

    def drain(self, rounds: int = 6) -> None:
        """The outbox emptied: failed messages retried once their delay has passed; none dead."""
        for _ in range(rounds):
            OutboxWorker(self.db, self.vault, "outbox").drain()
            with self.db.session(write=True) as s:
                dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
                assert not dead, [(m.target_system, m.entity, m.operation, m.last_error) for m in dead]
                waiting = s.scalars(select(OutboxMessage).where(
                    OutboxMessage.status.in_(("pending", "failed", "processing")))).all()
                if not waiting:
                    return
                s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed")
                          .values(next_attempt_at=None))  # the backoff has run out
        raise AssertionError(f"outbox not empty after {rounds} rounds: "
                             f"{[(m.target_system, m.entity, m.status, m.last_error) for m in waiting]}")

    def settle(self) -> None:
        self.sync()
        self.drain()

    def kill_worker_mid_write(self, provider: str, path: str, method: str = "PUT") -> None:
        """A worker process writing to ``provider`` is killed (SIGKILL) while its write is in flight:
        the provider finishes the write, the hub never hears the answer."""
        self.fault(provider, kind="slow", delay=1.5, count=1, path=path, method=method)
        env = {**os.environ, "REVHUB_DATABASE_URL": self.config.database_url, "REVHUB_HOME": str(self.config.home),
               "REVHUB_ENCRYPTION_KEY": self.config.encryption_key, "REVHUB_SECRET_KEY": self.config.secret_key}
        worker = subprocess.Popen([sys.executable, "-c", "from revhub.cli import main; main()", "worker",
                                   "--no-schedule"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while self.armed(provider):  # the slow request has reached the provider
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never wrote to the provider"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        worker.stderr.close()
        time.sleep(2.0)  # the provider completes the write it was given
        with self.db.session(write=True) as s:  # the dead worker's claims lapse (CLAIM_SECONDS later)
            s.execute(update(OutboxMessage).where(OutboxMessage.status == "processing")
                      .values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
