"""fenced job leases and the lease a sync run works under

Revision ID: 0010_leases
Revises: 0009_recon
Create Date: 2026-11-27 18:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_leases'
down_revision = '0009_recon'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('lease_token', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('lease_token')
        batch_op.drop_column('holder')
    with op.batch_alter_table('job_leases', schema=None) as batch_op:
        batch_op.drop_column('token')
