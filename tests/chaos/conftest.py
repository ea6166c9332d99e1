"""Chaos fixtures: `revhub` run as real subprocesses against the project's sandboxes, killed
with SIGKILL or cut off from PostgreSQL, then every system read back.

A test's verdict is always the same pair of numbers: records lost and records doubled,
against a reference store filled by a fault-free sync of the same seeded sandboxes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, text

from revhub.connections import Vault
from revhub.connectors.registry import build_connector
from revhub.sandbox.faults import FaultRule
from revhub.store import Connection, Database, Link, SyncRun
from revhub.store.migrate import upgrade
from revhub.sync.entities import ENTITIES
from revhub.sync.jobs import plan, sync_all
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)

POLL = 0.01


@dataclass
class Revhub:
    """Spawns `revhub` against the test's store; on PostgreSQL each process is named so that
    its connections can be found in pg_stat_activity."""

    config: object
    db: Database
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self, name: str) -> dict[str, str]:
        url = self.config.database_url
        if url.startswith("postgresql"):
            url += ("&" if "?" in url else "?") + f"application_name={name}"
        return {**os.environ, "REVHUB_DATABASE_URL": url, "REVHUB_HOME": str(self.config.home),
                "REVHUB_ENCRYPTION_KEY": self.config.encryption_key, "REVHUB_SECRET_KEY": self.config.secret_key}

    def spawn(self, *args: str, name: str | None = None) -> subprocess.Popen:
        name = name or f"chaos-{uuid.uuid4().hex[:8]}"
        proc = subprocess.Popen([sys.executable, "-c", "from revhub.cli import main; main()", *args],
                                env=self.env(name), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.app_name = name
        self.processes.append(proc)
        return proc

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = self.spawn(*args)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def stop_all(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


@pytest.fixture
def revhub(config, db):
    spawned = Revhub(config, db)
    yield spawned
    spawned.stop_all()


def kill_when(proc: subprocess.Popen, condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    """SIGKILL ``proc`` the moment ``condition`` holds (it must still be running then)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"revhub exited ({proc.returncode}) before {what}: {out[-2000:]} {err[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(POLL)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def fault(running, provider: str, **rule) -> FaultRule:
    """Arm a fault on a sandbox (they run in this process)."""
    return running[provider].sandbox.faults.add(FaultRule.from_dict(rule))


def fired(rule: FaultRule) -> bool:
    """The count-limited ``rule`` has met its requests: the last of them is in flight or done."""
    return rule.fired >= (rule.count or 0)


def calm(running) -> None:
    """No more faults: the read-back sees each provider as it is."""
    for item in running.running.values():
        item.sandbox.faults.clear()


def terminate_backends(db: Database, app_name: str) -> int:
    """pg_terminate_backend on every connection of the process named ``app_name``."""
    with db.engine.begin() as conn:
        return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                                {"name": app_name}).all())


# -- reading every system back ------------------------------------------------------------

def store_state(db: Database) -> Counter:
    """Canonical records per entity and links per (system, entity): what a sync leaves."""
    state: Counter = Counter()
    with db.session() as s:
        for entity, spec in ENTITIES.items():
            state[("records", entity)] = s.scalar(select(func.count()).select_from(spec.model))
        for system, entity, count in s.execute(select(Link.system, Link.entity, func.count())
                                               .group_by(Link.system, Link.entity)):
            state[(system, entity)] = count
    return state


def provider_ids(db: Database, credentials: Vault) -> dict[tuple[str, str], set[str]]:
    """Every record each provider holds, read through its SDK as the hub's connectors call it."""
    with db.session() as s:
        connections = {c.name: c for c in s.scalars(select(Connection))}
    found = {}
    for connection, entity in plan(db):
        connector = build_connector(connections[connection], credentials)
        found[(connection, entity)] = {c.external_id for page in connector.pull(entity, None, full=True)
                                       for c in page.changes}
    return found


def linked_ids(db: Database) -> dict[tuple[str, str], list[str]]:
    with db.session() as s:
        rows = s.execute(select(Link.system, Link.entity, Link.external_id)).all()
    out: dict[tuple[str, str], list[str]] = {}
    for system, entity, external_id in rows:
        out.setdefault((system, entity), []).append(external_id)
    return out


@dataclass
class Verdict:
    lost: int
    doubled: int
    detail: list[str]


def compare(db: Database, credentials: Vault, reference: Counter) -> Verdict:
    """Lost: a provider record the store does not link, or fewer records than the reference.
    Doubled: an id linked twice, or more records than the reference."""
    detail: list[str] = []
    lost = doubled = 0
    links = linked_ids(db)
    for key, ids in provider_ids(db, credentials).items():
        have = Counter(links.get(key, []))
        missing = ids - set(have)
        twice = [i for i, n in have.items() if n > 1]
        lost, doubled = lost + len(missing), doubled + len(twice)
        if missing or twice:
            detail.append(f"{key}: missing {sorted(missing)[:5]}, twice {twice[:5]}")
    state = store_state(db)
    for key in set(state) | set(reference):
        diff = state[key] - reference[key]
        if diff:
            detail.append(f"{key}: {state[key]} in the store, {reference[key]} after a fault-free sync")
            lost, doubled = lost + max(-diff, 0), doubled + max(diff, 0)
    return Verdict(lost, doubled, detail)


_REFERENCES: dict[tuple, Counter] = {}


@pytest.fixture
def reference(tmp_path, vault):  # noqa: F811
    """``reference(running)``: the store state a fault-free sync of ``running`` leaves (the
    sandboxes are seeded alike in every test, so it is computed once per provider set)."""

    def build(running, companies: int) -> Counter:
        key = (tuple(sorted(running.running)), running.seed, companies)
        if key in _REFERENCES:
            return _REFERENCES[key]
        clean = Database(f"sqlite:///{tmp_path / 'reference.db'}")
        upgrade(clean.engine)
        running.connect(clean, vault)
        results = sync_all(clean, vault, plan(clean))
        assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
        _REFERENCES[key] = state = store_state(clean)
        clean.dispose()
        return state

    return build


def overlapping_runs(db: Database) -> list[tuple]:
    """Pairs of runs of one job whose spans overlap (a run still going counts as open-ended)."""
    with db.session() as s:
        runs = s.execute(select(SyncRun.connection_id, SyncRun.entity, SyncRun.id, SyncRun.started_at,
                                SyncRun.finished_at).order_by(SyncRun.started_at)).all()
    by_job: dict[tuple, list] = {}
    for connection_id, entity, run_id, started, finished in runs:
        by_job.setdefault((connection_id, entity), []).append((run_id, started, finished))
    overlaps = []
    for job, spans in by_job.items():
        for (a, _, a_end), (b, b_start, _) in zip(spans, spans[1:], strict=False):
            if a_end is None or a_end > b_start:
                overlaps.append((job, a, b))
    return overlaps


def runs_by_status(db: Database) -> Counter:
    with db.session() as s:
        return Counter(s.scalars(select(SyncRun.status)).all())
