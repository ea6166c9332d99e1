"""indexes for three look-ups a sync makes per page: purchase_orders.po_number,
invoices.purchase_order_id and payments.reference

Without them each page of a full sync scanned a table that the same sync is filling: a PO's
natural-key match and an invoice's PO found by the number it quotes (by po_number: the
(customer_id, po_number) constraint cannot serve it), the settlement of those POs from all of
their invoices (by purchase_order_id), and a payment's natural-key match (by reference). The
cost per record grew with the store (bench/bench_sync_scale.py --set mixed).

Revision ID: 0019_lookup_indexes
Revises: 0018_inbox_ack_writes
Create Date: 2026-11-28 04:00:00
"""

from alembic import op

revision = '0019_lookup_indexes'
down_revision = '0018_inbox_ack_writes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_po_number'), ['po_number'], unique=False)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_purchase_order_id'), ['purchase_order_id'], unique=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_reference'), ['reference'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_reference'))
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_purchase_order_id'))
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_po_number'))
