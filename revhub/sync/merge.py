"""Three-way field merge: pure, so every rule is tested without a database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from revhub.sync.context import SyncContext
from revhub.sync.policies import ASK, owner, owns

_MISSING = object()


@dataclass
class MergeOutcome:
    changed: dict[str, Any] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def merge_fields(entity: str, current: Mapping[str, Any], incoming: Mapping[str, Any],
                 base: Mapping[str, Any] | None, ctx: SyncContext,
                 field_sources: Mapping[str, Any], changed_at: str | None) -> MergeOutcome:
    """Decide, field by field, what an incoming record from ``ctx.system`` changes.

    ``base`` is what ``ctx.system`` had the last time it was synced (None on first contact).
    Only the source changed a field → it is applied. The canonical value moved away from the
    base too (another system changed it) → a conflict, settled by the owner policy or left
    open for an admin with the current value kept.
    """
    outcome = MergeOutcome()
    for name, value in incoming.items():
        now = current.get(name)
        if value == now:
            continue
        was = _MISSING if base is None else base.get(name, _MISSING)
        if was is not _MISSING and value == was:
            continue  # the source did not change it; the canonical value is newer
        if was is not _MISSING and now == was:
            outcome.changed[name] = value  # only the source changed it
            continue
        if was is _MISSING and now is None:
            outcome.changed[name] = value  # first word on an empty field
            continue
        policy = owner(entity, name, ctx.policies)
        other = field_sources.get(name) or {}
        if other.get("system") == ctx.system:
            # The canonical value came from this very system: it is just newer news.
            outcome.changed[name] = value
            continue
        conflict = dict(field=name, base_value=None if was is _MISSING else was,
                        current_system=other.get("system") or "unknown", current_value=now,
                        current_changed_at=_ts(other.get("at")), incoming_system=ctx.system,
                        incoming_value=value, incoming_changed_at=_ts(changed_at), resolution=None)
        if policy == ASK:
            conflict.update(status="open")
        elif owns(policy, ctx.provider):
            outcome.changed[name] = value
            conflict.update(status="auto", resolution=f"{ctx.provider} owns {entity}.{name}: incoming value applied")
        else:
            conflict.update(status="auto", resolution=f"{policy} owns {entity}.{name}: current value kept")
        outcome.conflicts.append(conflict)
    return outcome


def _ts(value: str | None):
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None
