"""The storage API: a few keyword-only functions over a SQLModel ``Session``.

Everything the bot reads or writes goes through here; callers never build SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, event, func, or_, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from domain import rules
from domain.clock import aware
from domain.committees import Committee
from domain.periods import DEFAULT_CALENDAR, TERMS, Period, ReportingCalendar
from domain.records import AssignmentStatus
from domain.rules import PeriodFacts
from domain.statuses import StatusCategory
from domain.words import word_list
from storage import search_index
from storage.calendar import open_for_reporting
from storage.db import dialect_insert, insert_rows, now
from storage.models import (
    Assignment,
    AssignmentCommittee,
    CommitteeRow,
    CurrentStatus,
    PeriodCommittee,
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
    """Periods that have at least one status report, newest first (one index probe a period)."""
    has_report = select(StatusReport.id).where(StatusReport.period_id == ReportingPeriod.id).exists()
    rows = session.exec(
        select(ReportingPeriod.year, ReportingPeriod.term)
        .where(has_report)
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.term.desc())
    )
    return [Period(year, term) for year, term in rows]


_YEARS = text(
    "WITH RECURSIVE years(year) AS ("
    " SELECT MIN(year) FROM assignment"
    " UNION ALL SELECT (SELECT MIN(a.year) FROM assignment a WHERE a.year > years.year)"
    " FROM years WHERE years.year IS NOT NULL"
    ") SELECT year FROM years WHERE year IS NOT NULL"
)


def assignment_years(*, session: Session) -> list[int]:
    """The years assignments were given for, ascending: one index probe a year (a loose index
    scan), where ``SELECT DISTINCT year`` reads the whole index."""
    return list(session.execute(_YEARS).scalars())


def period_facts(*, session: Session, today: date) -> PeriodFacts:
    """What ``rules.default_period`` needs to choose a period (one transaction)."""
    years = assignment_years(session=session)
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
    return list_statuses(session=session, period=period, committees=committees, categories=categories).statuses


@dataclass(frozen=True)
class StatusList:
    """One page of a period's statuses, with what the whole list holds."""

    statuses: list[AssignmentStatus]  # the page, in the order the assignments were added
    total: int
    counts: dict[StatusCategory, int]  # over the whole list


def list_statuses(
    *,
    session: Session,
    period: Period,
    committees: Iterable[str] = (),
    categories: Iterable[StatusCategory] = (),
    offset: int = 0,
    limit: int | None = None,
    shared: bool = False,
) -> StatusList:
    """``find_statuses`` as one page (``offset``, ``limit``), counted and filtered in SQL;
    ``shared``: only the assignments every one of ``committees`` has."""
    period_row = _period_row(session, period)
    chosen = _filtered(period, period_row, _committee_ids(session, committees), categories, shared).subquery()
    counts = {
        StatusCategory(category): count
        for category, count in session.execute(
            select(chosen.c.category, func.count()).group_by(chosen.c.category))
    }
    ids_statement = select(chosen.c.id).order_by(chosen.c.id).offset(max(0, offset))
    if limit is not None:
        ids_statement = ids_statement.limit(limit)
    ids = list(session.execute(ids_statement).scalars())
    return StatusList(_by_ids(session, ids, period, period_row), sum(counts.values()), counts)


def committee_counts(*, session: Session, period: Period,
                     committees: Iterable[str] = ()) -> list[tuple[Committee, dict[StatusCategory, int]]]:
    """Each committee (in the configured order; ``committees`` narrows them) with how many of
    its assignments in ``period`` are in each category; committees without any are left out.
    A joint assignment counts for each of its committees. One grouped query."""
    period_row = _period_row(session, period)
    counted = session.execute(
        select(PeriodCommittee.committee_id, CurrentStatus.category, func.count())
        .join(CurrentStatus, and_(CurrentStatus.period_id == PeriodCommittee.period_id,
                                  CurrentStatus.assignment_id == PeriodCommittee.assignment_id))
        .where(PeriodCommittee.period_id == (period_row.id if period_row is not None else -1))
        .group_by(PeriodCommittee.committee_id, CurrentStatus.category))
    by_committee: dict[int, dict[StatusCategory, int]] = {}
    for committee_id, category, count in counted:
        by_committee.setdefault(committee_id, {})[StatusCategory(category)] = count
    wanted = {c.upper() for c in committees}
    rows = session.exec(select(CommitteeRow).order_by(CommitteeRow.id)).all()
    return [(_committee(row), by_committee[row.id]) for row in rows
            if row.id in by_committee and (not wanted or row.abbreviation in wanted)]


