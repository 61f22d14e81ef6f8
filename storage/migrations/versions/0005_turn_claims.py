"""turn claims: a lease, completion and the replies held for delivery

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_activity') as batch:
        batch.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('replies', sa.JSON(), nullable=True))
    # Claims made before this revision were handled to the end or are long gone: done.
    op.execute("UPDATE processed_activity SET claimed_at = created_at, completed_at = created_at, "
               "delivered_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table('processed_activity') as batch:
        batch.drop_column('replies')
        batch.drop_column('delivered_at')
        batch.drop_column('completed_at')
        batch.drop_column('claimed_at')
