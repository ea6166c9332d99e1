"""tax codes and tax amounts on PO and invoice lines, amounts inclusive or exclusive of tax

Revision ID: 0003_tax
Revises: 0002
Create Date: 2026-11-27 15:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_tax'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amounts_include_tax', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('tax_minor', sa.BigInteger(), nullable=False, server_default='0'))

    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('tax_minor', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amounts_include_tax', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('tax_minor', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_column('tax_minor')
        batch_op.drop_column('tax_code')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('amounts_include_tax')

    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_column('tax_minor')
        batch_op.drop_column('tax_code')

    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_column('amounts_include_tax')
        batch_op.drop_column('tax_minor')
