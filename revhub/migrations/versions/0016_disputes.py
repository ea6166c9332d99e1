"""disputes: chargebacks on payments, with what they withdrew from the processor's balance

Revision ID: 0016_disputes
Revises: 0015_dunning
Create Date: 2026-11-27 21:45:00
"""

import sqlalchemy as sa
from alembic import op

from revhub.store.base import UTCDateTime

revision = '0016_disputes'
down_revision = '0015_dunning'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'disputes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('field_sources', sa.JSON(), nullable=False),
        sa.Column('reference', sa.String(length=255), nullable=False),
        sa.Column('payment_id', sa.Uuid(), nullable=True),
        sa.Column('invoice_id', sa.Uuid(), nullable=True),
        sa.Column('customer_id', sa.Uuid(), nullable=True),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('evidence_due_by', UTCDateTime(timezone=True), nullable=True),
        sa.Column('opened_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('settled_currency', sa.String(length=3), nullable=True),
        sa.Column('withdrawn_minor', sa.BigInteger(), nullable=True),
        sa.Column('reinstated_minor', sa.BigInteger(), nullable=True),
        sa.Column('fee_minor', sa.BigInteger(), nullable=True),
        sa.Column('fee_returned_minor', sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'under_review', 'won', 'lost', 'closed')",
                           name=op.f('ck_disputes_status')),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_disputes_payment_id_payments')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_disputes_invoice_id_invoices')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_disputes_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        for column in ('reference', 'payment_id', 'invoice_id', 'customer_id'):
            batch_op.create_index(batch_op.f(f'ix_disputes_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('disputes')
