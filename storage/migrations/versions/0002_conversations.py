"""conversations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('conversation_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('service_url', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('welcomed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_conversation_id'), ['conversation_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_conversation_id'))

    op.drop_table('conversation')
