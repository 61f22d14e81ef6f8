"""Reporting periods T1/T2/T3 and the reporting calendar (pure).

T1 covers January–April, T2 January–August (delårsrapport), T3 the whole year
(årsredovisning/bokslut). Reporting for a period opens the day after the period ends and
closes ``reporting_days`` later; both are configurable per municipality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD_RE = re.compile(r"^\s*t\s*([123])\s*[-/ ]?\s*((?:19|20)\d\d)?\s*$", re.IGNORECASE)

TERMS = (1, 2, 3)  # T1, T2, T3: every year has these three reporting periods
TERM_NAMES = {1: "tertial 1", 2: "delår", 3: "helår"}
_END_MONTH_DAY = {1: (4, 30), 2: (8, 31), 3: (12, 31)}
# First month of each tertial, used to find the tertial a date falls in.
_TERTIAL_START_MONTH = {1: 1, 2: 5, 3: 9}


class PeriodError(ValueError):
    """A text that is not a period, with a Swedish message."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    term: int

    def __post_init__(self) -> None:
        if self.term not in TERMS:
            raise PeriodError(f"Perioden måste vara T1, T2 eller T3, inte T{self.term}.")

    @classmethod
    def parse(cls, text: str, *, default_year: int | None = None) -> "Period":
        """Parse "T1 2022", "t2-2022", "T3/2022" or, with ``default_year``, "T1"."""
        match = _PERIOD_RE.match(text or "")
        if not match:
            raise PeriodError(f"”{text}” är ingen period. Skriv till exempel ”T1 2022”.")
        term, year = int(match.group(1)), match.group(2)
        if year is None:
            if default_year is None:
                raise PeriodError(f"Ange år för perioden, till exempel ”T{term} 2022”.")
            return cls(default_year, term)
        return cls(int(year), term)

    @property
    def label(self) -> str:
        return f"T{self.term} {self.year}"

    @property
    def name(self) -> str:
        """The Swedish name: "tertial 1 2022", "delår 2022", "helår 2022"."""
        return f"{TERM_NAMES[self.term]} {self.year}"

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        month, day = _END_MONTH_DAY[self.term]
        return date(self.year, month, day)

    @property
    def is_year_end(self) -> bool:
        return self.term == 3

    def previous(self) -> "Period":
        return Period(self.year - 1, 3) if self.term == 1 else Period(self.year, self.term - 1)

    def next(self) -> "Period":
        return Period(self.year + 1, 1) if self.term == 3 else Period(self.year, self.term + 1)

    def __str__(self) -> str:
        return self.label


def period_containing(day: date) -> Period:
    """The period whose tertial (Jan–Apr, May–Aug, Sep–Dec) contains ``day``."""
    term = max(t for t, month in _TERTIAL_START_MONTH.items() if day.month >= month)
    return Period(day.year, term)


def full_year(written: str) -> int:
    """"2022" → 2022, "22" → 2022."""
    return int(written) if len(written) == 4 else 2000 + int(written)


def latest_period(term: int, today: date) -> Period:
    """A term named without a year: the most recent one that has ended or is current.

    In February 2027 "T1" is T1 2027 (current), "delåret" T2 2026 and "bokslutet" T3 2026.
    """
    period = Period(today.year, term)
    return period if period <= period_containing(today) else Period(today.year - 1, term)


@dataclass(frozen=True)
class ReportingCalendar:
    """When reporting opens and closes, relative to the end of the period."""

    opens_after_days: int = 1
    reporting_days: int = 21

    def opens(self, period: Period) -> date:
        return period.end + timedelta(days=self.opens_after_days)

    def deadline(self, period: Period) -> date:
        return self.opens(period) + timedelta(days=self.reporting_days)


DEFAULT_CALENDAR = ReportingCalendar()
