"""Test factories: the pinned clock, databases, and the people and activities tests use.

Every test runs at a fixed time (``AT``, unless it moves its own clock), so the suite passes
whatever the machine's date is.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from domain.clock import TIME_ZONE, FixedClock
from storage.gateway import Database

#: The tests' "now": 27 November 2026, 11:00 in Sweden (in T3 2026, no reporting window open).
AT = datetime(2026, 11, 27, 11, 0, tzinfo=TIME_ZONE)
CLOCK = FixedClock(AT)  # for tests that only need some fixed time; never moved


def clock_at(at: datetime = AT) -> FixedClock:
    """A clock of the test's own, at ``at`` (Swedish time when naive)."""
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=TIME_ZONE))


def database(engine: Engine, clock: FixedClock = CLOCK) -> Database:
    return Database(engine, clock)


#: For tests of what only PostgreSQL does (several instances sharing one database): the
#: ``database_url`` fixture is made for PostgreSQL alone, instead of skipping SQLite at run time.
only_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
