"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'title', name='uq_assignment_year_title')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_year'), ['year'], unique=False)

    op.create_table('committee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('abbreviation', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('committee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_abbreviation'), ['abbreviation'], unique=True)

    op.create_table('reporting_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('term', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'term', name='uq_period_year_term')
    )
    op.create_table('assignment_committee',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.PrimaryKeyConstraint('assignment_id', 'committee_id')
    )
    with op.batch_alter_table('assignment_committee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_committee_committee_id'), ['committee_id'], unique=False)

    op.create_table('status_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_report', schema=None) as batch_op:
        batch_op.create_index('ix_status_report_current', ['assignment_id', 'period_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_report_period_id'), ['period_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_report_period_id'))
        batch_op.drop_index('ix_status_report_current')

    op.drop_table('status_report')
    with op.batch_alter_table('assignment_committee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_committee_committee_id'))

    op.drop_table('assignment_committee')
    op.drop_table('reporting_period')
    with op.batch_alter_table('committee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_abbreviation'))

    op.drop_table('committee')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_year'))

    op.drop_table('assignment')
