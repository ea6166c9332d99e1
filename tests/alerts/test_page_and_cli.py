"""The admin's /alerts page and ``revhub alerts test|list``, against the local Slack and receiver."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from revhub.alerts import Alert, AlertSettings, raise_alert
from revhub.cli import main
from tests.alerts.conftest import WEBHOOK_SECRET
from tests.signin import csrf, sign_in

pytestmark = pytest.mark.store


@pytest.fixture
def alert_env(slack, receiver, monkeypatch) -> dict[str, str]:
    env = {"REVHUB_PUBLIC_URL": "https://hub.example.com",
           "REVHUB_ALERT_SLACK_TOKEN": slack.workspace.bot_token, "REVHUB_ALERT_SLACK_CHANNEL": "#alerts",
           "REVHUB_ALERT_SLACK_API_URL": slack.api_url,
           "REVHUB_ALERT_WEBHOOK_URL": receiver.url, "REVHUB_ALERT_WEBHOOK_SECRET": WEBHOOK_SECRET}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_admin_page_shows_channels_redacted_and_sends_a_test_alert(app, client, db, slack, receiver, alert_env,
                                                                   monkeypatch):
    sign_in(client, db, role="admin")
    page = client.get("/alerts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "xoxb…(redacted)" in html and WEBHOOK_SECRET not in html and slack.workspace.bot_token not in html
    assert "No alerts yet." in html

    sent = client.post("/alerts/test", data={"csrf_token": csrf(page.data), "channel": "slack"})
    assert sent.status_code == 200
    assert len(slack.workspace.messages) == 1 and receiver.received == []
    assert "Test alert from revhub" in slack.workspace.messages[0]["text"]
    listed = client.get("/alerts").get_data(as_text=True)
    assert "Test alert from revhub" in listed and "test:slack" in listed

    # Alert text can carry a provider's words (a failed run's note): shown as text, never markup.
    hostile = Alert("failed_runs", "failed_runs:xero:invoice", "Sync failed", '<script>window.x=1</script>')
    raise_alert(db, hostile, AlertSettings(public_url="https://hub.example.com"), channels=[])
    html = client.get("/alerts").get_data(as_text=True)
    assert "&lt;script&gt;window.x=1&lt;/script&gt;" in html and "<script>window.x" not in html
    assert 'href="https://hub.example.com/runs?status=failed"' in html

    # Admins only.
    viewer = app.test_client()
    sign_in(viewer, db, name="vic", role="viewer")
    assert viewer.get("/alerts").status_code == 403

    refused = client.post("/alerts/test", data={"csrf_token": csrf(page.data), "channel": "email"})
    assert refused.status_code == 400
    assert "email is not configured; set REVHUB_ALERT_EMAIL_TO" in refused.get_data(as_text=True)

    # A bad alert setting is named on the page, never a 500.
    monkeypatch.setenv("REVHUB_ALERT_RATE_PER_HOUR", "lots")
    bad = client.get("/alerts")
    assert bad.status_code == 200
    assert "REVHUB_ALERT_RATE_PER_HOUR must be a positive whole number" in bad.get_data(as_text=True)
    bad_send = client.post("/alerts/test", data={"csrf_token": csrf(page.data), "channel": ""})
    assert bad_send.status_code == 400 and "REVHUB_ALERT_RATE_PER_HOUR" in bad_send.get_data(as_text=True)


def test_cli_alerts_test_and_list(db, database_url, tmp_path, slack, receiver, alert_env):
    env = {**alert_env, "REVHUB_HOME": str(tmp_path), "REVHUB_DATABASE_URL": database_url}
    runner = CliRunner()
    result = runner.invoke(main, ["alerts", "test", "--channel", "webhook"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "webhook  sent"
    assert receiver.received[0]["body"]["alert"]["kind"] == "test"

    every = runner.invoke(main, ["alerts", "test"], env=env)
    assert every.exit_code == 0 and every.output.split() == ["slack", "sent", "webhook", "sent"]

    missing = runner.invoke(main, ["alerts", "test", "--channel", "email"], env=env)
    assert missing.exit_code == 2 and "--channel" in missing.output and "REVHUB_ALERT_EMAIL_TO" in missing.output

    receiver.status = 503
    failing = runner.invoke(main, ["alerts", "test", "--channel", "webhook"], env=env)
    assert failing.exit_code == 1 and "webhook  failed: alert webhook" in failing.output and "503" in failing.output

    listed = runner.invoke(main, ["alerts", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Test alert from revhub [test:all] (slack sent, webhook sent)" in listed.output
    assert "resolve: https://hub.example.com/alerts" in listed.output


def test_cli_runs_the_local_slack_and_says_how_to_point_alerts_at_it():
    result = CliRunner().invoke(main, ["alerts", "slack-sandbox", "--seconds", "0.2"])
    assert result.exit_code == 0, result.output
    assert "REVHUB_ALERT_SLACK_WEBHOOK_URL=http://127.0.0.1:" in result.output
    assert "/services/T0REVHUB/B0ALERTS/" in result.output and "REVHUB_ALERT_SLACK_TOKEN=xoxb-" in result.output