def count_statuses(*, session: Session, period: Period) -> int:
    """How many assignments ``period`` has (given for its year or reported in it)."""
    chosen = _filtered(period, _period_row(session, period), None, ()).subquery()
    return session.execute(select(func.count()).select_from(chosen)).scalar_one()


def search_candidates(
    *,
    session: Session,
    period: Period,
    terms: Sequence[tuple[str, str]],
    every: bool = False,
    titles: bool = False,
    committees: Iterable[str] = (),
    categories: Iterable[StatusCategory] = (),
    exclude: Sequence[int] = (),
    limit: int = 300,
) -> list[search_index.Indexed]:
    """The period's assignments that the search index finds by any (``every``: each) of
    ``terms`` (``domain.words.word_terms``; ``titles``: as heads of title words), newest first,
    at most ``limit``, less ``exclude``;
    each with the words the index holds for it, to rank them by (``statuses`` then reads the
    chosen ones)."""
    period_row = _period_row(session, period)
    if period_row is None:
        return []
    listed = _filtered(period, period_row, _committee_ids(session, committees), categories)
    found = search_index.restrict(session, listed, CurrentStatus.assignment_id, terms, period_id=period_row.id,
                                  every=every, titles=titles)
    if found is None:
        return []
    chosen = found.subquery()
    statement = select(chosen.c.id).order_by(chosen.c.id.desc()).limit(limit)
    if exclude:
        statement = statement.where(chosen.c.id.not_in(list(exclude)))
    ids = list(session.execute(statement).scalars())
    words = search_index.indexed(session, ids)
    return [words[i] for i in ids if i in words]


def statuses(*, session: Session, assignment_ids: Sequence[int], period: Period) -> list[AssignmentStatus]:
    """These assignments' statuses in ``period``, in the order given (unknown ids left out)."""
    return _by_ids(session, list(assignment_ids), period, _period_row(session, period))


def _committee_ids(session: Session, abbreviations: Iterable[str]) -> list[int] | None:
    """The ids of these committees (None: no committee filter; [] : none of them exists).

    Looked up first, so that the database plans the list with the ids' own statistics."""
    wanted = sorted({c.upper() for c in abbreviations})
    if not wanted:
        return None
    return list(session.execute(select(CommitteeRow.id).where(CommitteeRow.abbreviation.in_(wanted))).scalars())


def _filtered(period: Period, period_row: _PeriodRow | None, committee_ids: list[int] | None,
              categories: Iterable[StatusCategory], shared: bool = False):
    """SELECT (id, category) of the period's assignments that pass the filters; ``shared``: only
    those that every one of the committees has."""
    statement = select(CurrentStatus.assignment_id.label("id"), CurrentStatus.category.label("category")).where(
        CurrentStatus.period_id == (period_row.id if period_row is not None else -1))
    if committee_ids is not None:
        # The period's rows of these committees (one index range each), then their status.
        # DISTINCT: an assignment the committees share, once.
        statement = statement.join(PeriodCommittee, and_(
            PeriodCommittee.period_id == CurrentStatus.period_id,
            PeriodCommittee.assignment_id == CurrentStatus.assignment_id,
            PeriodCommittee.committee_id.in_(committee_ids or [-1])))
        if len(committee_ids) > 1 and shared:
            statement = statement.group_by(CurrentStatus.assignment_id, CurrentStatus.category).having(
                func.count(PeriodCommittee.committee_id) == len(committee_ids))
        elif len(committee_ids) > 1:
            statement = statement.distinct()
    chosen = sorted({c.value for c in categories})
    if chosen:
        statement = statement.where(CurrentStatus.category.in_(chosen))
    return statement


def sync_period_committees(*, session: Session, assignment_ids: Iterable[int]) -> None:
    """``period_committee`` for these assignments as their memberships and links are now."""
    ids = sorted(set(assignment_ids))
    for start in range(0, len(ids), 1000):
        statement = dialect_insert(session, PeriodCommittee.__table__).from_select(
            ["period_id", "committee_id", "assignment_id"],
            select(CurrentStatus.period_id, AssignmentCommittee.committee_id, AssignmentCommittee.assignment_id)
            .join(AssignmentCommittee, AssignmentCommittee.assignment_id == CurrentStatus.assignment_id)
            .where(CurrentStatus.assignment_id.in_(ids[start:start + 1000])))
        session.connection().execute(statement.on_conflict_do_nothing())


