"""The list tooling every console list shares: filters checked field by field (never a raise),
pages with their total, CSV cells with exact money, UTC times and no spreadsheet formulas."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from revhub.console.listing import (
    MAX_PER_PAGE,
    Filter,
    before_end_of,
    choice,
    csv_cells,
    csv_response,
    csv_value,
    money_cells,
    on_or_after,
    paginate,
    read_listing,
    record_id,
    text,
)
from revhub.store import Connection, SyncRun

FILTERS = [
    Filter("status", "Status", choice("ok", "failed"), lambda q, v: q.where(SyncRun.status == v),
           choices=("ok", "failed")),
    Filter("entity", "Entity", text(32), lambda q, v: q.where(SyncRun.entity == v)),
    Filter("since", "Since", on_or_after, lambda q, v: q.where(SyncRun.started_at >= v)),
    Filter("until", "Until", before_end_of, lambda q, v: q.where(SyncRun.started_at < v)),
    Filter("record", "Record", record_id, lambda q, v: q),
]


def test_every_bad_value_is_a_message_for_its_own_field():
    listing = read_listing({"status": "maybe", "since": "yesterday", "record": "x", "page": "0",
                            "per_page": str(MAX_PER_PAGE + 1), "format": "xls", "entity": "invoice"}, FILTERS)
    assert not listing.ok
    assert listing.errors == {
        "status": "status: one of ok, failed",
        "since": "since: a date as YYYY-MM-DD, or an ISO time such as 2026-03-01T12:00Z",
        "record": "record: a record id such as 0190f8a2-…",
        "page": "page: a whole number from 1",
        "per_page": f"per_page: at most {MAX_PER_PAGE}",
        "format": "format: one of html, csv",
    }
    assert listing.values == {"entity": "invoice"}


def test_good_values_are_read_as_typed_values_in_utc():
    listing = read_listing({"status": "ok", "since": "2026-03-01", "until": "2026-03-01", "page": "2",
                            "per_page": "10", "format": "csv"}, FILTERS)
    assert listing.ok and (listing.page, listing.per_page, listing.format) == (2, 10, "csv")
    assert listing.values["since"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert listing.values["until"] == datetime(2026, 3, 2, tzinfo=UTC)  # the whole day
    assert read_listing({"since": "2026-03-01T12:00+02:00"}, FILTERS).values["since"] == \
        datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_the_query_string_keeps_the_filters_across_pages():
    listing = read_listing({"status": "failed", "entity": "", "page": "3"}, FILTERS)
    assert listing.query_string(page=4) == "status=failed&page=4"
    assert listing.query_string(page=None, format="csv") == "status=failed&format=csv"


def test_csv_cells_are_exact_and_safe():
    assert csv_value(datetime(2026, 3, 1, 12, 30, tzinfo=UTC)) == "2026-03-01T12:30:00Z"
    assert csv_value(datetime(2026, 3, 1, 14, 30, tzinfo=UTC) - timedelta(hours=2)) == "2026-03-01T12:30:00Z"
    assert money_cells(12345, "EUR") == (Decimal("123.45"), "EUR")
    assert money_cells(500, "JPY") == (Decimal("500"), "JPY")
    assert money_cells(1234, "KWD") == (Decimal("1.234"), "KWD")
    assert csv_value(money_cells(-5, "USD")[0]) == "-0.05"  # a negative amount stays a number
    assert csv_value("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert csv_value("-1+2") == "'-1+2" and csv_value("@SUM(A1)") == "'@SUM(A1)"
    assert csv_value(None) == "" and csv_value(True) == "true"


def test_a_csv_response_is_parsed_back_by_the_csv_module(app):
    columns = [("name", lambda r: r[0]), ("note", lambda r: r[1])]
    with app.test_request_context():
        response = csv_response("runs/1", columns, csv_cells([("a,b", 'say "hi"\nthen'), ("c", None)], columns))
        body = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == 'attachment; filename="runs-1.csv"'
    assert list(csv.reader(io.StringIO(body))) == [["name", "note"], ["a,b", 'say "hi"\nthen'], ["c", ""]]


@pytest.mark.store
def test_paginate_counts_the_filtered_rows_and_clamps_a_page_past_the_end(db):
    with db.session(write=True) as s:
        connection = Connection(name="stripe", provider="stripe", settings={})
        s.add(connection)
        s.flush()
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for i in range(7):
            s.add(SyncRun(connection_id=connection.id, entity="invoice", status="ok" if i % 2 else "failed",
                          started_at=start + timedelta(hours=i)))
    listing = read_listing({"status": "failed", "per_page": "3", "page": "9"}, FILTERS)
    with db.session() as s:
        paginate(s, select(SyncRun).order_by(SyncRun.id), listing)
    assert (listing.total, listing.pages, listing.page) == (4, 2, 2)
    assert [r.status for r in listing.rows] == ["failed"] and (listing.first, listing.last) == (4, 4)
    assert uuid.UUID(str(listing.rows[0].connection_id))
