"""Each reminder sent is a Task on the customer's Salesforce Account (read back from the
sandbox through simple-salesforce); pushing again never makes a second Task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from simple_salesforce import Salesforce
from sqlalchemy import select

from revhub.connectors.base import Change
from revhub.connectors.salesforce.settings import API_VERSION
from revhub.dunning.activity import push_pending
from revhub.dunning.sender import send_due
from revhub.mail import send
from revhub.sandbox.tls import trusting_session
from revhub.store import Customer, Link, Reminder
from revhub.sync.apply import apply_changes
from revhub.sync.context import context_for
from revhub.sync.jobs import plan, sync_all
from tests.dunning.books import DUE
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)

pytestmark = pytest.mark.store


def crm(running) -> Salesforce:
    sf = running["salesforce"]
    return Salesforce(instance_url=sf.url, session_id=sf.sandbox.sessions.static_token, version=API_VERSION,
                      session=trusting_session(sf.settings["ca_bundle"]))


def test_a_sent_reminder_is_a_task_on_the_account_once(db, vault, sandboxes, smtp_server):  # noqa: F811
    running = sandboxes("salesforce", companies=2)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    with db.session(write=True) as s:
        customer = s.scalar(select(Customer).where(Customer.email.is_not(None)).order_by(Customer.name).limit(1))
        account = s.scalar(select(Link.external_id).where(Link.entity == "customer", Link.canonical_id == customer.id))
        apply_changes(s, context_for(s, "salesforce"), [Change("invoice", "inv-task-1", "1", {
            "number": "RH-000777", "customer_id": str(customer.id), "currency": "EUR", "issue_date": "2026-11-01",
            "due_date": DUE.isoformat(), "subtotal_minor": 5000, "tax_minor": 0, "total_minor": 5000,
            "amount_paid_minor": 0, "amount_due_minor": 5000, "status": "open"})])
    assert send_due(db, send, today=DUE + timedelta(days=7)).sent
    first = push_pending(db, vault)
    assert len(first.created) == 1, first
    with db.session() as s:
        reminder = s.scalar(select(Reminder))
    soql = f"SELECT Id, Subject, WhatId, Status, TaskSubtype, Revhub_Key__c FROM Task WHERE WhatId = '{account}'"
    tasks = crm(running).query_all(soql)["records"]
    assert [(t["Id"], t["WhatId"], t["Status"], t["TaskSubtype"], t["Revhub_Key__c"]) for t in tasks] == \
        [(reminder.salesforce_task_id, account, "Completed", "Email", reminder.key)]
    assert tasks[0]["Subject"] == "Payment reminder sent: Reminder: invoice RH-000777 is overdue"
    with db.session(write=True) as s:  # as if the Task id had not been saved (a crash): the upsert finds it
        s.get(Reminder, reminder.id).salesforce_task_id = None
    assert push_pending(db, vault).created == [reminder.key]
    assert len(crm(running).query_all("SELECT Id FROM Task")["records"]) == 1
