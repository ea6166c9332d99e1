"""Each reminder sent becomes a Task (an activity) on the customer's Salesforce Account, so
sales sees it. Upserted on ``Revhub_Key__c`` (the reminder's key, an external id declared in
the package under ``objects/Activity``): a retry after a crash finds the Task, never makes a twin.

https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import select

from revhub.connections import Vault, update_credentials
from revhub.connectors.errors import ConnectorError
from revhub.connectors.registry import build_connector
from revhub.console.formatting import money_text
from revhub.store import Connection, Database, Invoice, Link, Reminder


@dataclass
class ActivityReport:
    created: list[str] = field(default_factory=list)
    without_account: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def task_fields(reminder: Reminder, invoice: Invoice, account_id: str) -> dict:
    """The Task recording ``reminder`` (completed, an e-mail, dated the day it was sent)."""
    return {"Subject": f"Payment reminder sent: {reminder.subject}"[:255], "WhatId": account_id,
            "ActivityDate": (reminder.sent_at or reminder.created_at).date().isoformat(), "Status": "Completed",
            "Priority": "Normal", "TaskSubtype": "Email",
            "Description": f"revhub sent the {reminder.step} reminder of invoice {invoice.number} to "
                           f"{reminder.recipient}: {money_text(reminder.amount_due_minor, reminder.currency)} due."}


def push_pending(db: Database, vault: Vault) -> ActivityReport:
    """Write a Task for every sent reminder that has none yet, through each Salesforce connection."""
    report = ActivityReport()
    with db.session() as s:
        connections = list(s.scalars(select(Connection).where(Connection.provider == "salesforce",
                                                              Connection.enabled.is_(True),
                                                              # paused: its Tasks wait until it is resumed
                                                              Connection.paused_at.is_(None))))
        pending = list(s.execute(select(Reminder, Invoice).join(Invoice, Invoice.id == Reminder.invoice_id)
                                 .where(Reminder.status == "sent", Reminder.salesforce_task_id.is_(None))))
        s.expunge_all()
    for connection in connections if pending else ():
        try:
            api = build_connector(connection, vault, _saver(db, vault, connection.name)).api
        except ConnectorError as exc:  # a connection not set up: every Task waits for the next run
            report.failed += [(reminder.key, f"{connection.name}: {exc}") for reminder, _ in pending]
            continue
        for reminder, invoice in pending:
            with db.session() as s:
                account = s.scalar(select(Link.external_id).where(
                    Link.entity == "customer", Link.system == connection.name,
                    Link.canonical_id == invoice.customer_id))
            if account is None:
                report.without_account.append(reminder.key)
                continue
            try:
                task_id = _upsert(api, reminder, invoice, account)
            except ConnectorError as exc:
                report.failed.append((reminder.key, str(exc)))
                continue
            with db.session(write=True) as s:
                s.get(Reminder, reminder.id).salesforce_task_id = task_id
            report.created.append(reminder.key)
    return report


def _upsert(api, reminder: Reminder, invoice: Invoice, account: str) -> str:
    # A Task already there (a retry after a crash) is taken as it is: TaskSubtype cannot be
    # updated, so upserting the same body again would be refused.
    soql = f"SELECT Id FROM Task WHERE Revhub_Key__c = '{_soql(reminder.key)}'"
    found = api.request(lambda sf: sf.query(soql), entity="reminder")["records"]
    if found:
        return found[0]["Id"]
    path = f"sobjects/Task/Revhub_Key__c/{quote(reminder.key, safe='')}"
    body = json.dumps(task_fields(reminder, invoice, account))
    answer = api.request(lambda sf: sf.restful(path, method="PATCH", data=body), entity="reminder")
    if isinstance(answer, dict) and answer.get("id"):
        return answer["id"]
    return api.request(lambda sf: sf.query(soql), entity="reminder")["records"][0]["Id"]


def _soql(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _saver(db: Database, vault: Vault, name: str):
    def save(changes: dict) -> None:
        with db.session(write=True) as s:
            update_credentials(s, vault, name, changes)
    return save
