"""Who is applying changes, and who must hear of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

# Which canonical entities each provider takes writes for (the write-back path).
WRITE_TARGETS: dict[str, frozenset[str]] = {
    "stripe": frozenset({"customer", "invoice"}),
    "xero": frozenset({"customer", "invoice", "payment", "refund", "fee", "payout", "dispute"}),
    "quickbooks": frozenset({"customer", "invoice", "payment", "refund", "fee", "payout", "dispute"}),
    # The CRM hears about POs and their invoicing and payment (on the PO record); it is not
    # sent customers made in billing systems.
    "salesforce": frozenset({"customer", "purchase_order", "invoice"}),
    # ...but it is sent changes to the customers it holds (a settled conflict, a billing
    # system's edit): its pusher updates linked Accounts and skips the others.
    # HubSpot, the other CRM, hears of POs and their invoicing and payment (on the deal), and,
    # as Salesforce, of changes to the customers it holds (linked companies; others skipped).
    "hubspot": frozenset({"customer", "purchase_order", "invoice"}),
}


@dataclass(frozen=True)
class Target:
    name: str
    provider: str
    connection_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SyncContext:
    """The source system of a batch of changes.

    ``system`` is the connection name (what links record); ``provider`` is what policies name.
    """

    system: str
    provider: str
    connection_id: uuid.UUID | None = None
    actor: str = "sync"
    policies: dict[str, str] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()

    def targets_for(self, entity: str) -> list[Target]:
        return [t for t in self.targets
                if t.name != self.system and entity in WRITE_TARGETS.get(t.provider, ())]


def context_for(session: Any, connection_name: str, actor: str = "sync") -> SyncContext:
    """The context of an existing connection, with every other enabled connection as a target."""
    from sqlalchemy import select

    from revhub.store import Connection

    rows = session.scalars(select(Connection).where(Connection.enabled.is_(True))).all()
    source = next((c for c in rows if c.name == connection_name), None)
    if source is None:
        raise LookupError(f"no enabled connection named {connection_name!r}")
    targets = tuple(Target(c.name, c.provider, c.id) for c in rows if c.name != connection_name)
    return SyncContext(system=source.name, provider=source.provider, connection_id=source.id,
                       actor=actor, policies=dict((source.settings or {}).get("policies", {})),
                       targets=targets)


# The system name of revhub's own changes (links, field sources and audit entries carry it).
REVHUB = "revhub"


def revhub_context(session: Any, actor: str) -> SyncContext:
    """revhub's own changes (PO intake, an admin's decision): every enabled connection hears of them."""
    from sqlalchemy import select

    from revhub.store import Connection

    rows = session.scalars(select(Connection).where(Connection.enabled.is_(True))).all()
    return SyncContext(system=REVHUB, provider=REVHUB, actor=actor,
                       targets=tuple(Target(c.name, c.provider, c.id) for c in rows))
