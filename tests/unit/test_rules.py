"""domain/rules.py: the period a question or an update is about, which notifications are due,
which period is open for reporting, and what a reporter may choose."""

from __future__ import annotations

from datetime import date

import pytest

from domain.periods import Period
from domain.rules import (
    COMMENT_LIMIT,
    NotificationKind,
    PeriodDates,
    PeriodFacts,
    allowed_categories,
    awaits_reports,
    default_period,
    due,
    open_for_reporting,
)
from domain.statuses import StatusCategory

OPENING, REMINDER = NotificationKind.OPENING, NotificationKind.REMINDER


def P(label: str) -> Period:
    return Period.parse(label)


def facts(today: date, *, reported: tuple[str, ...] = (), open_now: str | None = None,
          years: tuple[int, ...] = ()) -> PeriodFacts:
    return PeriodFacts(today=today, reported=tuple(map(P, reported)), open_now=P(open_now) if open_now else None,
                       assignment_years=frozenset(years))


# ------------------------------------------------------------------------ default period


def test_the_open_period_wins_when_it_has_assignments() -> None:
    # 10 January 2027: reporting for T3 2026 is open, the newest report is for T2 2026.
    known = facts(date(2027, 1, 10), reported=("T2 2026", "T1 2026"), open_now="T3 2026", years=(2026,))
    assert default_period(known) == P("T3 2026")


def test_the_open_period_wins_when_it_has_reports() -> None:
    known = facts(date(2027, 1, 10), reported=("T1 2027", "T3 2026"), open_now="T3 2026", years=())
    assert default_period(known) == P("T3 2026")


def test_an_open_period_without_assignments_gives_way_to_the_newest_report() -> None:
    known = facts(date(2027, 1, 10), reported=("T2 2025", "T1 2025"), open_now="T3 2026", years=(2025,))
    assert default_period(known) == P("T2 2025")


def test_without_an_open_period_the_newest_report() -> None:
    known = facts(date(2026, 11, 27), reported=("T2 2026", "T1 2026", "T3 2025"), years=(2025, 2026))
    assert default_period(known) == P("T2 2026")


@pytest.mark.parametrize(
    ("today", "period"),
    [(date(2026, 1, 1), "T1 2026"), (date(2026, 4, 30), "T1 2026"), (date(2026, 5, 1), "T2 2026"),
     (date(2026, 8, 31), "T2 2026"), (date(2026, 9, 1), "T3 2026"), (date(2026, 12, 31), "T3 2026")],
)
def test_without_reports_the_period_containing_today(today: date, period: str) -> None:
    assert default_period(facts(today, years=(today.year,))) == P(period)


def test_without_reports_an_open_period_without_assignments_is_not_chosen() -> None:
    assert default_period(facts(date(2027, 1, 10), open_now="T3 2026")) == P("T1 2027")


def test_a_named_year_gives_its_newest_reported_period() -> None:
    known = facts(date(2027, 1, 10), reported=("T1 2023", "T2 2022", "T1 2022", "T3 2021"), open_now="T3 2026",
                  years=(2021, 2022, 2023, 2026))
    assert default_period(known, year=2022) == P("T2 2022")
    assert default_period(known, year=2023) == P("T1 2023")
    assert default_period(known, year=2021) == P("T3 2021")


def test_a_named_year_without_reports_gives_its_year_end() -> None:
    known = facts(date(2027, 1, 10), reported=("T2 2022",), open_now="T3 2026", years=(2022, 2026))
    assert default_period(known, year=2026) == P("T3 2026")
    assert default_period(known, year=2020) == P("T3 2020")
    assert default_period(known, year=2028) == P("T3 2028")


def test_a_period_awaits_reports_when_others_have_some_and_it_is_not_open() -> None:
    known = facts(date(2027, 1, 10), reported=("T2 2026",), open_now="T3 2026", years=(2026,))
    assert awaits_reports(P("T1 2026"), known)
    assert not awaits_reports(P("T2 2026"), known)  # has reports
    assert not awaits_reports(P("T3 2026"), known)  # open: reporters are at it
    assert not awaits_reports(P("T1 2026"), facts(date(2027, 1, 10), years=(2026,)))  # nothing reported at all


# ---------------------------------------------------------------------- the calendar


T1_2024 = PeriodDates.default(P("T1 2024"))  # opens 1 May, deadline 22 May


