"""alert log with dedupe key, deliveries per channel, marks of the periodic check

Revision ID: 0013_alerts
Revises: 0012_pause
Create Date: 2026-11-27 19:00:00
"""

import sqlalchemy as sa
from alembic import op

import revhub.store.base

revision = '0013_alerts'
down_revision = '0012_pause'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=512), nullable=False),
        sa.Column('first_raised_at', revhub.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_raised_at', revhub.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_sent_at', revhub.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('suppressed', sa.Integer(), nullable=False),
        sa.Column('suppressed_total', sa.Integer(), nullable=False),
        sa.Column('sent_count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_log')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_alert_log_dedupe_key')),
    )
    with op.batch_alter_table('alert_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_log_last_raised_at'), ['last_raised_at'], unique=False)
    op.create_table('alert_deliveries',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('at', revhub.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['alert_log.id'], name=op.f('fk_alert_deliveries_alert_id_alert_log'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries')),
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_deliveries_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_at'), ['at'], unique=False)
    op.create_table('alert_marks',
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('seen', sa.Integer(), nullable=False),
        sa.Column('checked_at', revhub.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_alert_marks')),
    )


def downgrade() -> None:
    op.drop_table('alert_marks')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_at'))
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_alert_id'))
    op.drop_table('alert_deliveries')
    with op.batch_alter_table('alert_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_log_last_raised_at'))
    op.drop_table('alert_log')
