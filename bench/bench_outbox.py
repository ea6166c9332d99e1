"""Month-end write-back: 10,000 invoices and 10,000 payments pushed to Xero and Salesforce.

    .venv/bin/python bench/bench_outbox.py [--invoices 10000] [--clock-factor 60]

Xero's real limits are on in its sandbox (60 calls/minute, 5,000/day, 5 concurrent), with
the sandboxes' clock running ``--clock-factor`` times faster than the wall so the run is
short; the hub's Xero pacing reads the same clock. Prints API calls per 1,000 records next to
the minimum the providers' batch sizes allow (Xero 50 per request, Salesforce 200), the 429s
the sandboxes answered, and records/s.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from revhub.config import load_config  # noqa: E402
from revhub.connections import Vault  # noqa: E402
from revhub.connectors.base import Change  # noqa: E402
from revhub.connectors.resilience import RateLimiter  # noqa: E402
from revhub.connectors.xero.client import DEFAULT_LIMITS as XERO_LIMITS  # noqa: E402
from revhub.mappings.outbox import OutboxWorker  # noqa: E402
from revhub.orders.reconcile import after_invoices  # noqa: E402
from revhub.orders.service import context  # noqa: E402
from revhub.sandbox.clock import SandboxClock  # noqa: E402
from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.launch import SandboxSet  # noqa: E402
from revhub.store import Customer, Database, Invoice, Link  # noqa: E402
from revhub.store.migrate import upgrade  # noqa: E402
from revhub.sync.apply import apply_changes  # noqa: E402
from revhub.sync.jobs import plan, sync_all  # noqa: E402

CHUNK = 500


def month_end(db: Database, count: int) -> list[tuple[str, str, int, str]]:
    """``count`` POs, each invoiced, for the customers both systems know; returns the invoices."""
    with db.session() as s:
        linked = set(s.scalars(select(Link.canonical_id).where(Link.entity == "customer",
                                                               Link.system == "salesforce")))
        customers = [c for c in s.scalars(select(Customer).order_by(Customer.name)) if c.id in linked]
    invoices = []
    for start in range(0, count, CHUNK):
        pos, bills = [], []
        for n in range(start, min(count, start + CHUNK)):
            customer = customers[n % len(customers)]
            currency = ("EUR", "USD", "GBP", "JPY")[n % 4]
            quantity, unit = 5 + n % 20, (12000 if currency == "JPY" else 4900)
            total = quantity * unit
            lines = [{"description": "Platform licence (annual)", "quantity": quantity, "unit_amount_minor": unit,
                      "amount_minor": total}]
            # The external ids revhub's own PO workflow uses, so settling a PO moves this one.
            po_number = f"PO-BENCH-{n:06d}"
            po_key = f"{customer.id}/{po_number}"
            pos.append(Change("purchase_order", po_key, "1", {
                "po_number": po_number, "customer_id": str(customer.id), "issue_date": "2026-11-30",
                "currency": currency, "total_minor": total, "subscription_start": "2026-12-01",
                "subscription_end": "2027-11-30", "payment_terms": "NET30", "status": "invoiced", "lines": lines}))
            bills.append((n, po_key, po_number, customer, currency, total, lines))
        with db.session(write=True) as s:
            apply_changes(s, context(s, "bench"), pos)
            po_ids = dict(s.execute(select(Link.external_id, Link.canonical_id).where(
                Link.system == "revhub", Link.entity == "purchase_order",
                Link.external_id.in_([c.external_id for c in pos]))).all())
            changes = []
            for n, po_key, po_number, customer, currency, total, lines in bills:
                po_id = po_ids[po_key]
                changes.append(Change("invoice", f"po/{po_id}", "1", {
                    "number": f"RH-M{n:06d}", "po_number": po_number,
                    "purchase_order_id": str(po_id), "customer_id": str(customer.id),
                    "issue_date": "2026-11-30", "due_date": "2026-12-30", "currency": currency,
                    "subtotal_minor": total, "tax_minor": 0, "total_minor": total, "amount_paid_minor": 0,
                    "amount_due_minor": total, "status": "open", "lines": lines}))
                invoices.append((f"po/{po_id}", str(customer.id), total, currency))
            apply_changes(s, context(s, "bench"), changes)
    return invoices


def payments(db: Database, invoices: list[tuple[str, str, int, str]]) -> None:
    """Each invoice paid in full: the payment, the invoice marked paid, its PO settled."""
    for start in range(0, len(invoices), CHUNK):
        part = invoices[start:start + CHUNK]
        with db.session(write=True) as s:
            ids = dict(s.execute(select(Link.external_id, Link.canonical_id).where(
                Link.system == "revhub", Link.entity == "invoice",
                Link.external_id.in_([p[0] for p in part]))).all())
            apply_changes(s, context(s, "bench"), [Change("invoice", key, "2", {
                "status": "paid", "amount_paid_minor": total, "amount_due_minor": 0})
                for key, _, total, _ in part])
            # What sync.apply does after a provider's invoice changes (revhub's own are exempt).
            after_invoices(s, ids.values())
            apply_changes(s, context(s, "bench"), [Change("payment", f"bench/pay/{key}", "1", {
                "customer_id": customer, "amount_minor": total, "currency": currency,
                "received_at": "2026-12-15T10:00:00+00:00", "method": "bank_transfer", "fee_minor": 0,
                "net_minor": total, "reference": f"BACS {key[3:]}", "status": "succeeded",
                "allocations": [{"invoice_id": str(ids[key]), "amount_minor": total}]})
                for key, customer, total, currency in part])


def drain(db: Database, vault: Vault, clock: SandboxClock, factor: float) -> tuple[dict[str, int], float]:
    worker = OutboxWorker(db, vault, "bench")
    xero = worker.pusher("xero")
    # The hub's Xero pacing on the sandboxes' scaled clock: 55 calls per (scaled) minute.
    xero.api.limiter = RateLimiter(XERO_LIMITS, clock=clock.time, sleep=lambda s: time.sleep(s / factor))
    calls: dict[str, int] = {}
    started = time.perf_counter()
    for target in ("xero", "salesforce"):
        before = worker.pusher(target).api.calls
        result = worker.drain(target=target, limit=1000, max_rounds=100_000)
        assert result.dead == 0, f"{target}: {result}"
        calls[target] = worker.pusher(target).api.calls - before
    return calls, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--clock-factor", type=float, default=60.0)
    parser.add_argument("--companies", type=int, default=200)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="revhub-bench-outbox-"))
    config = load_config({"REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": f"sqlite:///{home}/bench.db"})
    db, vault = Database(config.database_url), Vault(config.encryption_key)
    upgrade(db.engine)
    clock = SandboxClock(factor=args.clock_factor)
    running = SandboxSet(home / "sandboxes", seed=5, clock=clock).start(("salesforce", "xero"))
    try:
        running.load(generate(args.companies, seed=5))
        running.connect(db, vault)
        sync_all(db, vault, plan(db))
        backlog, _ = drain(db, vault, clock, args.clock_factor)  # what the first sync had to say
        for sandbox in running.running.values():
            sandbox.sandbox.requests.clear()

        started = time.perf_counter()
        invoices = month_end(db, args.invoices)
        staged_invoices = time.perf_counter() - started
        invoice_calls, invoice_s = drain(db, vault, clock, args.clock_factor)
        started = time.perf_counter()
        payments(db, invoices)
        staged_payments = time.perf_counter() - started
        payment_calls, payment_s = drain(db, vault, clock, args.clock_factor)

        with db.session() as s:
            pushed = s.scalar(select(Link.external_id).where(Link.system == "xero", Link.entity == "invoice",
                                                             Link.canonical_id == select(Invoice.id).where(
                                                                 Invoice.number == "RH-M000000").scalar_subquery()))
        assert pushed, "the first month-end invoice never reached Xero"
        throttled = {name: sum(1 for r in sandbox.sandbox.requests.entries() if r.status == 429)
                     for name, sandbox in running.running.items()}
    finally:
        running.stop()

    n = args.invoices
    per_k = 1000 / n
    print(f"outbox bench: {n} POs+invoices, then {n} payments; Xero 60/min with the clock x{args.clock_factor:g}"
          f" (first-sync backlog drained beforehand: {backlog})")
    print(f"  invoices: Xero {invoice_calls['xero'] * per_k:.1f} calls per 1,000 (minimum "
          f"{math.ceil(n / 50) * per_k:.1f} at 50 per batch); Salesforce {invoice_calls['salesforce'] * per_k:.1f} "
          f"(minimum {2 * math.ceil(n / 200) * per_k:.1f}: PO upserts and invoice updates at 200)")
    print(f"  payments: Xero {payment_calls['xero'] * per_k:.1f} calls per 1,000 (minimum "
          f"{math.ceil(n / 50) * per_k:.1f}); Salesforce {payment_calls['salesforce'] * per_k:.1f}")
    print(f"  429s answered by the sandboxes: {throttled}")
    print(f"  invoices: staged {staged_invoices:.1f} s, pushed in {invoice_s:.1f} s = {2 * n / invoice_s:,.0f} "
          f"records/s (PO + invoice)")
    print(f"  payments: staged {staged_payments:.1f} s, pushed in {payment_s:.1f} s = {n / payment_s:,.0f} records/s")


if __name__ == "__main__":
    main()
