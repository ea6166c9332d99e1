"""A local Slack: the incoming-webhook endpoint and chat.postMessage, answering as Slack does.

For the alert tests and the demo, driven by the real slack-sdk. What it follows:

- Incoming webhooks (https://api.slack.com/messaging/webhooks): POST JSON to
  ``/services/T…/B…/<secret>``; success is HTTP 200 with the plain-text body ``ok``; a
  failure is an HTTP status with a plain-text reason: 400 ``invalid_payload`` (not JSON),
  400 ``no_text`` (neither text nor blocks), 403 ``invalid_token`` (unknown secret),
  404 ``no_service`` (no such hook).
- Web API (https://api.slack.com/methods/chat.postMessage): ``POST /api/chat.postMessage``
  with ``Authorization: Bearer xoxb-…`` and a JSON or form body. Errors come back as HTTP 200
  with ``{"ok": false, "error": …}``: ``not_authed``, ``invalid_auth``, ``channel_not_found``,
  ``no_text``. Success returns ``ok``, ``channel`` (the channel id), ``ts`` and ``message``.
- ``ratelimited`` (an armed fault): HTTP 429 with ``Retry-After`` on both endpoints.

Everything received is kept and listed at ``GET /__sandbox/messages``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, Response, jsonify, request

from revhub.sandbox.server import SandboxServer

WEBHOOK_PATH = "/services/T0REVHUB/B0ALERTS/"


@dataclass
class SlackWorkspace:
    """The state of the local Slack: its channels, its bot token, its webhooks and what arrived."""

    bot_token: str = "xoxb-revhub-sandbox-token"
    webhook_secret: str = "sandboxsecret0000000000000"
    channels: dict[str, str] = field(default_factory=lambda: {"alerts": "C0ALERTS01", "general": "C0GENERAL1"})
    messages: list[dict] = field(default_factory=list)
    rate_limited: int = 0  # the next N calls answer 429
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def channel_id(self, given: str) -> str | None:
        name = given.lstrip("#")
        if name in self.channels:
            return self.channels[name]
        return given if given in self.channels.values() else None

    def record(self, via: str, channel: str, payload: dict) -> dict:
        with self._lock:
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {"via": via, "channel": channel, "ts": ts, "text": payload.get("text", ""),
                       "blocks": payload.get("blocks")}
            self.messages.append(message)
            return message

    def take_rate_limit(self) -> bool:
        with self._lock:
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return True
            return False


def _plain(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/html")


def create_slack_app(workspace: SlackWorkspace | None = None) -> Flask:
    """The WSGI app of the local Slack; ``app.workspace`` holds its state."""
    app = Flask("revhub-slack-sandbox")
    app.workspace = workspace = workspace or SlackWorkspace()

    @app.post("/services/<team>/<bot>/<secret>")
    def incoming_webhook(team: str, bot: str, secret: str):
        if f"/services/{team}/{bot}/" != WEBHOOK_PATH:
            return _plain("no_service", 404)
        if secret != workspace.webhook_secret:
            return _plain("invalid_token", 403)
        if workspace.take_rate_limit():
            return Response("rate_limited", status=429, headers={"Retry-After": "1"}, mimetype="text/html")
        try:
            payload = json.loads(request.get_data() or b"")
        except ValueError:
            return _plain("invalid_payload", 400)
        if not isinstance(payload, dict):
            return _plain("invalid_payload", 400)
        if not payload.get("text") and not payload.get("blocks"):
            return _plain("no_text", 400)
        workspace.record("webhook", workspace.channels["alerts"], payload)
        return _plain("ok", 200)

    @app.post("/api/chat.postMessage")
    def chat_post_message():
        if workspace.take_rate_limit():
            return Response(json.dumps({"ok": False, "error": "ratelimited"}), status=429,
                            headers={"Retry-After": "1"}, mimetype="application/json")
        auth = request.headers.get("Authorization", "")
        payload = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        payload = payload if isinstance(payload, dict) else {}
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else payload.get("token", "")
        if not token:
            return jsonify(ok=False, error="not_authed")
        if token != workspace.bot_token:
            return jsonify(ok=False, error="invalid_auth")
        channel = workspace.channel_id(str(payload.get("channel", "")))
        if channel is None:
            return jsonify(ok=False, error="channel_not_found")
        if not payload.get("text") and not payload.get("blocks"):
            return jsonify(ok=False, error="no_text")
        message = workspace.record("chat.postMessage", channel, payload)
        return jsonify(ok=True, channel=channel, ts=message["ts"],
                       message={"type": "message", "subtype": "bot_message", "text": message["text"],
                                "ts": message["ts"], "bot_id": "B0ALERTS", "blocks": message["blocks"] or []})

    @app.get("/__sandbox/messages")
    def messages():
        return jsonify(messages=workspace.messages)

    return app


class SlackSandbox:
    """The local Slack on a loopback port (``port=0`` picks a free one)."""

    def __init__(self, port: int = 0) -> None:
        self.app = create_slack_app()
        self.workspace: SlackWorkspace = self.app.workspace
        self._server = SandboxServer(self.app, port=port)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{WEBHOOK_PATH}{self.workspace.webhook_secret}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def start(self) -> SlackSandbox:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> SlackSandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
