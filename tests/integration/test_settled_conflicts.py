"""A conflict an admin settles reaches every system that holds the record (issue 10, defect 11)."""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner
from simple_salesforce import Salesforce
from sqlalchemy import select

from revhub.cli import main
from revhub.connectors.base import Change
from revhub.connectors.salesforce.settings import API_VERSION
from revhub.mappings.outbox import OutboxWorker
from revhub.sandbox.tls import trusting_session
from revhub.store import Conflict, Connection, Customer, Link
from revhub.sync.jobs import plan, sync_all
from revhub.sync.resolution import resolve_conflict
from tests.signin import sign_in
from tests.sync.changes import apply

pytestmark = pytest.mark.store


def _ask_for(db, field: str) -> None:
    """Every connection leaves ``field`` to an admin (by default its owner system settles it)."""
    with db.session(write=True) as s:
        for connection in s.scalars(select(Connection)):
            connection.settings = {**connection.settings, "policies": {field: "ask"}}


def _crm(running) -> Salesforce:
    sf = running["salesforce"]
    return Salesforce(instance_url=sf.url, session_id=sf.sandbox.sessions.static_token, version=API_VERSION,
                      session=trusting_session(sf.settings["ca_bundle"]))


def _rename_in_xero(running, contact_id: str, name: str) -> None:
    xero = running["xero"]
    tokens = requests.post(f"{xero.url}/__sandbox/tokens").json()
    answer = requests.post(f"{xero.url}/api.xro/2.0/Contacts/{contact_id}",
                           json={"Contacts": [{"ContactID": contact_id, "Name": name}]},
                           headers={"Authorization": f"Bearer {tokens['access_token']}",
                                    "xero-tenant-id": xero.settings["tenant_id"]})
    assert answer.status_code == 200, answer.text


def test_a_name_settled_by_an_admin_is_written_to_the_salesforce_account(db, vault, sandboxes):
    running = sandboxes("salesforce", "xero", companies=2)
    sync_all(db, vault, plan(db))
    _ask_for(db, "customer.name")
    with db.session() as s:
        customer = s.scalars(select(Customer).order_by(Customer.name)).first()
        links = dict(s.execute(select(Link.system, Link.external_id).where(Link.canonical_id == customer.id)).all())
    running.clock.advance(600)
    crm = _crm(running)
    crm.Account.update(links["salesforce"], {"Name": "Renamed In Salesforce Ltd"})
    _rename_in_xero(running, links["xero"], "Renamed In Xero BV")
    sync_all(db, vault, plan(db, entity="customer"))
    with db.session(write=True) as s:
        conflict = s.scalars(select(Conflict).where(Conflict.field == "name", Conflict.status == "open")).one()
        take = "incoming" if conflict.incoming_value == "Renamed In Xero BV" else "current"
        resolve_conflict(s, conflict.id, take, actor="test:admin")
    OutboxWorker(db, vault, "w").drain()
    assert crm.Account.get(links["salesforce"])["Name"] == "Renamed In Xero BV"


# -- a system that holds the record but is never written this entity ------------------------


def _product(ext: str, version: str, name: str) -> Change:
    return Change("product", ext, version, dict(sku="SEAT-1", name=name, unit_amount_minor=4900, currency="USD",
                                                recurring_interval="month", active=True),
                  changed_at="2026-11-20T10:00:00+00:00")


@pytest.fixture
def product_conflict(connections) -> int:
    """Salesforce and Stripe both renamed a product; revhub writes products to neither."""
    _ask_for(connections, "product.name")
    apply(connections, "salesforce", _product("01tA", "1", "Seat licence"))
    apply(connections, "stripe", _product("prod_1", "1", "Seat licence"))
    apply(connections, "salesforce", _product("01tA", "2", "Seat licence (annual)"))
    apply(connections, "stripe", _product("prod_1", "2", "Seat licence, yearly"))
    with connections.session() as s:
        return s.scalar(select(Conflict.id).where(Conflict.status == "open"))


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


READ_ONLY = ("salesforce, stripe hold this product, but revhub does not write products there "
             "(read-only by policy)")


def test_the_cli_says_which_systems_keep_their_value_before_a_conflict_is_listed_for_choosing(
        revhub, product_conflict):
    result = revhub("conflicts", "list")
    assert result.exit_code == 0, result.output
    assert f"#{product_conflict} product" in result.output and READ_ONLY in result.output


def test_the_cli_says_so_again_when_the_admin_settles_it(revhub, product_conflict):
    result = revhub("conflicts", "resolve", str(product_conflict), "--take", "current")
    assert result.exit_code == 0, result.output
    assert f"note: {READ_ONLY}" in result.output


def test_a_conflict_settled_against_a_read_only_systems_value_stays_listed_as_diverged(
        revhub, product_conflict, connections):
    revhub("conflicts", "resolve", str(product_conflict), "--take", "current")
    with connections.session() as s:
        conflict = s.get(Conflict, product_conflict)
    assert conflict.status == "diverged"
    assert conflict.resolution.endswith("stripe keeps another value (read-only by policy)")
    listed = revhub("conflicts", "list").output
    assert f"#{product_conflict} product" in listed and "1 settled conflict(s) a read-only system" in listed


def test_a_customer_conflict_has_no_read_only_holder_and_settles_plainly(conflict_id, connections, revhub):
    result = revhub("conflicts", "resolve", str(conflict_id), "--take", "incoming")
    assert result.exit_code == 0 and "note:" not in result.output
    with connections.session() as s:
        assert s.get(Conflict, conflict_id).status == "resolved"


def test_the_console_says_so_on_the_conflict_at_the_moment_of_choosing(app, db, product_conflict):
    client = app.test_client()
    sign_in(client, db)
    page = client.get("/conflicts").get_data(as_text=True)
    section = page[page.index(f'id="conflict-{product_conflict}"'):]
    assert READ_ONLY in section.split("</section>")[0]
