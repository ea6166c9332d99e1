"""The inbox and outbox drained from the CLI, with a progress bar over the items due at the
start (the same loops as the workers': claim a batch, handle it, until nothing is due)."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from revhub.cli_progress import DrainProgress
from revhub.store import InboxEvent, OutboxMessage, utcnow


def _due(model, *where) -> int:
    now = utcnow()
    return select(func.count()).select_from(model).where(
        model.status.in_(("pending", "failed")),
        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now), *where)


def drain_inbox(database, vault):
    """Process every due stored event; the summed DrainResult."""
    from revhub.webhooks.worker import DrainResult, InboxWorker

    with database.session() as s:
        due = s.scalar(_due(InboxEvent))
    worker, total = InboxWorker(database, vault), DrainResult()
    with DrainProgress("events", due) as bar:
        while True:
            batch = worker.drain_once()
            handled = batch.processed + batch.ignored + batch.failed + batch.parked
            for name in ("processed", "ignored", "failed", "parked"):
                setattr(total, name, getattr(total, name) + getattr(batch, name))
            total.applied.add(batch.applied)
            bar.advance(handled)
            if not handled:
                return total


def drain_outbox(database, vault, target: str | None = None, batch: int = 500):
    """Write every due outbox message (to ``target`` only, if given); the summed OutboxResult."""
    from revhub.mappings.outbox import OutboxResult, OutboxWorker

    where = [OutboxMessage.target_system == target] if target else []
    with database.session() as s:
        due = s.scalar(_due(OutboxMessage, *where))
    worker, total = OutboxWorker(database, vault), OutboxResult()
    with DrainProgress("writes", due) as bar:
        while True:
            round_ = worker.drain(target, limit=batch, max_rounds=1)
            handled = round_.sent + round_.skipped + round_.superseded + round_.retried + round_.dead
            for name in ("sent", "skipped", "superseded", "retried", "dead", "calls"):
                setattr(total, name, getattr(total, name) + getattr(round_, name))
            bar.advance(handled)
            if not handled:
                return total


__all__ = ["drain_inbox", "drain_outbox"]
