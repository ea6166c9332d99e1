"""Raising an alert: dedupe by key inside a window, a rate limit per channel, a log of every delivery.

The decision to send is taken and committed first, and the channels are called after, outside
any transaction: a slow Slack must not hold a write lock on the store, and two workers raising
the same key at once still send it once (the unique dedupe key decides which one does).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from revhub.alerts.channels import AlertDeliveryError, Channel, build_channels
from revhub.alerts.events import Alert, Notice
from revhub.alerts.settings import AlertSettings, load_alert_settings
from revhub.store import AlertDelivery, AlertLog, Database, utcnow

log = logging.getLogger(__name__)
RATE_WINDOW = timedelta(hours=1)


@dataclass
class Raised:
    """What became of one raise: sent (with each channel's outcome) or suppressed as a duplicate."""

    alert_id: int
    sent: bool
    suppressed: int = 0
    deliveries: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def raise_alert(db: Database, alert: Alert, settings: AlertSettings | None = None,
                channels: list[Channel] | None = None, now: datetime | None = None) -> Raised:
    """Log ``alert`` and, unless the same key was sent inside the dedupe window, hand it to
    every configured channel that is under its hourly limit. Never raises for a channel
    that fails: the failure is logged and recorded as that delivery's outcome."""
    settings = settings or load_alert_settings()
    channels = build_channels(settings) if channels is None else channels
    now = now or utcnow()
    claimed = _claim(db, alert, settings, now)
    if isinstance(claimed, Raised):
        return claimed
    alert_id, held = claimed
    notice = Notice(alert, alert.link(settings.public_url), held)
    raised = Raised(alert_id, sent=True, suppressed=held)
    rows = []
    for channel in channels:
        if _sent_in_window(db, channel.name, now) >= settings.rate_per_hour:
            raised.deliveries[channel.name] = "rate_limited"
        else:
            try:
                channel.send(notice)
                raised.deliveries[channel.name] = "sent"
            except AlertDeliveryError as exc:
                log.warning("alert %s to %s failed: %s", alert.dedupe_key, channel.name, exc)
                raised.deliveries[channel.name], raised.errors[channel.name] = "failed", str(exc)
        rows.append(AlertDelivery(alert_id=alert_id, channel=channel.name, at=now,
                                  outcome=raised.deliveries[channel.name],
                                  ok=raised.deliveries[channel.name] == "sent",
                                  error=raised.errors.get(channel.name)))
    with db.session(write=True) as s:
        s.add_all(rows)
    return raised


def _claim(db: Database, alert: Alert, settings: AlertSettings, now: datetime) -> tuple[int, int] | Raised:
    """(alert id, raises held back since the last send) when this raise is to be sent, else a
    suppressed Raised. A concurrent first insert of the same key loses on the unique key and
    is read again, as a duplicate."""
    for _ in range(2):
        try:
            with db.session(write=True) as s:
                row = s.scalar(select(AlertLog).where(AlertLog.dedupe_key == alert.dedupe_key).with_for_update())
                seconds = settings.dedupe_seconds if alert.window_seconds is None else alert.window_seconds
                window = timedelta(seconds=seconds)
                if row is not None and row.last_sent_at is not None and now - row.last_sent_at < window:
                    row.suppressed += 1
                    row.suppressed_total += 1
                    row.last_raised_at = now
                    return Raised(row.id, sent=False, suppressed=row.suppressed)
                if row is None:
                    row = AlertLog(dedupe_key=alert.dedupe_key, first_raised_at=now, suppressed=0,
                                   suppressed_total=0, sent_count=0)
                    s.add(row)
                held = row.suppressed
                row.kind, row.severity, row.title = alert.kind, alert.severity, alert.title[:255]
                row.text, row.link = alert.text, alert.link(settings.public_url)[:512]
                row.last_raised_at = row.last_sent_at = now
                row.suppressed, row.sent_count = 0, row.sent_count + 1
                s.flush()
                return row.id, held
        except IntegrityError:
            continue
    raise RuntimeError(f"alert {alert.dedupe_key!r} could not be logged")  # pragma: no cover - two lost races


def _sent_in_window(db: Database, channel: str, now: datetime) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AlertDelivery).where(
            AlertDelivery.channel == channel, AlertDelivery.outcome == "sent",
            AlertDelivery.at > now - RATE_WINDOW)) or 0
