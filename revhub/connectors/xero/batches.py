"""Helpers shared by the Xero pushers: batch idempotency keys and per-element errors."""

from __future__ import annotations

import hashlib
from typing import Any

from revhub.mappings.writes import WriteItem


def batch_key(items: list[WriteItem], step: str) -> str:
    """One Idempotency-Key per batch, derived from its messages' own keys."""
    digest = hashlib.sha256("|".join(i.idempotency_key for i in items).encode()).hexdigest()
    return f"revhub-{step}-{digest[:40]}"


def element_errors(element: dict[str, Any]) -> str:
    """Xero's validation messages for one element of a ``summarizeErrors=false`` answer."""
    return "; ".join(e.get("Message", "") for e in element.get("ValidationErrors") or ()) or "rejected"
