"""HubSpot's request budget end to end: the sandbox enforces the app's burst window and search's
4 per second with HubSpot's headers and 429 bodies; a backfill paced by those headers meets no
429; a 429 it does meet (the window spent by someone else) is retried after the window."""

from __future__ import annotations

import requests
from sqlalchemy import select

from revhub.connectors.hubspot.client import HubSpotAPI
from revhub.connectors.resilience import RetryPolicy
from revhub.store import ApiBudget, Connection
from revhub.sync.jobs import plan, sync_all, sync_one

BURST = {"burst_max": 8, "burst_interval_ms": 1000, "daily_max": 5000}


def _non_search(entries) -> list:
    return [r for r in entries if r.path.startswith("/crm/") and not r.path.endswith("/search")]


def test_the_sandbox_tells_the_window_and_refuses_past_it_in_hubspots_shape(sandboxes):
    portal = sandboxes("hubspot", companies=1, options={"hubspot": BURST})["hubspot"]
    headers = {"Authorization": f"Bearer {portal.credentials['access_token']}"}
    answers = [requests.get(f"{portal.url}/crm/v3/objects/companies", headers=headers, timeout=10)
               for _ in range(9)]
    first, refused = answers[0], answers[-1]
    assert first.status_code == 200 and first.headers["X-HubSpot-RateLimit-Max"] == "8"
    assert (first.headers["X-HubSpot-RateLimit-Remaining"], first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"],
            first.headers["X-HubSpot-RateLimit-Daily"]) == ("7", "1000", "5000")
    assert refused.status_code == 429 and refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert refused.json()["policyName"] == "TEN_SECONDLY_ROLLING" and refused.json()["errorType"] == "RATE_LIMIT"
    searches = [requests.post(f"{portal.url}/crm/v3/objects/companies/search", json={"limit": 1}, headers=headers,
                              timeout=10) for _ in range(5)]
    assert [s.status_code for s in searches].count(429) >= 1 and "X-HubSpot-RateLimit-Max" not in searches[0].headers
    assert next(s for s in searches if s.status_code == 429).json()["policyName"] == "SECONDLY"


def test_a_backfill_paced_by_the_headers_meets_no_429_and_keeps_the_days_budget(db, vault, sandboxes):
    small = {**BURST, "burst_max": 4}  # revhub's reads are few: a window they outgrow
    running = sandboxes("hubspot", companies=12, options={"hubspot": small})
    hs = running["hubspot"].sandbox

    results = sync_all(db, vault, plan(db))

    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    entries = hs.requests.entries()
    assert [r for r in entries if r.status == 429] == []
    calls = _non_search(entries)
    assert len(calls) > small["burst_max"], len(calls)  # the window mattered
    with db.session() as s:
        budget = s.get(ApiBudget, s.scalar(select(Connection.id).where(Connection.name == "hubspot")))
        assert budget.day_limit == 5000 and budget.day_remaining == 5000 - len(calls)


def test_a_search_backfill_keeps_to_four_searches_a_second(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=None, options={"hubspot": BURST})
    hs = running["hubspot"].sandbox
    for n in range(1100):  # six pages of 200: more than one second's worth of searches
        hs.store.create("companies", {"name": f"Company {n:04d}", "billing_email": f"ap{n}@c{n}.example"})

    summary = sync_one(db, vault, "hubspot", "customer")

    assert summary.status == "succeeded" and summary.counts.created == 1100, summary.note
    searches = [r.at for r in hs.requests.entries() if r.path.endswith("/search")]
    assert len(searches) == 6 and all(r.status != 429 for r in hs.requests.entries())
    assert all(b - a >= 1.0 for a, b in zip(searches, searches[4:], strict=False))  # 4 in any second


def test_a_429_from_a_window_spent_elsewhere_is_retried_after_the_window(sandboxes):
    portal = sandboxes("hubspot", companies=1, options={"hubspot": BURST})["hubspot"]
    hs = portal.sandbox
    headers = {"Authorization": f"Bearer {portal.credentials['access_token']}"}
    # Another process of the same app spends the window first.
    while requests.get(f"{portal.url}/crm/v3/objects/companies", headers=headers, timeout=10).status_code != 429:
        pass
    hs.requests.clear()
    api = HubSpotAPI({"access_token": portal.credentials["access_token"]}, portal.url,
                     retry=RetryPolicy(attempts=4), portal="elsewhere")

    company = hs.store.live("companies")[0]
    read = api.get("companies", company.id, ["name"], "customer")

    assert read["properties"]["name"] == company.properties["name"]
    tries = [r for r in hs.requests.entries() if r.path == f"/crm/v3/objects/companies/{company.id}"]
    assert [t.status for t in tries][0] == 429 and tries[-1].status == 200
    assert tries[1].at - tries[0].at >= 0.95  # the window HubSpot named (1000 ms), not an instant retry
