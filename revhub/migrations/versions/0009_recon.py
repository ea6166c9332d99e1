"""reconciliation matches with their rule and evidence; admin policies

Revision ID: 0009_recon
Revises: 0008_console_records
Create Date: 2026-11-27 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_recon'
down_revision = '0008_console_records'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recon_matches',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('receipt_kind', sa.String(length=16), nullable=False),
        sa.Column('receipt_id', sa.Uuid(), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('allocations', sa.JSON(), nullable=False),
        sa.Column('unapplied_minor', sa.BigInteger(), nullable=False),
        sa.Column('rate', sa.Numeric(24, 12), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('matched_by', sa.String(length=128), nullable=False),
        sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reversed_by', sa.String(length=128), nullable=True),
        sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('exception_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.ForeignKeyConstraint(['exception_id'], ['exceptions.id'],
                                name=op.f('fk_recon_matches_exception_id_exceptions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_matches')),
    )
    op.create_index(op.f('ix_recon_matches_receipt_id'), 'recon_matches', ['receipt_id'])
    op.create_index(op.f('ix_recon_matches_status'), 'recon_matches', ['status'])
    op.create_table(
        'policies',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_by', sa.String(length=128), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_policies')),
    )


def downgrade() -> None:
    op.drop_table('policies')
    op.drop_index(op.f('ix_recon_matches_status'), table_name='recon_matches')
    op.drop_index(op.f('ix_recon_matches_receipt_id'), table_name='recon_matches')
    op.drop_table('recon_matches')
