"""closing a period: committee reports ready and approved, approvers, notifications with a topic

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


_DELIVERY_LOG = "id, notification_id, event, detail, created_at"


@contextmanager
def _notification_rebuilt() -> Iterator[None]:
    """Around a batch change of ``notification``. On SQLite the batch copies the table, drops
    it and renames the copy; with foreign keys on (storage.db turns them on, and a migration's
    transaction cannot turn them off) the drop fails while ``delivery_log`` rows refer to it.
    Their rows are set aside meanwhile and put back with their ids. PostgreSQL alters in place."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute(f"CREATE TEMP TABLE delivery_log_0009 AS SELECT {_DELIVERY_LOG} FROM delivery_log")
    op.execute("DELETE FROM delivery_log")
    yield
    op.execute(f"INSERT INTO delivery_log ({_DELIVERY_LOG}) SELECT {_DELIVERY_LOG} FROM delivery_log_0009")
    op.execute("DROP TABLE delivery_log_0009")


def upgrade() -> None:
    with op.batch_alter_table('reporter') as batch:
        batch.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='reporter'))
        batch.drop_constraint('uq_reporter_principal_committee', type_='unique')
        batch.create_unique_constraint('uq_reporter_principal_committee_role', ['principal', 'committee', 'role'])
    with _notification_rebuilt(), op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('topic', sa.String(length=100), nullable=False, server_default=''))
        batch.drop_constraint('uq_notification_period_kind_conversation', type_='unique')
        batch.create_unique_constraint('uq_notification_period_kind_topic_conversation',
                                       ['year', 'term', 'kind', 'topic', 'conversation_id'])
    op.create_table(
        'committee_report',
        sa.Column('committee', sa.String(length=16), primary_key=True),
        sa.Column('year', sa.Integer(), primary_key=True),
        sa.Column('term', sa.Integer(), primary_key=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('changed_by_id', sa.String(length=200), nullable=True),
        sa.Column('changed_by', sa.String(length=200), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
    )
    op.create_table(
        'committee_report_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('committee', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('term', sa.Integer(), nullable=False),
        sa.Column('move', sa.String(length=16), nullable=False),
        sa.Column('from_state', sa.String(length=16), nullable=False),
        sa.Column('to_state', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.String(length=200), nullable=True),
        sa.Column('actor', sa.String(length=200), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_committee_report_event_report', 'committee_report_event',
                    ['committee', 'year', 'term', 'id'])


def downgrade() -> None:
    # Before the role and topic columns go: an approver's row would otherwise be left as a
    # reporter's (a "*" approver as an admin), and would collide with the same person's reporter
    # row under the old unique constraint; the notifications 0008 does not know (ready,
    # returned, digest: those with a topic) would collide likewise.
    op.execute("DELETE FROM reporter WHERE role <> 'reporter'")
    stale = "SELECT id FROM notification WHERE topic <> '' OR kind NOT IN ('opening', 'reminder')"
    op.execute(f"DELETE FROM delivery_log WHERE notification_id IN ({stale})")
    op.execute(f"DELETE FROM notification WHERE id IN ({stale})")
    op.drop_index('ix_committee_report_event_report', 'committee_report_event')
    op.drop_table('committee_report_event')
    op.drop_table('committee_report')
    with _notification_rebuilt(), op.batch_alter_table('notification') as batch:
        batch.drop_constraint('uq_notification_period_kind_topic_conversation', type_='unique')
        batch.create_unique_constraint('uq_notification_period_kind_conversation',
                                       ['year', 'term', 'kind', 'conversation_id'])
        batch.drop_column('topic')
    with op.batch_alter_table('reporter') as batch:
        batch.drop_constraint('uq_reporter_principal_committee_role', type_='unique')
        batch.create_unique_constraint('uq_reporter_principal_committee', ['principal', 'committee'])
        batch.drop_column('role')
