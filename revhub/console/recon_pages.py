"""Reconciliation in the console: the engine's matches with their rule and evidence (taken
back by an admin), the receipts it could not place with their ranked candidates (matched to
one by an admin), and the invoices the three-way match flagged, beside the admin's policy.

Every action goes through ``revhub.recon.service`` / ``invoice_checks`` (so it is written
through ``sync.apply`` and audited) and leaves a console audit entry naming the person.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, request, url_for
from sqlalchemy import select

from revhub.console.access import current_actor, require_role
from revhub.console.listing import Filter, choice, list_page, money_cells, text
from revhub.console.queue_actions import audit_action, db, done, refused, safe_back
from revhub.recon.invoice_checks import KIND as CHECK_KIND
from revhub.recon.invoice_checks import set_tolerances, tolerances
from revhub.recon.service import EXCEPTION_KIND, ReconError, apply_candidate, reverse, run
from revhub.recon.three_way import FINDINGS, Tolerances
from revhub.store import Invoice, Payment, ReconMatch, Refund, SyncException

recon_pages = Blueprint("recon_pages", __name__)

MATCH_STATUSES = ("applied", "reversed", "all")
QUEUE_STATUSES = ("open", "resolved", "all")


def _rule(query, value: str):
    # "reference" also finds "reference:typo" and "reference:refund": the family of a rule.
    return query.where((ReconMatch.rule == value) | ReconMatch.rule.like(f"{value}:%"))


MATCH_FILTERS = (
    Filter("status", "Status", choice(*MATCH_STATUSES),
           lambda q, v: q if v == "all" else q.where(ReconMatch.status == v), choices=MATCH_STATUSES,
           default="applied"),
    Filter("rule", "Rule", text(32), _rule, hint="e.g. reference"),
)

MATCH_COLUMNS = (
    ("match", lambda m: m.id), ("status", lambda m: m.status), ("rule", lambda m: m.rule),
    ("receipt_kind", lambda m: m.receipt_kind), ("receipt_id", lambda m: str(m.receipt_id)),
    ("invoices", lambda m: " ".join(a["invoice_id"] for a in m.allocations)),
    ("allocated_minor", lambda m: " ".join(str(a["amount_minor"]) for a in m.allocations)),
    ("unapplied_minor", lambda m: m.unapplied_minor), ("rate", lambda m: m.rate),
    ("evidence", lambda m: json.dumps(m.evidence, sort_keys=True, default=str)),
    ("matched_by", lambda m: m.matched_by), ("matched_at", lambda m: m.matched_at),
    ("reversed_by", lambda m: m.reversed_by), ("reversed_at", lambda m: m.reversed_at),
)


def _queue_filters(kind_default: str) -> tuple[Filter, ...]:
    return (Filter("status", "Status", choice(*QUEUE_STATUSES),
                   lambda q, v: q if v == "all" else q.where(SyncException.status == v),
                   choices=QUEUE_STATUSES, default=kind_default),)


QUEUE_COLUMNS = (
    ("exception", lambda e: e.id), ("status", lambda e: e.status), ("receipt_kind", lambda e: e.entity),
    ("receipt_id", lambda e: e.external_id),
    ("amount", lambda e: money_cells((e.payload or {}).get("amount_minor"), (e.payload or {}).get("currency"))[0]),
    ("currency", lambda e: (e.payload or {}).get("currency")),
    ("received_on", lambda e: (e.payload or {}).get("received_on")),
    ("reference", lambda e: (e.payload or {}).get("reference")), ("reason", lambda e: e.message),
    ("candidates", lambda e: " | ".join(",".join(c.get("invoice_ids", [])) for c in e.candidates or [])),
    ("raised_at", lambda e: e.created_at), ("resolved_by", lambda e: e.resolved_by),
)

CHECK_COLUMNS = (
    ("exception", lambda e: e.id), ("status", lambda e: e.status), ("invoice_id", lambda e: e.external_id),
    ("findings", lambda e: " ".join(f["code"] for f in (e.payload or {}).get("findings", []))),
    ("message", lambda e: e.message), ("raised_at", lambda e: e.created_at),
)


def invoices_by_id(session, ids: set[str]) -> dict[str, Invoice]:
    """The invoices named by ``ids`` (ids that are not UUIDs are skipped)."""
    wanted = set()
    for i in ids:
        try:
            wanted.add(uuid.UUID(str(i)))
        except ValueError:
            continue
    if not wanted:
        return {}
    return {str(i.id): i for i in session.scalars(select(Invoice).where(Invoice.id.in_(wanted)))}


def _receipts(session, rows: list[ReconMatch]) -> dict[str, Any]:
    payments = {r.receipt_id for r in rows if r.receipt_kind == "payment"}
    refunds = {r.receipt_id for r in rows if r.receipt_kind == "refund"}
    found: dict[str, Any] = {}
    if payments:
        found |= {str(p.id): p for p in session.scalars(select(Payment).where(Payment.id.in_(payments)))}
    if refunds:
        found |= {str(r.id): r for r in session.scalars(select(Refund).where(Refund.id.in_(refunds)))}
    return found


@recon_pages.get("/recon/matches")
@require_role("viewer")
def matches():
    """Every match with its rule, evidence and the invoices it pays; CSV with ``format=csv``."""
    def extra(s, rows):
        ids = {a["invoice_id"] for m in rows for a in m.allocations}
        return {"invoices": invoices_by_id(s, ids), "receipts": _receipts(s, rows)}

    query = select(ReconMatch).order_by(ReconMatch.id.desc())
    return list_page(query, MATCH_FILTERS, template="recon_matches.html", filename="recon-matches",
                     columns=MATCH_COLUMNS, extra=extra)


@recon_pages.post("/recon/matches/<int:match_id>/reverse")
@require_role("admin")
def reverse_match(match_id: int):
    back = safe_back(url_for("recon_pages.matches"))
    try:
        with db().session(write=True) as s:
            row = reverse(s, match_id, actor=current_actor())
            audit_action(s, action="recon_reverse", entity=row.receipt_kind, record_id=row.receipt_id,
                         before={"match": match_id, "status": "applied", "allocations": row.allocations},
                         after={"match": match_id, "status": "reversed"})
    except ReconError as exc:
        return refused(str(exc), back)
    return done(f"Match {match_id} reversed: the {row.receipt_kind} pays nothing until matched again.", back)


@recon_pages.post("/recon/run")
@require_role("admin")
def run_now():
    back = safe_back(url_for("recon_pages.matches"))
    with db().session(write=True) as s:
        summary = run(s, actor=current_actor())
    return done(f"Matching ran: {summary.receipts} receipt(s), {summary.matched} matched, "
                f"{summary.queued} waiting for a person.", back)


@recon_pages.get("/recon/unmatched")
@require_role("viewer")
def unmatched():
    """Receipts the engine could not place, each with its candidates ranked."""
    def extra(s, rows):
        ids = {i for e in rows for c in e.candidates or [] for i in c.get("invoice_ids", [])}
        return {"invoices": invoices_by_id(s, ids)}

    query = select(SyncException).where(SyncException.kind == EXCEPTION_KIND).order_by(SyncException.id)
    return list_page(query, _queue_filters("open"), template="recon_unmatched.html", filename="unmatched-receipts",
                     columns=QUEUE_COLUMNS, per_page=20, extra=extra)


@recon_pages.post("/recon/unmatched/<int:exception_id>/match")
@require_role("admin")
def match_to_candidate(exception_id: int):
    back = safe_back(url_for("recon_pages.unmatched"))
    given = (request.form.get("candidate") or "").strip()
    if not given.isdigit():
        return refused("candidate: the number of a candidate of this receipt", back)
    try:
        with db().session(write=True) as s:
            kept = apply_candidate(s, exception_id, int(given), actor=current_actor())
            audit_action(s, action="recon_manual", entity=kept.receipt_kind, record_id=kept.receipt_id,
                         before={"exception": exception_id}, after={"match": kept.id, "allocations": kept.allocations})
            match_id = kept.id
    except ReconError as exc:
        return refused(str(exc), back)
    return done(f"Receipt matched (match {match_id}, rule manual).", back)


@recon_pages.get("/recon/invoice-checks")
@require_role("viewer")
def invoice_checks():
    """Invoices the three-way match or the duplicate guard flagged, and the policy they were checked by."""
    def extra(s, rows):
        return {"invoices": invoices_by_id(s, {e.external_id for e in rows}), "policy": tolerances(s),
                "findings": FINDINGS, "policy_errors": {}}

    query = select(SyncException).where(SyncException.kind == CHECK_KIND).order_by(SyncException.id)
    return list_page(query, _queue_filters("open"), template="recon_checks.html", filename="invoice-checks",
                     columns=CHECK_COLUMNS, per_page=20, extra=extra)


@recon_pages.post("/recon/policy")
@require_role("admin")
def set_policy():
    """The admin's three-way match tolerances and the findings that block an invoice."""
    back = url_for("recon_pages.invoice_checks")
    form = request.form
    try:
        price = Decimal((form.get("price_pct") or "").strip())
        if not 0 <= price <= 100:
            raise InvalidOperation
    except InvalidOperation:
        return refused("price_pct: a percentage from 0 to 100, e.g. 2.5", back)
    numbers = {}
    for name in ("quantity", "amount_minor"):
        value = (form.get(name) or "").strip()
        if not value.isdigit():
            return refused(f"{name}: a whole number from 0", back)
        numbers[name] = int(value)
    blocking = form.getlist("block")
    unknown = sorted(set(blocking) - set(FINDINGS))
    if unknown:
        return refused(f"block: unknown finding {', '.join(unknown)}", back)
    with db().session(write=True) as s:
        before = tolerances(s).as_json()
        now = Tolerances(price, numbers["quantity"], numbers["amount_minor"], frozenset(blocking))
        set_tolerances(s, now, actor=current_actor())
        audit_action(s, action="recon_policy", entity="policy", record_id=uuid.uuid5(uuid.NAMESPACE_URL, "policy"),
                     before=before, after=now.as_json())
    return done("Three-way match policy saved.", back)

