"""The outbox worker: drains pending writes per target system through the provider pushers.

Messages are claimed like inbox events (SKIP LOCKED on PostgreSQL; claims of dead workers
are taken over, at once on this host, elsewhere once expired). Several versions of one record
collapse into its newest state; a successful write links the record to the target's id and
stores what was sent as the link's base snapshot, so the next pull of that record is
recognised as our own echo.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, insert, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from revhub import metrics
from revhub.connections import Vault, update_credentials
from revhub.connectors.registry import build_connector
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.store import Connection, Database, Link, OutboxMessage, utcnow
from revhub.sync.apply import jsonable_record
from revhub.sync.entities import ENTITIES, SYNC_ORDER
from revhub.sync.exception_queue import record_notices
from revhub.sync.lookups import chunks, load_rows
from revhub.sync.reaping import reap_claims
from revhub.sync.store_retry import retrying_races
from revhub.webhooks.worker import worker_name

log = logging.getLogger(__name__)
CLAIM_SECONDS = 300
MAX_ATTEMPTS = 10
# A target whose pusher cannot be built (a bad setting) is tried again after this long.
UNUSABLE_TARGET_SECONDS = 300
# A result the store refuses for good (a remote record already linked to another canonical
# one); anything else (the database away) is raised, and the claim's expiry retries the batch,
# whose unchanged request Xero answers again from its Idempotency-Key.
UNRECORDABLE = (IntegrityError, DataError)


@dataclass
class OutboxResult:
    sent: int = 0
    skipped: int = 0
    superseded: int = 0
    retried: int = 0
    dead: int = 0
    calls: int = 0
    by_target: dict[str, int] = field(default_factory=dict)


def claim(db: Database, worker: str, target: str | None = None, limit: int = 500) -> list[OutboxMessage]:
    now = utcnow()
    t = OutboxMessage.__table__
    due = or_(and_(t.c.status.in_(("pending", "failed")),
                   or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now)),
              and_(t.c.status == "processing", t.c.locked_until < now))
    # A paused target's messages wait, in order, until an admin resumes it.
    paused = select(Connection.name).where(Connection.paused_at.is_not(None))
    query = select(t.c.id).where(due, t.c.target_system.not_in(paused))
    if target:
        query = query.where(t.c.target_system == target)
    # Parents first, then one entity at a time: a claim then fills whole provider batches
    # instead of splitting each entity's batch across rounds.
    rank = case({entity: i for i, entity in enumerate(SYNC_ORDER)}, value=t.c.entity, else_=len(SYNC_ORDER))
    ids = query.order_by(rank, t.c.id).limit(limit).with_for_update(skip_locked=True)
    with db.session(write=True) as s:
        reap_claims(s, t, worker, "last_error")
        claimed = s.execute(update(t).where(t.c.id.in_(ids.scalar_subquery())).values(
            status="processing", locked_by=worker, locked_until=now + timedelta(seconds=CLAIM_SECONDS),
            attempts=t.c.attempts + 1).returning(t.c.id)).scalars().all()
        return s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)).all()


def collapse(messages: list[OutboxMessage]) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """(newest message per target and record, the older ones it supersedes)."""
    newest: dict[tuple, OutboxMessage] = {}
    for m in messages:
        key = (m.target_system, m.entity, m.record_id)
        if key not in newest or m.record_version > newest[key].record_version:
            newest[key] = m
    keep = set(id(m) for m in newest.values())
    return [m for m in messages if id(m) in keep], [m for m in messages if id(m) not in keep]


class OutboxWorker:
    def __init__(self, db: Database, vault: Vault, name: str | None = None,
                 pusher_factory: Callable[[Connection, Any], Any] | None = None) -> None:
        self.db, self.vault, self.name = db, vault, name or worker_name()
        self._pusher_factory = pusher_factory or (lambda connection, connector: connector.pusher())
        self._pushers: dict[str, Any] = {}

    def pusher(self, target: str):
        if target not in self._pushers:
            with self.db.session() as s:
                row = s.scalar(select(Connection).where(Connection.name == target))

            def save(changes: dict) -> None:
                with self.db.session(write=True) as s:
                    update_credentials(s, self.vault, target, changes)

            self._pushers[target] = self._pusher_factory(row, build_connector(row, self.vault, save))
        return self._pushers[target]

    def drain(self, target: str | None = None, limit: int = 500, max_rounds: int = 1000) -> OutboxResult:
        """Push until nothing is due (or ``max_rounds`` batches)."""
        total = OutboxResult()
        calls_before = self._calls()
        for _ in range(max_rounds):
            messages = claim(self.db, self.name, target, limit)
            if not messages:
                break
            self._run(messages, total)
        total.calls = self._calls() - calls_before
        return total

    def _calls(self) -> int:
        return sum(getattr(getattr(p, "api", None), "calls", 0) for p in self._pushers.values())

    def _run(self, messages: list[OutboxMessage], result: OutboxResult) -> None:
        current, superseded = collapse(messages)
        if superseded:
            self._mark([m.id for m in superseded], status="superseded")
            result.superseded += len(superseded)
        groups: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for m in current:
            groups[(m.target_system, m.entity)].append(m)
        order = {entity: i for i, entity in enumerate(SYNC_ORDER)}
        for (target, entity), group in sorted(groups.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])):
            try:
                pusher = self.pusher(target)
            except Exception as exc:  # a bad setting of one target holds its own messages, no others'
                log.warning("cannot write to %s: %s", target, exc)
                self._hold(group, f"cannot write to {target}: {type(exc).__name__}: {exc}")
                result.retried += len(group)
                continue
            items = build_items(self.db, target, entity, group)
            try:
                outcomes = pusher.push(entity, items)
            except Exception as exc:  # the whole batch failed before any item was answered
                log.warning("push of %d %s to %s failed: %s", len(items), entity, target, exc)
                outcomes = [WriteResult(i.message_id, "retry", error=f"{type(exc).__name__}: {exc}")
                            for i in items]
            self._record(target, entity, items, outcomes, result)

    def _record(self, target: str, entity: str, items: list[WriteItem], outcomes: list[WriteResult],
                result: OutboxResult) -> None:
        """Outcomes into the queue and the target's links: a batch's worth of statements at once,
        or, when that transaction fails, each outcome in its own, so one that cannot be recorded
        (its remote record already linked to another) does not leave its batch to be sent again.
        A link a pull committed meanwhile for the same record is no such failure: the transaction
        is run again, reads that link and updates it."""
        what = f"recording {len(outcomes)} {entity} result(s) from {target}"
        try:
            retrying_races(lambda: self._record_batch(target, entity, items, outcomes, result), what)
            return
        except SQLAlchemyError as exc:
            if len(outcomes) == 1:
                if not isinstance(exc, UNRECORDABLE):
                    raise
                self._unrecordable(target, outcomes[0], exc, result)
                return
            log.warning("recording %d %s results from %s failed (%s); recording them one by one",
                        len(outcomes), entity, target, _first_line(exc))
        for outcome in outcomes:
            try:
                retrying_races(lambda o=outcome: self._record_batch(target, entity, items, [o], result),
                               f"recording outbox message {outcome.message_id}")
            except UNRECORDABLE as exc:
                self._unrecordable(target, outcome, exc, result)

    def _unrecordable(self, target: str, outcome: WriteResult, exc: Exception, result: OutboxResult) -> None:
        """A dead letter saying what the target did and why revhub could not record it: sending
        it again could write a second copy, so a person decides."""
        where = f" as {outcome.external_id}" if outcome.external_id else ""
        error = (f"{target} answered {outcome.status}{where}, but the result could not be recorded: "
                 f"{_first_line(exc)}")
        log.error("outbox message %s: %s", outcome.message_id, error)
        self._mark([outcome.message_id], status="dead", last_error=error[:2000],
                   remote_id=outcome.external_id)
        result.dead += 1

    def _record_batch(self, target: str, entity: str, items: list[WriteItem], outcomes: list[WriteResult],
                      result: OutboxResult) -> None:
        # Counted into a copy: a transaction that fails must count nothing.
        counted = OutboxResult(by_target=dict(result.by_target))
        self._write_outcomes(target, entity, items, outcomes, counted)
        for name in ("sent", "skipped", "retried", "dead"):
            setattr(result, name, getattr(result, name) + getattr(counted, name))
        result.by_target = counted.by_target

    def _write_outcomes(self, target: str, entity: str, items: list[WriteItem], outcomes: list[WriteResult],
                        result: OutboxResult) -> None:
        by_id = {i.message_id: i for i in items}
        now = utcnow()
        links: list[tuple[str, uuid.UUID, str, dict[str, Any] | None]] = []
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        with self.db.session(write=True) as s:
            retrying = [o.message_id for o in outcomes if o.status == "retry"]
            attempts = dict(s.execute(select(OutboxMessage.id, OutboxMessage.attempts).where(
                OutboxMessage.id.in_(retrying))).all()) if retrying else {}
            for outcome in outcomes:
                item = by_id[outcome.message_id]
                values: dict[str, Any] = {"locked_by": None, "locked_until": None, "last_error": outcome.error}
                if outcome.status in ("sent", "skipped"):
                    if outcome.external_id:
                        links.append((entity, item.record_id, outcome.external_id,
                                      outcome.pushed if outcome.pushed is not None else item.record))
                    links.extend((link_entity, canonical_id, external_id, None)
                                 for link_entity, canonical_id, external_id in outcome.links)
                    values.update(status=outcome.status, sent_at=now, remote_id=outcome.external_id)
                    setattr(result, outcome.status, getattr(result, outcome.status) + 1)
                    result.by_target[target] = result.by_target.get(target, 0) + 1
                elif outcome.status == "retry" and attempts.get(outcome.message_id, 0) < MAX_ATTEMPTS:
                    delay = outcome.retry_after if outcome.retry_after is not None else \
                        min(3600, 2 ** attempts.get(outcome.message_id, 0))
                    values.update(status="failed", next_attempt_at=now + timedelta(seconds=delay))
                    result.retried += 1
                else:
                    values.update(status="dead")
                    result.dead += 1
                updates[tuple(sorted(values))].append({**values, "_id": outcome.message_id})
                metrics.outbox_result(target, values["status"])
            upsert_links(s, target, links)
            record_notices(s, target, entity, [(by_id[o.message_id].record_id, o.notices, o.status == "sent")
                                               for o in outcomes])
            table = OutboxMessage.__table__
            for columns, rows in updates.items():
                s.execute(update(table).where(table.c.id == bindparam("_id")).values(
                    {c: bindparam(c) for c in columns}), rows)

    def _hold(self, messages: list[OutboxMessage], error: str) -> None:
        """Messages wait, their error recorded, without using up an attempt: a setting being
        wrong says nothing about whether the write would succeed."""
        table = OutboxMessage.__table__
        with self.db.session(write=True) as s:
            s.execute(update(table).where(table.c.id.in_([m.id for m in messages])).values(
                status="failed", locked_by=None, locked_until=None, last_error=error[:2000],
                attempts=table.c.attempts - 1,
                next_attempt_at=utcnow() + timedelta(seconds=UNUSABLE_TARGET_SECONDS)))

    def _mark(self, ids: list[int], **values: Any) -> None:
        with self.db.session(write=True) as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
                locked_by=None, locked_until=None, **values))


def _first_line(exc: BaseException) -> str:
    """The database's own message, one line (SQLAlchemy adds the statement and parameters)."""
    cause = getattr(exc, "orig", None) or exc
    return f"{type(cause).__name__}: {str(cause).strip().splitlines()[0] if str(cause).strip() else ''}"[:500]


