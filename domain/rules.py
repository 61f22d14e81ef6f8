"""The follow-up's rules, each written once (pure).

- what a reporter may write (the comment limit, which statuses a period allows);
- which period a question or an update is about when the user names none;
- when the period-start notification and the reminder are due, and which period is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from domain.periods import DEFAULT_CALENDAR, Period, period_containing
from domain.statuses import StatusCategory

#: Characters a reporter may write in one comment.
COMMENT_LIMIT = 4_000


def allowed_categories(period: Period) -> list[StatusCategory]:
    """The statuses a reporter may choose in ``period``: "ej genomfört" only at the year end (T3)."""
    chosen = [StatusCategory.DONE, StatusCategory.ON_TRACK, StatusCategory.AT_RISK]
    return chosen + [StatusCategory.NOT_DONE] if period.is_year_end else chosen


# --- the reporting calendar ------------------------------------------------------------------

class NotificationKind(str, Enum):
    OPENING = "opening"  # reporting for a period has opened
    REMINDER = "reminder"  # the deadline is near: what is still unreported
    READY = "ready"  # to approvers: a committee's report is ready for approval
    RETURNED = "returned"  # to reporters: their committee's report was sent back, with a comment
    DIGEST = "digest"  # to approvers, daily: what is ready to approve


#: What `uppdragsbot notify` and the daily schedule send for a period.
PERIOD_KINDS = (NotificationKind.OPENING, NotificationKind.REMINDER)


@dataclass(frozen=True)
class PeriodDates:
    period: Period
    starts_on: date
    ends_on: date
    opens_on: date  # reporting opens
    deadline: date  # last day of reporting

    @classmethod
    def default(cls, period: Period) -> "PeriodDates":
        """The default calendar: reporting opens the day after the period ends, for three weeks."""
        return cls(period, period.start, period.end, DEFAULT_CALENDAR.opens(period),
                   DEFAULT_CALENDAR.deadline(period))

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.deadline


def due(calendar: Sequence[PeriodDates], today: date, reminder_days: int) -> list[tuple[Period, NotificationKind]]:
    """The notifications due on ``today``, by period and kind.

    The opening notification from the day reporting opens through the deadline (each is sent
    once, so a day the scheduler missed is caught up); the reminder from ``reminder_days``
    before the deadline through the deadline, never before reporting has opened.
    """
    if reminder_days < 0:
        raise ValueError(f"reminder_days must be 0 or more, not {reminder_days}")
    result = []
    for dates in sorted(calendar, key=lambda d: d.period):
        if dates.is_open(today):
            result.append((dates.period, NotificationKind.OPENING))
        if max(dates.opens_on, dates.deadline - timedelta(days=reminder_days)) <= today <= dates.deadline:
            result.append((dates.period, NotificationKind.REMINDER))
    return result


def open_for_reporting(calendar: Sequence[PeriodDates], today: date) -> Period | None:
    """The newest period whose reporting window contains ``today``, if any."""
    open_now = [d.period for d in calendar if d.is_open(today)]
    return max(open_now) if open_now else None


# --- the period a question or an update is about ---------------------------------------------

@dataclass(frozen=True)
class PeriodFacts:
    """What the default-period rule looks at, read from storage in one go."""

    today: date
    reported: tuple[Period, ...]  # periods with at least one report, newest first
    open_now: Period | None  # the period open for reporting today
    assignment_years: frozenset[int]  # years that have assignments


def default_period(facts: PeriodFacts, *, year: int | None = None) -> Period:
    """THE rule for the period when the user names none, for questions and updates alike.

    1. The period open for reporting today, when it has assignments to report on: while
       reporting is under way, that is what reporters update and what everyone follows.
    2. Else the newest period with reports.
    3. Else the period containing today.

    With ``year`` ("KS uppdrag 2022"): the newest period of that year with reports, else its T3.
    """
    if year is not None:
        in_year = [p for p in facts.reported if p.year == year]
        return in_year[0] if in_year else Period(year, 3)
    open_now = facts.open_now
    if open_now and (open_now.year in facts.assignment_years or open_now in facts.reported):
        return open_now
    if facts.reported:
        return facts.reported[0]
    return period_containing(facts.today)


def awaits_reports(period: Period, facts: PeriodFacts) -> bool:
    """A period that has no reports and is not open for reporting: nothing to show yet."""
    return bool(facts.reported) and period not in facts.reported and period != facts.open_now
