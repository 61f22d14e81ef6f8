"""Start-up preparation: several instances starting at once on one database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func
from sqlmodel import select

from storage.bootstrap import prepare_database
from storage.db import make_engine
from storage.models import Assignment, CommitteeRow, StatusReport
from tests.factories import database, only_postgres


@only_postgres  # several instances share a database only on PostgreSQL (SQLite is single-instance)
def test_instances_starting_together_prepare_the_database_once(database_url):
    instances = [database(make_engine(database_url)) for _ in range(3)]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(
                lambda db: prepare_database(db, committees_file=None, demo_data=True), instances
            ))
        assert results == [None, None, None]
        with instances[0].session() as session:
            count = lambda model: session.exec(select(func.count()).select_from(model)).one()  # noqa: E731
            assert (count(Assignment), count(StatusReport), count(CommitteeRow)) == (8, 8, 8)
    finally:
        for db in instances:
            db.dispose()
