"""A bad Xero setting is refused when the connection is saved, naming the setting; and a target
whose pusher cannot be built holds only its own messages while the outbox writes the rest.
Hub (CLI, outbox worker) + sandboxes, real SDKs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.mappings.outbox import OutboxWorker
from revhub.mappings.outbox import plan as outbox_plan
from revhub.store import Connection, OutboxMessage
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked
from tests.integration.test_ledger_wire import first_customer_email, po_body, submit
from tests.integration.test_writeback_stripe import invoice_of

pytestmark = pytest.mark.store


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def add_xero(revhub, *settings: str):
    return revhub("connections", "add", "books", "--provider", "xero", "--credential", "client_id=c",
                  "--credential", "client_secret=s", "--credential", "refresh_token=r",
                  "--setting", "tenant_id=t", *(arg for s in settings for arg in ("--setting", s)))


@pytest.mark.parametrize("setting, named", [
    ("fee_treatment=weekly", "fee_treatment: 'weekly' is not one of none, per_charge, per_payout"),
    ('tax_types={"NL_VAT_42": "TAX009"}', "tax_types names unknown tax codes NL_VAT_42"),
])
def test_connections_add_refuses_a_bad_xero_setting_naming_it_and_saves_nothing(revhub, db, setting, named):
    result = add_xero(revhub, setting)
    assert result.exit_code == 1, result.output
    assert "connection 'books' not saved" in result.output and named in result.output
    with db.session() as s:
        assert s.scalars(select(Connection)).all() == []


def test_connections_add_refuses_booking_fees_into_the_bank_account_itself(revhub, db):
    result = add_xero(revhub, "fee_treatment=per_payout", "clearing_account_code=090", "bank_account_code=090")
    assert result.exit_code == 1 and "clearing_account_code: booking fees" in result.output


def test_connections_add_saves_a_tax_types_mapping_given_as_json(revhub, db):
    result = add_xero(revhub, 'tax_types={"NL_VAT_9": "TAX005"}', "fee_treatment=per_charge",
                      "clearing_account_code=091")
    assert result.exit_code == 0, result.output
    with db.session() as s:
        connection = s.scalars(select(Connection)).one()
    assert connection.settings["tax_types"] == {"NL_VAT_9": "TAX005"}


def test_a_target_with_a_setting_its_pusher_refuses_holds_its_messages_and_the_others_are_written(
        db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=3)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    with db.session(write=True) as s:  # saved before settings were checked, or edited by hand
        xero = s.scalars(select(Connection).where(Connection.provider == "xero")).one()
        xero.settings = {**xero.settings, "fee_treatment": "weekly"}
    po_id = submit(db, po_body(first_customer_email(db), [{"description": "Platform licence", "quantity": 1,
                                                            "unit_price": "100.00"}], "100.00",
                               po_number="4500055001"))

    OutboxWorker(db, vault, "test-worker").drain()

    invoice = invoice_of(db, po_id)
    assert linked(db, "invoice", invoice.id, "stripe") is not None and running
    with db.session() as s:
        held = s.scalars(select(OutboxMessage).where(OutboxMessage.target_system == "xero")).all()
    assert held and {(m.status, m.attempts) for m in held} == {("failed", 0)}
    assert all("fee_treatment: 'weekly' is not one of" in m.last_error for m in held)


def test_the_dry_run_names_the_setting_a_targets_pusher_refuses_and_still_plans_the_others(db, vault, sandboxes):
    sandboxes("stripe", "xero", companies=3)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    with db.session(write=True) as s:
        xero = s.scalars(select(Connection).where(Connection.provider == "xero")).one()
        xero.settings = {**xero.settings, "tax_types": {"NL_VAT_42": "TAX009"}}
    submit(db, po_body(first_customer_email(db), [{"description": "Platform licence", "quantity": 1,
                                                    "unit_price": "100.00"}], "100.00", po_number="4500055002"))

    entries = {(e["target"], e["entity"]): e["payload"] for e in outbox_plan(db, vault)}
    assert "tax_types names unknown tax codes NL_VAT_42" in entries[("xero", "invoice")]["error"]
    assert entries[("stripe", "invoice")]["invoice"]["custom_fields"] == [{"name": "PO number",
                                                                           "value": "4500055002"}]
