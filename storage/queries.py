"""The storage API: a few keyword-only functions over a SQLModel ``Session``.

Everything the bot reads or writes goes through here; callers never build SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from domain import rules
from domain.clock import aware
from domain.committees import Committee
from domain.periods import DEFAULT_CALENDAR, Period, ReportingCalendar
from domain.records import AssignmentStatus
from domain.rules import PeriodFacts
from domain.statuses import StatusCategory
from storage.calendar import open_for_reporting
from storage.db import now
from storage.models import (
    Assignment,
    AssignmentCommittee,
    CommitteeRow,
    ReportingPeriod,
    StatusReport,
)

# --- committees -------------------------------------------------------------------------

def sync_committees(*, session: Session, committees: Sequence[Committee]) -> None:
    """Make the committee table hold ``committees`` (added or renamed; none removed)."""
    existing = {row.abbreviation: row for row in session.exec(select(CommitteeRow))}
    for committee in committees:
        row = existing.get(committee.abbreviation)
        if row is None:
            row = CommitteeRow(abbreviation=committee.abbreviation)
        row.name = committee.name
        row.aliases = list(committee.aliases)
        session.add(row)
    session.flush()


def list_committees(*, session: Session) -> list[Committee]:
    rows = session.exec(select(CommitteeRow).order_by(CommitteeRow.id))
    return [_committee(row) for row in rows]


def _committee(row: CommitteeRow) -> Committee:
    return Committee(abbreviation=row.abbreviation, name=row.name, aliases=tuple(row.aliases or ()))


# --- periods ----------------------------------------------------------------------------

def ensure_period(
    *, session: Session, period: Period, calendar: ReportingCalendar = DEFAULT_CALENDAR
) -> ReportingPeriod:
    row = session.exec(
        select(ReportingPeriod).where(
            ReportingPeriod.year == period.year, ReportingPeriod.term == period.term
        )
    ).first()
    if row is None:
        row = ReportingPeriod(
            year=period.year,
            term=period.term,
            starts_on=period.start,
            ends_on=period.end,
            opens_on=calendar.opens(period),
            deadline=calendar.deadline(period),
        )
        session.add(row)
        session.flush()
    return row


def reported_periods(*, session: Session) -> list[Period]:
    """Periods that have at least one status report, newest first."""
    rows = session.exec(
        select(ReportingPeriod.year, ReportingPeriod.term)
        .where(ReportingPeriod.id.in_(select(StatusReport.period_id).distinct()))
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.term.desc())
    )
    return [Period(year, term) for year, term in rows]


def period_facts(*, session: Session, today: date) -> PeriodFacts:
    """What ``rules.default_period`` needs to choose a period (one transaction)."""
    years = session.exec(select(Assignment.year).distinct()).all()
    return PeriodFacts(
        today=today,
        reported=tuple(reported_periods(session=session)),
        open_now=open_for_reporting(session=session, today=today),
        assignment_years=frozenset(years),
    )


def default_period(*, session: Session, today: date, year: int | None = None) -> Period:
    """``rules.default_period`` on the stored facts."""
    return rules.default_period(period_facts(session=session, today=today), year=year)


# --- assignments and their status ----------------------------------------------------------

def count_assignments(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Assignment)).one()


def find_statuses(
    *,
    session: Session,
    period: Period,
    committees: Iterable[str] = (),
    categories: Iterable[StatusCategory] = (),
) -> list[AssignmentStatus]:
    """Assignments of ``period`` with their current status, in the order they were added.

    An assignment belongs to a period when it was given for that year or has a report in
    it. ``committees`` (abbreviations) and ``categories`` narrow the result; empty = all.
    """
    period_row = _period_row(session, period)
    reported_ids = (
        select(StatusReport.assignment_id).where(StatusReport.period_id == period_row.id)
        if period_row
        else None
    )
    stmt = select(Assignment)
    in_period = Assignment.year == period.year
    stmt = stmt.where(or_(in_period, Assignment.id.in_(reported_ids)) if reported_ids is not None else in_period)
    wanted = {c.upper() for c in committees}
    if wanted:
        stmt = stmt.where(
            Assignment.id.in_(
                select(AssignmentCommittee.assignment_id)
                .join(CommitteeRow, CommitteeRow.id == AssignmentCommittee.committee_id)
                .where(CommitteeRow.abbreviation.in_(wanted))
            )
        )
    assignments = list(session.exec(stmt.order_by(Assignment.id)))
    statuses = _build(session, assignments, period, period_row)
    chosen = set(categories)
    return [s for s in statuses if not chosen or s.category in chosen]


def get_status(*, session: Session, assignment_id: int, period: Period) -> AssignmentStatus | None:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        return None
    return _build(session, [assignment], period, _period_row(session, period))[0]


def lock_assignment(*, session: Session, assignment_id: int) -> None:
    """Hold the assignment's row until the transaction ends, so that check-then-save is atomic.

    A no-op UPDATE: a row lock on PostgreSQL, the database write lock on SQLite.
    """
    session.execute(
        update(Assignment).where(Assignment.id == assignment_id).values(year=Assignment.year)
    )


def current_report_id(*, session: Session, assignment_id: int, period: Period) -> int:
    """The id of the current report for an assignment and period; 0 when there is none.

    A dialog remembers it when it starts, to notice that someone else saved meanwhile.
    """
    period_row = _period_row(session, period)
    if period_row is None:
        return 0
    return session.exec(
        select(func.coalesce(func.max(StatusReport.id), 0)).where(
            StatusReport.assignment_id == assignment_id, StatusReport.period_id == period_row.id
        )
    ).one()


def history(*, session: Session, assignment_id: int) -> list[AssignmentStatus]:
    """Every report for an assignment across periods, newest first."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        return []
    committees = _committees_of(session, [assignment.id])
    rows = session.exec(
        select(StatusReport, ReportingPeriod)
        .join(ReportingPeriod, ReportingPeriod.id == StatusReport.period_id)
        .where(StatusReport.assignment_id == assignment_id)
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.term.desc(), StatusReport.id.desc())
    )
    return [
        _status(assignment, committees, Period(p.year, p.term), report) for report, p in rows
    ]


