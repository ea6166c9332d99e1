"""settled amount and currency on payments and refunds

Revision ID: 0006_settled
Revises: 0005_po_void
Create Date: 2026-11-27 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_settled'
down_revision = '0005_po_void'
branch_labels = None
depends_on = None

_TABLES = ('payments', 'refunds')


def upgrade() -> None:
    # Nullable: a record read before this revision has none until a full sync reads it again
    # (until then it is booked as before, at Xero's rate of the day).
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('settled_minor', sa.BigInteger(), nullable=True))
            batch_op.add_column(sa.Column('settled_currency', sa.String(length=3), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('settled_currency')
            batch_op.drop_column('settled_minor')
