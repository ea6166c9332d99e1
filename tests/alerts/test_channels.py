"""Each channel end to end: slack-sdk against the local Slack, the signed webhook against a
receiver that checks the signature."""

from __future__ import annotations

import json

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from revhub.alerts import Alert, AlertSettings, raise_alert
from revhub.alerts.channels import AlertDeliveryError, build_channels
from revhub.alerts.events import Notice
from revhub.alerts.signing import HEADER, SignatureError, sign, verify
from revhub.alerts.slack_channel import SlackBotChannel, SlackWebhookChannel
from revhub.alerts.webhook_channel import SignedWebhookChannel

ALERT = Alert("failed_runs", "failed_runs:xero:invoice", "Sync of invoice from xero failed",
              "Last failure: xero answered 500", "critical")
NOTICE = Notice(ALERT, "https://hub.example.com/runs?status=failed", suppressed=2)


def test_slack_incoming_webhook(slack):
    SlackWebhookChannel(slack.webhook_url).send(NOTICE)
    [message] = slack.workspace.messages
    assert message["via"] == "webhook" and message["channel"] == "C0ALERTS01"
    assert "Sync of invoice from xero failed" in message["text"]
    assert "2 more like this held back" in message["text"]
    button = message["blocks"][-1]["elements"][0]
    assert button["url"] == "https://hub.example.com/runs?status=failed"


def test_slack_bot_token_chat_post_message(slack):
    SlackBotChannel(slack.workspace.bot_token, "#alerts", slack.api_url).send(NOTICE)
    [message] = slack.workspace.messages
    assert (message["via"], message["channel"]) == ("chat.postMessage", "C0ALERTS01")
    assert message["blocks"][0]["text"]["text"] == "Sync of invoice from xero failed"


@pytest.mark.parametrize("token, channel, error", [
    ("xoxb-wrong", "#alerts", "invalid_auth"),
    ("xoxb-revhub-sandbox-token", "#nowhere", "channel_not_found"),
])
def test_slack_bot_errors_name_what_slack_said(slack, token, channel, error):
    with pytest.raises(AlertDeliveryError, match=error):
        SlackBotChannel(token, channel, slack.api_url).send(NOTICE)
    assert slack.workspace.messages == []


def test_slack_webhook_with_a_wrong_secret_is_refused(slack):
    url = slack.webhook_url.rsplit("/", 1)[0] + "/not-the-secret"
    with pytest.raises(AlertDeliveryError, match="403.*invalid_token"):
        SlackWebhookChannel(url).send(NOTICE)


def test_the_emulation_answers_as_slack_does_to_the_sdk(slack):
    """What the SDK itself sees: webhook 200 "ok" / 400 "no_text"; Web API ok, channel id, ts."""
    hook = WebhookClient(slack.webhook_url)
    ok = hook.send(text="hello")
    assert (ok.status_code, ok.body) == (200, "ok")
    empty = hook.send(text="")
    assert (empty.status_code, empty.body) == (400, "no_text")
    client = WebClient(token=slack.workspace.bot_token, base_url=slack.api_url)
    answer = client.chat_postMessage(channel="C0ALERTS01", text="hi")
    assert answer["ok"] is True and answer["channel"] == "C0ALERTS01" and answer["ts"]
    assert answer["message"]["text"] == "hi"
    no_token = requests.post(f"{slack.api_url}chat.postMessage", json={"channel": "C0ALERTS01", "text": "x"})
    assert no_token.status_code == 200 and no_token.json() == {"ok": False, "error": "not_authed"}
    listed = requests.get(f"{slack.url}/__sandbox/messages").json()["messages"]
    assert [m["text"] for m in listed] == ["hello", "hi"]


def test_slack_rate_limited_is_a_failed_delivery(slack):
    slack.workspace.rate_limited = 1
    with pytest.raises(AlertDeliveryError, match="429"):
        SlackWebhookChannel(slack.webhook_url).send(NOTICE)


def test_signed_webhook_is_verified_by_the_receiver(receiver):
    from tests.alerts.conftest import WEBHOOK_SECRET

    SignedWebhookChannel(receiver.url, WEBHOOK_SECRET).send(NOTICE)
    [got] = receiver.received
    assert got["body"]["type"] == "revhub.alert"
    assert got["body"]["alert"] == {"kind": "failed_runs", "key": "failed_runs:xero:invoice",
                                    "severity": "critical", "title": "Sync of invoice from xero failed",
                                    "text": "Last failure: xero answered 500",
                                    "link": "https://hub.example.com/runs?status=failed", "suppressed": 2}
    assert got["headers"]["Revhub-Delivery"] == got["body"]["id"]


def test_signed_webhook_with_another_secret_is_refused_by_the_receiver(receiver):
    with pytest.raises(AlertDeliveryError, match="401"):
        SignedWebhookChannel(receiver.url, "whsec_someone_else").send(NOTICE)
    assert receiver.received == [] and "does not match" in receiver.refused[0]


def test_signature_scheme():
    body = json.dumps({"a": 1}).encode()
    header = sign("s3cret", body, timestamp=1_700_000_000)
    assert verify("s3cret", header, body, now=1_700_000_100) == 1_700_000_000
    with pytest.raises(SignatureError, match="does not match"):
        verify("s3cret", header, body + b" ", now=1_700_000_100)
    with pytest.raises(SignatureError, match="tolerance"):
        verify("s3cret", header, body, now=1_700_000_000 + 301)
    with pytest.raises(SignatureError, match=f"no {HEADER}"):
        verify("s3cret", None, body)
    with pytest.raises(SignatureError, match="timestamp"):
        verify("s3cret", "v1=abc", body)
    # A second v1 (during a secret rotation) is accepted if either matches.
    assert verify("s3cret", header + ",v1=deadbeef", body, now=1_700_000_000)


def test_raise_alert_goes_to_every_configured_channel(db, slack, receiver):
    from tests.alerts.conftest import WEBHOOK_SECRET

    settings = AlertSettings(public_url="https://hub.example.com", slack_webhook_url=slack.webhook_url,
                             webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET)
    assert [c.name for c in build_channels(settings)] == ["slack", "webhook"]
    raised = raise_alert(db, ALERT, settings)
    assert raised.deliveries == {"slack": "sent", "webhook": "sent"}
    assert len(slack.workspace.messages) == 1 and len(receiver.received) == 1


def test_email_through_the_reminders_smtp_path(db, smtp_server, monkeypatch):
    settings = AlertSettings(public_url="https://hub.example.com", email_to=("ops@acme.example",
                                                                             "cfo@acme.example"))
    raised = raise_alert(db, ALERT, settings)
    assert raised.deliveries == {"email": "sent"}
    [mail] = smtp_server.received()
    assert mail.rcpt_tos == ("ops@acme.example", "cfo@acme.example")
    assert mail.subject == "[revhub critical] Sync of invoice from xero failed"
    assert mail.message["X-Revhub-Alert"] == "failed_runs:xero:invoice"
    assert "Resolve: https://hub.example.com/runs?status=failed" in mail.body_text()

    # Without REVHUB_SMTP_* the delivery fails, named, and raise_alert itself does not.
    for name in ("REVHUB_SMTP_HOST", "REVHUB_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    raised = raise_alert(db, Alert("books", "books:all", "t", "x"), settings)
    assert raised.deliveries == {"email": "failed"} and "REVHUB_SMTP" in raised.errors["email"]
