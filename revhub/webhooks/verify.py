"""Signature checks on the raw request bytes, constant-time. Pure functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable

STRIPE_TOLERANCE_SECONDS = 300


def stripe_signature_valid(raw: bytes, header: str | None, secrets: Iterable[str], *,
                           tolerance: int = STRIPE_TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """``Stripe-Signature: t=…,v1=…[,v1=…]`` against every active endpoint secret.

    Any ``v1`` matching any secret passes (secrets overlap during a rotation); the
    timestamp must be within ``tolerance`` seconds. https://docs.stripe.com/webhooks#verify-manually
    """
    if not header:
        return False
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and timestamp is None:
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not timestamp or not timestamp.isdigit() or not signatures:
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        return False
    message = timestamp.encode() + b"." + raw
    candidates = [_bytes(candidate) for candidate in signatures]
    for secret in secrets:
        # One-shot HMAC (OpenSSL in one call, no HMAC object): this runs on every delivery.
        expected = hmac.digest(secret.encode(), message, "sha256").hex().encode()
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return True
    return False


def xero_signature_valid(raw: bytes, header: str | None, key: str) -> bool:
    """``x-xero-signature``: base64 HMAC-SHA256 of the raw body with the webhook key.
    https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/"""
    if not header or not key:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest())
    return hmac.compare_digest(expected, _bytes(header.strip()))


HUBSPOT_TOLERANCE_SECONDS = 300


def hubspot_signature_valid(method: str, uri: str, raw: bytes, signature: str | None, timestamp: str | None,
                            secret: str, *, tolerance: int = HUBSPOT_TOLERANCE_SECONDS,
                            now: float | None = None) -> bool:
    """``X-HubSpot-Signature-v3``: base64 HMAC-SHA256, keyed by the app's client secret, of
    method + URI + raw body + ``X-HubSpot-Request-Timestamp`` (epoch ms), which must be within
    ``tolerance`` seconds of now (HubSpot: reject anything older than 5 minutes).
    https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests"""
    if not signature or not timestamp or not timestamp.isdigit() or not secret:
        return False
    if abs((now if now is not None else time.time()) - int(timestamp) / 1000) > tolerance:
        return False
    message = method.encode() + uri.encode() + raw + timestamp.encode()
    expected = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())
    return hmac.compare_digest(expected, _bytes(signature.strip()))


def intuit_signature_valid(raw: bytes, header: str | None, verifier_token: str) -> bool:
    """``intuit-signature``: base64 HMAC-SHA256 of the raw body with the app's verifier token.
    https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications"""
    if not header or not verifier_token:
        return False
    expected = base64.b64encode(hmac.new(verifier_token.encode(), raw, hashlib.sha256).digest())
    return hmac.compare_digest(expected, _bytes(header.strip()))


def _bytes(text: str) -> bytes:
    # compare_digest refuses non-ASCII str; a header is attacker-controlled text.
    return text.encode("utf-8", "replace")
