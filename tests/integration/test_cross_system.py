"""Several systems into one store: one customer per company, conflicts between systems."""

import pytest
from sqlalchemy import func, select

from revhub.store import Conflict, Customer, Link
from revhub.sync.jobs import plan, sync_all

pytestmark = pytest.mark.store


def test_a_company_known_to_salesforce_and_xero_is_one_canonical_customer(db, vault, sandboxes):
    sandboxes("salesforce", "xero", companies=6)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    with db.session() as s:
        customers = s.scalar(select(func.count()).select_from(Customer))
        per_system = dict(s.execute(select(Link.system, func.count()).where(Link.entity == "customer")
                                    .group_by(Link.system)).all())
        linked_twice = s.scalar(select(func.count()).select_from(
            select(Link.canonical_id).where(Link.entity == "customer").group_by(Link.canonical_id)
            .having(func.count() == 2).subquery()))
    assert customers == 6
    assert per_system == {"salesforce": 6, "xero": 6}
    assert linked_twice == 6


def _edit(sandbox, change):
    change(sandbox)


def test_the_same_field_changed_in_salesforce_and_xero_is_one_conflict_with_base_and_both_values(
        db, vault, sandboxes):
    running = sandboxes("salesforce", "xero", companies=2)
    sync_all(db, vault, plan(db))
    with db.session() as s:
        customer = s.scalars(select(Customer).order_by(Customer.name)).first()
        sf_id = s.scalar(select(Link.external_id).where(Link.canonical_id == customer.id, Link.system == "salesforce"))
        xero_id = s.scalar(select(Link.external_id).where(Link.canonical_id == customer.id, Link.system == "xero"))
    original = customer.email
    running.clock.advance(600)
    sf = running["salesforce"]
    import requests

    from revhub.sandbox.tls import trusting_session

    token = sf.sandbox.sessions.static_token
    session = trusting_session(sf.settings["ca_bundle"])
    response = session.patch(f"{sf.url}/services/data/v62.0/sobjects/Account/{sf_id}",
                             json={"Billing_Email__c": "finance@changed-in-salesforce.example"},
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204, response.text
    xero = running["xero"]
    tokens = requests.post(f"{xero.url}/__sandbox/tokens").json()
    response = requests.post(f"{xero.url}/api.xro/2.0/Contacts/{xero_id}",
                             json={"Contacts": [{"ContactID": xero_id,
                                                 "EmailAddress": "payables@changed-in-xero.example"}]},
                             headers={"Authorization": f"Bearer {tokens['access_token']}",
                                      "xero-tenant-id": xero.settings["tenant_id"]})
    assert response.status_code == 200, response.text
    sync_all(db, vault, plan(db, entity="customer"))
    with db.session() as s:
        conflicts = s.scalars(select(Conflict).where(Conflict.field == "email")).all()
        email = s.scalar(select(Customer.email).where(Customer.id == customer.id))
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict.status == "open" and conflict.base_value == original
    assert {conflict.current_value, conflict.incoming_value} == {"finance@changed-in-salesforce.example",
                                                                 "payables@changed-in-xero.example"}
    assert email == conflict.current_value  # kept until an admin decides
