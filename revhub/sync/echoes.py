"""Recognising the echo of revhub's own writes in a page of changes from one system.

A copy revhub wrote carries the canonical id revhub stamped on it (Stripe: metadata
``revhub_id``, read into :attr:`Change.origin`). Such a copy links to that record directly,
without natural-key matching; and while revhub's first write of it is unfinished, the copy
is revhub's work in progress, not the system's word, so ``sync.apply`` links it and applies
none of its state (DESIGN.md, "a write in flight owns its record").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from revhub.connectors.base import Change
from revhub.sync.lookups import first_writes_in_flight, origins

# The (field, value) of an entity's copy that revhub has created but not finished: revhub
# makes a Stripe invoice as an empty draft, then adds lines, finalizes and sends it.
UNFINISHED: dict[str, tuple[str, str]] = {"invoice": ("status", "draft")}
# Entities whose first write to a system takes more than one call: until it is done, the copy
# is revhub's work in progress (a Salesforce PO is written, then its lines).
FIRST_WRITE_OWNED = frozenset(UNFINISHED) | {"purchase_order"}


class Echoes:
    """The revhub-written copies among one page of one entity's changes from ``system``."""

    def __init__(self, session: Session, entity: str, system: str, changes: Iterable[Change]) -> None:
        self.session, self.entity, self.system = session, entity, system
        self.origins = origins(changes)
        self.in_flight: set[uuid.UUID] = set()

    @property
    def records(self) -> set[uuid.UUID]:
        """The canonical records the page's copies name (to be loaded with the page's rows)."""
        return set(self.origins.values())

    def load_in_flight(self) -> None:
        """Which named records revhub is still writing to the system for the first time."""
        if self.entity in FIRST_WRITE_OWNED and self.origins:
            self.in_flight = first_writes_in_flight(self.session, self.entity, self.system, self.records)

    def origin(self, change: Change, rows: dict[uuid.UUID, dict[str, Any]], taken: set[uuid.UUID]
               ) -> uuid.UUID | None:
        """The live record revhub wrote this unlinked copy from, unless it has another copy here."""
        record_id = self.origins.get(change.external_id)
        if record_id is None or record_id in taken or record_id not in rows:
            return None
        return record_id if rows[record_id].get("deleted_at") is None else None

    def unfinished(self, change: Change, row: dict[str, Any]) -> bool:
        """Whether ``change`` is revhub's unfinished copy of ``row``, whose state is not news.

        Until revhub's first write of the record to the system is done, every state of the
        copy is a step of that write. After it, a draft copy of a record that is past draft
        here is still an unfinished step (the write was given up). Anything else is the
        system's own word and is merged as usual.
        """
        if self.origins.get(change.external_id) != row["id"]:
            return False
        if row["id"] in self.in_flight:
            return True
        field, value = UNFINISHED.get(self.entity, (None, None))
        return field is not None and change.record.get(field) == value and row.get(field) != value
