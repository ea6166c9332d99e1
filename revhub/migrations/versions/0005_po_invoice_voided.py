"""purchase order status invoice_voided

Revision ID: 0005_po_void
Revises: 0002
Create Date: 2026-11-27 15:30:00
"""

from alembic import op

revision = '0005_po_void'
down_revision = '0003_tax'
branch_labels = None
depends_on = None

_BEFORE = ('received', 'approved', 'invoiced', 'partially_paid', 'paid', 'cancelled')
_AFTER = _BEFORE + ('invoice_voided',)


def _status_check(values: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{v}'" for v in values))


def upgrade() -> None:
    # Batch mode: SQLite can only change a check constraint by rebuilding the table.
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_purchase_orders_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_purchase_orders_status'), _status_check(_AFTER))


def downgrade() -> None:
    # A voided-invoice PO has no older name: it goes back to invoiced, where it was stuck before.
    op.execute("UPDATE purchase_orders SET status = 'invoiced' WHERE status = 'invoice_voided'")
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_purchase_orders_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_purchase_orders_status'), _status_check(_BEFORE))
