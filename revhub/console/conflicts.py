"""Conflicts as an admin settles them: the record's name, the base and both values, which
system changed each and when; one at a time or all of a field by policy ("Salesforce's value
wins"); and the log of conflicts the ownership policies settled alone, money and status
fields flagged."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request, url_for
from sqlalchemy import func, select

from revhub.console.access import current_actor, require_role
from revhub.console.listing import Filter, before_end_of, choice, list_page, money_cells, on_or_after, text
from revhub.console.queue_actions import db, done, refused, safe_back
from revhub.console.record_labels import record_currencies, record_labels
from revhub.store import Conflict
from revhub.sync.entities import ENTITIES
from revhub.sync.resolution import DIVERGED, ResolutionError, read_only_notice, resolve_conflict, settle_by_policy
from revhub.web_json import parse_json

conflicts_page = Blueprint("conflicts_page", __name__)

AUTO = "auto"
FLAGS = ("money", "status")


def flag(field: str) -> str | None:
    """"money" for an amount or currency, "status" for a state: the fields worth a second look."""
    if field.endswith("_minor") or field == "currency":
        return "money"
    if field == "status" or field.endswith("_status"):
        return "status"
    return None


def _flagged(query, value: str):
    money = Conflict.field.like("%\\_minor", escape="\\") | (Conflict.field == "currency")
    state = (Conflict.field == "status") | Conflict.field.like("%\\_status", escape="\\")
    return query.where(money if value == "money" else state)


def _filters(since_label: str, time_column) -> tuple[Filter, ...]:
    return (
        Filter("entity", "Entity", choice(*ENTITIES), lambda q, v: q.where(Conflict.entity == v),
               choices=tuple(ENTITIES)),
        Filter("field", "Field", text(64), lambda q, v: q.where(Conflict.field == v), hint="e.g. email"),
        Filter("system", "System", text(64),
               lambda q, v: q.where((Conflict.current_system == v) | (Conflict.incoming_system == v)),
               hint="e.g. xero"),
        Filter("flag", "Flagged", choice(*FLAGS), _flagged, choices=FLAGS),
        Filter("since", since_label, on_or_after, lambda q, v: q.where(time_column >= v), hint="YYYY-MM-DD"),
        Filter("until", "until", before_end_of, lambda q, v: q.where(time_column < v), hint="YYYY-MM-DD"),
    )


OPEN_FILTERS = _filters("Raised from", Conflict.created_at)
AUTO_FILTERS = _filters("Settled from", Conflict.created_at)

def value_cell(field: str, value: Any, currency: str | None) -> Any:
    """A conflict value for CSV: an amount as an exact decimal in its record's currency, else JSON."""
    if field.endswith("_minor") and isinstance(value, int) and currency:
        return money_cells(value, currency)[0]
    return show(value)


def money_text(field: str, value: Any, currency: str | None) -> str | None:
    """"EUR 50.00" for an amount field's minor units, when the record's currency is known."""
    if not (field.endswith("_minor") and isinstance(value, int) and currency):
        return None
    amount, code = money_cells(value, currency)
    return f"{code} {amount}"


# Each CSV row is (conflict, its record's currency or None).
COLUMNS = (
    ("id", lambda r: r[0].id), ("status", lambda r: r[0].status), ("entity", lambda r: r[0].entity),
    ("record_id", lambda r: r[0].record_id), ("field", lambda r: r[0].field), ("flag", lambda r: flag(r[0].field)),
    ("currency", lambda r: r[1] if r[0].field.endswith("_minor") else None),
    ("base_value", lambda r: value_cell(r[0].field, r[0].base_value, r[1])),
    ("current_system", lambda r: r[0].current_system),
    ("current_value", lambda r: value_cell(r[0].field, r[0].current_value, r[1])),
    ("current_changed_at", lambda r: r[0].current_changed_at),
    ("incoming_system", lambda r: r[0].incoming_system),
    ("incoming_value", lambda r: value_cell(r[0].field, r[0].incoming_value, r[1])),
    ("incoming_changed_at", lambda r: r[0].incoming_changed_at), ("raised_at", lambda r: r[0].created_at),
    ("resolution", lambda r: r[0].resolution), ("resolved_by", lambda r: r[0].resolved_by),
    ("resolved_at", lambda r: r[0].resolved_at),
)