def upsert_links(session, system: str, links: list[tuple[str, uuid.UUID, str, dict[str, Any] | None]]) -> None:
    """Link each (entity, canonical id) to its id in ``system``; a pushed snapshot becomes the base."""
    table = Link.__table__
    latest: dict[tuple[str, uuid.UUID], tuple[str, dict[str, Any] | None]] = {}
    for entity, canonical_id, external_id, snapshot in links:
        latest[(entity, canonical_id)] = (external_id, snapshot)
    if not latest:
        return
    existing: dict[tuple[str, uuid.UUID], int] = {}
    for entity in {e for e, _ in latest}:
        ids = [c for e, c in latest if e == entity]
        for part in chunks(ids):
            for link_id, canonical_id in session.execute(select(table.c.id, table.c.canonical_id).where(
                    table.c.entity == entity, table.c.system == system, table.c.canonical_id.in_(part))):
                existing[(entity, canonical_id)] = link_id
    now = utcnow()
    changed: dict[bool, list[dict[str, Any]]] = defaultdict(list)  # with a new base or without
    # By remote record: two records of one batch written onto the same remote one (a PO's two
    # invoices onto its Salesforce PO) leave it linked to the later, as one at a time would.
    inserts: dict[tuple[str, str], dict[str, Any]] = {}
    held = _held_by_others(session, system, {(key[0], external_id) for key, (external_id, _) in latest.items()
                                             if key not in existing})
    for key, (external_id, snapshot) in latest.items():
        if key not in existing and (key[0], external_id) in held:
            # One remote record now stands for a newer canonical one (the Salesforce PO shows its
            # PO's new invoice after a void): the link moves to it.
            link_id = held[(key[0], external_id)]
            session.execute(update(table).where(table.c.id == link_id).values(
                canonical_id=key[1], base_snapshot=snapshot or {}, remote_version=None, last_synced_at=now))
        elif key in existing:
            row = {"_id": existing[key], "external_id": external_id, "last_synced_at": now}
            if snapshot is not None:
                row["base_snapshot"] = snapshot
            changed[snapshot is not None].append(row)
        else:
            inserts[(key[0], external_id)] = {
                "entity": key[0], "canonical_id": key[1], "system": system, "external_id": external_id,
                "remote_version": None, "base_snapshot": snapshot or {}, "last_synced_at": now}
    for with_snapshot, rows in changed.items():
        columns = ["external_id", "last_synced_at"] + (["base_snapshot"] if with_snapshot else [])
        session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            {c: bindparam(c) for c in columns}), rows)
    if inserts:
        session.execute(insert(table), list(inserts.values()))


