"""revhub's receivables figures onto Salesforce: each linked Account gets its customer's key
figures (outstanding, overdue, average days late, on-time rate, as of when), each linked
Purchase_Order__c its PO ledger (invoiced, paid, remaining), so sales sees who pays late
without leaving the CRM.

The fields are the metadata package's (``salesforce/force-app``: ``Account.Revhub_*__c``,
``Purchase_Order__c.Invoiced__c / Paid__c / Remaining__c``). Each write sets absolute values,
so sending the same figures twice changes nothing: a retry is safe without a key. A record
Salesforce refuses is reported with its message; the rest of the batch goes through
(``allOrNone: false``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from revhub.connectors.salesforce.client import SalesforceAPI
from revhub.connectors.salesforce.push import ACCOUNT_OBJECT, BATCH, PO_OBJECT, exact_json
from revhub.money import MoneyError, to_decimal
from revhub.recon.invoice_checks import ledger_of
from revhub.reports.customer_figures import customer_figures
from revhub.reports.store_inputs import receivables
from revhub.store import Link, PurchaseOrder


@dataclass
class FiguresPushed:
    accounts: int = 0
    purchase_orders: int = 0
    refused: list[str] = field(default_factory=list)  # "<sObject id>: <code>: <message>"


def _amount(minor: int, currency: str) -> Decimal:
    try:
        return to_decimal(minor, currency)
    except MoneyError:
        return Decimal(minor)


def _links(session: Session, entity: str, system: str) -> dict[str, str]:
    rows = session.execute(select(Link.canonical_id, Link.external_id).where(
        Link.entity == entity, Link.system == system))
    return {str(c): e for c, e in rows}


def account_records(session: Session, system: str, on: date) -> list[dict[str, Any]]:
    """The Account updates: one per customer linked to an Account of ``system``."""
    accounts = _links(session, "customer", system)
    out = []
    for f in customer_figures(receivables(session), on):
        if f.customer not in accounts:
            continue
        out.append({"attributes": {"type": ACCOUNT_OBJECT}, "Id": accounts[f.customer],
                    "Revhub_Outstanding__c": _amount(f.outstanding_minor, f.currency),
                    "Revhub_Overdue__c": _amount(f.overdue_minor, f.currency),
                    "Revhub_Avg_Days_Late__c": f.average_days_late, "Revhub_On_Time_Rate__c": f.on_time_rate,
                    "Revhub_Figures_As_Of__c": on.isoformat()})
    return out


def po_records(session: Session, system: str) -> list[dict[str, Any]]:
    """The PO ledger updates: one per PO linked to a Purchase_Order__c of ``system``."""
    linked = _links(session, "purchase_order", system)
    out = []
    for po in session.scalars(select(PurchaseOrder).options(selectinload(PurchaseOrder.lines))
                              .where(PurchaseOrder.deleted_at.is_(None)).order_by(PurchaseOrder.internal_number)):
        if str(po.id) not in linked:
            continue
        led = ledger_of(session, po)
        out.append({"attributes": {"type": PO_OBJECT}, "Id": linked[str(po.id)],
                    "Invoiced__c": _amount(led.invoiced_minor, po.currency),
                    "Paid__c": _amount(led.paid_minor, po.currency),
                    "Remaining__c": _amount(led.remaining_minor, po.currency)})
    return out


def push_figures(api: SalesforceAPI, accounts: list[dict[str, Any]], pos: list[dict[str, Any]]) -> FiguresPushed:
    """Send the updates in sObject collections of up to 200.
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
    """
    done = FiguresPushed()
    for records, kind in ((accounts, "accounts"), (pos, "purchase_orders")):
        for start in range(0, len(records), BATCH):
            batch = records[start:start + BATCH]
            body = exact_json({"allOrNone": False, "records": batch})
            answers = api.request(lambda sf, body=body: sf.restful("composite/sobjects", method="PATCH", data=body),
                                  entity="customer" if kind == "accounts" else "purchase_order")
            for record, answer in zip(batch, answers, strict=True):
                if answer.get("success"):
                    setattr(done, kind, getattr(done, kind) + 1)
                else:
                    done.refused += [f"{record['Id']}: {e.get('statusCode')}: {e.get('message')}"
                                     for e in answer.get("errors") or [{}]]
    return done
