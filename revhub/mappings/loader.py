"""Per-connection mapping overrides, validated when loaded.

One mapping per line: ``<entity>.<canonical field>  <provider path>  <transform>``; ``#``
starts a comment. An unknown entity, field or transform is an error naming file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from revhub.mappings.tables import DEFAULTS, FieldMapping
from revhub.mappings.transforms import TRANSFORMS
from revhub.sync.entities import ENTITIES

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class MappingError(ValueError):
    """A mapping file line that cannot be used; the message names the file and line."""


def parse(text: str, source: str = "<mapping>") -> dict[str, list[FieldMapping]]:
    """Override rows by canonical entity."""
    rows: dict[str, list[FieldMapping]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}:{number}"
        parts = line.split()
        if len(parts) != 3:
            raise MappingError(f"{where}: expected '<entity>.<field> <provider path> <transform>', got {line!r}")
        target, path, transform = parts
        entity, dot, field = target.partition(".")
        if not dot or entity not in ENTITIES:
            raise MappingError(f"{where}: unknown entity {entity!r} (known: {', '.join(sorted(ENTITIES))})")
        if field not in ENTITIES[entity].fields:
            raise MappingError(f"{where}: {entity} has no field {field!r} "
                               f"(fields: {', '.join(ENTITIES[entity].fields)})")
        if not _PATH.match(path):
            raise MappingError(f"{where}: provider path {path!r} must be dotted field names")
        if transform not in TRANSFORMS:
            raise MappingError(f"{where}: unknown transform {transform!r} (known: {', '.join(sorted(TRANSFORMS))})")
        rows.setdefault(entity, []).append(FieldMapping(field, path, transform, number))
    return rows


def mapping_for(provider: str, entity: str, overrides: dict[str, list[FieldMapping]] | None = None
                ) -> tuple[FieldMapping, ...]:
    """The default table for (provider, entity) with a connection's overrides laid over it."""
    rows = {m.field: m for m in DEFAULTS.get((provider, entity), ())}
    for m in (overrides or {}).get(entity, ()):
        rows[m.field] = m
    return tuple(rows.values())


def load(path: str | Path) -> dict[str, list[FieldMapping]]:
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise MappingError(f"{file}: cannot read mapping file ({exc.strerror})") from None
    return parse(text, str(file))
