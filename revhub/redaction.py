"""Secrets made fit to show: connection credentials and settings, at any depth.

A value is secret when its own key, or the key of any structure holding it, names a secret
(``webhook_secrets: ["whsec_…"]`` hides every element of the list), or when it looks like a
provider secret whatever its key (a Stripe ``sk_…`` key pasted into a setting).
"""

from __future__ import annotations

import re
from typing import Any

_SECRET_NAME = re.compile(r"secret|token|key|password|passwd|passphrase|signature|private|session|credential|"
                          r"cookie|auth", re.IGNORECASE)
# Names that match the pattern above but hold nothing secret.
_PUBLIC_NAMES = frozenset({"client_id", "token_url", "auth_url", "authorize_url", "api_key_id", "key_id",
                           "expires_at", "token_type", "revhub_tax_key"})
# Provider secrets recognisable by their shape: Stripe keys and webhook secrets, PEM keys.
_SECRET_SHAPE = re.compile(r"\b(sk|rk)_(test|live)_\w|\bwhsec_\w|-----BEGIN [A-Z ]*PRIVATE KEY-----")
HIDDEN = "…"


def is_secret_name(name: str) -> bool:
    """Whether a credential or setting called ``name`` holds a secret."""
    return name.lower() not in _PUBLIC_NAMES and bool(_SECRET_NAME.search(name))


def _mask(value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    # The last four characters tell two secrets apart; shorter secrets show nothing.
    return f"{HIDDEN}{text[-4:]}" if isinstance(value, str) and len(text) >= 16 else HIDDEN


def redact(value: Any, *, secret: bool = False) -> Any:
    """``value`` (a dict, list or scalar) with every secret in it masked, at any depth."""
    if isinstance(value, dict):
        return {k: redact(v, secret=secret or is_secret_name(str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secret=secret) for v in value]
    if secret or (isinstance(value, str) and _SECRET_SHAPE.search(value)):
        return _mask(value)
    return value