def _with_currency(session, rows: list[Conflict]) -> list[tuple[Conflict, str | None]]:
    currencies = record_currencies(session, [(c.entity, c.record_id) for c in rows])
    return [(c, currencies.get(str(c.record_id))) for c in rows]


def show(value: Any) -> str:
    """A value as JSON text, so "12500" (text) and 12500 (a number) read apart."""
    return json.dumps(value, default=str, ensure_ascii=False)


def _open_extras(session, rows: list[Conflict]) -> dict[str, Any]:
    groups = session.execute(select(Conflict.entity, Conflict.field, Conflict.current_system,
                                    Conflict.incoming_system, func.count())
                             .where(Conflict.status == "open")
                             .group_by(Conflict.entity, Conflict.field, Conflict.current_system,
                                       Conflict.incoming_system)
                             .order_by(Conflict.entity, Conflict.field)).all()
    diverged = session.scalars(select(Conflict).where(Conflict.status == DIVERGED)
                               .order_by(Conflict.id.desc()).limit(50)).all()
    records = [(c.entity, c.record_id) for c in [*rows, *diverged]]
    return {"notices": {c.id: read_only_notice(session, c) for c in rows}, "groups": groups, "diverged": diverged,
            "labels": record_labels(session, records), "currencies": record_currencies(session, records)}


@conflicts_page.get("/conflicts")
@require_role("viewer")
def conflicts():
    query = select(Conflict).where(Conflict.status == "open").order_by(Conflict.id)
    return list_page(query, OPEN_FILTERS, template="conflicts.html", filename="open-conflicts", columns=COLUMNS,
                     per_page=25, extra=_open_extras, csv_rows=_with_currency, show=show, flag=flag,
                     money_text=money_text)


@conflicts_page.get("/conflicts/auto")
@require_role("viewer")
def auto_settled():
    query = select(Conflict).where(Conflict.status == AUTO).order_by(Conflict.id.desc())
    return list_page(query, AUTO_FILTERS, template="conflicts_auto.html", filename="auto-settled-conflicts",
                     columns=COLUMNS, csv_rows=_with_currency, show=show, flag=flag, money_text=money_text,
                     extra=_auto_extras)


def _auto_extras(session, rows: list[Conflict]) -> dict[str, Any]:
    records = [(c.entity, c.record_id) for c in rows]
    return {"labels": record_labels(session, records), "currencies": record_currencies(session, records)}


@conflicts_page.post("/conflicts/<int:conflict_id>")
@require_role("admin")
def resolve(conflict_id: int):
    back = safe_back(url_for("conflicts_page.conflicts"))
    take = request.form.get("take", "")
    value = None
    if take == "value":
        try:
            value = parse_json((request.form.get("value") or "").encode())
        except ValueError:
            return refused("value: give it as JSON, e.g. \"ap@acme.example\" or 12500", back)
    try:
        with db().session(write=True) as s:
            conflict = resolve_conflict(s, conflict_id, take, actor=current_actor(), value=value)
            resolution = conflict.resolution
    except ResolutionError as exc:
        return refused(str(exc), back)
    return done(f"Conflict {conflict_id} resolved ({resolution}).", back, "conflict_settled.html",
                conflict=conflict, show=show)


@conflicts_page.post("/conflicts/settle-by-policy")
@require_role("admin")
def settle_all():
    back = safe_back(url_for("conflicts_page.conflicts"))
    entity, field, winner = (request.form.get(k, "").strip() for k in ("entity", "field", "winner"))
    if entity not in ENTITIES:
        return refused(f"entity: one of {', '.join(ENTITIES)}", back)
    if not winner:
        return refused("winner: name the system whose value wins", back)
    with db().session(write=True) as s:
        settled, failed = settle_by_policy(s, entity=entity, field=field or None, winner=winner,
                                           actor=current_actor())
    what = f"{entity}.{field}" if field else entity
    message = f"{len(settled)} open {what} conflict(s) settled with {winner}'s value."
    if failed:
        message += f" {len(failed)} could not be: " + "; ".join(failed[:5])
    return done(message, back)
