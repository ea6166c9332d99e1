"""How each connection is doing, for the overview: a green/amber/red verdict with its reason,
the last successful sync per entity, when the next run is due, the API calls made against the
provider's budget, the Xero refresh token's end, the last webhook, inbox and outbox failures.

Read-only: everything comes from the store (runs, inbox, outbox, the budgets the providers
reported in ``api_budgets``) and the connection's settings; the credentials are opened only for
the refresh token's issue time. The next run is estimated from the scheduler's rule (each entity
every ``sync_interval_seconds`` from its last start): the scheduler itself lives in another process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revhub.connections import CredentialError, Vault
from revhub.connectors.budget import XERO_PER_DAY, XERO_PER_MINUTE
from revhub.connectors.registry import PROVIDER_ENTITIES
from revhub.store import ApiBudget, Connection, InboxEvent, OutboxMessage, SyncRun
from revhub.sync.scheduler import DEFAULT_INTERVAL_SECONDS

XERO_REFRESH_TOKEN_LIFETIME = timedelta(days=60)
# A Salesforce org's daily allocation depends on its edition and licences: until the org has
# said (Sforce-Limit-Info), it comes from the ``daily_api_allocation`` setting.
WARN_SHARE = 0.8
TOKEN_WARNING = timedelta(days=7)
GREEN, AMBER, RED = "green", "amber", "red"
_RANK = {GREEN: 0, AMBER: 1, RED: 2}


@dataclass
class EntitySync:
    entity: str
    last_success: datetime | None
    last_status: str | None
    last_note: str | None


@dataclass
class Budget:
    window: str            # "minute", "day"
    used: int
    limit: int | None
    reported_at: datetime | None = None  # set when the provider said so; else revhub counted

    @property
    def share(self) -> float | None:
        return self.used / self.limit if self.limit else None


@dataclass
class ConnectionHealth:
    id: uuid.UUID
    name: str
    provider: str
    enabled: bool
    interval_seconds: int
    level: str = GREEN
    reasons: list[str] = field(default_factory=list)
    entities: list[EntitySync] = field(default_factory=list)
    next_run_at: datetime | None = None
    running: bool = False
    budgets: list[Budget] = field(default_factory=list)
    token_expires_at: datetime | None = None
    last_webhook_at: datetime | None = None
    inbox_failed: int = 0
    outbox_retrying: int = 0
    outbox_dead: int = 0

    def flag(self, level: str, reason: str) -> None:
        """Add ``reason``; the verdict is the worst level flagged."""
        self.reasons.append(reason)
        if _RANK[level] > _RANK[self.level]:
            self.level = level


def connection_health(session: Session, vault: Vault | None, now: datetime | None = None) -> list[ConnectionHealth]:
    """One verdict per connection, by name."""
    now = now or datetime.now(UTC)
    found = []
    for connection in session.scalars(select(Connection).order_by(Connection.name)):
        settings = connection.settings or {}
        active = connection.enabled and connection.paused_at is None
        health = ConnectionHealth(connection.id, connection.name, connection.provider, active,
                                  int(settings.get("sync_interval_seconds", DEFAULT_INTERVAL_SECONDS)))
        _syncs(session, health, now)
        _queues(session, health)
        _budget(session, health, settings, now)
        _token(connection, vault, health, now)
        _verdict(health, now)
        found.append(health)
    return found


def _syncs(session: Session, health: ConnectionHealth, now: datetime) -> None:
    runs = SyncRun.connection_id == health.id
    succeeded = dict(session.execute(select(SyncRun.entity, func.max(SyncRun.started_at))
                                     .where(runs, SyncRun.status == "succeeded").group_by(SyncRun.entity)).all())
    latest_ids = select(func.max(SyncRun.id)).where(runs).group_by(SyncRun.entity)
    latest = {r.entity: r for r in session.scalars(select(SyncRun).where(SyncRun.id.in_(latest_ids)))}
    for entity in PROVIDER_ENTITIES.get(health.provider, ()):
        run = latest.get(entity)
        health.entities.append(EntitySync(entity, succeeded.get(entity), run.status if run else None,
                                          run.note if run else None))
    health.running = any(r.status == "running" for r in latest.values())
    if health.enabled:
        started = [r.started_at for r in latest.values()]
        # The scheduler runs each entity every interval from its last start; a never-run one is due now.
        health.next_run_at = (min(started) + timedelta(seconds=health.interval_seconds)
                              if started and len(started) == len(health.entities) else now)


def _queues(session: Session, health: ConnectionHealth) -> None:
    inbox = session.execute(select(func.max(InboxEvent.received_at), func.count().filter(
        InboxEvent.status.in_(("failed", "parked")))).where(InboxEvent.connection_id == health.id)).one()
    health.last_webhook_at, health.inbox_failed = inbox[0], inbox[1] or 0
    outbox = dict(session.execute(select(OutboxMessage.status, func.count()).where(
        OutboxMessage.target_system == health.name, OutboxMessage.status.in_(("failed", "dead")))
        .group_by(OutboxMessage.status)).all())
    health.outbox_retrying, health.outbox_dead = outbox.get("failed", 0), outbox.get("dead", 0)


def _calls_since(session: Session, health: ConnectionHealth, since: datetime) -> int:
    return session.scalar(select(func.coalesce(func.sum(SyncRun.api_calls), 0)).where(
        SyncRun.connection_id == health.id, SyncRun.started_at >= since)) or 0


def _budget(session: Session, health: ConnectionHealth, settings: dict[str, Any], now: datetime) -> None:
    """The provider's own last word where it is still current (its minute or rolling day),
    else the calls revhub's syncs counted in that window against the published limit."""
    said = session.get(ApiBudget, health.id)
    windows = {"xero": (("minute", timedelta(minutes=1), XERO_PER_MINUTE), ("day", timedelta(days=1), XERO_PER_DAY)),
               "salesforce": (("day", timedelta(days=1), _allocation(settings)),)}
    for window, length, limit in windows.get(health.provider, (("day", timedelta(days=1), None),)):
        remaining = getattr(said, f"{window}_remaining", None) if said else None
        told = getattr(said, f"{window}_limit", None) if said else None
        if remaining is not None and told and now - said.observed_at <= length:
            health.budgets.append(Budget(window, told - remaining, told, said.observed_at))
        else:
            health.budgets.append(Budget(window, _calls_since(session, health, now - length), limit))


