"""The demo's reconciliation cases, kept apart from the rest of the seeding.

``add_recon_cases`` adds to the generated sandbox data a second invoice for an open one (the
same customer, PO number and lines, two days later), which the duplicate guard flags.
``seed_recon_cases`` runs after the first sync: money arriving at the bank with remittance text,
as a bank statement import would bring it (system ``bank``, announced to no provider), then the
matching engine and the invoice checks, so the console shows each case: a reference read with
one character wrong (``reference:typo``), an exact reference, a receipt naming another
customer's invoice (queued with its candidate), and the generated data's overdue invoices and
MRR movements.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from revhub.connectors.base import Change
from revhub.recon.invoice_checks import scan
from revhub.recon.service import run
from revhub.sandbox.dataset import Dataset
from revhub.store import Database, Invoice
from revhub.sync.apply import apply_changes
from revhub.sync.context import SyncContext

log = logging.getLogger(__name__)
BANK = "bank"


def add_recon_cases(ds: Dataset) -> None:
    """A duplicate of the first open invoice (new number, two days later)."""
    original = next((i for i in ds.invoices if i.status == "open"), None)
    if original is None:
        return
    ds.invoices.append(dataclasses.replace(
        original, number=f"INV-{len(ds.invoices) + 1001}", issue_date=original.issue_date + timedelta(days=2),
        due_date=original.due_date + timedelta(days=2), lines=list(original.lines)))


def _typo(number: str) -> str:
    """``number`` with its last two digits swapped (or its last digit doubled if they are equal)."""
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    a, b = digits[-2], digits[-1]
    if number[a] == number[b]:
        return number + number[b]
    chars = list(number)
    chars[a], chars[b] = chars[b], chars[a]
    return "".join(chars)


def receipts(invoices: list[Invoice], today: datetime) -> list[Change]:
    """Bank receipts for three open invoices of different customers, each with remittance text."""
    by_customer: dict[Any, Invoice] = {}
    po_count: dict[str, int] = {}
    for inv in invoices:
        po_count[inv.po_number or ""] = po_count.get(inv.po_number or "", 0) + 1
    # One invoice per PO (the duplicate's PO is left alone: a typo near it has two readings).
    for inv in sorted(invoices, key=lambda i: i.number or ""):
        if inv.customer_id and inv.po_number and po_count[inv.po_number] == 1 and inv.amount_due_minor > 0:
            by_customer.setdefault(inv.customer_id, inv)
    chosen = list(by_customer.values())[:3]
    if len(chosen) < 3:
        return []
    typo, exact, other = chosen

    def receipt(n: int, inv: Invoice, payer: Invoice, reference: str) -> Change:
        return Change("payment", f"stmt-{n}", "1", dict(
            amount_minor=inv.amount_due_minor, currency=inv.currency, fee_minor=0, net_minor=inv.amount_due_minor,
            status="succeeded", method="bank_transfer", received_at=(today - timedelta(days=n)).isoformat(),
            customer_id=str(payer.customer_id), reference=reference), changed_at=today.isoformat())

    return [receipt(1, typo, typo, f"Payment {_typo(typo.po_number)} thank you"),
            receipt(2, exact, exact, f"{exact.number} / {exact.po_number}"),
            receipt(3, other, exact, f"Remittance {other.number}")]  # a payer quoting another's invoice


def seed_recon_cases(db: Database) -> None:
    """Bank receipts into the store, then matching and the invoice checks (after the first sync)."""
    now = datetime.now(UTC)
    with db.session(write=True) as s:
        invoices = list(s.scalars(select(Invoice).where(Invoice.deleted_at.is_(None), Invoice.status == "open")))
        changes = receipts(invoices, now)
        if changes:
            apply_changes(s, SyncContext(system=BANK, provider=BANK, actor="demo:bank-import"), changes)
        summary = run(s, actor="demo")
        flagged = scan(s)
    log.info("demo reconciliation: %s; %d invoice(s) flagged", summary.as_dict(), flagged)
