"""A named API token held by a user: what deciding on a PO through the API needs."""

from __future__ import annotations

from revhub.console import tokens, users
from revhub.store import Database


def bearer_of(db: Database, name: str, role: str = "approver", *, finance_lead: bool = False) -> dict[str, str]:
    """``Authorization`` headers for a fresh token of user ``name`` (created, or given ``role``)."""
    with db.session(write=True) as s:
        user = users.find(s, name) or users.add(s, name, role, actor="test", source="test")
        user.role, user.finance_lead = role, finance_lead
        count = len(tokens.list_tokens(s))
        _, secret = tokens.create(s, f"{name}-token-{count}", actor="test", source="test", user=name)
    return {"Authorization": f"Bearer {secret}"}
