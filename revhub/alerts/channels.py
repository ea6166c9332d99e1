"""The channels an alert can go to, and the one error they raise when a delivery fails."""

from __future__ import annotations

from typing import Protocol

from revhub.alerts.events import Notice
from revhub.alerts.settings import AlertSettings

CHANNEL_NAMES = ("slack", "email", "webhook")


class AlertDeliveryError(RuntimeError):
    """A channel did not take the alert; the message says what the far end answered."""


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> None:
        """Deliver ``notice`` or raise AlertDeliveryError."""


def build_channels(settings: AlertSettings, only: str | None = None) -> list[Channel]:
    """The configured channels (or just ``only``), each built from its settings."""
    from revhub.alerts.email_channel import EmailChannel
    from revhub.alerts.slack_channel import SlackBotChannel, SlackWebhookChannel
    from revhub.alerts.webhook_channel import SignedWebhookChannel

    out: list[Channel] = []
    for name in settings.channels:
        if only and name != only:
            continue
        if name == "slack" and settings.slack_webhook_url:
            out.append(SlackWebhookChannel(settings.slack_webhook_url, settings.timeout_seconds))
        elif name == "slack":
            out.append(SlackBotChannel(settings.slack_token, settings.slack_channel, settings.slack_api_url,
                                       settings.timeout_seconds))
        elif name == "email":
            out.append(EmailChannel(settings.email_to))
        elif name == "webhook":
            out.append(SignedWebhookChannel(settings.webhook_url, settings.webhook_secret, settings.timeout_seconds))
    return out
