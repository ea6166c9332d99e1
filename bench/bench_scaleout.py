"""Scale-out: inbox throughput with one and with two `revhub worker` processes on one PostgreSQL.

    .venv/bin/python -m bench.bench_scaleout [--postgres-url URL] [--events 300]

Each round starts the worker processes on an empty inbox (start-up is not timed), stores
``--events`` Stripe customer.created events in one go, as the webhook endpoints would, and
times until every one is processed. Prints events/s per worker count and the ratio. The
processes claim with SKIP LOCKED, so two workers share the queue without waiting on each other;
the ratio says how much of the work is the database's (shared) rather than the workers' own.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from revhub.connections import Vault, save_connection
from revhub.store import Base, Database, InboxEvent
from revhub.store.migrate import upgrade
from revhub.webhooks.inbox import IncomingEvent, store

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from revhub.cli import main; main()"]


def _event(i: int) -> IncomingEvent:
    body = json.dumps({"id": f"evt_scale_{i:06d}", "object": "event", "type": "customer.created",
                       "api_version": "2026-10-28.endive", "created": 1764000000 + i, "livemode": False,
                       "data": {"object": {"id": f"cus_scale{i:06d}", "object": "customer",
                                           "name": f"Scale {i:06d} GmbH", "email": f"ap@scale{i:06d}.example",
                                           "address": {"country": "DE"}, "metadata": {}}}}).encode()
    return IncomingEvent(f"evt_scale_{i:06d}", "customer.created", body)


def _round(db: Database, env: dict[str, str], connection_id: uuid.UUID, workers: int, events: int) -> float:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name not in ("connections",
                                                                                           "alembic_version"))
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    logs = [tempfile.TemporaryFile() for _ in range(workers)]
    procs = [subprocess.Popen([*CLI, "worker", "--no-schedule", "--batch", "100"], env=env, cwd=ROOT,
                              stdout=log, stderr=log) for log in logs]
    try:
        time.sleep(4.0)  # the workers import and start polling
        assert all(p.poll() is None for p in procs), "a worker exited at start"
        store(db.engine, "stripe", connection_id, [_event(i) for i in range(events)])
        started = time.perf_counter()
        while True:
            with db.session() as s:
                done = s.scalar(select(func.count()).select_from(InboxEvent).where(
                    InboxEvent.status.in_(("processed", "ignored"))))
            if done >= events:
                return events / (time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default=os.environ.get(
        "REVHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    schema = f"bench_scaleout_{uuid.uuid4().hex[:8]}"
    admin = Database(args.postgres_url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.postgres_url else "?"
    url = f"{args.postgres_url}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        db = Database(url)
        upgrade(db.engine)
        key = Fernet.generate_key().decode()
        with db.session(write=True) as s:
            connection_id = save_connection(s, Vault(key), name="stripe", provider="stripe",
                                            credentials={"api_key": "sk_test_bench", "webhook_secrets": ["whsec_b"]},
                                            settings={"base_url": "http://127.0.0.1:9"}).id
        home = tempfile.mkdtemp(prefix="revhub-bench-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("REVHUB_")}
        env.update(REVHUB_DATABASE_URL=url, REVHUB_ENCRYPTION_KEY=key, REVHUB_HOME=home,
                   REVHUB_SECRET_KEY="bench", REVHUB_API_TOKEN="bench", REVHUB_LOG_LEVEL="WARNING")
        rates = {n: _round(db, env, connection_id, n, args.events) for n in (1, 2)}
        db.dispose()
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    for n, rate in rates.items():
        print(f"{n} worker process(es): {rate:7.1f} events/s ({args.events} customer.created events)")
    print(f"ratio two/one: {rates[2] / rates[1]:.2f} (cores: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
