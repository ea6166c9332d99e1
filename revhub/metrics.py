"""Prometheus metrics of a revhub process, and the ``/metrics`` exposition.

Counters and histograms are recorded where the work happens (one call each in the sync
runner, the webhook endpoints, the outbox and the connectors' HTTP layers). Queue depths,
dead letters, conflicts and exceptions are read from the store at scrape time
(``StoreCollector``), so every process reports the same truth whoever did the work.

Under several gunicorn workers ``revhub serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before
anything here is touched: prometheus_client then keeps each process's values in files
there and ``render`` sums them. prometheus_client is imported lazily for that reason (it
picks its storage when first imported).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_lock = threading.Lock()
_built: dict[str, Any] = {}


def _metrics() -> dict[str, Any]:
    """The process's metric objects, created on first use."""
    if _built:
        return _built
    with _lock:
        if _built:
            return _built
        from prometheus_client import Counter, Gauge, Histogram

        _built.update(
            sync_records=Counter("revhub_sync_records_total", "Records a sync run applied, by outcome",
                                 ["connection", "entity", "outcome"]),
            sync_runs=Counter("revhub_sync_runs_total", "Finished sync runs", ["connection", "entity", "status"]),
            sync_duration=Histogram("revhub_sync_run_duration_seconds", "Sync run duration",
                                    ["connection", "entity"],
                                    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800)),
            webhooks=Counter("revhub_webhook_deliveries_total", "Webhook deliveries answered, by outcome",
                             ["provider", "outcome"]),
            webhook_latency=Histogram("revhub_webhook_latency_seconds", "Time to answer a webhook delivery",
                                      ["provider"],
                                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
            outbox=Counter("revhub_outbox_results_total", "Outbox messages finished by a drain, by result",
                           ["target", "result"]),
            calls=Counter("revhub_provider_calls_total", "Provider API calls, by HTTP status (0: no answer)",
                          ["provider", "status"]),
            throttled=Counter("revhub_provider_rate_limited_total", "Provider calls answered 429 (rate limited)",
                              ["provider"]),
            budget=Gauge("revhub_provider_api_budget_remaining", "Calls left in the provider's quota, as it "
                         "last reported", ["provider"], multiprocess_mode="mostrecent"),
        )
    return _built


def sync_finished(summary: Any) -> None:
    """A sync run ended: its records by outcome, its status and duration."""
    m, c = _metrics(), summary.counts
    for outcome in ("created", "updated", "unchanged", "deleted", "conflicts", "stale", "exceptions"):
        value = getattr(c, outcome, 0) or 0
        if value:
            m["sync_records"].labels(summary.connection, summary.entity, outcome).inc(value)
    m["sync_runs"].labels(summary.connection, summary.entity, summary.status).inc()
    m["sync_duration"].labels(summary.connection, summary.entity).observe(summary.duration_s)


def webhook_answered(provider: str, status: int, started: float) -> None:
    """A delivery was answered with ``status``; ``started`` is its ``time.perf_counter()``."""
    outcome = {200: "accepted", 401: "unauthorized", 404: "unknown_connection", 413: "too_large",
               503: "unavailable"}.get(status, "rejected" if 400 <= status < 500 else "error")
    children = _webhook_children.get((provider, outcome))
    if children is None:
        # labels() validates and locks on every call; each delivery's pair is looked up once.
        m = _metrics()
        children = _webhook_children.setdefault(
            (provider, outcome), (m["webhooks"].labels(provider, outcome), m["webhook_latency"].labels(provider)))
    children[0].inc()
    children[1].observe(time.perf_counter() - started)


_webhook_children: dict[tuple[str, str], tuple[Any, Any]] = {}


def outbox_result(target: str, result: str, count: int = 1) -> None:
    _metrics()["outbox"].labels(target, result).inc(count)


def counted(provider: str, attempt: Callable[[], T]) -> Callable[[], T]:
    """``attempt`` (one provider call) wrapped to count its answer by status; a
    ``ConnectorError`` carries the status the connector read, 0 when none came back."""

    def wrapped() -> T:
        m = _metrics()
        try:
            result = attempt()
        except Exception as exc:
            status = getattr(exc, "status", None) or 0
            m["calls"].labels(provider, str(status)).inc()
            if status == 429:
                m["throttled"].labels(provider).inc()
            raise
        m["calls"].labels(provider, "200").inc()
        return result

    return wrapped


def budget(provider: str, remaining: Any) -> None:
    """The provider said how many calls are left today (Xero ``X-DayLimit-Remaining``,
    Salesforce ``Sforce-Limit-Info``); unknown values are ignored."""
    try:
        value = float(remaining)
    except (TypeError, ValueError):
        return
    _metrics()["budget"].labels(provider).set(value)


def render(db: Any | None = None) -> bytes:
    """The exposition: this process's (or every gunicorn worker's) metrics plus the store's."""
    from prometheus_client import generate_latest

    from revhub.metrics_store import StoreCollector

    _metrics()  # the families show (empty) before their first event
    registry = _registry()
    if db is not None:
        registry.register(StoreCollector(db))
    return generate_latest(registry)


class _Forward:
    """The default registry's families, inside a per-scrape registry."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self):
        return self.source.collect()


def serve_http(port: int, host: str = "127.0.0.1", db: Any | None = None) -> None:
    """``revhub worker --metrics-port``: this process's metrics (and the store's) on their own
    port, for a worker that runs apart from ``revhub serve``. No authentication: bind it privately."""
    from prometheus_client import start_http_server

    from revhub.metrics_store import StoreCollector

    _metrics()
    registry = _registry()
    if db is not None:
        registry.register(StoreCollector(db))
    start_http_server(port, addr=host, registry=registry)


def _registry():
    """A registry of this process's metrics, or of every process sharing PROMETHEUS_MULTIPROC_DIR."""
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    return registry


def mark_process_dead(pid: int) -> None:
    """gunicorn's ``child_exit``: drop a dead worker's live gauges (its counters stay counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
