"""an index on invoices.number: a PO's next invoice number and the natural-key match look it up

Without it both scanned every invoice, so a month-end of 20,000 POs cost time in proportion to
the square of the invoices (bench/bench_month_end.py).

Revision ID: 0017_invoice_number_index
Revises: 0016_disputes
Create Date: 2026-11-27 22:45:00
"""

from alembic import op

revision = '0017_invoice_number_index'
down_revision = '0016_disputes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_number'), ['number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_number'))
