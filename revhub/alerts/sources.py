"""The periodic check: what is new in the store since the last look, as alerts.

Each source keeps a mark (alert_marks): the highest row id already alerted on, or the time
of the last look. Only rows past the mark raise an alert, grouped so that one sync failing
on ten entities or fifty dead letters to one target are a handful of alerts, not hundreds;
the dedupe window then holds back repeats of the same group.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revhub.alerts.events import Alert
from revhub.connections import CredentialError, Vault
from revhub.store import AlertMark, Conflict, Connection, OutboxMessage, SyncException, SyncRun

XERO_REFRESH_TOKEN_LIFETIME = timedelta(days=60)
TOKEN_WARNING = timedelta(days=7)
# On the very first look, failed runs of the last day still count as new.
FIRST_LOOK = timedelta(days=1)


def _mark(s: Session, source: str) -> AlertMark:
    mark = s.get(AlertMark, source)
    if mark is None:
        mark = AlertMark(source=source, last_id=0, seen=0)
        s.add(mark)
    return mark


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def dead_letters(s: Session, now: datetime) -> list[Alert]:
    """Dead letters new since the last look, one alert per target system. New means an id past
    the mark, or more dead letters to a target than last time (a letter retried by hand that
    died again keeps its id)."""
    mark = _mark(s, "dead_letters")
    new_ids = Counter(dict(s.execute(select(OutboxMessage.target_system, func.count()).where(
        OutboxMessage.status == "dead", OutboxMessage.id > mark.last_id).group_by(OutboxMessage.target_system)).all()))
    totals = dict(s.execute(select(OutboxMessage.target_system, func.count()).where(
        OutboxMessage.status == "dead").group_by(OutboxMessage.target_system)).all())
    mark.last_id = s.scalar(select(func.max(OutboxMessage.id)).where(OutboxMessage.status == "dead")) or mark.last_id
    mark.checked_at = now
    out = []
    for target in sorted(set(totals) | {m.source.split(":", 1)[1] for m in s.scalars(
            select(AlertMark).where(AlertMark.source.like("dead_letters:%")))}):
        per_target = _mark(s, f"dead_letters:{target}")
        n = max(new_ids.get(target, 0), totals.get(target, 0) - per_target.seen)
        per_target.seen, per_target.checked_at = totals.get(target, 0), now
        if n > 0:
            out.append(Alert("dead_letters", f"dead_letters:{target}", f"{_plural(n, 'new dead letter')} to {target}",
                             f"The outbox gave up on {_plural(n, 'write')} to {target}; each needs a person to "
                             f"retry or discard it.", "critical"))
    return out


def failed_runs(s: Session, now: datetime) -> list[Alert]:
    """Sync runs that finished as failed since the last look, one alert per connection and entity."""
    mark = _mark(s, "failed_runs")
    since = mark.checked_at or now - FIRST_LOOK
    rows = s.execute(select(Connection.name, SyncRun.entity, SyncRun.note).join(
        Connection, Connection.id == SyncRun.connection_id).where(
        SyncRun.status == "failed", SyncRun.finished_at > since, SyncRun.finished_at <= now)
        .order_by(SyncRun.id)).all()
    mark.checked_at = now
    last: dict[tuple[str, str], str] = {}
    counts: Counter = Counter()
    for connection, entity, note in rows:
        counts[(connection, entity)] += 1
        last[(connection, entity)] = (note or "no note recorded").splitlines()[0][:300]
    return [Alert("failed_runs", f"failed_runs:{connection}:{entity}",
                  f"Sync of {entity} from {connection} failed" + (f" ({n} times)" if n > 1 else ""),
                  f"Last failure: {last[(connection, entity)]}", "critical")
            for (connection, entity), n in sorted(counts.items())]


def _new_open(s: Session, source: str, model, group) -> Counter:
    mark = _mark(s, source)
    rows = s.execute(select(model.id, group).where(model.status == "open", model.id > mark.last_id)).all()
    if rows:
        mark.last_id = max(r[0] for r in rows)
    return Counter(r[1] for r in rows)


def conflicts(s: Session, now: datetime) -> list[Alert]:
    """Open conflicts created since the last look, one alert per entity."""
    return [Alert("conflicts", f"conflicts:{entity}", f"{_plural(n, 'new conflict')} on {entity} records",
                  f"Two systems changed the same {entity} field since the last sync; choose the value to keep.")
            for entity, n in sorted(_new_open(s, "conflicts", Conflict, Conflict.entity).items())]


def exceptions(s: Session, now: datetime) -> list[Alert]:
    """Open exceptions created since the last look, one alert per kind."""
    return [Alert("exceptions", f"exceptions:{kind}", f"{_plural(n, 'new exception')}: {kind}",
                  "Records revhub could not place on its own wait for a decision.")
            for kind, n in sorted(_new_open(s, "exceptions", SyncException, SyncException.kind).items())]


def token_expiry(s: Session, now: datetime, vault: Vault | None) -> list[Alert]:
    """Xero connections whose refresh token expires within a week (60 days after it was issued)."""
    if vault is None:
        return []
    out = []
    for connection in s.scalars(select(Connection).where(Connection.provider == "xero",
                                                         Connection.enabled.is_(True))):
        try:
            issued = vault.open(connection.credentials).get("refresh_token_issued_at")
        except CredentialError:
            continue  # the overview already flags unreadable credentials in red
        if not isinstance(issued, (int, float)):
            continue
        expires = datetime.fromtimestamp(issued, now.tzinfo) + XERO_REFRESH_TOKEN_LIFETIME
        if expires - now > TOKEN_WARNING:
            continue
        gone = expires <= now
        title = (f"Xero refresh token of {connection.name} " +
                 ("has expired" if gone else f"expires in {max(0, (expires - now).days)} day(s)"))
        out.append(Alert("token_expiry", f"token_expiry:{connection.name}", title,
                         f"It expires {expires:%Y-%m-%d %H:%M} UTC. Authorize the connection again "
                         f"(`revhub connections authorize xero {connection.name}`) before syncs stop.",
                         "critical" if gone else "warning", window_seconds=24 * 3600))
    return out


def open_counts(s: Session) -> dict[str, int]:
    """How much is waiting now (for the console page)."""
    return {
        "dead letters": s.scalar(select(func.count()).where(OutboxMessage.status == "dead")) or 0,
        "open conflicts": s.scalar(select(func.count()).where(Conflict.status == "open")) or 0,
        "open exceptions": s.scalar(select(func.count()).where(SyncException.status == "open")) or 0,
    }
