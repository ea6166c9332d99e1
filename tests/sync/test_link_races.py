"""A pull and the outbox link one record to one remote copy at the same moment (the pull finds
the contact the outbox has just created): whichever commits second is refused by the links'
unique key, reads the other's link in a new transaction and carries on, once, with one link."""

import logging

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from revhub.connectors.base import Change, Page
from revhub.mappings.outbox import OutboxWorker, upsert_links
from revhub.mappings.writes import WriteResult
from revhub.store import Customer, Link, OutboxMessage, Product
from revhub.sync.runner import run_sync
from revhub.sync.store_retry import RACE_ATTEMPTS, retrying_races
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store



@pytest.fixture
def racing(connections):
    """PostgreSQL only: on SQLite a writer reads and writes under the one write lock, so no
    other process can commit a link between the two."""
    if connections.dialect != "postgresql":
        pytest.skip("two writers interleave only on PostgreSQL")
    return connections


def _hub_customer(db):
    apply(db, "stripe", customer("cus_1", "1"))
    with db.session() as s:
        return s.scalar(select(Customer.id))


def _before_link_insert(db, meanwhile, times: int = 1):
    """Run ``meanwhile`` (another transaction, committed) just before the next ``times`` link
    inserts of anyone else: the moment the other process's link lands."""
    fired: list[str] = []

    def hook(conn, cursor, statement, *args) -> None:
        if len(fired) < times and statement.lstrip().upper().startswith("INSERT INTO LINKS"):
            fired.append(statement)
            meanwhile()

    event.listen(db.engine, "before_cursor_execute", hook)
    return fired, lambda: event.remove(db.engine, "before_cursor_execute", hook)


def _xero_links(db):
    with db.session() as s:
        return s.execute(select(Link.canonical_id, Link.external_id).where(
            Link.system == "xero", Link.entity == "customer")).all()


class OnePage:
    def __init__(self, *changes) -> None:
        self.changes = list(changes)

    def pull(self, entity, cursor, full=False):
        yield Page(self.changes, {"page": 1}, api_calls=1)


def test_a_pull_that_meets_the_outboxs_new_link_applies_its_page_again(racing, caplog):
    hub_id = _hub_customer(racing)

    def outbox_links_it() -> None:
        with racing.session(write=True) as s:
            upsert_links(s, "xero", [("customer", hub_id, "c-1", None)])

    fired, done = _before_link_insert(racing, outbox_links_it)
    try:
        with caplog.at_level(logging.WARNING, logger="revhub.sync.store_retry"):
            summary = run_sync(racing, OnePage(customer("c-1", "1")), "xero", "customer")
    finally:
        done()
    assert fired and summary.status == "succeeded", summary.note
    assert _xero_links(racing) == [(hub_id, "c-1")]
    assert any("uq_links_entity" in r.getMessage() and "sync xero/customer" in r.getMessage()
               for r in caplog.records)


class _Refused(Exception):
    """What psycopg raises for a unique violation: the constraint's name in ``diag``."""

    def __init__(self, constraint: str) -> None:
        super().__init__(f'duplicate key value violates unique constraint "{constraint}"')
        self.diag = type("Diag", (), {"constraint_name": constraint})()


@pytest.mark.parametrize(("constraint", "tries"), [("uq_links_entity_canonical_id_system", RACE_ATTEMPTS),
                                                   ("uq_links_entity_system_external_id", RACE_ATTEMPTS),
                                                   ("uq_customers_internal_number", 1)])
def test_a_transaction_that_keeps_losing_is_tried_a_bounded_number_of_times(constraint, tries):
    """Only the raced link keys are tried again, and only so often; the last refusal is raised."""
    calls = []

    def step() -> None:
        calls.append(1)
        raise IntegrityError("INSERT INTO links ...", {}, _Refused(constraint))

    with pytest.raises(IntegrityError, match=constraint):
        retrying_races(step, "a test step")
    assert len(calls) == tries


def test_the_outbox_records_its_write_over_the_link_a_pull_committed_meanwhile(racing):
    hub_id = _hub_customer(racing)

    class Xero:
        def push(self, entity, items):
            return [WriteResult(i.message_id, "sent", external_id="c-1") for i in items]

    def pull_links_it() -> None:  # Xero's pull finds the new contact by its e-mail and links it
        apply(racing, "xero", customer("c-1", "1"))

    worker = OutboxWorker(racing, None, "outbox-test")
    worker._pushers["xero"] = Xero()
    fired, done = _before_link_insert(racing, pull_links_it)
    try:
        result = worker.drain(target="xero")
    finally:
        done()
    assert fired and (result.sent, result.dead) == (1, 0)
    assert _xero_links(racing) == [(hub_id, "c-1")]
    with racing.session() as s:
        assert s.scalars(select(OutboxMessage.status).where(OutboxMessage.target_system == "xero")).all() == \
            ["sent"]


def _product(external_id: str, name: str):
    return Change("product", external_id, "1", dict(sku="RH-PLAT", name=name, active=True),
                  changed_at="2026-11-20T10:00:00+00:00")


def test_two_systems_creating_one_product_by_its_sku_at_once_make_one_product(racing, caplog):
    """Salesforce's pull commits the product RH-PLAT while Stripe's pull of the same SKU is
    about to insert it: Stripe's page is applied again, matches the product by its SKU and
    links to it (before: the run crashed on uq_products_sku)."""
    def salesforce_pulls_it() -> None:
        apply(racing, "salesforce", _product("01t000000000001AAA", "Platform licence (per seat)"))

    fired: list[str] = []

    def hook(conn, cursor, statement, *args) -> None:
        if not fired and statement.lstrip().upper().startswith("INSERT INTO PRODUCTS"):
            fired.append(statement)
            salesforce_pulls_it()

    event.listen(racing.engine, "before_cursor_execute", hook)
    try:
        with caplog.at_level(logging.WARNING, logger="revhub.sync.store_retry"):
            summary = run_sync(racing, OnePage(_product("prod_PLAT", "Platform licence")), "stripe", "product")
    finally:
        event.remove(racing.engine, "before_cursor_execute", hook)
    assert fired and summary.status == "succeeded", summary.note
    with racing.session() as s:
        products = s.scalars(select(Product)).all()
        links = s.execute(select(Link.system, Link.canonical_id).where(Link.entity == "product")).all()
    assert [p.sku for p in products] == ["RH-PLAT"]
    assert sorted(links) == [("salesforce", products[0].id), ("stripe", products[0].id)]
    assert any("uq_products_sku" in r.getMessage() for r in caplog.records)
