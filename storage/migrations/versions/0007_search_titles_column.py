"""the search index: the title's words in a column of their own (PostgreSQL: its own GIN index)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

The index is derived data: it is dropped and built again from the assignments and their
current reports, the same way in both directions.
"""
from alembic import op

from storage import search_index

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild()


def downgrade() -> None:
    _rebuild()


def _rebuild() -> None:
    bind = op.get_bind()
    search_index.drop(bind)
    search_index.create(bind)
    search_index.rebuild(bind)
