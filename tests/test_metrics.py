"""``/metrics``: a parseable exposition whose values move with syncs, provider calls and webhooks,
summed across gunicorn workers, and closed by a bearer token when one is set."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from revhub.connections import update_credentials
from revhub.sandbox.faults import FaultRule
from revhub.sync.jobs import plan, sync_all
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)
from tests.scaleout.support import free_port, start_server
from tests.webhooks.conftest import STRIPE_SECRET, stripe_event, stripe_header

pytestmark = pytest.mark.store


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of an exposition (parsing it proves it is well-formed)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


def test_metrics_move_after_a_sync_a_rate_limited_call_and_a_webhook(app, client, db, vault, sandboxes):  # noqa: F811
    running = sandboxes("stripe", companies=2)
    running["stripe"].sandbox.faults.add(FaultRule("429", count=1))
    before = scrape(client)
    results = sync_all(db, vault, plan(db, "stripe", "customer"))
    assert [r.status for r in results] == ["succeeded"]
    after = scrape(client)
    created = results[0].counts.created
    assert created > 0
    key = {"connection": "stripe", "entity": "customer"}
    assert value(after, "revhub_sync_records_total", outcome="created", **key) - \
        value(before, "revhub_sync_records_total", outcome="created", **key) == created
    assert value(after, "revhub_sync_run_duration_seconds_count", **key) == \
        value(before, "revhub_sync_run_duration_seconds_count", **key) + 1
    assert value(after, "revhub_provider_calls_total", provider="stripe", status="200") > \
        value(before, "revhub_provider_calls_total", provider="stripe", status="200")
    assert value(after, "revhub_provider_rate_limited_total", provider="stripe") == \
        value(before, "revhub_provider_rate_limited_total", provider="stripe") + 1

    with db.session(write=True) as s:
        update_credentials(s, vault, "stripe", {"webhook_secrets": [STRIPE_SECRET]})
    app.extensions["revhub.webhook_endpoints"].__init__(db, vault)  # forget the cached endpoint
    body = stripe_event(event_id="evt_metrics_1", kind="customer.created")
    assert client.post("/webhooks/stripe/stripe", data=body,
                       headers={"Stripe-Signature": stripe_header(body)}).status_code == 200
    assert client.post("/webhooks/stripe/stripe", data=body,
                       headers={"Stripe-Signature": "t=1,v1=bad"}).status_code == 401
    last = scrape(client)
    for outcome in ("accepted", "unauthorized"):
        assert value(last, "revhub_webhook_deliveries_total", provider="stripe", outcome=outcome) == \
            value(after, "revhub_webhook_deliveries_total", provider="stripe", outcome=outcome) + 1
    assert value(last, "revhub_webhook_latency_seconds_count", provider="stripe") == \
        value(after, "revhub_webhook_latency_seconds_count", provider="stripe") + 2
    assert value(last, "revhub_inbox_depth", provider="stripe", status="pending") == 1
    assert value(last, "revhub_inbox_oldest_age_seconds", provider="stripe") >= 0
    assert value(last, "revhub_store_up") == 1


def test_metrics_need_the_bearer_token_when_one_is_set(app, client):
    app.config["REVHUB_METRICS_TOKEN"] = "scrape-token-1"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "bearer scrape-token-1"}).status_code == 200


def test_counters_are_summed_across_two_gunicorn_workers(config, tmp_path):
    port = free_port()
    folder = tmp_path / "prometheus"
    server = start_server(config, port, "--web-only", "--workers", "2", "--threads", "1",
                          log_path=tmp_path / "serve.log", PROMETHEUS_MULTIPROC_DIR=str(folder))
    def deliver(_) -> int:
        return requests.post(f"http://127.0.0.1:{port}/webhooks/stripe/no-such-connection", data=b"{}",
                             headers={"Connection": "close"}, timeout=10).status_code

    sent = 0
    try:
        with ThreadPoolExecutor(8) as pool:
            # Concurrent deliveries until both workers have answered some (one counter file each).
            while len(list(folder.glob("counter_*.db"))) < 2 and sent < 400:
                assert set(pool.map(deliver, range(16))) == {404}
                sent += 16
        assert len(list(folder.glob("counter_*.db"))) == 2, sorted(p.name for p in folder.iterdir())
        for _ in range(3):  # whichever worker answers the scrape reports every worker's count
            scraped = samples(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
            assert value(scraped, "revhub_webhook_deliveries_total", provider="stripe",
                         outcome="unknown_connection") == sent
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
