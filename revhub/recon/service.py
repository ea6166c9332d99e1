"""Reconciliation against the canonical store: read what is unplaced, match it, write the
certain matches through ``sync.apply`` and queue the rest for a person.

A match is written as the payment's allocations (or the refund's invoice) by revhub itself,
so it is audited, its field source is revhub, and every system that takes payments hears of
it through the outbox. Each match is kept with its rule and evidence (``ReconMatch``) and can
be taken back; a receipt below certainty becomes one open exception with the candidates
ranked, refreshed (not repeated) on the next run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.recon.matching import Allocation, Match, MatchResult, OpenInvoice, Receipt, Unmatched, match
from revhub.store import Invoice, Payment, PaymentAllocation, ReconMatch, Refund, SyncException, utcnow
from revhub.sync.context import REVHUB, revhub_context
from revhub.sync.own_changes import apply_own_change

EXCEPTION_KIND = "unmatched_receipt"
# Invoices that can be paid or refunded against; drafts are not yet owed, voids never will be.
PAYABLE = ("open", "paid", "uncollectible")


class ReconError(Exception):
    """A request the engine cannot honour (an unknown or already reversed match)."""


@dataclass
class RunSummary:
    receipts: int = 0
    matched: int = 0
    queued: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"receipts": self.receipts, "matched": self.matched, "queued": self.queued}


def run(session: Session, actor: str = "recon") -> RunSummary:
    """Match every unplaced receipt in the store, inside the caller's transaction."""
    invoices = open_invoices(session)
    receipts = unplaced_receipts(session)
    result: MatchResult = match(invoices, receipts)
    kinds = {r.id: r for r in receipts}
    for found in result.matches:
        record_match(session, found, kinds[found.receipt_id], actor)
    for left in result.unmatched:
        queue(session, left, kinds[left.receipt_id])
    return RunSummary(len(receipts), len(result.matches), len(result.unmatched))


def open_invoices(session: Session) -> list[OpenInvoice]:
    rows = session.execute(select(Invoice.id, Invoice.number, Invoice.po_number, Invoice.customer_id,
                                  Invoice.currency, Invoice.total_minor, Invoice.amount_due_minor,
                                  Invoice.issue_date, Invoice.due_date)
                           .where(Invoice.deleted_at.is_(None), Invoice.status.in_(PAYABLE)))
    return [OpenInvoice(str(r.id), r.number, r.po_number, _str(r.customer_id), r.currency, r.total_minor,
                        r.amount_due_minor, r.issue_date, r.due_date) for r in rows]


def unplaced_receipts(session: Session) -> list[Receipt]:
    """Succeeded payments paying no invoice and refunds naming neither payment nor invoice,
    which no applied match has placed."""
    placed = select(ReconMatch.receipt_id).where(ReconMatch.status == "applied")
    allocated = select(PaymentAllocation.payment_id)
    payments = session.scalars(select(Payment).where(
        Payment.deleted_at.is_(None), Payment.status == "succeeded",
        Payment.id.not_in(allocated), Payment.id.not_in(placed)))
    refunds = session.scalars(select(Refund).where(
        Refund.deleted_at.is_(None), Refund.status == "succeeded", Refund.kind == "refund",
        Refund.invoice_id.is_(None), Refund.payment_id.is_(None), Refund.id.not_in(placed)))
    receipts = [Receipt(str(p.id), p.amount_minor, p.currency, (p.received_at or p.created_at).date(),
                        _str(p.customer_id), p.reference, fee_minor=p.fee_minor,
                        settled=(p.settled_currency, p.settled_minor) if p.settled_currency else None)
                for p in payments]
    receipts += [Receipt(str(r.id), r.amount_minor, r.currency, (r.issued_at or r.created_at).date(), None,
                         r.reason, kind="refund") for r in refunds]
    return receipts


def record_match(session: Session, found: Match, receipt: Receipt, actor: str) -> ReconMatch:
    allocations = [{"invoice_id": a.invoice_id, "amount_minor": a.amount_minor} for a in found.allocations]
    if receipt.kind == "refund":
        _write(session, "refund", uuid.UUID(receipt.id), {"invoice_id": allocations[0]["invoice_id"]},
               {"invoice_id": None}, actor)
    else:
        _write(session, "payment", uuid.UUID(receipt.id), {"allocations": allocations}, {"allocations": []}, actor)
    row = ReconMatch(receipt_kind=receipt.kind, receipt_id=uuid.UUID(receipt.id), rule=found.rule,
                     evidence=_jsonable(found.evidence), allocations=allocations,
                     unapplied_minor=found.unapplied_minor, rate=found.rate, status="applied", matched_by=actor)
    session.add(row)
    _close_exception(session, receipt.id, actor, f"matched by rule {found.rule}")
    session.flush()
    return row