def test_the_default_calendar_opens_the_day_after_the_period_for_three_weeks() -> None:
    assert T1_2024 == PeriodDates(P("T1 2024"), date(2024, 1, 1), date(2024, 4, 30), date(2024, 5, 1),
                                  date(2024, 5, 22))
    assert PeriodDates.default(P("T3 2026")).opens_on == date(2027, 1, 1)
    assert PeriodDates.default(P("T3 2026")).deadline == date(2027, 1, 22)


@pytest.mark.parametrize(
    ("today", "reminder_days", "expected"),
    [
        (date(2024, 4, 30), 5, []),
        (date(2024, 5, 1), 5, [OPENING]),
        (date(2024, 5, 16), 5, [OPENING]),
        (date(2024, 5, 17), 5, [OPENING, REMINDER]),
        (date(2024, 5, 22), 5, [OPENING, REMINDER]),
        (date(2024, 5, 23), 5, []),
        (date(2024, 5, 21), 0, [OPENING]),
        (date(2024, 5, 22), 0, [OPENING, REMINDER]),
    ],
)
def test_due(today: date, reminder_days: int, expected: list[NotificationKind]) -> None:
    assert due([T1_2024], today, reminder_days) == [(P("T1 2024"), kind) for kind in expected]


def test_due_follows_the_stored_dates_and_sorts_by_period() -> None:
    t2 = PeriodDates(P("T2 2024"), date(2024, 1, 1), date(2024, 8, 31), date(2024, 5, 10), date(2024, 6, 14))
    late_t1 = PeriodDates(P("T1 2024"), date(2024, 1, 1), date(2024, 4, 30), date(2024, 5, 20), date(2024, 6, 20))
    assert due([t2, late_t1], date(2024, 5, 10), 5) == [(P("T2 2024"), OPENING)]
    assert due([t2, late_t1], date(2024, 6, 14), 5) == [
        (P("T1 2024"), OPENING), (P("T2 2024"), OPENING), (P("T2 2024"), REMINDER)]
    assert due([t2, late_t1], date(2024, 6, 15), 5) == [(P("T1 2024"), OPENING), (P("T1 2024"), REMINDER)]


def test_due_refuses_a_negative_reminder() -> None:
    with pytest.raises(ValueError, match="reminder_days"):
        due([T1_2024], date(2024, 5, 10), -1)


def test_notification_kinds_are_the_stored_words() -> None:
    assert [kind.value for kind in NotificationKind] == ["opening", "reminder", "ready", "returned", "digest"]
    assert NotificationKind("reminder") is REMINDER
    assert OPENING == "opening"


def test_open_for_reporting() -> None:
    calendar = [PeriodDates.default(P(label)) for label in ("T1 2026", "T2 2026", "T3 2026", "T1 2027")]
    assert open_for_reporting(calendar, date(2026, 4, 30)) is None
    assert open_for_reporting(calendar, date(2026, 5, 1)) == P("T1 2026")
    assert open_for_reporting(calendar, date(2026, 5, 22)) == P("T1 2026")
    assert open_for_reporting(calendar, date(2026, 5, 23)) is None
    assert open_for_reporting(calendar, date(2026, 11, 27)) is None
    assert open_for_reporting(calendar, date(2027, 1, 10)) == P("T3 2026")
    assert open_for_reporting([], date(2027, 1, 10)) is None


def test_open_for_reporting_is_the_newest_when_windows_overlap() -> None:
    late_t1 = PeriodDates(P("T1 2026"), date(2026, 1, 1), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 30))
    t2 = PeriodDates.default(P("T2 2026"))  # 1–22 September
    assert open_for_reporting([t2, late_t1], date(2026, 9, 10)) == P("T2 2026")
    assert open_for_reporting([t2, late_t1], date(2026, 9, 25)) == P("T1 2026")


# ----------------------------------------------------------------- what a reporter may write


def test_ej_genomfort_only_at_the_year_end() -> None:
    during = [StatusCategory.DONE, StatusCategory.ON_TRACK, StatusCategory.AT_RISK]
    assert allowed_categories(P("T1 2022")) == during
    assert allowed_categories(P("T2 2022")) == during
    assert allowed_categories(P("T3 2022")) == [*during, StatusCategory.NOT_DONE]


def test_comment_limit() -> None:
    assert COMMENT_LIMIT == 4_000


def test_no_reminder_before_reporting_opens_however_early_it_is_asked_for():
    t1 = PeriodDates.default(Period(2024, 1))  # opens 2024-05-01, deadline 2024-05-22
    assert due([t1], date(2024, 4, 25), 30) == []
    assert due([t1], date(2024, 5, 1), 30) == [(Period(2024, 1), NotificationKind.OPENING),
                                               (Period(2024, 1), NotificationKind.REMINDER)]
