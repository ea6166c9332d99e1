"""HubSpot's error bodies and its rate-limit answer.

Errors are ``{"status": "error", "message", "correlationId", "category"}``; a 429 names the
policy that was hit and carries the ``X-HubSpot-RateLimit-*`` headers (search answers do not
carry them: HubSpot documents that the search endpoints do not return those headers).
https://developers.hubspot.com/docs/api/usage-details#rate-limits
"""

from __future__ import annotations

import json
import uuid

from flask import Response

BURST_MAX = 190           # requests per 10 s for a private app on a Professional portal
DAILY_MAX = 625_000


def error(status: int, category: str, message: str, **extra) -> Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category,
            **extra}
    return Response(json.dumps(body), status=status, mimetype="application/json")


def rate_limited(policy: str, *, headers: bool, limits: list[tuple[str, str]] | None = None,
                 ) -> tuple[int, list[tuple[str, str]], bytes]:
    """The 429 HubSpot gives when ``policy`` (SECONDLY, TEN_SECONDLY_ROLLING, DAILY) is spent;
    ``limits`` are the window's own rate-limit headers (else a spent Professional window's)."""
    body = {"status": "error", "message": f"You have reached your {policy.lower().replace('_', ' ')} limit.",
            "errorType": "RATE_LIMIT", "correlationId": str(uuid.uuid4()), "policyName": policy,
            "groupName": "publicapi:private-app"}
    extra = [("Content-Type", "application/json;charset=utf-8")]
    if limits is not None:
        extra += limits
    elif headers:
        extra += [("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
                  ("X-HubSpot-RateLimit-Max", str(BURST_MAX)), ("X-HubSpot-RateLimit-Remaining", "0"),
                  ("X-HubSpot-RateLimit-Daily", str(DAILY_MAX)),
                  ("X-HubSpot-RateLimit-Daily-Remaining", str(DAILY_MAX - 1))]
    return 429, extra, json.dumps(body).encode()
