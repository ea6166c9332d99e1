"""A store that refuses writes (read-only, full) or cannot be reached: every webhook and API
call answers 503 with Retry-After and a short body, acknowledges nothing, and logs one line
per refusal, never a traceback."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from revhub.store import Database, InboxEvent
from tests.orders.test_intake import po
from tests.webhooks.conftest import SALESFORCE_URL, hooked, stripe_event, stripe_header, xero_header  # noqa: F401

pytestmark = pytest.mark.store


def read_only(url: str) -> Database:
    """The same store through connections that refuse every write, as a read-only volume does."""
    if url.startswith("sqlite"):
        database = Database(url)

        @event.listens_for(database.engine, "connect")
        def _query_only(dbapi_conn, _record) -> None:
            dbapi_conn.execute("PRAGMA query_only = ON")

        return database
    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    return Database(parsed.update_query_dict({"options": options}).render_as_string(hide_password=False))


@pytest.fixture
def refusing(hooked, database_url, config):  # noqa: F811
    """The hooked app's connections and routes, over a store that refuses writes."""
    from revhub.app import create_app

    database = read_only(database_url)
    application = create_app(config, database)
    application.config.update(TESTING=True)
    yield application
    database.dispose()


def problems(caplog) -> list[logging.LogRecord]:
    # The deprecated installation token's own warning is not about the store.
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name != "revhub.console.api_auth"]


def assert_one_line_each(caplog, count: int) -> None:
    records = problems(caplog)
    assert len(records) == count, [r.getMessage() for r in records]
    for record in records:
        assert record.exc_info is None and record.exc_text is None, record.getMessage()
        assert "\n" not in record.getMessage() and "Traceback" not in record.getMessage()


def assert_503(response) -> None:
    assert response.status_code == 503, (response.status_code, response.data[:300])
    assert int(response.headers["Retry-After"]) > 0


def stored(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(InboxEvent))


def test_stripe_events_refused_by_a_read_only_store_are_503s_logged_one_line_each(refusing, db, caplog):
    client = refusing.test_client()
    for i in range(12):
        body = stripe_event(event_id=f"evt_ro_{i}")
        response = client.post("/webhooks/stripe/stripe", data=body, headers={"Stripe-Signature": stripe_header(body)})
        assert_503(response)
        assert response.is_json and "received" not in response.json and response.json["error"]
    assert_one_line_each(caplog, 12)
    assert stored(db) == 0


def test_a_xero_delivery_refused_by_a_read_only_store_is_a_503(refusing, db, caplog):
    body = b'{"events": [{"tenantId": "t-1", "eventCategory": "CONTACT", "resourceId": "c-1", ' \
           b'"eventDateUtc": "2026-11-27T10:00:00", "eventType": "UPDATE"}], "firstEventSequence": 1}'
    response = refusing.test_client().post("/webhooks/xero/xero", data=body,
                                           headers={"x-xero-signature": xero_header(body)})
    assert_503(response)
    assert_one_line_each(caplog, 1)
    assert stored(db) == 0


def test_a_salesforce_message_refused_by_a_read_only_store_is_a_503_fault(refusing, db, caplog):
    from tests.webhooks.test_salesforce_outbound_auth import message

    response = refusing.test_client().post(SALESFORCE_URL, data=message(notifications=3),
                                           content_type="text/xml; charset=utf-8")
    assert_503(response)
    assert b"Fault" in response.data and b"<Ack>true" not in response.data
    assert_one_line_each(caplog, 1)
    assert stored(db) == 0


def test_the_po_api_on_a_read_only_store_is_a_503_with_a_json_error(refusing, db, config, caplog):
    from revhub.connections import Vault, save_connection
    from revhub.store import Customer, Product

    with db.session(write=True) as s:
        s.add(Customer(name="Nakatomi Systems K.K.", email="ap@nakatomi.example", default_currency="JPY"))
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
        save_connection(s, Vault(config.encryption_key), name="stripe-po", provider="stripe", credentials={},
                        settings={})
    response = refusing.test_client().post("/api/purchase-orders", json=po(),
                                           headers={"Authorization": f"Bearer {config.api_token}"})
    assert_503(response)
    assert response.is_json and response.json["error"]
    assert_one_line_each(caplog, 1)


def test_an_unreachable_store_is_a_503_logged_in_one_line(config, tmp_path, database_url, caplog):
    from revhub.app import create_app

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'revhub.db'}"
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"
    database = Database(url)
    try:
        application = create_app(config, database)
        body = stripe_event()
        for _ in range(3):
            response = application.test_client().post("/webhooks/stripe/stripe", data=body,
                                                      headers={"Stripe-Signature": stripe_header(body)})
            assert_503(response)
            assert response.is_json
        api = application.test_client().get("/api/purchase-orders/00000000-0000-0000-0000-000000000000",
                                            headers={"Authorization": f"Bearer {config.api_token}"})
        assert_503(api)
    finally:
        database.dispose()
    assert_one_line_each(caplog, 4)


def test_a_bug_in_sql_is_not_mistaken_for_an_unavailable_store(db, database_url):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from revhub.store.db import storage_unavailable

    with pytest.raises(DBAPIError) as bug:
        with db.session() as s:
            s.execute(text("SELEC 1"))
    assert storage_unavailable(bug.value) is None  # a 500 with its traceback: ours to fix
    refusing_db = read_only(database_url)
    try:
        with pytest.raises(DBAPIError) as refused:
            with refusing_db.session(write=True) as s:
                s.execute(text("DELETE FROM inbox_events"))
    finally:
        refusing_db.dispose()
    reason = storage_unavailable(refused.value)
    assert reason and "\n" not in reason and "read" in reason.lower()


def test_a_full_disk_is_a_503_logged_in_one_line(hooked, database_url, config, db, caplog):  # noqa: F811
    if not database_url.startswith("sqlite"):
        pytest.skip("a full SQLite file stands in for a full disk")
    from revhub.app import create_app

    full = Database(database_url)

    @event.listens_for(full.engine, "connect")
    def _no_more_pages(dbapi_conn, _record) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    try:
        application = create_app(config, full)
        body = stripe_event(event_id="evt_full", description="x" * 200_000)
        response = application.test_client().post("/webhooks/stripe/stripe", data=body,
                                                  headers={"Stripe-Signature": stripe_header(body)})
    finally:
        full.dispose()
    assert_503(response)
    assert_one_line_each(caplog, 1)
    assert "full" in problems(caplog)[0].getMessage()
    assert stored(db) == 0
