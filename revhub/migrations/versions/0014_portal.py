"""customer PO portal: invitations, the customer's language, PO documents content-addressed

Revision ID: 0014_portal
Revises: 0013_alerts
Create Date: 2026-11-27 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_portal'
down_revision = '0013_alerts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'portal_invitations',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('customer_id', sa.Uuid(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('created_by', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_portal_invitations_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_invitations')),
    )
    with op.batch_alter_table('portal_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_invitations_customer_id'), ['customer_id'], unique=False)
    op.create_table(
        'document_pushes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('document_id', sa.Uuid(), nullable=False),
        sa.Column('system', sa.String(length=64), nullable=False),
        sa.Column('target_id', sa.String(length=64), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=False),
        sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['purchase_order_documents.id'], name=op.f('fk_document_pushes_document_id_purchase_order_documents'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_pushes')),
        sa.UniqueConstraint('document_id', 'system', name=op.f('uq_document_pushes_document_id_system')),
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    with op.batch_alter_table('purchase_order_documents', schema=None) as batch_op:
        # Old rows keep their bytes in ``content``; new ones live in the document store by sha256.
        batch_op.alter_column('content', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column('size_bytes', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('uploader', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_purchase_order_documents_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('purchase_order_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_documents_sha256'))
        batch_op.drop_column('uploader')
        batch_op.drop_column('size_bytes')
        batch_op.alter_column('content', existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table('document_pushes')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('portal_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_invitations_customer_id'))
    op.drop_table('portal_invitations')
