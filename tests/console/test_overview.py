"""The overview: one row per connection with a verdict that reads without colour and its reason,
last successful sync per entity, next run, API calls against the budget, the Xero refresh
token's end, webhooks and queue failures; "sync now" and "pause" for admins only (CSRF, audited)."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from revhub.connections import Vault, save_connection
from revhub.connectors.registry import PROVIDER_ENTITIES
from revhub.console.connection_health import connection_health
from revhub.store import AuditEntry, Connection, InboxEvent, OutboxMessage, SyncRun
from revhub.store.ids import new_id
from tests.console.signin import csrf, signed_in
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)

pytestmark = pytest.mark.store
NOW = datetime.now(UTC)


@pytest.fixture
def stored(db, config):
    """Three connections: Stripe synced a minute ago, Xero failing with a token near its end,
    Salesforce never synced."""
    keys = Vault(config.encryption_key)
    with db.session(write=True) as s:
        save_connection(s, keys, name="stripe", provider="stripe", credentials={"api_key": "sk_test_x"})
        save_connection(s, keys, name="xero", provider="xero", credentials={
            "refresh_token": "r", "refresh_token_issued_at": time.time() - 58 * 86400})
        save_connection(s, keys, name="salesforce", provider="salesforce", credentials={},
                        settings={"instance_url": "https://x.my.salesforce.com", "daily_api_allocation": "1000"})
        ids = {c.name: c.id for c in s.scalars(select(Connection))}
        for entity in PROVIDER_ENTITIES["stripe"]:
            s.add(SyncRun(connection_id=ids["stripe"], entity=entity, status="succeeded",
                          started_at=NOW - timedelta(minutes=1), api_calls=2))
        s.add(SyncRun(connection_id=ids["xero"], entity="invoice", status="failed", note="HTTP 500 from Xero",
                      started_at=NOW - timedelta(minutes=2), api_calls=4500))
        s.add(SyncRun(connection_id=ids["salesforce"], entity="customer", status="succeeded",
                      started_at=NOW - timedelta(hours=1), api_calls=950))
        s.add(OutboxMessage(target_system="xero", entity="invoice", record_id=new_id(), record_version=1,
                            operation="upsert", idempotency_key="k1", status="dead", last_error="<b>nope</b>"))
        s.add(InboxEvent(provider="stripe", connection_id=ids["stripe"], event_id="evt_1", body=b"{}",
                         status="failed", received_at=NOW - timedelta(minutes=5)))
    return ids


def _by_name(db, config):
    with db.session() as s:
        return {h.name: h for h in connection_health(s, Vault(config.encryption_key), NOW)}


def test_each_connection_gets_a_verdict_with_its_reasons(db, config, stored):
    health = _by_name(db, config)
    stripe, xero, salesforce = health["stripe"], health["xero"], health["salesforce"]
    assert stripe.level == "amber" and stripe.reasons == ["1 webhook event(s) failed or parked"]
    assert stripe.last_webhook_at is not None and stripe.inbox_failed == 1
    assert all(e.last_success is not None for e in stripe.entities)
    assert xero.level == "red"
    assert "last sync failed: invoice" in xero.reasons and "1 dead letter(s) in the outbox" in xero.reasons
    assert "API budget per day at 90%" in xero.reasons
    assert "Xero refresh token expires within 7 days" in xero.reasons
    assert xero.token_expires_at - NOW < timedelta(days=3)
    assert salesforce.level == "amber" and "never synced: contact, product, purchase_order" in salesforce.reasons
    assert "API budget per day at 95%" in salesforce.reasons
    assert salesforce.next_run_at == NOW  # an entity has never run: due now


def test_a_recently_synced_connection_with_nothing_queued_is_green(db, config, stored):
    with db.session(write=True) as s:
        s.execute(InboxEvent.__table__.delete())
    stripe = _by_name(db, config)["stripe"]
    assert stripe.level == "green" and stripe.next_run_at > NOW


def test_the_page_needs_sign_in_and_shows_status_in_words(app, stored):
    assert app.test_client().get("/").status_code == 302
    page = signed_in(app, "vic", "viewer").get("/").get_data(as_text=True)
    # each verdict is an icon and a word as well as a colour
    assert '<span class="badge badge-bad"><span class="icon" aria-hidden="true">✕</span>failing</span>' in page
    assert '<span class="badge badge-warn"><span class="icon" aria-hidden="true">!</span>needs a look</span>' in page
    assert "4,500 / 5,000 <span class=\"muted\">(90%)</span> per day" in page and "refresh token ends" in page
    assert "Pause" not in page and "now</button>" not in page  # viewers see no actions
    viewer = signed_in(app, "vic", "viewer")
    assert viewer.get("/overview/live").headers["Location"] == "/"  # not htmx: the whole page
    live = viewer.get("/overview/live", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 15s, refresh"' in live and "Dead letters" in live


def test_pause_and_resume_are_admin_only_csrf_checked_and_audited(app, db, stored):
    xero = stored["xero"]
    approver = signed_in(app, "erin", "approver")
    token = csrf(approver.get("/search").data)
    assert approver.post(f"/connections/{xero}/pause", data={"csrf_token": token, "enabled": "false"}
                         ).status_code == 403
    admin = signed_in(app, "ada", "admin")
    token = csrf(admin.get("/").data)
    assert admin.post(f"/connections/{xero}/pause", data={"enabled": "false"}).status_code == 400
    bad = admin.post(f"/connections/{xero}/pause", data={"csrf_token": token, "enabled": "maybe"})
    assert bad.status_code == 400 and b"enabled: true to resume" in bad.data
    assert admin.post(f"/connections/{new_id()}/pause", data={"csrf_token": token, "enabled": "false"}
                      ).status_code == 404
    assert admin.post(f"/connections/{xero}/pause", data={"csrf_token": token, "enabled": "false"}
                      ).status_code == 303
    with db.session() as s:
        paused = s.get(Connection, xero)
        assert (paused.enabled, paused.paused_by) == (True, "console:ada")  # held, never disabled
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "connection"))
        assert (entry.action, entry.actor, entry.before, entry.after["enabled"]) == \
            ("pause", "console:ada", {"enabled": True}, False)
    page = admin.get("/").get_data(as_text=True)
    assert "xero paused." in page and "Resume xero" in page
    refused = admin.post(f"/connections/{xero}/sync", data={"csrf_token": token}, follow_redirects=True)
    assert b"xero is paused" in refused.data
    admin.post(f"/connections/{xero}/pause", data={"csrf_token": token, "enabled": "true"})
    with db.session() as s:
        assert s.get(Connection, xero).paused_at is None


def test_hostile_provider_text_renders_as_text(app, db, stored):
    with db.session(write=True) as s:
        s.add(SyncRun(connection_id=stored["stripe"], entity="<script>alert(1)</script>", status="failed",
                      note="<img src=x onerror=alert(1)>"))
    page = signed_in(app, "ada", "admin").get("/").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>nope" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_sync_now_runs_the_connections_syncs_and_is_audited(app, db, sandboxes):  # noqa: F811
    sandboxes("stripe", companies=2)
    with db.session() as s:
        stripe = s.scalar(select(Connection.id).where(Connection.name == "stripe"))
    admin = signed_in(app, "ada", "admin")
    response = admin.post(f"/connections/{stripe}/sync", data={"csrf_token": csrf(admin.get("/").data)})
    assert response.status_code == 303
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.session() as s:
            runs = s.scalars(select(SyncRun).where(SyncRun.connection_id == stripe)).all()
        if len(runs) == len(PROVIDER_ENTITIES["stripe"]) and all(r.status != "running" for r in runs):
            break
        time.sleep(0.2)
    assert sorted(r.entity for r in runs) == sorted(PROVIDER_ENTITIES["stripe"])
    assert all(r.status == "succeeded" for r in runs), [(r.entity, r.note) for r in runs]
    with db.session() as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.entity == "connection")) == "sync_requested"
    assert "healthy</span>" in admin.get("/").get_data(as_text=True)


def test_the_budget_is_what_xero_and_salesforce_said_in_their_headers(app, db, config, sandboxes):  # noqa: F811
    from revhub.store import ApiBudget
    from revhub.sync.jobs import plan, sync_all

    sandboxes("xero", "salesforce", companies=2)
    keys = Vault(config.encryption_key)
    assert all(r.status == "succeeded" for r in sync_all(db, keys, plan(db)))
    with db.session() as s:
        ids = {c.name: c.id for c in s.scalars(select(Connection))}
        said = {name: s.get(ApiBudget, ids[name]) for name in ids}
        calls = {name: sum(s.scalars(select(SyncRun.api_calls).where(SyncRun.connection_id == ids[name])))
                 for name in ids}
        health = {h.name: h for h in connection_health(s, keys)}
    xero, salesforce = said["xero"], said["salesforce"]
    # Xero counts every call of the day, ours included; the minute window too
    assert (xero.day_limit, xero.minute_limit) == (5000, 60)
    assert 5000 - xero.day_remaining >= calls["xero"] - 1 > 0
    assert salesforce.day_limit and 0 < salesforce.day_limit - salesforce.day_remaining
    day = next(b for b in health["xero"].budgets if b.window == "day")
    assert day.reported_at is not None and day.used == 5000 - xero.day_remaining
    page = signed_in(app, "vic", "viewer").get("/").get_data(as_text=True)
    assert f"{day.used:,} / 5,000" in page and "as xero said" in page and "as salesforce said" in page
