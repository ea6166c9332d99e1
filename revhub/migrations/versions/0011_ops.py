"""readiness probe scratch table

Revision ID: 0011_ops
Revises: 0010_leases
Create Date: 2026-11-27 18:10:00
"""

import sqlalchemy as sa
from alembic import op

import revhub.store.base

revision = '0011_ops'
down_revision = '0010_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per serving process, upserted by /healthz/ready: a committed write proves the
    # store takes writes (a full disk or a read-only store fails it).
    op.create_table('readiness_probes',
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('probed_at', revhub.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('holder', name=op.f('pk_readiness_probes'))
    )


def downgrade() -> None:
    op.drop_table('readiness_probes')