def add_members(*, session: Session, assignments: dict[int, int], reported_in: Period | None = None) -> None:
    """New assignments (id: year) belong to their year's periods, unreported until reported.

    ``reported_in``: a period the caller is about to report them all in; their rows there come
    with the reports (so that an import writes each row once).
    """
    rows = []
    for year in sorted(set(assignments.values())):
        for term in TERMS:
            if Period(year, term) == reported_in:
                continue
            period_id = ensure_period(session=session, period=Period(year, term)).id
            rows += [{"assignment_id": a, "period_id": period_id, "report_id": None,
                      "category": StatusCategory.NOT_REPORTED.value, "words": ""}
                     for a, y in assignments.items() if y == year]
    insert_rows(session, CurrentStatus.__table__, rows,
                conflict=lambda insert: insert.on_conflict_do_nothing(index_elements=["assignment_id", "period_id"]))


def _by_ids(session: Session, ids: list[int], period: Period,
            period_row: _PeriodRow | None) -> list[AssignmentStatus]:
    """The statuses of these assignments in ``period``, in the order of ``ids`` (two statements,
    plain rows: building ORM objects costs more than the queries here)."""
    if not ids:
        return []
    period_id = period_row.id if period_row is not None else -1
    rows = session.execute(
        select(Assignment.id, Assignment.title, Assignment.year, *_REPORT_COLUMNS)
        .outerjoin(CurrentStatus, and_(CurrentStatus.assignment_id == Assignment.id,
                                       CurrentStatus.period_id == period_id))
        .outerjoin(StatusReport, StatusReport.id == CurrentStatus.report_id)
        .where(Assignment.id.in_(ids)))
    found = {row[0]: row for row in rows}
    committees = _committees_of(session, list(found))
    return [_status(found[i], committees, period) for i in ids if i in found]


_REPORT_COLUMNS = (StatusReport.id, StatusReport.category, StatusReport.sentence, StatusReport.comment,
                   StatusReport.author_name, StatusReport.created_at)


def get_status(*, session: Session, assignment_id: int, period: Period) -> AssignmentStatus | None:
    found = _by_ids(session, [assignment_id], period, _period_row(session, period))
    return found[0] if found else None


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
        select(func.coalesce(func.max(CurrentStatus.report_id), 0)).where(
            CurrentStatus.assignment_id == assignment_id, CurrentStatus.period_id == period_row.id
        )
    ).one()


def history(*, session: Session, assignment_id: int) -> list[AssignmentStatus]:
    """Every report for an assignment across periods, newest first."""
    assignment = session.execute(
        select(Assignment.id, Assignment.title, Assignment.year).where(Assignment.id == assignment_id)).first()
    if assignment is None:
        return []
    committees = _committees_of(session, [assignment_id])
    rows = session.execute(
        select(ReportingPeriod.year, ReportingPeriod.term, *_REPORT_COLUMNS)
        .join(ReportingPeriod, ReportingPeriod.id == StatusReport.period_id)
        .where(StatusReport.assignment_id == assignment_id)
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.term.desc(), StatusReport.id.desc())
    )
    return [_status((*assignment, *row[2:]), committees, Period(row[0], row[1])) for row in rows]


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
    _make_current(session, [{"assignment_id": assignment_id, "period_id": period_row.id, "report_id": report.id,
                             "category": report.category, "words": word_list(comment)}])
    sync_period_committees(session=session, assignment_ids=[assignment_id])  # a period it was not in
    search_index.update(session, [assignment_id])
    return report


def forget_authors(*, session: Session, older_than: timedelta) -> int:
    """Who wrote the reports made longer ago than ``older_than`` is forgotten (their name and
    Entra id; the report itself stays); returns how many reports lost their author."""
    cutoff = now(session) - older_than
    result = session.execute(
        update(StatusReport)
        .where(StatusReport.created_at < cutoff,
               or_(StatusReport.author_name.is_not(None), StatusReport.author_id.is_not(None)))
        .values(author_name=None, author_id=None))
    return result.rowcount


def add_status_reports(*, session: Session, rows: Sequence[dict], derived: bool = True) -> int:
    """Append many reports (``StatusReport`` fields) in one statement (batched); each becomes
    current (rows for the same assignment and period: the last one). Returns how many.
    ``derived=False`` leaves ``sync_period_committees`` and the search index to the caller
    (once, for many)."""
    if not rows:
        return 0
    table = StatusReport.__table__  # Core, not the ORM's bulk path: one INSERT ... RETURNING
    inserted = insert_rows(session, table, list(rows), returning=(
        table.c.id, table.c.assignment_id, table.c.period_id, table.c.category, table.c.comment))
    newest: dict[tuple[int, int], dict] = {}
    for report_id, assignment_id, period_id, category, comment in sorted(inserted):  # ids grow: the last wins
        newest[(assignment_id, period_id)] = {"assignment_id": assignment_id, "period_id": period_id,
                                              "report_id": report_id, "category": category, "comment": comment}
    for row in newest.values():
        row["words"] = word_list(row.pop("comment") or "")
    _make_current(session, list(newest.values()))
    if derived:
        sync_period_committees(session=session, assignment_ids={row["assignment_id"] for row in rows})
        search_index.update(session, {row["assignment_id"] for row in rows})
    return len(inserted)


