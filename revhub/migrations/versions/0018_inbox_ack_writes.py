"""inbox_events: no foreign key on connection_id; on PostgreSQL the status index only over waiting rows

Every acknowledged webhook is one row written while the provider waits. The foreign key's check
locked the connection's row in each of those transactions (a row lock written to the WAL; with
several inbox connections at once, a multixact), for an id the endpoint had just read from
that table; connections are disabled, never deleted. The status index held every row ever
received; the worker's claim, the drains, the console and the metrics look up only pending,
processing, failed and parked rows, so on PostgreSQL it now holds only those (a processed
event leaves it instead of adding an entry). SQLite cannot use such an index for
``status IN ('pending', 'failed')``, so there it stays whole.

Revision ID: 0018_inbox_ack_writes
Revises: 0017_invoice_number_index
Create Date: 2026-11-28 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0018_inbox_ack_writes'
down_revision = '0017_invoice_number_index'
branch_labels = None
depends_on = None

_WAITING = sa.text("status IN ('pending', 'processing', 'failed', 'parked')")


def upgrade() -> None:
    # Batch mode: SQLite drops a foreign key only by rebuilding the table.
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_inbox_events_connection_id_connections'), type_='foreignkey')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index(op.f('ix_inbox_events_status'), table_name='inbox_events')
        op.create_index(op.f('ix_inbox_events_status'), 'inbox_events', ['status'], unique=False,
                        postgresql_where=_WAITING)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index(op.f('ix_inbox_events_status'), table_name='inbox_events')
        op.create_index(op.f('ix_inbox_events_status'), 'inbox_events', ['status'], unique=False)
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_inbox_events_connection_id_connections'), 'connections',
                                    ['connection_id'], ['id'])
