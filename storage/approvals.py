"""Committees' reports per period: open, ready, approved (domain.approval), stored.

``committee_report`` holds each report's state and its last move; a move changes it only from
the state the move starts in (compare and set in one UPDATE), so of two approvers pressing at
once exactly one wins and the other is told. Every move is also appended to
``committee_report_event``, the history. A report with no row is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, update
from sqlmodel import Session, select

from domain.approval import CommitteeReport, Move, Refusal, ReportState, Role, refusal
from domain.clock import aware
from domain.periods import Period
from storage.db import insert_new, now
from storage.models import CommitteeReportEvent, CommitteeReportRow


@dataclass(frozen=True)
class Moved:
    """What a move came to: the report as it is now, and why the move was refused (None: made)."""

    report: CommitteeReport
    refused: Refusal | None = None


def report_of(*, session: Session, committee: str, period: Period) -> CommitteeReport:
    return reports(session=session, period=period, committees=[committee]).get(
        committee, CommitteeReport(committee, period))


def reports(*, session: Session, period: Period, committees: Iterable[str] | None = None) -> dict[str, CommitteeReport]:
    """The reports of ``period`` that are not plain open ones, by committee (``committees``
    narrows them); a committee missing from the result is open."""
    statement = select(CommitteeReportRow).where(CommitteeReportRow.year == period.year,
                                                 CommitteeReportRow.term == period.term)
    if committees is not None:
        statement = statement.where(CommitteeReportRow.committee.in_(sorted(set(committees))))
    return {row.committee: _report(row, period) for row in session.exec(_fresh(statement))}


def move(*, session: Session, committee: str, period: Period, move: Move, roles: Iterable[Role],
         actor_id: str | None, actor: str | None, comment: str | None = None) -> Moved:
    """Make ``move`` if the rules allow it now; the report and None, or why not."""
    current = report_of(session=session, committee=committee, period=period)
    refused = refusal(move, current.state, roles, comment)
    if refused is not None:
        return Moved(current, refused)
    comment = (comment or "").strip() or None
    at = now(session)
    insert_new(session, CommitteeReportRow, unique=["committee", "year", "term"], committee=committee,
               year=period.year, term=period.term, state=ReportState.OPEN.value, changed_at=at)
    table = CommitteeReportRow.__table__
    changed = session.execute(
        update(table)
        .where(and_(table.c.committee == committee, table.c.year == period.year, table.c.term == period.term,
                    table.c.state == move.source.value))
        .values(state=move.target.value, changed_by_id=actor_id, changed_by=actor, changed_at=at, comment=comment)
    ).rowcount
    if not changed:  # someone else moved it first
        return Moved(report_of(session=session, committee=committee, period=period), Refusal.WRONG_STATE)
    session.add(CommitteeReportEvent(committee=committee, year=period.year, term=period.term, move=move.value,
                                     from_state=move.source.value, to_state=move.target.value, actor_id=actor_id,
                                     actor=actor, comment=comment, created_at=at))
    session.flush()
    return Moved(report_of(session=session, committee=committee, period=period))


@dataclass(frozen=True)
class Event:
    move: Move
    actor: str | None
    comment: str | None
    at: object  # datetime


def history(*, session: Session, committee: str, period: Period) -> list[Event]:
    """Every move of the committee's report for the period, oldest first."""
    rows = session.exec(select(CommitteeReportEvent).where(
        CommitteeReportEvent.committee == committee, CommitteeReportEvent.year == period.year,
        CommitteeReportEvent.term == period.term).order_by(CommitteeReportEvent.id)).all()
    return [Event(Move(r.move), r.actor, r.comment, aware(r.created_at)) for r in rows]


def ready_to_approve(*, session: Session, committees: Sequence[str] | None = None) -> list[CommitteeReport]:
    """Every report waiting for approval (of ``committees`` if given), oldest first."""
    statement = select(CommitteeReportRow).where(CommitteeReportRow.state == ReportState.READY.value)
    if committees is not None:
        statement = statement.where(CommitteeReportRow.committee.in_(sorted(set(committees))))
    rows = session.exec(_fresh(statement.order_by(CommitteeReportRow.changed_at, CommitteeReportRow.committee,
                                                  CommitteeReportRow.year, CommitteeReportRow.term))).all()
    return [_report(row, Period(row.year, row.term)) for row in rows]


def _fresh(statement):
    """``statement`` reading the rows as stored now: ``move`` changes them with a plain UPDATE,
    which leaves a row the session already holds as it was read."""
    return statement.execution_options(populate_existing=True)


def _report(row: CommitteeReportRow, period: Period) -> CommitteeReport:
    return CommitteeReport(row.committee, period, ReportState(row.state), row.changed_by, aware(row.changed_at),
                           row.comment)
