"""The canonical store: models, engine set-up, audit hooks and migrations."""

from revhub.store import audit  # noqa: F401  (installs the audit hooks)
from revhub.store.alerts import AlertDelivery, AlertLog, AlertMark
from revhub.store.base import Base, utcnow
from revhub.store.bookkeeping import (
    AuditEntry,
    Conflict,
    Connection,
    InboxEvent,
    JobLease,
    Link,
    OutboxMessage,
    SyncCursor,
    SyncException,
    SyncRun,
)
from revhub.store.budgets import ApiBudget
from revhub.store.commerce import (
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Product,
    PurchaseOrder,
    PurchaseOrderApproval,
    PurchaseOrderDocument,
    PurchaseOrderLine,
    Refund,
    Subscription,
)
from revhub.store.db import Database, make_engine
from revhub.store.disputes import Dispute
from revhub.store.dunning import ApprovalThreshold, DunningStep, Reminder
from revhub.store.ledger import Fee, Payout
from revhub.store.people import ApiToken, ConsoleSession, SignInFailure, User
from revhub.store.portal import DocumentPush, PortalInvitation
from revhub.store.probes import ReadinessProbe
from revhub.store.recon import Policy, ReconMatch

__all__ = [
    "AlertDelivery", "AlertLog", "AlertMark",
    "ApprovalThreshold", "DunningStep", "Reminder",
    "ApiToken", "ConsoleSession", "SignInFailure", "User",
    "ApiBudget", "AuditEntry", "Base", "Conflict", "Connection", "Contact", "Customer", "Database", "Dispute", "Fee",
    "InboxEvent", "Invoice", "InvoiceLine", "JobLease", "Link", "OutboxMessage", "Payment",
    "DocumentPush", "PortalInvitation",
    "PaymentAllocation", "Payout", "Policy", "Product", "PurchaseOrder", "PurchaseOrderApproval",
    "PurchaseOrderDocument", "PurchaseOrderLine", "ReadinessProbe", "ReconMatch", "Refund", "Subscription",
    "SyncCursor", "SyncException", "SyncRun", "make_engine", "utcnow",
]
