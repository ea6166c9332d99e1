"""A test alert on demand (the console's button and ``revhub alerts test``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from revhub.alerts.channels import CHANNEL_NAMES, build_channels
from revhub.alerts.dispatch import Raised, raise_alert
from revhub.alerts.events import Alert
from revhub.alerts.settings import AlertSettings
from revhub.store import AlertDelivery, AlertLog, Database


class ChannelChoiceError(ValueError):
    """The channel asked for is unknown or not configured; the message says which settings it needs."""


NEEDS = {"slack": "REVHUB_ALERT_SLACK_WEBHOOK_URL, or REVHUB_ALERT_SLACK_TOKEN and REVHUB_ALERT_SLACK_CHANNEL",
         "email": "REVHUB_ALERT_EMAIL_TO (and REVHUB_SMTP_*)",
         "webhook": "REVHUB_ALERT_WEBHOOK_URL and REVHUB_ALERT_WEBHOOK_SECRET"}


def send_test(db: Database, settings: AlertSettings, channel: str | None = None, actor: str = "cli") -> Raised:
    """Send a test alert to ``channel`` (default: every configured one), never held back as a
    duplicate (window 0) but within the rate limit, and log it like any other."""
    if channel is not None and channel not in CHANNEL_NAMES:
        raise ChannelChoiceError(f"channel: {channel!r} is not one of {', '.join(CHANNEL_NAMES)}")
    if channel is not None and channel not in settings.channels:
        raise ChannelChoiceError(f"channel: {channel} is not configured; set {NEEDS[channel]}")
    if not settings.channels:
        raise ChannelChoiceError("channel: no alert channel is configured; set " + "; or ".join(NEEDS.values()))
    alert = Alert("test", f"test:{channel or 'all'}", "Test alert from revhub",
                  f"Sent by {actor} to check that alerts arrive. Nothing needs doing.", "info", window_seconds=0)
    return raise_alert(db, alert, settings, build_channels(settings, only=channel))


def recent(db: Database, limit: int = 50) -> list[dict]:
    """The latest alerts with their counts and each channel's last outcome, newest first."""
    with db.session() as s:
        rows = s.scalars(select(AlertLog).order_by(AlertLog.last_raised_at.desc(), AlertLog.id.desc())
                         .limit(limit)).all()
        outcomes: dict[int, dict[str, tuple[str, str | None, datetime]]] = {}
        if rows:
            for d in s.scalars(select(AlertDelivery).where(AlertDelivery.alert_id.in_([r.id for r in rows]))
                               .order_by(AlertDelivery.id)):
                outcomes.setdefault(d.alert_id, {})[d.channel] = (d.outcome, d.error, d.at)
        return [{"id": r.id, "key": r.dedupe_key, "kind": r.kind, "severity": r.severity, "title": r.title,
                 "text": r.text, "link": r.link, "first_raised_at": r.first_raised_at,
                 "last_raised_at": r.last_raised_at, "last_sent_at": r.last_sent_at, "sent_count": r.sent_count,
                 "suppressed": r.suppressed, "suppressed_total": r.suppressed_total,
                 "deliveries": outcomes.get(r.id, {})} for r in rows]
