"""`revhub worker` and `revhub serve` as real processes, stopped with SIGTERM mid-work: nothing
lost, nothing doubled, exit status 0."""

from __future__ import annotations

import signal
import socket
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from revhub.sandbox.faults import FaultRule
from revhub.store import Connection, Customer, InboxEvent, OutboxMessage, SyncRun
from revhub.sync.jobs import job_id, plan, sync_all
from revhub.sync.lease import lease
from tests.integration.clients import drain
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)
from tests.integration.purchase_orders import submit_po
from tests.scaleout.support import free_port, salesforce_po_numbers, start_server, start_worker, xero_references
from tests.webhooks.conftest import STRIPE_SECRET, stripe_event, stripe_header

pytestmark = pytest.mark.store
PO_COUNT = 6


def _statuses(db) -> dict[str, int]:
    with db.session() as s:
        return dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


def test_a_worker_stopped_mid_drain_finishes_its_writes_and_hands_back_the_rest(db, vault, sandboxes, config,  # noqa: F811
                                                                                tmp_path):
    running = sandboxes("salesforce", "xero", companies=4)
    sync_all(db, vault, plan(db))
    with db.session() as s:
        email = s.scalars(select(Customer.email).order_by(Customer.name)).first()
    numbers = [f"45000{i:05d}" for i in range(PO_COUNT)]
    for number in numbers:
        submit_po(db, email, "USD", 2, "49.00", "98.00", number=number, terms="NET30")
    total = sum(_statuses(db).values())
    # Every write is slow, so the SIGTERM lands while one is in flight.
    running["xero"].sandbox.faults.add(FaultRule("slow", rate=1.0, delay=0.4, method="PUT"))
    running["salesforce"].sandbox.faults.add(FaultRule("slow", rate=1.0, delay=0.4, method="POST"))
    worker = start_worker(config, "--no-schedule", "--batch", "1", log_path=tmp_path / "worker.log")
    deadline = time.monotonic() + 60
    while _statuses(db).get("sent", 0) < 2:
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, "the worker never sent anything"
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
    after_stop = _statuses(db)
    assert after_stop.get("processing", 0) == 0, after_stop  # handed back, not left to lapse
    assert 0 < after_stop.get("sent", 0) < total, after_stop  # it really stopped mid-drain
    running["xero"].sandbox.faults.clear()
    running["salesforce"].sandbox.faults.clear()
    drain(db, vault)  # another worker finishes the queue
    assert sorted(r for r in xero_references(running) if r in numbers) == numbers
    assert sorted(n for n in salesforce_po_numbers(running) if n in numbers) == numbers


def _stripe_connection(db, vault) -> None:  # noqa: F811  (not the fixture)
    from revhub.connections import save_connection

    with db.session(write=True) as s:
        save_connection(s, vault, name="stripe", provider="stripe",
                        credentials={"api_key": "sk_test_x", "webhook_secrets": [STRIPE_SECRET]},
                        settings={"base_url": "http://127.0.0.1:9"})


def test_a_server_stopped_while_a_webhook_is_in_flight_answers_it(db, vault, config, tmp_path):  # noqa: F811
    _stripe_connection(db, vault)
    port = free_port()
    server = start_server(config, port, "--web-only", "--workers", "1", "--threads", "2",
                          log_path=tmp_path / "serve.log")
    body = stripe_event(event_id="evt_in_flight", kind="customer.created")
    head = (f"POST /webhooks/stripe/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Stripe-Signature: {stripe_header(body)}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.encode() + body[:40])  # the request is being read by the app...
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)  # ...when the server is told to stop
        time.sleep(1.0)
        assert server.poll() is None, "the server quit with a request in flight"
        sock.sendall(body[40:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert server.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()
    with db.session() as s:
        assert s.scalars(select(InboxEvent.event_id)).all() == ["evt_in_flight"]


def test_a_worker_stopped_mid_sync_finishes_the_run_and_releases_its_lease(db, vault, sandboxes, config,  # noqa: F811
                                                                           tmp_path):
    running = sandboxes("stripe", companies=2)
    with db.session(write=True) as s:
        for c in s.scalars(select(Connection)):
            c.settings = {**c.settings, "sync_interval_seconds": 1}
    running["stripe"].sandbox.faults.add(FaultRule("slow", rate=1.0, delay=0.5))
    port = free_port()
    worker = start_worker(config, "--batch", "10", "--metrics-port", str(port), log_path=tmp_path / "worker.log")

    def running_runs() -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.status == "running"))

    def runs_scraped() -> float:  # the worker's own metrics port counts the syncs it ran
        try:
            text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except requests.ConnectionError:
            return 0.0
        return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
                   if s.name == "revhub_sync_runs_total" and s.labels.get("status") == "succeeded")

    deadline = time.monotonic() + 60
    while not runs_scraped():
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, "no sync counted on the worker's metrics port"
        time.sleep(0.2)
    while not running_runs():
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, "no sync started"
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=40) == 0, (tmp_path / "worker.log").read_text()
    assert running_runs() == 0  # the run in flight finished and was recorded
    with db.session() as s:
        assert set(s.scalars(select(SyncRun.status))) == {"succeeded"}
    for connection, entity in plan(db):  # every job's lease is free for the next process
        with lease(db, job_id(connection, entity)) as held:
            assert held, (connection, entity)
