"""Disputed amounts in the console and the CLI: per customer and currency, each figure opening
the disputes behind it, and the disputes shown on their invoice's and payment's record pages."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.store import Dispute, Invoice, Payment
from tests.console.signin import signed_in
from tests.dunning.books import customer, dispute, invoice, payment

pytestmark = pytest.mark.store


@pytest.fixture
def disputed_books(connections):
    customer(connections)
    invoice(connections, paid=123450, status="paid")
    payment(connections)
    dispute(connections)                                     # EUR 1,234.50, opened 25 Nov, undecided
    payment(connections, ext="ch_2", amount=20000)
    dispute(connections, ext="du_2", payment="ch_2", amount=20000, status="lost")
    return connections


def test_the_disputes_report_opens_the_disputes_behind_each_figure(app, disputed_books):
    viewer = signed_in(app, "vic", "viewer")
    page = viewer.get("/reports/disputes?as_of=2026-12-01")
    assert page.status_code == 200
    undecided = re.search(rb'href="(/reports/disputes/list\?[^"]*part=open[^"]*)">1234.50<', page.data)
    assert undecided, page.data.decode()
    assert b">200.00<" in page.data  # lost by 1 Dec (the lost one was decided when it was stored)
    behind = viewer.get(undecided.group(1).decode().replace("&amp;", "&"))
    assert behind.status_code == 200 and b"du_1" in behind.data and b"du_2" not in behind.data
    assert viewer.get("/reports/disputes/list?customer=x&currency=EUR&part=maybe").status_code == 400
    assert viewer.get("/reports/disputes?as_of=2026-12-01&format=csv").data.decode().splitlines()[0] == \
        "Customer,Currency,Disputed (undecided),Lost in disputes"


def test_an_invoice_and_its_payment_show_their_disputes(app, disputed_books):
    viewer = signed_in(app, "vic", "viewer")
    with disputed_books.session() as s:
        invoice_id = s.scalar(select(Invoice.id))
        payment_id = s.scalar(select(Payment.id).where(Payment.reference == "ch_1"))
        dispute_id = s.scalar(select(Dispute.id).where(Dispute.reference == "du_1"))
    for entity, record_id in (("invoice", invoice_id), ("payment", payment_id)):
        page = viewer.get(f"/records/{entity}/{record_id}")
        assert page.status_code == 200 and b"<h2>Disputes</h2>" in page.data and b"du_1" in page.data
    assert viewer.get(f"/records/dispute/{dispute_id}").status_code == 200


def test_revhub_report_ageing_gives_each_customers_disputed_amounts(database_url, tmp_path, disputed_books):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(main, ["report", "ageing", "--as-of", "2026-12-01", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    # The invoice is paid (nothing outstanding); the customer still has money in dispute.
    assert (row["currency"], row["total"], row["disputed"], row["lost_in_disputes"]) == (
        "EUR", "0.00", "1234.50", "200.00")
