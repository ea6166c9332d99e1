"""Shared by the write-back tests: a PO submitted as the intake API would, and reads of
what the providers' sandboxes now hold."""

from __future__ import annotations

import uuid

import requests
from sqlalchemy import select

from revhub.orders import service
from revhub.orders.validation import validate
from revhub.store import Link


def submit_po(db, email: str, currency: str, quantity: int, unit: str, total: str, *, number: str,
              terms: str) -> uuid.UUID:
    """A one-line PO for ``email``'s company, approved at once (no approval threshold)."""
    draft = validate({"customer": {"email": email}, "po_number": number, "issue_date": "2026-11-20",
                      "currency": currency, "lines": [{"product": "RH-PLAT", "description": "Platform licence",
                                                       "quantity": quantity, "unit_price": unit}],
                      "total": total, "subscription_start": "2026-12-01", "subscription_end": "2027-11-30",
                      "payment_terms": terms})
    assert not isinstance(draft, list), draft
    with db.session(write=True) as s:
        return service.submit(s, draft, actor="test", threshold_minor=10**12).id


def linked(db, entity: str, record_id, system: str) -> str | None:
    """The id ``system`` knows the canonical record by."""
    with db.session() as s:
        return s.scalar(select(Link.external_id).where(Link.entity == entity, Link.canonical_id == record_id,
                                                       Link.system == system))


def xero_get(running, path: str) -> dict:
    """GET an Accounting API path from the Xero sandbox with a fresh token."""
    xero = running["xero"]
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    response = requests.get(f"{xero.url}/api.xro/2.0/{path}",
                            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"],
                                     "Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()


def xero_put(running, path: str, body: dict) -> dict:
    """PUT to the Xero sandbox's Accounting API with a fresh token (the organisation's own set-up)."""
    xero = running["xero"]
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    response = requests.put(f"{xero.url}/api.xro/2.0/{path}", json=body,
                            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"],
                                     "Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()
