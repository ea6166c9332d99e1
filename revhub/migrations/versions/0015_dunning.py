"""approval thresholds and levels, the dunning schedule, reminders, hosted invoice links

Revision ID: 0015_dunning
Revises: 0014_portal
Create Date: 2026-11-27 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_dunning'
down_revision = '0014_portal'
branch_labels = None
depends_on = None

# The default schedule (days from the due date) for every payment term.
_DEFAULT_STEPS = ((-3, 'friendly'), (0, 'due'), (7, 'reminder'), (14, 'reminder'), (30, 'escalation'), (45, 'final'))
_TERMS = ('DUE_ON_RECEIPT', 'NET15', 'NET30', 'NET45', 'NET60')


def upgrade() -> None:
    op.create_table(
        'approval_thresholds',
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('approver_above_minor', sa.BigInteger(), nullable=False),
        sa.Column('finance_lead_above_minor', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('currency', name=op.f('pk_approval_thresholds')),
    )
    steps = op.create_table(
        'dunning_steps',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('payment_terms', sa.String(length=16), nullable=False),
        sa.Column('offset_days', sa.Integer(), nullable=False),
        sa.Column('tone', sa.String(length=16), nullable=False),
        sa.CheckConstraint("tone IN ('friendly', 'due', 'reminder', 'escalation', 'final')", name=op.f('ck_dunning_steps_tone')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_steps')),
        sa.UniqueConstraint('payment_terms', 'offset_days', name=op.f('uq_dunning_steps_payment_terms_offset_days')),
    )
    op.bulk_insert(steps, [{'payment_terms': t, 'offset_days': d, 'tone': tone}
                           for t in _TERMS for d, tone in _DEFAULT_STEPS if not (t == 'DUE_ON_RECEIPT' and d < 0)])
    op.create_table(
        'reminders',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('invoice_id', sa.Uuid(), nullable=False),
        sa.Column('step', sa.String(length=64), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('amount_due_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('salesforce_task_id', sa.String(length=18), nullable=True),
        sa.CheckConstraint("status IN ('sending', 'sent', 'failed', 'uncertain')", name=op.f('ck_reminders_status')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_reminders_invoice_id_invoices'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
        sa.UniqueConstraint('key', name=op.f('uq_reminders_key')),
    )
    op.create_index(op.f('ix_reminders_invoice_id'), 'reminders', ['invoice_id'], unique=False)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dunning_paused', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finance_lead', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('purchase_order_approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=16), nullable=True))
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hosted_invoice_url', sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('hosted_invoice_url')
    with op.batch_alter_table('purchase_order_approvals', schema=None) as batch_op:
        batch_op.drop_column('level')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('finance_lead')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('dunning_paused')
    op.drop_index(op.f('ix_reminders_invoice_id'), table_name='reminders')
    op.drop_table('reminders')
    op.drop_table('dunning_steps')
    op.drop_table('approval_thresholds')
