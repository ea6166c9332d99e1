"""What ``sync.apply`` knows about each canonical entity: its table, the fields a connector
may set, how it is matched on first contact, and its child rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, TypeDecorator

from revhub.store import (
    Contact,
    Customer,
    Dispute,
    Fee,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Payout,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Refund,
    Subscription,
)


@dataclass(frozen=True)
class Children:
    """Child rows carried in a record as a list of dicts under ``field``."""

    field: str
    table: Table
    parent_key: str
    columns: tuple[str, ...]
    refs: dict[str, str] = field(default_factory=dict)  # column -> referenced entity


@dataclass(frozen=True)
class EntitySpec:
    name: str
    model: type
    fields: tuple[str, ...]
    refs: dict[str, str]                          # column -> referenced entity
    natural_keys: tuple[tuple[str, ...], ...]     # tried in order on first contact
    children: Children | None = None
    # Nullable references that, when a change names them, must resolve before it is applied
    # (it is parked until then rather than stored unlinked).
    wait_for: tuple[str, ...] = ()

    @property
    def table(self) -> Table:
        return self.model.__table__


def _spec(name, model, fields, refs=None, natural_keys=(), children=None, wait_for=()) -> EntitySpec:
    return EntitySpec(name, model, tuple(fields.split()), refs or {}, natural_keys, children, wait_for)


ENTITIES: dict[str, EntitySpec] = {s.name: s for s in (
    _spec("customer", Customer,
          "name email tax_id billing_line1 billing_line2 billing_city billing_region "
          "billing_postal_code billing_country default_currency default_payment_terms credit_limit_minor",
          natural_keys=(("email",), ("tax_id",))),
    _spec("contact", Contact, "customer_id name email role", {"customer_id": "customer"},
          natural_keys=(("email",),)),
    _spec("product", Product, "sku name unit_amount_minor currency recurring_interval active",
          natural_keys=(("sku",),)),
    _spec("purchase_order", PurchaseOrder,
          "po_number customer_id issue_date currency total_minor subscription_start subscription_end "
          "payment_terms status amounts_include_tax tax_minor lines",
          {"customer_id": "customer"}, natural_keys=(("po_number", "customer_id"),),
          children=Children("lines", PurchaseOrderLine.__table__, "purchase_order_id",
                            ("position", "product_id", "description", "quantity",
                             "unit_amount_minor", "amount_minor", "tax_code", "tax_minor"),
                            {"product_id": "product"})),
    _spec("invoice", Invoice,
          "number po_number purchase_order_id customer_id issue_date due_date currency subtotal_minor "
          "tax_minor total_minor amount_paid_minor amount_due_minor status amounts_include_tax hosted_invoice_url "
          "lines",
          {"customer_id": "customer", "purchase_order_id": "purchase_order"}, natural_keys=(("number", "customer_id"),),
          children=Children("lines", InvoiceLine.__table__, "invoice_id",
                            ("position", "product_id", "description", "quantity",
                             "unit_amount_minor", "amount_minor", "tax_code", "tax_minor"),
                            {"product_id": "product"})),
    _spec("payment", Payment,
          "customer_id amount_minor currency received_at method fee_minor net_minor reference status "
          "settled_minor settled_currency allocations",
          # A processor's payment id quoted as the bookkeeping reference ties the two records.
          {"customer_id": "customer"}, natural_keys=(("reference", "currency"),),
          children=Children("allocations", PaymentAllocation.__table__, "payment_id",
                            ("invoice_id", "amount_minor"), {"invoice_id": "invoice"})),
    _spec("refund", Refund, "kind amount_minor currency reason reference status issued_at payment_id invoice_id "
          "settled_minor settled_currency",
          # The processor's refund id, carried in the ledger's credit note, ties the two records.
          {"payment_id": "payment", "invoice_id": "invoice"}, natural_keys=(("reference", "currency"),),
          # A refund applied before the payment it returns would lose that link for good.
          wait_for=("payment_id",)),
    _spec("subscription", Subscription,
          "customer_id product_id quantity current_period_start current_period_end status",
          {"customer_id": "customer", "product_id": "product"}),
    # The processor's fee on a charge, in its settlement currency; booked per the connection's fee treatment.
    _spec("fee", Fee, "reference payment_id amount_minor currency incurred_at", {"payment_id": "payment"},
          natural_keys=(("reference",),), wait_for=("payment_id",)),
    # A chargeback on a payment; the invoice is the one the payment settled (if any).
    _spec("dispute", Dispute, "reference payment_id invoice_id customer_id amount_minor currency reason status "
          "evidence_due_by opened_at closed_at settled_currency withdrawn_minor reinstated_minor fee_minor "
          "fee_returned_minor",
          {"payment_id": "payment", "invoice_id": "invoice", "customer_id": "customer"},
          natural_keys=(("reference",),), wait_for=("payment_id",)),
    _spec("payout", Payout, "reference amount_minor fee_minor currency status initiated_at arrival_date",
          natural_keys=(("reference",),)),
)}

# Parents before children, so references resolve in one pass of a full sync.
SYNC_ORDER = ("customer", "contact", "product", "purchase_order", "invoice", "payment", "refund",
              "subscription", "fee", "payout", "dispute")


def _to_date(value: Any) -> date | None:
    return None if value is None else (value if isinstance(value, date) else date.fromisoformat(value))


def _to_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def column_converter(table: Table, column: str) -> Callable[[Any], Any]:
    """How a JSON-ready value is written into ``table.column``."""
    python_type = None
    column_type = table.c[column].type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        pass
    if python_type is datetime:
        return _to_datetime
    if python_type is date:
        return _to_date
    if python_type is uuid.UUID:
        return lambda value: value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(value)
    return lambda value: value
