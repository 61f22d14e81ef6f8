"""Bring a database up to date: schema, committee list and (optionally) the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.committees import load_committees
from storage import queries
from storage.db import migrate
from storage.gateway import Database
from storage.importer import load_demo_data

_STARTUP_LOCK = 0x75707064  # any constant shared by all instances ("uppd")


@contextmanager
def _startup_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one instance at a time migrates and loads data; others wait."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        # Waiting for another instance's migration may take longer than a statement may.
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _STARTUP_LOCK})
            conn.commit()


def prepare_database(db: Database, *, committees_file: str | None, demo_data: bool) -> None:
    with _startup_lock(db.engine):
        migrate(db.engine)
        db.run_sync(queries.sync_committees, committees=load_committees(committees_file))
        if demo_data:
            load_demo_data(db)
