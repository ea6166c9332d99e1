"""Alerts to any HTTPS endpoint as signed JSON (see revhub.alerts.signing for the scheme)."""

from __future__ import annotations

import json
import uuid

import requests

from revhub.alerts.channels import AlertDeliveryError
from revhub.alerts.events import Notice
from revhub.alerts.signing import HEADER, sign


class SignedWebhookChannel:
    """POST one JSON object per alert, signed with the shared secret; any 2xx is delivered."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url, self._secret, self.timeout = url, secret, timeout

    def send(self, notice: Notice) -> None:
        delivery = str(uuid.uuid4())
        body = json.dumps({"id": delivery, "type": "revhub.alert", "alert": notice.as_json()},
                          separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", HEADER: sign(self._secret, body),
                   # A receiver that sees the same id twice (a retry) acts once.
                   "Revhub-Delivery": delivery}
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise AlertDeliveryError(f"alert webhook {self.url} unreachable: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise AlertDeliveryError(f"alert webhook {self.url} answered {response.status_code}: "
                                     f"{response.text[:200]}")
