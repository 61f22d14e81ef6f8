"""Bring a database up to date: schema, committee list and (optionally) the demo data."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from storage import queries
from storage.committees import load_committees
from storage.db import migrate, session_scope
from storage.importer import load_demo_data


def prepare_database(engine: Engine, *, committees_file: str | None, demo_data: bool) -> None:
    migrate(engine)
    with session_scope(engine) as session:
        queries.sync_committees(session=session, committees=load_committees(committees_file))
    if demo_data:
        load_demo_data(engine)
