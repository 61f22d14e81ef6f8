"""Time, from one clock handed in at the composition root (pure).

Nothing else in the code reads the machine's date: the bot's container builds a
``SystemClock`` once, tests build a ``FixedClock``, and everything that needs "now" or
"today" is given the clock (or a value taken from it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

#: The municipality's time zone: calendar days, deadlines and times shown to users.
TIME_ZONE = ZoneInfo("Europe/Stockholm")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class SystemClock:
    """The machine's clock; built once, at the composition root."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until moved (tests, benchmarks, replays)."""

    def __init__(self, at: datetime) -> None:
        self._at = aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = aware(at)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


def today(clock: Clock) -> date:
    """The calendar day in the municipality (Europe/Stockholm)."""
    return clock.now().astimezone(TIME_ZONE).date()


def aware(value: datetime) -> datetime:
    """In UTC, a naive datetime taken as UTC (SQLite keeps only the wall-clock time; we store UTC)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def local(value: datetime) -> datetime:
    """A stored time in the municipality's time zone, for showing to users."""
    return aware(value).astimezone(TIME_ZONE)