def reverse(session: Session, match_id: int, actor: str) -> ReconMatch:
    """Take a match back: the payment pays nothing again (or the refund names no invoice), and
    the receipt returns to the queue on the next run."""
    row = session.get(ReconMatch, match_id)
    if row is None:
        raise ReconError(f"no match with id {match_id}")
    if row.status != "applied":
        raise ReconError(f"match {match_id} is already {row.status}")
    if row.receipt_kind == "refund":
        _write(session, "refund", row.receipt_id, {"invoice_id": None},
               {"invoice_id": row.allocations[0]["invoice_id"]}, actor)
    else:
        _write(session, "payment", row.receipt_id, {"allocations": []}, {"allocations": row.allocations}, actor)
    row.status, row.reversed_by, row.reversed_at = "reversed", actor, utcnow()
    session.flush()
    return row


def apply_candidate(session: Session, exception_id: int, candidate: int, actor: str) -> ReconMatch:
    """A person's answer to a queued receipt: it pays the invoices of its ``candidate``-th
    (0-based) ranked candidate. Written like an automatic match (through ``sync.apply``, kept
    as a ``ReconMatch`` with rule ``manual`` and the actor, reversible); the receipt is filled
    into the invoices in the candidate's order up to what each still owes, the rest on account.
    Refused when the receipt, an invoice or the currencies no longer fit."""
    row = session.get(SyncException, exception_id)
    if row is None or row.kind != EXCEPTION_KIND:
        raise ReconError(f"no unmatched receipt with exception id {exception_id}")
    if row.status != "open":
        raise ReconError(f"exception {exception_id} is already {row.status}")
    options = row.candidates or []
    if not 0 <= candidate < len(options):
        raise ReconError(f"candidate: exception {exception_id} has {len(options)} candidate(s)")
    receipt = next((r for r in unplaced_receipts(session) if r.id == row.external_id), None)
    if receipt is None:
        raise ReconError(f"the receipt of exception {exception_id} is already placed or gone")
    books = {i.id: i for i in open_invoices(session)}
    wanted = [books.get(i) for i in options[candidate]["invoice_ids"]]
    if any(inv is None for inv in wanted):
        raise ReconError("candidate: an invoice of it is no longer payable")
    if any(inv.currency != receipt.currency for inv in wanted):
        raise ReconError("candidate: an invoice is in another currency than the receipt; match it in the ledger")
    if receipt.kind == "refund" and len(wanted) != 1:
        raise ReconError("candidate: a refund gives money back on one invoice")
    allocations, left = [], receipt.amount_minor
    for inv in wanted:
        if receipt.kind == "refund":
            allocations.append(Allocation(inv.id, -receipt.amount_minor))
            left = 0
            continue
        share = min(left, max(inv.due_minor, 0))
        if share > 0:
            allocations.append(Allocation(inv.id, share))
            left -= share
    if not allocations:
        raise ReconError("candidate: its invoices owe nothing any more")
    found = Match(receipt.id, "manual", tuple(allocations), unapplied_minor=left,
                  evidence={"exception": exception_id, "candidate": options[candidate].get("why", ""),
                            "chosen_by": actor})
    kept = record_match(session, found, receipt, actor)
    kept.exception_id = exception_id
    session.flush()
    return kept


def queue(session: Session, left: Unmatched, receipt: Receipt) -> SyncException:
    """One open exception per receipt, its reason and candidates refreshed on every run."""
    existing = session.scalar(select(SyncException).where(
        SyncException.kind == EXCEPTION_KIND, SyncException.external_id == receipt.id,
        SyncException.status == "open"))
    candidates = [{"invoice_ids": list(c.invoice_ids), "score": c.score, "why": c.why} for c in left.candidates]
    payload = {"kind": receipt.kind, "amount_minor": receipt.amount_minor, "currency": receipt.currency,
               "received_on": receipt.received_on.isoformat(), "customer_id": receipt.customer_id,
               "reference": receipt.reference}
    if existing is None:
        existing = SyncException(kind=EXCEPTION_KIND, entity=receipt.kind, system=REVHUB, external_id=receipt.id,
                                 message=left.reason, payload=payload, candidates=candidates)
        session.add(existing)
    else:
        existing.message, existing.payload, existing.candidates = left.reason, payload, candidates
    session.flush()
    return existing


def _close_exception(session: Session, receipt_id: str, actor: str, why: str) -> None:
    for row in session.scalars(select(SyncException).where(
            SyncException.kind == EXCEPTION_KIND, SyncException.external_id == receipt_id,
            SyncException.status == "open")):
        row.status, row.resolved_by, row.resolved_at = "resolved", actor, utcnow()
        row.message = f"{row.message} — {why}"[:2000]


def _write(session: Session, entity: str, record_id: uuid.UUID, fields: dict[str, Any],
           before: dict[str, Any], actor: str) -> None:
    apply_own_change(session, revhub_context(session, actor), entity, record_id, fields, before)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _jsonable(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (str, int, float, bool, list, type(None))) else str(v) for k, v in evidence.items()}
