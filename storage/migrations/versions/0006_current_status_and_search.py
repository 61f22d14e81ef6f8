"""each period's assignments with their current status, also by committee; the full-text search index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

from domain.periods import DEFAULT_CALENDAR, TERMS, Period
from domain.statuses import StatusCategory
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
        sa.Column('report_id', sa.Integer(), sa.ForeignKey('status_report.id'), nullable=True),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('words', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_current_status_period', 'current_status', ['period_id', 'category', 'assignment_id'])
    bind = op.get_bind()
    # Every year with assignments gets its three periods, then every assignment a row in each.
    years = [row[0] for row in bind.execute(sa.text("SELECT DISTINCT year FROM assignment"))]
    stored = {tuple(row) for row in bind.execute(sa.text("SELECT year, term FROM reporting_period"))}
    missing = [Period(year, term) for year in years for term in TERMS if (year, term) not in stored]
    if missing:
        bind.execute(sa.text(
            "INSERT INTO reporting_period (year, term, starts_on, ends_on, opens_on, deadline) "
            "VALUES (:year, :term, :starts_on, :ends_on, :opens_on, :deadline)"),
            [{"year": p.year, "term": p.term, "starts_on": p.start, "ends_on": p.end,
              "opens_on": DEFAULT_CALENDAR.opens(p), "deadline": DEFAULT_CALENDAR.deadline(p)} for p in missing])
    # Each row written once (no row inserted and then updated): the newest report where there
    # is one, else "ej rapporterat".
    newest = {(a, p): (r, category, word_list(comment or "")) for a, p, r, category, comment in bind.execute(sa.text(
        "SELECT r.assignment_id, r.period_id, r.id, r.category, r.comment FROM status_report r "
        "WHERE r.id IN (SELECT MAX(id) FROM status_report GROUP BY assignment_id, period_id)"))}
    members = set(map(tuple, bind.execute(sa.text(
        "SELECT a.id, p.id FROM assignment a JOIN reporting_period p ON p.year = a.year"))))
    rows = [{"a": a, "p": p, "r": newest.get((a, p), (None,))[0],
             "category": newest[(a, p)][1] if (a, p) in newest else StatusCategory.NOT_REPORTED.value,
             "words": newest[(a, p)][2] if (a, p) in newest else ""}
            for a, p in sorted(members | set(newest))]
    if rows:
        bind.execute(sa.text("INSERT INTO current_status (assignment_id, period_id, report_id, category, words) "
                             "VALUES (:a, :p, :r, :category, :words)"), rows)
    op.create_table(
        'period_committee',
        sa.Column('period_id', sa.Integer(), sa.ForeignKey('reporting_period.id'), primary_key=True),
        sa.Column('committee_id', sa.Integer(), sa.ForeignKey('committee.id'), primary_key=True),
        sa.Column('assignment_id', sa.Integer(), sa.ForeignKey('assignment.id'), primary_key=True),
    )
    bind.execute(sa.text(
        "INSERT INTO period_committee (period_id, committee_id, assignment_id) "
        "SELECT c.period_id, l.committee_id, l.assignment_id FROM current_status c "
        "JOIN assignment_committee l ON l.assignment_id = c.assignment_id"))
    search_index.create(bind)
    search_index.rebuild(bind)


def downgrade() -> None:
    search_index.drop(op.get_bind())
    op.execute('DROP TABLE IF EXISTS period_committee')
    op.drop_index('ix_current_status_period', table_name='current_status')
    op.drop_table('current_status')
