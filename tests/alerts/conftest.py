"""Local far ends for the alert channels: the Slack emulation and a signed-webhook receiver."""

from __future__ import annotations

import json

import pytest
from flask import Flask, request

from revhub.alerts.settings import AlertSettings
from revhub.alerts.signing import HEADER, SignatureError, verify
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.slack import SlackSandbox

WEBHOOK_SECRET = "whsec_test_alerts"


class Receiver:
    """An HTTP endpoint that accepts only correctly signed alerts, as a customer's would."""

    def __init__(self, secret: str) -> None:
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.status = 200
        app = Flask("alert-receiver")

        @app.post("/hooks/revhub")
        def hook():
            body = request.get_data()
            try:
                verify(secret, request.headers.get(HEADER), body)
            except SignatureError as exc:
                self.refused.append(str(exc))
                return {"error": str(exc)}, 401
            self.received.append({"body": json.loads(body), "headers": dict(request.headers)})
            return {"ok": True}, self.status

        self.server = SandboxServer(app).start()
        self.url = f"{self.server.url}/hooks/revhub"


@pytest.fixture
def slack():
    with SlackSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def receiver():
    r = Receiver(WEBHOOK_SECRET)
    yield r
    r.server.stop()


@pytest.fixture
def webhook_settings(receiver) -> AlertSettings:
    return AlertSettings(public_url="https://hub.example.com", webhook_url=receiver.url,
                         webhook_secret=WEBHOOK_SECRET, timeout_seconds=5)


@pytest.fixture
def smtp_server(tmp_path, monkeypatch):
    """A real SMTP server (aiosmtpd via revhub.mail); ``REVHUB_SMTP_*`` point at it."""
    from revhub.mail.local_server import LocalSmtpServer

    with LocalSmtpServer(tmp_path / "mailbox") as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        yield server
