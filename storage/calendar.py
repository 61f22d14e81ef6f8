"""The municipality's reporting calendar, stored in table reporting_period.

A period without a row has the default calendar (domain.rules.PeriodDates.default): reading
never inserts. Dates are calendar days in the municipality's time zone (Europe/Stockholm);
callers pass "today" in that zone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session, select

from domain import rules
from domain.periods import TERMS, Period
from domain.rules import PeriodDates
from storage.db import insert_new
from storage.models import ReportingPeriod


def _dates(row) -> PeriodDates:
    return PeriodDates(Period(row.year, row.term), row.starts_on, row.ends_on, row.opens_on, row.deadline)


_COLUMNS = (ReportingPeriod.year, ReportingPeriod.term, ReportingPeriod.starts_on, ReportingPeriod.ends_on,
            ReportingPeriod.opens_on, ReportingPeriod.deadline)


def _rows(session: Session, years: list[int] | None = None) -> dict[Period, PeriodDates]:
    query = select(*_COLUMNS)
    if years is not None:
        query = query.where(ReportingPeriod.year.in_(years))
    return {dates.period: dates for dates in map(_dates, session.execute(query).all())}


def get_period_dates(*, session: Session, period: Period) -> PeriodDates:
    """The stored dates of ``period``, or the default calendar's if it has no row."""
    row = session.exec(
        select(ReportingPeriod).where(
            ReportingPeriod.year == period.year, ReportingPeriod.term == period.term
        )
    ).first()
    return _dates(row) if row is not None else PeriodDates.default(period)


def set_period_dates(
    *,
    session: Session,
    period: Period,
    opens_on: date | None = None,
    deadline: date | None = None,
    ends_on: date | None = None,
) -> PeriodDates:
    """Change the given dates of ``period`` (the others stay); creates its row if missing.

    Raises ValueError, and writes nothing, when reporting would close before it opens or
    the period would end before it starts.
    """
    current = get_period_dates(session=session, period=period)
    new = PeriodDates(
        period=period,
        starts_on=current.starts_on,
        ends_on=ends_on if ends_on is not None else current.ends_on,
        opens_on=opens_on if opens_on is not None else current.opens_on,
        deadline=deadline if deadline is not None else current.deadline,
    )
    if new.opens_on > new.deadline:
        raise ValueError(
            f"{period.label}: reporting cannot open ({new.opens_on.isoformat()}) "
            f"after its deadline ({new.deadline.isoformat()})"
        )
    if new.ends_on < new.starts_on:
        raise ValueError(
            f"{period.label}: the period cannot end ({new.ends_on.isoformat()}) "
            f"before it starts ({new.starts_on.isoformat()})"
        )
    # Insert the default row unless there is one (another writer may be at it too), then update.
    default = PeriodDates.default(period)
    dates = {name: getattr(default, name) for name in ("starts_on", "ends_on", "opens_on", "deadline")}
    insert_new(session, ReportingPeriod, unique=["year", "term"], year=period.year, term=period.term, **dates)
    changes = {
        name: value
        for name, value in (("opens_on", opens_on), ("deadline", deadline), ("ends_on", ends_on))
        if value is not None
    }
    if changes:
        session.execute(
            update(ReportingPeriod)
            .where(ReportingPeriod.year == period.year, ReportingPeriod.term == period.term)
            .values(**changes)
        )
    return get_period_dates(session=session, period=period)


def list_periods(*, session: Session, year: int | None = None) -> list[PeriodDates]:
    """Without ``year``: every stored period. With it: T1–T3 of that year, stored or default.

    Sorted by period.
    """
    if year is None:
        return sorted(_rows(session).values(), key=lambda d: d.period)
    stored = _rows(session, [year])
    return [stored.get(Period(year, term)) or PeriodDates.default(Period(year, term)) for term in TERMS]


def due(*, session: Session, today: date, reminder_days: int) -> list[tuple[Period, rules.NotificationKind]]:
    """The notifications due on ``today`` (rules.due), last year's and this year's periods considered."""
    return rules.due(_recent(session, today), today, reminder_days)


def open_for_reporting(*, session: Session, today: date) -> Period | None:
    """The newest period whose reporting window contains ``today`` (rules.open_for_reporting)."""
    return rules.open_for_reporting(_recent(session, today), today)


def _recent(session: Session, today: date) -> list[PeriodDates]:
    """Last year's and this year's periods, stored dates or defaults, oldest first."""
    years = [today.year - 1, today.year]
    stored = _rows(session, years)
    return [stored.get(p) or PeriodDates.default(p) for p in (Period(y, t) for y in years for t in TERMS)]
