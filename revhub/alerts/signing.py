"""The signature on outgoing alert webhooks, after Stripe's scheme.

Header ``Revhub-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256(secret, "<t>.<raw body>"). A receiver recomputes it over the raw bytes it got,
compares in constant time, and refuses timestamps further than the tolerance from its clock
(a replayed delivery is then useless after five minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Revhub-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, wrong, or too old."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body`` signed at ``timestamp`` (default now)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret: str, header: str | None, body: bytes, tolerance: int = TOLERANCE_SECONDS,
           now: float | None = None) -> int:
    """The signed timestamp when ``header`` is a valid signature of ``body``; else SignatureError."""
    if not header:
        raise SignatureError(f"no {HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError(f"{HEADER} has no timestamp t=") from None
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise SignatureError(f"{HEADER} timestamp is outside the {tolerance} s tolerance")
    expected = sign(secret, body, t).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureError(f"{HEADER} does not match the body")
    return t
