"""The console's admin pages: sign in as a named user, settle conflicts and exceptions
through CSRF-protected forms; bad input is a 400 that writes nothing."""

import re
import uuid

import pytest
from sqlalchemy import select

from revhub.store import Conflict, Customer, Link, SyncException
from tests.signin import ensure_user, sign_in
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store


def csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


@pytest.fixture
def admin(app, db):
    client = app.test_client()
    sign_in(client, db, "dana", "admin")
    return client


def test_the_admin_pages_ask_for_sign_in_first(app, conflict_id):
    response = app.test_client().get("/conflicts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_wrong_password_is_refused_beside_the_field(app, db):
    ensure_user(db, "eve", "viewer")
    client = app.test_client()
    page = client.get("/login").data
    response = client.post("/login", data={"csrf_token": csrf(page), "name": "eve", "password": "guess"})
    assert response.status_code == 401 and b'id="f-password-error">name or password is not right' in response.data


def test_a_conflict_shows_base_and_both_values_and_is_resolved_from_its_form(admin, db, conflict_id):
    page = admin.get("/conflicts").data
    assert b"finance@acmelabs.example" in page and b"payables@acmelabs.example" in page
    assert b"ap@acmelabs.example" in page  # the base
    response = admin.post(f"/conflicts/{conflict_id}", data={"csrf_token": csrf(page), "take": "incoming"})
    assert response.status_code == 302
    with db.session() as s:
        assert s.scalar(select(Customer.email)) == "payables@acmelabs.example"
        assert s.get(Conflict, conflict_id).resolved_by == "console:dana"
    assert f"Conflict {conflict_id} resolved".encode() in admin.get("/conflicts").data


def test_a_form_without_its_csrf_token_is_refused(admin, db, conflict_id):
    response = admin.post(f"/conflicts/{conflict_id}", data={"take": "incoming"})
    assert response.status_code == 400
    with db.session() as s:
        assert s.get(Conflict, conflict_id).status == "open"


def test_a_custom_value_that_is_not_json_is_a_400_and_changes_nothing(admin, db, conflict_id):
    page = admin.get("/conflicts").data
    response = admin.post(f"/conflicts/{conflict_id}", data={"csrf_token": csrf(page), "take": "value",
                                                             "value": "ap@acme.example"})
    assert response.status_code == 400 and b"value: give it as JSON" in response.data
    with db.session() as s:
        assert s.get(Conflict, conflict_id).status == "open"


def test_an_ambiguous_match_is_settled_by_choosing_its_candidate(admin, db, connections):
    with db.session(write=True) as s:
        s.add(Customer(name="Dup Holdings", email="ap@dup.example"))
        s.add(Customer(name="Dup Holdings (EU)", email="ap@dup.example"))
    apply(connections, "xero", customer("x-77", "1", email="ap@dup.example", tax_id=None))
    with db.session() as s:
        exception = s.scalars(select(SyncException)).one()
    page = admin.get("/exceptions").data
    assert b"It is Dup Holdings" in page and exception.candidates[0].encode() in page
    response = admin.post(f"/exceptions/{exception.id}", data={
        "csrf_token": csrf(page), "action": "link", "candidate": exception.candidates[0]})
    assert response.status_code == 302
    with db.session() as s:
        linked = s.scalar(select(Link.canonical_id).where(Link.system == "xero", Link.external_id == "x-77"))
    assert linked == uuid.UUID(exception.candidates[0])
