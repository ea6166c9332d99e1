"""Which migration the store is at, and which this revhub needs, without starting Alembic.

Every command that touches the store checks these first (cli_support.check_store). Alembic
answers both by importing its runtime and every migration script, which costs more CPU than
a whole ``revhub sync`` that finds nothing to do; here the head is read from the scripts'
``revision`` / ``down_revision`` lines and the current revision from ``alembic_version``.
Whenever the scripts do not read as one plain chain, Alembic is asked after all.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import Engine, inspect, text

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def _script_revisions(path: Path) -> tuple[str, tuple[str, ...]] | None:
    """(revision, down revisions) of one script, or None if they are not plain literals."""
    found: dict[str, object] = {}
    for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
        if name in found:
            return None
        try:
            found[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None
    revision, down = found.get("revision"), found.get("down_revision", ...)
    if not isinstance(revision, str) or down is ...:
        return None
    downs = () if down is None else (down,) if isinstance(down, str) else down
    if not isinstance(downs, tuple | list) or not all(isinstance(d, str) for d in downs):
        return None
    return revision, tuple(downs)


def _parsed_head(folder: Path) -> str | None:
    """The one head of the scripts in ``folder``, or None when reading them is not certain."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.py")):
        parsed = _script_revisions(path)
        if parsed is None or parsed[0] in revisions:
            return None
        revisions[parsed[0]] = parsed[1]
    referenced = {down for downs in revisions.values() for down in downs}
    if not referenced <= revisions.keys():
        return None
    heads = [revision for revision in revisions if revision not in referenced]
    return heads[0] if len(heads) == 1 else None


def head_revision(folder: Path = VERSIONS) -> str | None:
    """The newest migration of this revhub (what ``revhub db upgrade`` brings a store to)."""
    head = _parsed_head(folder)
    if head is not None:
        return head
    from revhub.store.migrate import head_revision as alembic_head  # branches, merges, odd files

    return alembic_head()


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the store, or None for a store never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        versions = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    # Several rows are several heads, which this revhub (one chain) never writes: shown as found.
    return ", ".join(sorted(versions)) or None
