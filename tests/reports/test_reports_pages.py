"""The report pages: figures from the same functions as ``revhub report``, each opening the
records behind it, every table as CSV, bad input answered with a 400 naming the field."""

from __future__ import annotations

import re

import pytest

from tests.console.signin import signed_in
from tests.recon.conftest import bank_receipt
from tests.sync.changes import apply

pytestmark = pytest.mark.store


@pytest.fixture
def viewer(app, books):
    return signed_in(app, "vic", "viewer")


def test_an_ageing_bucket_opens_the_invoices_behind_it_and_they_add_up(books, viewer):
    page = viewer.get("/reports/ageing?as_of=2026-12-20")
    assert page.status_code == 200
    assert b'data-chart="' in page.data and b"chart.umd.js" in page.data
    # INV-0042 (300.00) and INV-0043 (120.00), both due 2026-12-02: 18 days late on the 20th.
    drill = re.search(rb'href="(/reports/ageing/invoices\?[^"]*bucket=1-30[^"]*)">420.00<', page.data)
    assert drill, page.data.decode()
    behind = viewer.get(drill.group(1).decode().replace("&amp;", "&"))
    assert behind.status_code == 200
    assert b"INV-0042" in behind.data and b"INV-0043" in behind.data and b">420.00<" in behind.data
    exported = viewer.get("/reports/ageing?as_of=2026-12-20&format=csv").data.decode().splitlines()
    assert exported[0] == "Customer,Currency,current,1-30,31-60,61-90,90+,Total"
    assert exported[1].split(",")[1:] == ["EUR", "0.00", "420.00", "0.00", "0.00", "0.00", "420.00"]


def test_a_partly_paid_invoice_ages_on_what_is_still_owed(books, viewer):
    apply(books, "stripe", bank_receipt("py_1", 10000, "INV-0042"))
    from revhub.recon.service import run

    with books.session(write=True) as s:
        run(s, actor="test")
    csv_rows = viewer.get("/reports/ageing?as_of=2026-12-20&format=csv").data.decode().splitlines()
    assert csv_rows[1].split(",")[-1] == "320.00"


def test_dso_figures_open_their_invoices(books, viewer):
    page = viewer.get("/reports/dso?period=2026-11")
    assert page.status_code == 200
    # 420.00 owed at the end of November on 420.00 invoiced in it: 420 / 420 × 30 days.
    assert b">30.0<" in page.data
    sales = viewer.get("/reports/dso/invoices?month=2026-11&currency=EUR&part=sales")
    assert b"INV-0042" in sales.data and b"INV-0043" in sales.data


def test_mrr_and_deferred_pages_answer_with_their_tables(books, viewer):
    for path in ("/reports", "/reports/mrr?period=2026-01:2026-12", "/reports/deferred?period=2026-11",
                 "/reports/mrr/sources?month=2026-11&currency=EUR", "/reports/mrr/movements?month=2026-11&currency=EUR",
                 "/reports/deferred/lines?month=2026-11&customer=x&currency=EUR"):
        assert viewer.get(path).status_code == 200, path
    assert viewer.get("/reports/mrr?period=2026-11&format=csv").mimetype == "text/csv"


@pytest.mark.parametrize("path, field", [
    ("/reports/ageing?as_of=yesterday", b"as_of"), ("/reports/dso?period=2026-13", b"period"),
    ("/reports/mrr?period=2026-05:2026-01", b"period"), ("/reports/ageing/invoices?as_of=2026-12-20", b"customer"),
    ("/reports/ageing/invoices?customer=a&currency=EUR&bucket=soon", b"bucket"),
    ("/reports/dso/invoices?month=2026-11&currency=EUR&part=all", b"part"),
])
def test_bad_input_is_a_400_naming_the_field(viewer, path, field):
    answer = viewer.get(path)
    assert answer.status_code == 400 and field in answer.data
    assert viewer.get(path + "&format=csv").status_code == 400


def test_reports_need_sign_in(app, books):
    assert app.test_client().get("/reports/ageing").status_code == 302


def test_a_drill_down_opened_bare_points_to_its_report(viewer):
    answer = viewer.get("/reports/ageing/invoices")
    assert answer.status_code == 200 and b'href="/reports/ageing"' in answer.data
