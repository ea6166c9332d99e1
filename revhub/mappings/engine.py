"""Applying a mapping table in either direction. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from revhub.mappings.tables import FieldMapping
from revhub.mappings.transforms import TRANSFORMS

_ABSENT = object()


def _get(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def _set(obj: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        obj = obj.setdefault(part, {})
    obj[leaf] = value


def read(mapping: Iterable[FieldMapping], obj: dict[str, Any], currency: str | None) -> dict[str, Any]:
    """Provider object → canonical fields. Fields the object does not carry are left out."""
    record: dict[str, Any] = {}
    for m in mapping:
        value = _get(obj, m.path)
        if value is not _ABSENT:
            record[m.field] = TRANSFORMS[m.transform].read(value, currency)
    return record


def write(mapping: Iterable[FieldMapping], record: dict[str, Any], currency: str | None,
          only: set[str] | None = None) -> dict[str, Any]:
    """Canonical fields → provider object (nested by path). ``only`` limits the fields written."""
    out: dict[str, Any] = {}
    for m in mapping:
        if m.field in record and (only is None or m.field in only):
            value = TRANSFORMS[m.transform].write(record[m.field], currency)
            if value is not None:
                _set(out, m.path, value)
    return out
