"""payouts and fees: refund references, payouts, fee bookings

Revision ID: 0004_money
Revises: 0002
Create Date: 2026-11-27 15:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_money'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_refunds_reference'), ['reference'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_reference'))
        batch_op.drop_column('reference')
