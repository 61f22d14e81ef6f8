"""SQLModel tables. Changes here need an Alembic migration in storage/migrations/versions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class CommitteeRow(SQLModel, table=True):
    __tablename__ = "committee"

    id: int | None = Field(default=None, primary_key=True)
    abbreviation: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=200)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Assignment(SQLModel, table=True):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("year", "title", name="uq_assignment_year_title"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    year: int = Field(index=True)
    source: str = Field(default="", max_length=300)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class AssignmentCommittee(SQLModel, table=True):
    __tablename__ = "assignment_committee"

    assignment_id: int = Field(foreign_key="assignment.id", primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", primary_key=True, index=True)
    is_lead: bool = Field(default=False)
    position: int = Field(default=0)


class ReportingPeriod(SQLModel, table=True):
    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("year", "term", name="uq_period_year_term"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    term: int
    starts_on: date
    ends_on: date
    opens_on: date
    deadline: date


class StatusReport(SQLModel, table=True):
    """Append-only: the newest row per (assignment, period) is the current status."""

    __tablename__ = "status_report"
    __table_args__ = (Index("ix_status_report_current", "assignment_id", "period_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    category: str = Field(max_length=40)
    sentence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    author_id: str | None = Field(default=None, max_length=200)
    author_name: str | None = Field(default=None, max_length=200)
    source: str = Field(default="", max_length=300)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class CurrentStatus(SQLModel, table=True):
    """Each period's assignments, with the newest report: what lists, counts and filters read.

    An assignment belongs to the periods of the year it was given for (a row each from the
    start, "ej rapporterat" until reported) and to any other period it is reported in. Kept
    by storage.queries (``add_members``, ``add_status_report``) in the transaction that adds
    the assignment or the report.
    """

    __tablename__ = "current_status"
    __table_args__ = (Index("ix_current_status_period", "period_id", "category", "assignment_id"),)

    assignment_id: int = Field(foreign_key="assignment.id", primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id", primary_key=True)
    report_id: int | None = Field(default=None, foreign_key="status_report.id")  # None: not reported
    category: str = Field(max_length=40)
    words: str = Field(default="", sa_column=Column(Text, nullable=False))  # the comment's search words


class PeriodCommittee(SQLModel, table=True):
    """Each period's assignments by committee: ``current_status`` joined with the committee
    links, kept beside it so that a committee's list in a period is one index range.

    Kept by storage.queries (``sync_period_committees``) wherever either side grows; links
    and memberships are never removed.
    """

    __tablename__ = "period_committee"

    period_id: int = Field(foreign_key="reporting_period.id", primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", primary_key=True)


class Conversation(SQLModel, table=True):
    """A Teams conversation the bot is in (personal chat, group chat or channel).

    ``reference`` is the Bot Framework ConversationReference (JSON), refreshed from every
    incoming activity because a conversation's serviceUrl can change.
    """

    __tablename__ = "conversation"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=400, unique=True, index=True)
    tenant_id: str | None = Field(default=None, max_length=100)
    conversation_type: str | None = Field(default=None, max_length=40)
    service_url: str = Field(max_length=400)
    reference: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)
    welcomed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class BotStateItem(SQLModel, table=True):
    """One botbuilder state object (conversation, user, ...) with its e-tag.

    ``etag`` changes on every write; writers that pass the e-tag they read only succeed
    when nobody else wrote in between (see storage.bot_state).
    """

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=500)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    etag: str = Field(max_length=64)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class ProcessedActivity(SQLModel, table=True):
    """An incoming activity some instance has claimed, so a resent one is not handled twice."""

    __tablename__ = "processed_activity"

    activity_id: str = Field(primary_key=True, max_length=300)
    conversation_id: str = Field(primary_key=True, max_length=400)
    created_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # the lease's start
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # state saved
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # replies sent
    replies: list | None = Field(default=None, sa_column=Column(JSON))  # held until delivered


class Reporter(SQLModel, table=True):
    """Who may update assignment statuses: a principal per committee, or "*" for all."""

    __tablename__ = "reporter"
    __table_args__ = (UniqueConstraint("principal", "committee", "role", name="uq_reporter_principal_committee_role"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=300)  # lowercased Entra object id or UPN
    committee: str = Field(max_length=16)  # a committee abbreviation, or "*"
    role: str = Field(default="reporter", max_length=16)  # "reporter" ("*": an admin) or "approver"
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class Subscription(SQLModel, table=True):
    """A conversation (personal chat, group chat or channel) that follows a committee.

    Reporters are also subscribed to their committees by default without a row here
    (see storage.subscriptions.recipients).
    """

    __tablename__ = "subscription"
    __table_args__ = (
        UniqueConstraint("conversation_id", "committee", name="uq_subscription_conversation_committee"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=400)  # the Teams conversation id, as in conversation
    committee: str = Field(max_length=16, index=True)  # the committee table's abbreviation
    created_by: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class Notification(SQLModel, table=True):
    """The outbox: one proactive message per (period, kind, recipient), written before sending.

    ``status``: queued -> sending (claimed by a worker) -> sent | queued again (retry) | failed.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("year", "term", "kind", "topic", "conversation_id",
                         name="uq_notification_period_kind_topic_conversation"),
        Index("ix_notification_claimable", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    term: int
    kind: str = Field(max_length=20)  # domain.rules.NotificationKind
    # What within the kind: "" for the period's opening and reminder; the committee and the
    # move for a report sent back or ready; the day for an approver's digest.
    topic: str = Field(default="", max_length=100)
    conversation_id: str = Field(max_length=400)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=20)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    next_attempt_at: datetime = Field(sa_type=DateTime(timezone=True))
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class DeliveryLog(SQLModel, table=True):
    """What happened to a notification: queued, claimed, sent, retry, failed."""

    __tablename__ = "delivery_log"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    event: str = Field(max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class DownloadLink(SQLModel, table=True):
    """A link to one export of the report, for the person who asked: single use, expiring.

    Only the token's SHA-256 is kept; the file is made from the data when the link is used.
    """

    __tablename__ = "download_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    owner: str = Field(max_length=300)  # the asker's Entra object id, lowercased
    year: int
    term: int
    committee: str | None = Field(default=None, max_length=16)  # an abbreviation; None: all
    format: str = Field(max_length=10)  # "text" | "md" | "docx"
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class CommitteeReportRow(SQLModel, table=True):
    """A committee's report for a period: its state (domain.approval), changed only from the
    state a move starts in (compare and set), so that of two approvers one wins."""

    __tablename__ = "committee_report"

    committee: str = Field(max_length=16, primary_key=True)
    year: int = Field(primary_key=True)
    term: int = Field(primary_key=True)
    state: str = Field(max_length=16)
    changed_by_id: str | None = Field(default=None, max_length=200)
    changed_by: str | None = Field(default=None, max_length=200)
    changed_at: datetime = Field(sa_type=DateTime(timezone=True))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CommitteeReportEvent(SQLModel, table=True):
    """Every move of a committee's report, never changed: the history."""

    __tablename__ = "committee_report_event"
    __table_args__ = (Index("ix_committee_report_event_report", "committee", "year", "term", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    committee: str = Field(max_length=16)
    year: int
    term: int
    move: str = Field(max_length=16)
    from_state: str = Field(max_length=16)
    to_state: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=200)
    actor: str | None = Field(default=None, max_length=200)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
