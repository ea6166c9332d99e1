"""One exception per unplaced record, through real syncs of the Xero sandbox: a contact two
canonical customers could be stays one exception however many runs see it, holding its latest
state, and once an admin places it no run files it again."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import select

from revhub.store import Customer, Link, SyncException
from revhub.sync.exception_queue import settle
from revhub.sync.jobs import plan, sync_all
from tests.integration.conftest import sandboxes, vault  # noqa: F401 (fixtures)

pytestmark = pytest.mark.store


def _xero(running, method: str, path: str, **kwargs) -> dict:
    xero = running["xero"]
    tokens = requests.post(f"{xero.url}/__sandbox/tokens").json()
    answer = requests.request(method, f"{xero.url}/api.xro/2.0/{path}", headers={
        "Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": xero.settings["tenant_id"]}, **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _open(db) -> list[SyncException]:
    with db.session() as s:
        return s.scalars(select(SyncException).where(SyncException.status == "open")).all()


def test_a_contact_no_run_can_place_is_one_exception_until_placed(db, vault, sandboxes):  # noqa: F811
    running = sandboxes("xero", companies=1)
    contact = next(c for c in _xero(running, "GET", "Contacts")["Contacts"] if c.get("EmailAddress"))
    with db.session(write=True) as s:  # two customers the contact could be, by its e-mail
        s.add_all([Customer(name="Twin A", email=contact["EmailAddress"]),
                   Customer(name="Twin B", email=contact["EmailAddress"])])
    customers = plan(db, entity="customer")
    sync_all(db, vault, customers)
    sync_all(db, vault, customers, full=True)
    running.clock.advance(600)
    _xero(running, "POST", f"Contacts/{contact['ContactID']}",
          json={"Contacts": [{"ContactID": contact["ContactID"], "Name": "Renamed Between Runs"}]})
    sync_all(db, vault, customers)
    [row] = [r for r in _open(db) if r.external_id == contact["ContactID"]]
    assert row.payload["change"]["record"]["name"] == "Renamed Between Runs"

    with db.session(write=True) as s:
        settle(s, row.id, actor="test:admin", link_to=uuid.UUID(row.candidates[0]))
    sync_all(db, vault, customers, full=True)
    assert [r for r in _open(db) if r.external_id == contact["ContactID"]] == []
    with db.session() as s:
        linked = s.scalar(select(Link.canonical_id).where(Link.system == "xero",
                                                          Link.external_id == contact["ContactID"]))
        assert linked == uuid.UUID(row.candidates[0])