def _allocation(settings: dict[str, Any]) -> int | None:
    allocation = str(settings.get("daily_api_allocation") or "")
    return int(allocation) if allocation.isdigit() else None


def _token(connection: Connection, vault: Vault | None, health: ConnectionHealth, now: datetime) -> None:
    if connection.provider != "xero" or vault is None:
        return
    try:
        issued = vault.open(connection.credentials).get("refresh_token_issued_at")
    except CredentialError:
        health.flag(RED, "credentials cannot be read with this installation's key")
        return
    if isinstance(issued, (int, float)):
        health.token_expires_at = datetime.fromtimestamp(issued, UTC) + XERO_REFRESH_TOKEN_LIFETIME


def _verdict(health: ConnectionHealth, now: datetime) -> None:
    if not health.enabled:
        health.flag(AMBER, "paused: no scheduled syncs and nothing written to it until resumed "
                           "(its webhooks are still taken and writes to it wait in the outbox)")
    failing = [e.entity for e in health.entities if e.last_status == "failed"]
    if failing:
        health.flag(RED, f"last sync failed: {', '.join(failing)}")
    never = [e.entity for e in health.entities if e.last_success is None and e.last_status != "failed"]
    if never:
        health.flag(AMBER, f"never synced: {', '.join(never)}")
    stale = [e.entity for e in health.entities if e.last_success is not None
             and now - e.last_success > timedelta(seconds=3 * health.interval_seconds)]
    if stale and health.enabled:
        health.flag(AMBER, f"no successful sync for 3 intervals: {', '.join(stale)}")
    if health.outbox_dead:
        health.flag(RED, f"{health.outbox_dead} dead letter(s) in the outbox")
    if health.outbox_retrying:
        health.flag(AMBER, f"{health.outbox_retrying} outbox message(s) retrying")
    if health.inbox_failed:
        health.flag(AMBER, f"{health.inbox_failed} webhook event(s) failed or parked")
    for budget in health.budgets:
        if budget.share is not None and budget.share >= 1:
            health.flag(RED, f"API budget per {budget.window} used up ({budget.used}/{budget.limit})")
        elif budget.share is not None and budget.share >= WARN_SHARE:
            health.flag(AMBER, f"API budget per {budget.window} at {budget.share:.0%}")
    if health.token_expires_at is not None:
        if health.token_expires_at <= now:
            health.flag(RED, "Xero refresh token expired: authorize the connection again")
        elif health.token_expires_at - now <= TOKEN_WARNING:
            health.flag(AMBER, "Xero refresh token expires within 7 days")
    if not health.reasons:
        health.reasons.append("every entity synced recently; no failures queued")