def current_texts(*, session: Session, assignment_ids: Sequence[int],
                  period: Period) -> dict[int, tuple[str, str | None, str]]:
    """(category, sentence, comment) of the current report of each of these assignments in
    ``period`` (those that have one)."""
    period_row = _period_row(session, period)
    if period_row is None or not assignment_ids:
        return {}
    rows = session.execute(
        select(StatusReport.assignment_id, StatusReport.category, StatusReport.sentence, StatusReport.comment)
        .join(CurrentStatus, CurrentStatus.report_id == StatusReport.id)
        .where(CurrentStatus.period_id == period_row.id, CurrentStatus.assignment_id.in_(list(assignment_ids))))
    return {assignment_id: (category, sentence, comment) for assignment_id, category, sentence, comment in rows}


def _make_current(session: Session, rows: Sequence[dict]) -> None:
    """The reports (just added, so the newest) become their assignment's current one:
    ``rows`` of assignment_id, period_id, report_id, category and words (``word_list``)."""
    if not rows:
        return
    insert_rows(session, CurrentStatus.__table__, list(rows), conflict=lambda insert: insert.on_conflict_do_update(
        index_elements=["assignment_id", "period_id"],
        set_={"report_id": insert.excluded.report_id, "category": insert.excluded.category,
              "words": insert.excluded.words}))


# --- helpers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _PeriodRow:
    id: int


_PERIOD_ROWS = "period_rows"


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_period_rows(session: OrmSession, transaction) -> None:
    """The rows are known for one transaction (a period it added may be rolled back)."""
    if transaction.parent is None:
        session.info.pop(_PERIOD_ROWS, None)


def _period_row(session: Session, period: Period) -> _PeriodRow | None:
    """The period's row; read once per transaction (a turn's queries ask for it several
    times), and kept only when found: a missing period may be added."""
    known = session.info.setdefault(_PERIOD_ROWS, {})
    if period in known:
        return known[period]
    found = session.execute(select(ReportingPeriod.id).where(
        ReportingPeriod.year == period.year, ReportingPeriod.term == period.term)).scalar()
    if found is None:
        return None
    known[period] = _PeriodRow(found)
    return known[period]


CommitteeLinks = tuple[tuple[Committee, ...], Committee | None]  # (all, lead first; the lead)


def _committees_of(session: Session, assignment_ids: list[int]) -> dict[int, CommitteeLinks]:
    rows = session.execute(
        select(AssignmentCommittee.assignment_id, AssignmentCommittee.is_lead, CommitteeRow.abbreviation,
               CommitteeRow.name, CommitteeRow.aliases)
        .join(CommitteeRow, CommitteeRow.id == AssignmentCommittee.committee_id)
        .where(AssignmentCommittee.assignment_id.in_(assignment_ids))
        .order_by(AssignmentCommittee.assignment_id, AssignmentCommittee.position)
    )
    links: dict[int, list[tuple[Committee, bool]]] = defaultdict(list)
    for assignment_id, is_lead, abbreviation, name, aliases in rows:
        links[assignment_id].append(
            (Committee(abbreviation=abbreviation, name=name, aliases=tuple(aliases or ())), is_lead))
    return {
        aid: (
            tuple(c for c, _ in links[aid]),
            next((c for c, is_lead in links[aid] if is_lead), None),
        )
        for aid in assignment_ids
    }


def _status(row, committees: dict[int, CommitteeLinks], period: Period) -> AssignmentStatus:
    """A status from a row of (assignment id, title, year, *_REPORT_COLUMNS); no report: Nones."""
    assignment_id, title, year, report_id, category, sentence, comment, author, created_at = row
    members, lead = committees[assignment_id]
    return AssignmentStatus(
        assignment_id=assignment_id,
        title=title,
        committees=members,
        lead_committee=lead,
        year=year,
        period=period,
        category=StatusCategory(category) if report_id is not None else StatusCategory.NOT_REPORTED,
        sentence=sentence if report_id is not None else None,
        comment=comment if report_id is not None else None,
        author=author if report_id is not None else None,
        # An imported report has no author; its row time is the import, not the report.
        reported_at=aware(created_at) if report_id is not None and author else None,
    )
