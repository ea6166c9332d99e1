"""A Xero batch whose results cannot all be recorded: the others are recorded, the one that
cannot is a dead letter naming what Xero did; and a batch retried with a changed body is a new
request to Xero (a new Idempotency-Key), not one refused for reusing the old key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from revhub.mappings.outbox import OutboxResult, OutboxWorker, build_items, claim
from revhub.mappings.writes import WriteResult
from revhub.store import Link, OutboxMessage
from revhub.sync.jobs import sync_one
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import xero_get

pytestmark = pytest.mark.store


def _stripe_customers(running, db, vault, *names: str) -> None:
    client = stripe_client(running)
    for n, name in enumerate(names):
        client.v1.customers.create(params={"name": name, "email": f"ap{n}@{name.split()[0].lower()}.example"})
    assert sync_one(db, vault, "stripe", "customer").status == "succeeded"


def _messages(db) -> list[tuple[str, str | None]]:
    with db.session() as s:
        return sorted((m.status, m.last_error) for m in s.scalars(
            select(OutboxMessage).where(OutboxMessage.target_system == "xero")))


def _xero_contacts(running) -> list[str]:
    return sorted(c["Name"] for c in xero_get(running, "Contacts?page=1")["Contacts"])


def test_one_result_that_cannot_be_recorded_does_not_hold_or_kill_the_rest_of_its_batch(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=None)
    # Two Stripe customers of one name: Xero upserts contacts by name, so both get one ContactID,
    # and the second link to it breaks the store's (entity, system, external id) uniqueness.
    _stripe_customers(running, db, vault, "Twin Traders BV", "Twin Traders BV", "Innocent Imports BV")

    result = OutboxWorker(db, vault, "w").drain(target="xero")  # raised IntegrityError before

    # Each result recorded in its own transaction: the twin's link moves to the newer record
    # (upsert_links' rule for one remote record standing for a newer canonical one), and
    # nothing is left "processing" to be sent again.
    assert (result.sent, result.dead, result.retried) == (3, 0, 0)
    assert [s for s, _ in _messages(db)] == ["sent", "sent", "sent"]
    assert _xero_contacts(running) == ["Innocent Imports BV", "Twin Traders BV"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Link).where(Link.system == "xero")) == 2


def test_a_batch_retried_with_a_changed_body_is_sent_not_refused_for_its_old_key(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=None)
    _stripe_customers(running, db, vault, "Keyed Kitchens BV", "Second Supplies BV")
    killed = OutboxWorker(db, vault, "w1")
    killed._record = lambda *args, **kwargs: (_ for _ in ()).throw(SystemExit("killed before commit"))
    with pytest.raises(SystemExit):  # Xero accepted the batch; its answer was never recorded
        killed.drain(target="xero")
    with db.session(write=True) as s:  # the dead worker's claims expire
        s.execute(update(OutboxMessage).where(OutboxMessage.status == "processing").values(
            status="pending", locked_by=None, locked_until=None))

    retry = OutboxWorker(db, vault, "w2")
    pusher = retry.pusher("xero")
    original = pusher._contact

    def edited_since(customer, contact_id=None):  # the record changed between the two attempts
        body = original(customer, contact_id)
        body["EmailAddress"] = "ap@edited.example"
        return body

    pusher._contact = edited_since
    result = retry.drain(target="xero")

    assert (result.sent, result.dead) == (2, 0), _messages(db)
    assert _xero_contacts(running) == ["Keyed Kitchens BV", "Second Supplies BV"]
    emails = {c["EmailAddress"] for c in xero_get(running, "Contacts?page=1")["Contacts"]}
    assert emails == {"ap@edited.example"}


def test_a_result_the_store_refuses_is_a_dead_letter_naming_what_xero_did(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=None)
    _stripe_customers(running, db, vault, "Alpha Analytics BV", "Beta Bakeries BV")
    OutboxWorker(db, vault, "w").drain(target="xero")
    with db.session() as s:
        ids = dict(s.execute(select(Link.canonical_id, Link.external_id).where(
            Link.system == "xero", Link.entity == "customer")).all())
    assert len(ids) == 2
    client = stripe_client(running)
    for customer in client.v1.customers.list(params={"limit": 10}).data:
        client.v1.customers.update(customer.id, params={"email": f"billing@{customer.id.lower()}.example"})
    assert sync_one(db, vault, "stripe", "customer").status == "succeeded"

    worker = OutboxWorker(db, vault, "w")
    messages = claim(db, "w", "xero")
    items = build_items(db, "xero", "customer", messages)
    alpha, beta = sorted(items, key=lambda i: i.record["name"])
    # Xero answers Alpha's update with Beta's contact (as after a merge of the two in Xero): the
    # store cannot link two customers to one contact, and Beta's own result must still be kept.
    outcomes = [WriteResult(alpha.message_id, "sent", external_id=ids[beta.record_id]),
                WriteResult(beta.message_id, "sent", external_id=ids[beta.record_id])]
    result = OutboxResult()
    worker._record("xero", "customer", items, outcomes, result)

    assert (result.sent, result.dead) == (1, 1)
    with db.session() as s:
        dead = s.get(OutboxMessage, alpha.message_id)
        sent = s.get(OutboxMessage, beta.message_id)
    assert (dead.status, sent.status) == ("dead", "sent")
    assert dead.remote_id == ids[beta.record_id]
    assert dead.last_error.startswith(f"xero answered sent as {ids[beta.record_id]}, but the result could not")
    assert "unique" in dead.last_error.lower() and "\n" not in dead.last_error  # the database's one line
