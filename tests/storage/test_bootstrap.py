"""Start-up preparation: several instances starting at once on one database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func
from sqlmodel import select

from storage.bootstrap import prepare_database
from storage.db import make_engine, session_scope
from storage.models import Assignment, CommitteeRow, StatusReport


def test_instances_starting_together_prepare_the_database_once(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("several instances share a database only on PostgreSQL (SQLite is single-instance)")
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(
                lambda engine: prepare_database(engine, committees_file=None, demo_data=True), engines
            ))
        assert results == [None, None, None]
        with session_scope(engines[0]) as session:
            count = lambda model: session.exec(select(func.count()).select_from(model)).one()  # noqa: E731
            assert (count(Assignment), count(StatusReport), count(CommitteeRow)) == (8, 8, 8)
    finally:
        for engine in engines:
            engine.dispose()
