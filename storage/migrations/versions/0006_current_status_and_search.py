"""current status per assignment and period; the full-text search index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

from domain.words import word_list
from storage import search_index

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'current_status',
        sa.Column('assignment_id', sa.Integer(), sa.ForeignKey('assignment.id'), primary_key=True),
        sa.Column('period_id', sa.Integer(), sa.ForeignKey('reporting_period.id'), primary_key=True),
        sa.Column('report_id', sa.Integer(), sa.ForeignKey('status_report.id'), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('words', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_current_status_period', 'current_status', ['period_id', 'category', 'assignment_id'])
    op.execute(
        "INSERT INTO current_status (assignment_id, period_id, report_id, category) "
        "SELECT r.assignment_id, r.period_id, r.id, r.category FROM status_report r "
        "WHERE r.id IN (SELECT MAX(id) FROM status_report GROUP BY assignment_id, period_id)"
    )
    # Committee filters read assignment_committee by committee; the period's unreported
    # assignments are found by year. Both have indexes already (0001).
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT c.assignment_id, c.period_id, r.comment FROM current_status c "
        "JOIN status_report r ON r.id = c.report_id")).all()
    if rows:
        bind.execute(sa.text("UPDATE current_status SET words = :words "
                             "WHERE assignment_id = :a AND period_id = :p"),
                     [{"a": a, "p": p, "words": word_list(comment or "")} for a, p, comment in rows])
    search_index.create(bind)
    search_index.rebuild(bind)


def downgrade() -> None:
    search_index.drop(op.get_bind())
    op.drop_index('ix_current_status_period', table_name='current_status')
    op.drop_table('current_status')
