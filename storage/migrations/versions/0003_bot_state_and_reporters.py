"""bot state and reporters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bot_state',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('processed_activity',
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('activity_id', 'conversation_id')
    )
    with op.batch_alter_table('processed_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_activity_created_at'), ['created_at'], unique=False)

    op.create_table('reporter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('committee', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('principal', 'committee', name='uq_reporter_principal_committee')
    )


def downgrade() -> None:
    op.drop_table('reporter')
    with op.batch_alter_table('processed_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_activity_created_at'))

    op.drop_table('processed_activity')
    op.drop_table('bot_state')