def _held_by_others(session, system: str, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(entity, external id) → id of the link that already holds that remote record in ``system``."""
    table = Link.__table__
    found: dict[tuple[str, str], int] = {}
    for entity in {e for e, _ in wanted}:
        ids = [x for e, x in wanted if e == entity]
        for part in chunks(ids):
            for link_id, external_id in session.execute(select(table.c.id, table.c.external_id).where(
                    table.c.entity == entity, table.c.system == system, table.c.external_id.in_(part))):
                found[(entity, external_id)] = link_id
    return found


def _target_links(session, entity: str, system: str, ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, dict]]:
    if not ids:
        return {}
    rows = session.execute(select(Link.canonical_id, Link.external_id, Link.base_snapshot).where(
        Link.entity == entity, Link.system == system, Link.canonical_id.in_(list(ids))))
    return {r.canonical_id: (r.external_id, r.base_snapshot or {}) for r in rows}


def build_items(db: Database, target: str, entity: str, messages: list[OutboxMessage]) -> list[WriteItem]:
    """Write items with the records' current state, their target ids and referenced records."""
    spec = ENTITIES[entity]
    with db.session() as s:
        rows = load_rows(s, spec, {m.record_id for m in messages})
        own = _target_links(s, entity, target, set(rows))
        wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
        for row in rows.values():
            for column, ref_entity in spec.refs.items():
                if row.get(column):
                    wanted[ref_entity].add(row[column])
            if spec.children:
                for child in row.get(spec.children.field) or []:
                    for column, ref_entity in spec.children.refs.items():
                        if child.get(column):
                            wanted[ref_entity].add(child[column])
        ref_links = {e: _target_links(s, e, target, ids) for e, ids in wanted.items()}
        related = {e: load_rows(s, ENTITIES[e], ids) for e, ids in wanted.items() if e in ("customer",
                                                                                           "purchase_order")}
    items = []
    for m in messages:
        row = rows.get(m.record_id)
        if row is None:
            continue
        record = jsonable_record({k: v for k, v in row.items() if k not in ("field_sources",)})
        external_id, base = own.get(m.record_id, (None, None))
        refs: dict[str, str | None] = {}
        rel: dict[str, dict[str, Any]] = {}
        for column, ref_entity in spec.refs.items():
            ref_id = row.get(column)
            refs[ref_entity] = ref_links.get(ref_entity, {}).get(ref_id, (None, None))[0] if ref_id else None
            if ref_id and ref_entity in related and ref_id in related[ref_entity]:
                rel[ref_entity] = jsonable_record({k: v for k, v in related[ref_entity][ref_id].items()
                                                   if k != "field_sources"})
        if spec.children:
            for child in record.get(spec.children.field) or []:
                for column, ref_entity in spec.children.refs.items():
                    ref_id = child.get(column)
                    child[f"{ref_entity}_external_id"] = ref_links.get(ref_entity, {}).get(
                        uuid.UUID(ref_id) if ref_id else None, (None, None))[0]
        items.append(WriteItem(m.id, m.idempotency_key, m.operation, entity, m.record_id, m.record_version,
                               record, external_id, base, refs, rel))
    return items


def plan(db: Database, vault: Vault, target: str | None = None, describe: bool = True) -> list[dict[str, Any]]:
    """The dry run: what would be written, as a diff against what each target last had. No writes."""
    t = OutboxMessage
    with db.session() as s:
        query = select(t).where(t.status.in_(("pending", "failed", "processing")))
        if target:
            query = query.where(t.target_system == target)
        messages = s.scalars(query.order_by(t.id)).all()
    current, _ = collapse(messages)
    worker = OutboxWorker(db, vault, "plan")
    out = []
    groups: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
    for m in current:
        groups[(m.target_system, m.entity)].append(m)
    for (system, entity), group in groups.items():
        for item in build_items(db, system, entity, group):
            before = item.base or {}
            diff = {k: {"from": before.get(k), "to": v} for k, v in item.record.items()
                    if k not in ("id", "version", "created_at", "updated_at") and before.get(k) != v}
            entry = {"message": item.message_id, "target": system, "entity": entity, "record": str(item.record_id),
                     "operation": "create" if item.external_id is None else item.operation,
                     "external_id": item.external_id, "changes": diff}
            if describe:
                try:
                    pusher = worker.pusher(system)
                except Exception as exc:  # the plan of the other targets is still shown
                    entry["payload"] = {"error": f"cannot write to {system}: {type(exc).__name__}: {exc}"}
                else:
                    entry["payload"] = pusher.describe(entity, item)
            out.append(entry)
    return out


def retry_dead(db: Database, ids: list[int] | None = None) -> int:
    """Put dead letters back in the queue."""
    query = update(OutboxMessage).where(OutboxMessage.status == "dead")
    if ids:
        query = query.where(OutboxMessage.id.in_(ids))
    with db.session(write=True) as s:
        return s.execute(query.values(status="pending", attempts=0, next_attempt_at=None,
                                      last_error=None)).rowcount
