"""payouts and fees: refund references, payouts, fee bookings

Revision ID: 0004_money
Revises: 0005_po_void
Create Date: 2026-11-27 15:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

from revhub.store.base import UTCDateTime

revision = '0004_money'
down_revision = '0005_po_void'
branch_labels = None
depends_on = None


def _canonical_columns() -> list[sa.Column]:
    return [sa.Column('id', sa.Uuid(), nullable=False),
            sa.Column('version', sa.Integer(), nullable=False),
            sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
            sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
            sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True),
            sa.Column('field_sources', sa.JSON(), nullable=False)]


def upgrade() -> None:
    op.create_table('fees', *_canonical_columns(),
                    sa.Column('reference', sa.String(length=255), nullable=False),
                    sa.Column('payment_id', sa.Uuid(), nullable=True),
                    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
                    sa.Column('currency', sa.String(length=3), nullable=False),
                    sa.Column('incurred_at', UTCDateTime(timezone=True), nullable=True),
                    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_fees_payment_id_payments')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_fees')))
    with op.batch_alter_table('fees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fees_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fees_reference'), ['reference'], unique=False)
    op.create_table('payouts', *_canonical_columns(),
                    sa.Column('reference', sa.String(length=255), nullable=False),
                    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
                    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
                    sa.Column('currency', sa.String(length=3), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('initiated_at', UTCDateTime(timezone=True), nullable=True),
                    sa.Column('arrival_date', sa.Date(), nullable=True),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')))
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_reference'), ['reference'], unique=False)
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_refunds_reference'), ['reference'], unique=False)


def downgrade() -> None:
    op.drop_table('payouts')
    op.drop_table('fees')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_reference'))
        batch_op.drop_column('reference')
