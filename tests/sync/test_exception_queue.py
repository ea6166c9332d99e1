"""The exception queue: an ambiguous first contact is settled by an admin, and the held
change is then applied as the source system sent it."""

import uuid

import pytest
from sqlalchemy import func, select

from revhub.store import Customer, Link, SyncException
from revhub.sync.exception_queue import ExceptionQueueError, settle
from tests.sync.changes import apply, customer, payment_of

pytestmark = pytest.mark.store


@pytest.fixture
def ambiguous(connections):
    """Two customers share ap@dup.example; Xero's contact with that e-mail cannot be placed."""
    with connections.session(write=True) as s:
        s.add(Customer(name="Dup Holdings", email="ap@dup.example"))
        s.add(Customer(name="Dup Holdings (EU)", email="ap@dup.example"))
    apply(connections, "xero", customer("x-77", "1", name="Dup Holdings GmbH", email="ap@dup.example", tax_id=None))
    with connections.session() as s:
        row = s.scalars(select(SyncException)).one()
    return row.id, [uuid.UUID(c) for c in row.candidates]


def settle_now(db, exception_id, **kwargs):
    with db.session(write=True) as s:
        return settle(s, exception_id, actor="console:dana", **kwargs).status


def xero_link(db):
    with db.session() as s:
        return s.scalar(select(Link.canonical_id).where(Link.system == "xero", Link.external_id == "x-77"))


def test_naming_a_candidate_links_the_record_and_applies_the_held_change(connections, ambiguous):
    exception_id, candidates = ambiguous
    assert settle_now(connections, exception_id, link_to=candidates[1]) == "resolved"
    assert xero_link(connections) == candidates[1]
    with connections.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 2
        assert s.get(SyncException, exception_id).resolved_by == "console:dana"


def test_declaring_it_new_creates_a_record_of_its_own(connections, ambiguous):
    exception_id, candidates = ambiguous
    settle_now(connections, exception_id, create=True)
    created = xero_link(connections)
    assert created is not None and created not in candidates
    with connections.session() as s:
        assert s.get(Customer, created).name == "Dup Holdings GmbH"


def test_a_record_that_is_not_a_candidate_is_refused(connections, ambiguous):
    exception_id, _ = ambiguous
    with pytest.raises(ExceptionQueueError, match="not one of the candidates"):
        settle_now(connections, exception_id, link_to=uuid.uuid4())
    assert xero_link(connections) is None


def test_a_change_waiting_for_its_reference_can_only_be_dismissed(connections):
    apply(connections, "stripe", customer("cus_1", "1"))
    apply(connections, "stripe", payment_of("in_never"))
    with connections.session() as s:
        waiting = s.scalar(select(SyncException.id).where(SyncException.kind == "waiting_for_reference"))
    with pytest.raises(ExceptionQueueError, match="can only be dismissed"):
        settle_now(connections, waiting, create=True)
    assert settle_now(connections, waiting, dismiss=True) == "dismissed"


def test_the_cli_lists_an_exception_with_its_candidates_and_settles_it(connections, ambiguous, database_url, tmp_path):
    from click.testing import CliRunner

    from revhub.cli import main

    exception_id, candidates = ambiguous
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    listed = CliRunner().invoke(main, ["exceptions", "list"], env=env)
    assert listed.exit_code == 0 and f"#{exception_id} ambiguous_match customer xero:x-77" in listed.output
    assert all(f"candidate {c}" in listed.output for c in candidates)
    both = CliRunner().invoke(main, ["exceptions", "resolve", str(exception_id), "--create", "--dismiss"], env=env)
    assert both.exit_code == 2 and "exactly one of" in both.output
    done = CliRunner().invoke(main, ["exceptions", "resolve", str(exception_id), "--link", str(candidates[0])], env=env)
    assert done.exit_code == 0, done.output
    assert xero_link(connections) == candidates[0]
