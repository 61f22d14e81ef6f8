"""The municipality's reporting calendar, stored in table reporting_period.

A period without a row has the default calendar (storage.periods.DEFAULT_CALENDAR): reading
never inserts. Dates are calendar days in the municipality's time zone (Europe/Stockholm);
callers pass "today" in that zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from storage.db import dialect_insert
from storage.models import ReportingPeriod
from storage.periods import DEFAULT_CALENDAR, Period

OPENING = "opening"
REMINDER = "reminder"
TERMS = (1, 2, 3)


@dataclass(frozen=True)
class PeriodDates:
    period: Period
    starts_on: date
    ends_on: date
    opens_on: date  # reporting opens
    deadline: date  # last day of reporting


def _default(period: Period) -> PeriodDates:
    return PeriodDates(
        period=period,
        starts_on=period.start,
        ends_on=period.end,
        opens_on=DEFAULT_CALENDAR.opens(period),
        deadline=DEFAULT_CALENDAR.deadline(period),
    )


def _dates(row: ReportingPeriod) -> PeriodDates:
    return PeriodDates(Period(row.year, row.term), row.starts_on, row.ends_on, row.opens_on, row.deadline)


def _rows(session: Session, years: list[int] | None = None) -> dict[Period, PeriodDates]:
    query = select(ReportingPeriod)
    if years is not None:
        query = query.where(ReportingPeriod.year.in_(years))
    return {dates.period: dates for dates in map(_dates, session.exec(query).all())}


def get_period_dates(*, session: Session, period: Period) -> PeriodDates:
    """The stored dates of ``period``, or the default calendar's if it has no row."""
    row = session.exec(
        select(ReportingPeriod).where(
            ReportingPeriod.year == period.year, ReportingPeriod.term == period.term
        )
    ).first()
    return _dates(row) if row is not None else _default(period)


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
    default = _default(period)
    session.execute(
        dialect_insert(session, ReportingPeriod)
        .values(
            year=period.year,
            term=period.term,
            starts_on=default.starts_on,
            ends_on=default.ends_on,
            opens_on=default.opens_on,
            deadline=default.deadline,
        )
        .on_conflict_do_nothing(index_elements=["year", "term"])
    )
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
    return [stored.get(Period(year, term)) or _default(Period(year, term)) for term in TERMS]


def due(*, session: Session, today: date, reminder_days: int) -> list[tuple[Period, str]]:
    """The (period, kind) notifications due on ``today``, by period and kind.

    "opening" from the day reporting opens through the deadline (the outbox sends each once,
    so a day missed by the scheduler is caught up); "reminder" from ``reminder_days`` before
    the deadline through the deadline. Periods of last year and this year are considered.
    """
    if reminder_days < 0:
        raise ValueError(f"reminder_days must be 0 or more, not {reminder_days}")
    result = []
    for dates in _recent(session, today):
        if dates.opens_on <= today <= dates.deadline:
            result.append((dates.period, OPENING))
        if dates.deadline - timedelta(days=reminder_days) <= today <= dates.deadline:
            result.append((dates.period, REMINDER))
    return result


def open_for_reporting(*, session: Session, today: date) -> Period | None:
    """The newest period whose reporting window contains ``today``, if any."""
    open_now = [d.period for d in _recent(session, today) if d.opens_on <= today <= d.deadline]
    return open_now[-1] if open_now else None


def _recent(session: Session, today: date) -> list[PeriodDates]:
    """Last year's and this year's periods, stored dates or defaults, oldest first."""
    years = [today.year - 1, today.year]
    stored = _rows(session, years)
    return [stored.get(p) or _default(p) for p in (Period(y, t) for y in years for t in TERMS)]
