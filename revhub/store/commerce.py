"""The canonical nouns: customers, contacts, products, purchase orders, invoices,
payments, refunds/credit notes and subscriptions (DESIGN.md, "Canonical schema")."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revhub.store.base import Base, CanonicalRecord, currency_column, money_column, utcnow
from revhub.store.ids import new_id

PAYMENT_TERM_DAYS = {"DUE_ON_RECEIPT": 0, "NET15": 15, "NET30": 30, "NET45": 45, "NET60": 60}
PAYMENT_TERMS = tuple(PAYMENT_TERM_DAYS)
# invoice_voided: the PO's invoice was voided; it waits to be re-invoiced or cancelled.
PO_STATUSES = ("received", "approved", "invoiced", "partially_paid", "paid", "cancelled", "invoice_voided")
INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Customer(CanonicalRecord, Base):
    __entity__ = "customer"
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    tax_id: Mapped[str | None] = mapped_column(String(64), index=True)
    billing_line1: Mapped[str | None] = mapped_column(String(255))
    billing_line2: Mapped[str | None] = mapped_column(String(255))
    billing_city: Mapped[str | None] = mapped_column(String(128))
    billing_region: Mapped[str | None] = mapped_column(String(128))
    billing_postal_code: Mapped[str | None] = mapped_column(String(32))
    billing_country: Mapped[str | None] = mapped_column(String(2))
    default_currency: Mapped[str | None] = mapped_column(String(3))
    default_payment_terms: Mapped[str | None] = mapped_column(String(16))
    # An admin paused payment reminders for this customer (revhub.dunning).
    dunning_paused: Mapped[bool] = mapped_column(default=False)
    credit_limit_minor: Mapped[int | None] = money_column(nullable=True)
    # The language the customer reads (portal and e-mails): "en" or "nl"; NULL reads as "en".
    language: Mapped[str | None] = mapped_column(String(2))

    contacts: Mapped[list[Contact]] = relationship(back_populates="customer")


class Contact(CanonicalRecord, Base):
    __entity__ = "contact"
    __tablename__ = "contacts"
    __table_args__ = (_one_of("role", ("billing", "purchasing", "other"), "role"),)

    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(16), default="billing")

    customer: Mapped[Customer | None] = relationship(back_populates="contacts")


# E-mail is a natural key matched case-insensitively (``sync.lookups``): ``lower(email)`` is
# what each page of a sync looks up, and without its own index every page scanned the table
# the same sync was filling (the cost per record grew with the store).
for _table in (Customer.__table__, Contact.__table__):
    Index(f"ix_{_table.name}_lower_email", func.lower(_table.c.email))

class Product(CanonicalRecord, Base):
    __entity__ = "product"
    __tablename__ = "products"
    __table_args__ = (
        _one_of("recurring_interval", ("day", "week", "month", "year"), "recurring_interval"),
    )

    sku: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    unit_amount_minor: Mapped[int | None] = money_column(nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    # NULL means a one-off product.
    recurring_interval: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)


class PurchaseOrder(CanonicalRecord, Base):
    __entity__ = "purchase_order"
    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "po_number"),
        _one_of("status", PO_STATUSES, "status"),
        _one_of("payment_terms", PAYMENT_TERMS, "payment_terms"),
        CheckConstraint(
            "subscription_end IS NULL OR subscription_start IS NULL "
            "OR subscription_end >= subscription_start",
            name="subscription_period",
        ),
    )

    # Indexed on its own: the (customer_id, po_number) constraint cannot serve a look-up by
    # number (the natural-key match of a PO, an invoice's PO found by the number it quotes).
    po_number: Mapped[str] = mapped_column(String(64), index=True)
    internal_number: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"))
    issue_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = currency_column()
    total_minor: Mapped[int] = money_column()
    subscription_start: Mapped[date | None] = mapped_column(Date)
    subscription_end: Mapped[date | None] = mapped_column(Date)
    payment_terms: Mapped[str] = mapped_column(String(16), default="NET30")
    status: Mapped[str] = mapped_column(String(16), default="received")
    # Line amounts as the PO states them: including VAT (True) or excluding it.
    amounts_include_tax: Mapped[bool] = mapped_column(default=False)
    tax_minor: Mapped[int] = money_column()

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order", cascade="all, delete-orphan", order_by="PurchaseOrderLine.position"
    )
    approvals: Mapped[list[PurchaseOrderApproval]] = relationship(cascade="all, delete-orphan")
    documents: Mapped[list[PurchaseOrderDocument]] = relationship(cascade="all, delete-orphan")


class PurchaseOrderLine(Base):
    __audited__ = True
    __entity__ = "purchase_order_line"
    __tablename__ = "purchase_order_lines"
    __table_args__ = (UniqueConstraint("purchase_order_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(512), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_amount_minor: Mapped[int] = money_column()
    amount_minor: Mapped[int] = money_column()
    tax_code: Mapped[str | None] = mapped_column(String(32))  # revhub.tax.TAX_CODES; NULL: no VAT
    # NULL where the source states no tax (a system without tax on lines); read as 0.
    tax_minor: Mapped[int | None] = money_column(nullable=True)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")


class PurchaseOrderApproval(Base):
    __tablename__ = "purchase_order_approvals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    approver: Mapped[str] = mapped_column(String(255))
    decision: Mapped[str] = mapped_column(String(16))
    # "approver" or "finance_lead": which level of revhub.orders.approvals this decision fills.
    level: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class PurchaseOrderDocument(Base):
    __tablename__ = "purchase_order_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    # Content-addressed: the bytes live in the document store (revhub.documents) under sha256.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Only rows written before the document store hold their bytes here; they stay readable.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    uploader: Mapped[str | None] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invoice(CanonicalRecord, Base):
    __entity__ = "invoice"
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("customer_id", "number"),
        _one_of("status", INVOICE_STATUSES, "status"),
    )

    # Indexed on its own: the (customer_id, number) constraint cannot serve a look-up by number.
    number: Mapped[str | None] = mapped_column(String(64), index=True)
    po_number: Mapped[str | None] = mapped_column(String(64), index=True)
    # Indexed: a page of invoices settles its POs from all of each PO's invoices.
    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"), index=True)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = currency_column()
    subtotal_minor: Mapped[int] = money_column()
    tax_minor: Mapped[int] = money_column()
    total_minor: Mapped[int] = money_column()
    amount_paid_minor: Mapped[int] = money_column()
    amount_due_minor: Mapped[int] = money_column()
    status: Mapped[str] = mapped_column(String(16), default="draft")
    amounts_include_tax: Mapped[bool] = mapped_column(default=False)
    # Stripe's page where the customer pays the invoice (reminders link to it).
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(512))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )


class InvoiceLine(Base):
    __audited__ = True
    __entity__ = "invoice_line"
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(512), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount_minor: Mapped[int] = money_column()
    amount_minor: Mapped[int] = money_column()
    tax_code: Mapped[str | None] = mapped_column(String(32))
    tax_minor: Mapped[int | None] = money_column(nullable=True)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(CanonicalRecord, Base):
    __entity__ = "payment"
    __tablename__ = "payments"
    __table_args__ = (_one_of("status", ("pending", "succeeded", "failed", "reversed"), "status"),)

    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_minor: Mapped[int] = money_column()
    currency: Mapped[str] = currency_column()
    received_at: Mapped[datetime | None] = mapped_column()
    method: Mapped[str | None] = mapped_column(String(32))
    fee_minor: Mapped[int] = money_column()
    net_minor: Mapped[int] = money_column()
    # Indexed: the natural key a payment is matched on at first contact (with its currency).
    reference: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16), default="succeeded")
    # What the processor's balance moved for it, in its settlement currency (a USD charge on a
    # EUR Stripe account settles in EUR): the ledger books foreign money at that realised rate.
    settled_minor: Mapped[int | None] = money_column(nullable=True)
    settled_currency: Mapped[str | None] = mapped_column(String(3))

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan"
    )


class PaymentAllocation(Base):
    __audited__ = True
    __entity__ = "payment_allocation"
    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    payment: Mapped[Payment] = relationship(back_populates="allocations")


class Refund(CanonicalRecord, Base):
    """A refund of a payment or a credit note against an invoice."""

    __entity__ = "refund"
    __tablename__ = "refunds"
    __table_args__ = (_one_of("kind", ("refund", "credit_note"), "kind"),)

    kind: Mapped[str] = mapped_column(String(16), default="refund")
    amount_minor: Mapped[int] = money_column()
    currency: Mapped[str] = currency_column()
    reason: Mapped[str | None] = mapped_column(String(255))
    # The payment processor's refund id (Stripe ``re_…``), quoted in the ledger's credit note.
    reference: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16), default="succeeded")
    issued_at: Mapped[datetime | None] = mapped_column()
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    # What the processor's balance gave back for it, in its settlement currency (as on Payment).
    settled_minor: Mapped[int | None] = money_column(nullable=True)
    settled_currency: Mapped[str | None] = mapped_column(String(3))


class Subscription(CanonicalRecord, Base):
    __entity__ = "subscription"
    __tablename__ = "subscriptions"

    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    current_period_start: Mapped[datetime | None] = mapped_column()
    current_period_end: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(24), default="active")
