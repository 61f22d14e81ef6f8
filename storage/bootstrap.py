"""Bring a database up to date: schema, committee list and (optionally) the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage import queries
from storage.committees import load_committees
from storage.db import migrate, session_scope
from storage.importer import load_demo_data


_STARTUP_LOCK = 0x75707064  # any constant shared by all instances ("uppd")


@contextmanager
def _startup_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one instance at a time migrates and loads data; others wait."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _STARTUP_LOCK})
            conn.commit()


def prepare_database(engine: Engine, *, committees_file: str | None, demo_data: bool) -> None:
    with _startup_lock(engine):
        _prepare(engine, committees_file, demo_data)


def _prepare(engine: Engine, committees_file: str | None, demo_data: bool) -> None:
    migrate(engine)
    with session_scope(engine) as session:
        queries.sync_committees(session=session, committees=load_committees(committees_file))
    if demo_data:
        load_demo_data(engine)
