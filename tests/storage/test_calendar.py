"""The reporting calendar: defaults, stored dates, validation, and which notifications are due."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from domain.periods import Period
from domain.rules import PeriodDates
from storage import calendar, queries
from storage.db import session_scope
from storage.models import ReportingPeriod
from tests.factories import CLOCK

T1_2024 = Period(2024, 1)


def dates(engine, period) -> PeriodDates:
    with session_scope(engine, CLOCK) as session:
        return calendar.get_period_dates(session=session, period=period)


def set_dates(engine, period, **changes) -> PeriodDates:
    with session_scope(engine, CLOCK) as session:
        return calendar.set_period_dates(session=session, period=period, **changes)


def stored_rows(engine) -> int:
    with session_scope(engine, CLOCK) as session:
        return len(session.exec(select(ReportingPeriod)).all())


def due(engine, today, reminder_days=5) -> list[tuple[str, str]]:
    with session_scope(engine, CLOCK) as session:
        found = calendar.due(session=session, today=today, reminder_days=reminder_days)
    return [(period.label, kind) for period, kind in found]


def test_defaults_without_a_row_and_reading_inserts_nothing(prepared_engine):
    assert dates(prepared_engine, T1_2024) == PeriodDates(
        T1_2024, date(2024, 1, 1), date(2024, 4, 30), date(2024, 5, 1), date(2024, 5, 22)
    )
    t3 = dates(prepared_engine, Period(2024, 3))
    assert (t3.ends_on, t3.opens_on, t3.deadline) == (date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 22))
    assert stored_rows(prepared_engine) == 0
    with session_scope(prepared_engine, CLOCK) as session:
        assert calendar.list_periods(session=session) == []
        listed = calendar.list_periods(session=session, year=2024)
    assert [d.period.label for d in listed] == ["T1 2024", "T2 2024", "T3 2024"]
    assert listed[1].opens_on == date(2024, 9, 1)
    assert stored_rows(prepared_engine) == 0


def test_set_creates_or_changes_the_row(prepared_engine):
    changed = set_dates(prepared_engine, T1_2024, opens_on=date(2024, 5, 6), deadline=date(2024, 6, 3))
    assert changed == PeriodDates(T1_2024, date(2024, 1, 1), date(2024, 4, 30), date(2024, 5, 6), date(2024, 6, 3))
    assert dates(prepared_engine, T1_2024) == changed
    assert stored_rows(prepared_engine) == 1

    # Only what is given changes.
    set_dates(prepared_engine, T1_2024, deadline=date(2024, 6, 10))
    assert dates(prepared_engine, T1_2024).opens_on == date(2024, 5, 6)
    assert dates(prepared_engine, T1_2024).deadline == date(2024, 6, 10)
    set_dates(prepared_engine, T1_2024, ends_on=date(2024, 4, 28))
    assert dates(prepared_engine, T1_2024).ends_on == date(2024, 4, 28)
    assert stored_rows(prepared_engine) == 1

    # A row that exists already (created by an import) is changed, not duplicated.
    with session_scope(prepared_engine, CLOCK) as session:
        queries.ensure_period(session=session, period=Period(2024, 2))
    set_dates(prepared_engine, Period(2024, 2), deadline=date(2024, 9, 30))
    assert dates(prepared_engine, Period(2024, 2)).deadline == date(2024, 9, 30)
    assert stored_rows(prepared_engine) == 2

    with session_scope(prepared_engine, CLOCK) as session:
        assert [d.period.label for d in calendar.list_periods(session=session)] == ["T1 2024", "T2 2024"]
        this_year = calendar.list_periods(session=session, year=2024)
        assert [d.deadline for d in this_year] == [date(2024, 6, 10), date(2024, 9, 30), date(2025, 1, 22)]
        assert calendar.list_periods(session=session, year=2023)[0].opens_on == date(2023, 5, 1)


def test_set_refuses_a_deadline_before_opening(prepared_engine):
    with pytest.raises(ValueError, match="cannot open .*2024-06-01.* after its deadline .*2024-05-31"):
        set_dates(prepared_engine, T1_2024, opens_on=date(2024, 6, 1), deadline=date(2024, 5, 31))
    # Against the stored (here default) deadline too.
    with pytest.raises(ValueError, match="after its deadline"):
        set_dates(prepared_engine, T1_2024, opens_on=date(2024, 5, 23))
    with pytest.raises(ValueError, match="cannot end"):
        set_dates(prepared_engine, T1_2024, ends_on=date(2023, 12, 31))
    assert stored_rows(prepared_engine) == 0
    # Opening on the deadline day is allowed.
    set_dates(prepared_engine, T1_2024, opens_on=date(2024, 5, 22))
    assert dates(prepared_engine, T1_2024).opens_on == date(2024, 5, 22)


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2024, 4, 30), []),  # the period's last day: not open yet
        (date(2024, 5, 1), [("T1 2024", "opening")]),  # opens
        (date(2024, 5, 16), [("T1 2024", "opening")]),  # 6 days before the deadline
        (date(2024, 5, 17), [("T1 2024", "opening"), ("T1 2024", "reminder")]),  # 5 days before
        (date(2024, 5, 22), [("T1 2024", "opening"), ("T1 2024", "reminder")]),  # the deadline
        (date(2024, 5, 23), []),  # after the deadline
        (date(2024, 1, 1), [("T3 2023", "opening")]),  # last year's year-end period
        (date(2024, 1, 20), [("T3 2023", "opening"), ("T3 2023", "reminder")]),
        (date(2024, 9, 1), [("T2 2024", "opening")]),
    ],
)
def test_due_with_the_default_calendar(prepared_engine, today, expected):
    assert due(prepared_engine, today) == expected


def test_due_follows_stored_dates(prepared_engine):
    set_dates(prepared_engine, T1_2024, opens_on=date(2024, 5, 10), deadline=date(2024, 6, 14))
    assert due(prepared_engine, date(2024, 5, 1)) == []
    assert due(prepared_engine, date(2024, 5, 10)) == [("T1 2024", "opening")]
    assert due(prepared_engine, date(2024, 5, 23)) == [("T1 2024", "opening")]
    assert due(prepared_engine, date(2024, 6, 4), reminder_days=10) == [("T1 2024", "opening"), ("T1 2024", "reminder")]
    assert due(prepared_engine, date(2024, 6, 14), reminder_days=0) == [("T1 2024", "opening"), ("T1 2024", "reminder")]
    assert due(prepared_engine, date(2024, 6, 15)) == []
    with pytest.raises(ValueError):
        due(prepared_engine, date(2024, 6, 1), reminder_days=-1)


def test_open_for_reporting_follows_the_configured_calendar(prepared_engine):
    def open_on(day):
        with session_scope(prepared_engine, CLOCK) as session:
            return calendar.open_for_reporting(session=session, today=day)

    assert open_on(date(2022, 5, 10)) == Period(2022, 1)  # default: opens May 1, closes May 22
    assert open_on(date(2022, 6, 1)) is None
    assert open_on(date(2023, 1, 5)) == Period(2022, 3)  # last year's bokslut
    set_dates(prepared_engine, Period(2022, 1), deadline=date(2022, 6, 15))
    assert open_on(date(2022, 6, 1)) == Period(2022, 1)
