"""the latest API budget each provider reported per connection

Revision ID: 0008_console_records
Revises: 0007_console_auth
Create Date: 2026-11-27 18:00:00
"""

import sqlalchemy as sa
from alembic import op

from revhub.store.base import UTCDateTime

revision = '0008_console_records'
down_revision = '0007_console_auth'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_budgets',
        sa.Column('connection_id', sa.Uuid(), nullable=False),
        sa.Column('observed_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('minute_remaining', sa.Integer(), nullable=True),
        sa.Column('minute_limit', sa.Integer(), nullable=True),
        sa.Column('day_remaining', sa.Integer(), nullable=True),
        sa.Column('day_limit', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], ondelete='CASCADE',
                                name=op.f('fk_api_budgets_connection_id_connections')),
        sa.PrimaryKeyConstraint('connection_id', name=op.f('pk_api_budgets')),
    )


def downgrade() -> None:
    op.drop_table('api_budgets')
