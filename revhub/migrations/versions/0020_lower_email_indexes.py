"""indexes on lower(email) of customers and contacts, the natural key a sync matches them on

``sync.lookups.natural_key_candidates`` compares e-mails case-insensitively, ``lower(email) IN
(...)`` (``= ANY`` on PostgreSQL), which the plain e-mail index cannot serve: each page of a
customer or contact sync scanned the table that the same sync was filling, so a full sync's
cost grew with the square of the store (bench/bench_sync_scale.py --set mixed at 200k).

Revision ID: 0020_lower_email_indexes
Revises: 0019_lookup_indexes
Create Date: 2026-11-28 04:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0020_lower_email_indexes'
down_revision = '0019_lookup_indexes'
branch_labels = None
depends_on = None

TABLES = ('customers', 'contacts')


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f'ix_{table}_lower_email', table, [sa.text('lower(email)')], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f'ix_{table}_lower_email', table_name=table)
