"""Alerts to Slack through slack-sdk: an incoming webhook, or a bot token and chat.postMessage."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from revhub.alerts.channels import AlertDeliveryError
from revhub.alerts.events import Notice

_ICONS = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}


def blocks(notice: Notice) -> list[dict]:
    """Block Kit for one alert: title, text, the held-back count and a button to the resolving page."""
    alert = notice.alert
    body = alert.text + (f"\n_{notice.suppressed} more like this held back since the last alert_"
                         if notice.suppressed else "")
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"{alert.title}"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{_ICONS[alert.severity]} {body}"[:3000]}},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Resolve"},
                                          "url": notice.link}]},
    ]


class SlackWebhookChannel:
    """An incoming webhook: the URL is the credential and names the channel.
    https://api.slack.com/messaging/webhooks"""

    name = "slack"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self._client = WebhookClient(url, timeout=int(timeout) or 1)

    def send(self, notice: Notice) -> None:
        try:
            # https://api.slack.com/messaging/webhooks#handling_errors: 200 "ok", else a status and a reason
            response = self._client.send(text=notice.summary, blocks=blocks(notice))
        except (SlackClientError, OSError) as exc:
            raise AlertDeliveryError(f"Slack incoming webhook unreachable: {exc}") from exc
        if response.status_code != 200:
            raise AlertDeliveryError(f"Slack incoming webhook answered {response.status_code}: {response.body}")


class SlackBotChannel:
    """A bot token posting with chat.postMessage to one channel. https://api.slack.com/methods/chat.postMessage"""

    name = "slack"

    def __init__(self, token: str, channel: str, api_url: str, timeout: float = 10.0) -> None:
        self.channel = channel
        self._client = WebClient(token=token, base_url=api_url.rstrip("/") + "/", timeout=int(timeout) or 1)

    def send(self, notice: Notice) -> None:
        try:
            self._client.chat_postMessage(channel=self.channel, text=notice.summary, blocks=blocks(notice))
        except SlackApiError as exc:  # an answer with "ok": false, e.g. channel_not_found or invalid_auth
            raise AlertDeliveryError(f"Slack chat.postMessage failed: {exc.response.get('error')}") from exc
        except (SlackClientError, OSError) as exc:
            raise AlertDeliveryError(f"Slack API unreachable: {exc}") from exc