def add_status_report(
    *,
    session: Session,
    assignment_id: int,
    period: Period,
    category: StatusCategory,
    sentence: str | None,
    comment: str,
    author_id: str | None = None,
    author_name: str | None = None,
    source: str = "",
) -> StatusReport:
    """Append a report; the newest report per assignment and period is the current one."""
    period_row = ensure_period(session=session, period=period)
    report = StatusReport(
        assignment_id=assignment_id,
        period_id=period_row.id,
        category=category.value,
        sentence=sentence,
        comment=comment,
        author_id=author_id,
        author_name=author_name,
        source=source,
        created_at=now(session),
    )
    session.add(report)
    session.flush()
    return report


# --- helpers ----------------------------------------------------------------------------------

def _period_row(session: Session, period: Period) -> ReportingPeriod | None:
    return session.exec(
        select(ReportingPeriod).where(
            ReportingPeriod.year == period.year, ReportingPeriod.term == period.term
        )
    ).first()


CommitteeLinks = tuple[tuple[Committee, ...], Committee | None]  # (all, lead first; the lead)


def _committees_of(session: Session, assignment_ids: list[int]) -> dict[int, CommitteeLinks]:
    rows = session.exec(
        select(AssignmentCommittee, CommitteeRow)
        .join(CommitteeRow, CommitteeRow.id == AssignmentCommittee.committee_id)
        .where(AssignmentCommittee.assignment_id.in_(assignment_ids))
        .order_by(AssignmentCommittee.assignment_id, AssignmentCommittee.position)
    )
    links: dict[int, list[tuple[Committee, bool]]] = defaultdict(list)
    for link, row in rows:
        links[link.assignment_id].append((_committee(row), link.is_lead))
    return {
        aid: (
            tuple(c for c, _ in links[aid]),
            next((c for c, is_lead in links[aid] if is_lead), None),
        )
        for aid in assignment_ids
    }


def _current_reports(session: Session, assignment_ids: list[int], period_row: ReportingPeriod | None) -> dict[int, StatusReport]:
    if period_row is None or not assignment_ids:
        return {}
    newest = (
        select(func.max(StatusReport.id))
        .where(StatusReport.period_id == period_row.id, StatusReport.assignment_id.in_(assignment_ids))
        .group_by(StatusReport.assignment_id)
    )
    rows = session.exec(select(StatusReport).where(StatusReport.id.in_(newest)))
    return {row.assignment_id: row for row in rows}


def _build(
    session: Session, assignments: list[Assignment], period: Period, period_row: ReportingPeriod | None
) -> list[AssignmentStatus]:
    ids = [a.id for a in assignments]
    committees = _committees_of(session, ids)
    reports = _current_reports(session, ids, period_row)
    return [_status(a, committees, period, reports.get(a.id)) for a in assignments]


def _status(
    assignment: Assignment,
    committees: dict[int, CommitteeLinks],
    period: Period,
    report: StatusReport | None,
) -> AssignmentStatus:
    members, lead = committees[assignment.id]
    return AssignmentStatus(
        assignment_id=assignment.id,
        title=assignment.title,
        committees=members,
        lead_committee=lead,
        year=assignment.year,
        period=period,
        category=StatusCategory(report.category) if report else StatusCategory.NOT_REPORTED,
        sentence=report.sentence if report else None,
        comment=report.comment if report else None,
        author=report.author_name if report else None,
        # An imported report has no author; its row time is the import, not the report.
        reported_at=aware(report.created_at) if report and report.author_name else None,
    )

