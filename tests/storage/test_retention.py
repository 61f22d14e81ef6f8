"""AUTHOR_RETENTION_DAYS: who wrote a report is forgotten after a while; the report stays."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from bot.container import Container
from bot.scheduler import forget_authors
from bot.settings import Settings
from domain.periods import Period
from domain.statuses import StatusCategory
from storage import queries
from storage.db import session_scope
from storage.importer import import_text
from tests.factories import AT, clock_at, database

T1 = Period(2022, 1)


def report(engine, clock, assignment_id: int, comment: str, author: str) -> None:
    with session_scope(engine, clock) as session:
        queries.add_status_report(session=session, assignment_id=assignment_id, period=T1,
                                  category=StatusCategory.ON_TRACK, sentence=None, comment=comment,
                                  author_id=f"aad-{author}", author_name=author)


def statuses(engine) -> dict[str, tuple[str | None, str | None]]:
    with session_scope(engine, clock_at(AT)) as session:
        return {s.comment: (s.author, s.category.value) for s in queries.find_statuses(session=session, period=T1)
                if s.comment in ("Först.", "Sedan.")}


def test_authors_of_reports_older_than_the_retention_are_forgotten_and_the_reports_kept(
        prepared_engine, seed_text, database_url):
    import_text(database(prepared_engine), seed_text, filename="seed.txt")
    with session_scope(prepared_engine, clock_at(AT)) as session:
        first, second = [s.assignment_id for s in queries.find_statuses(session=session, period=T1)[:2]]
    report(prepared_engine, clock_at(AT), first, "Först.", "Anna Andersson")
    report(prepared_engine, clock_at(AT + timedelta(days=40)), second, "Sedan.", "Bo Berg")

    settings = Settings(database_url=database_url, author_retention_days=30, scheduler=False)
    container = Container.build(settings, clock=clock_at(AT + timedelta(days=50)))
    try:
        assert asyncio.run(forget_authors(container)) == 1  # 50 days old: forgotten; 10 days: kept
        assert asyncio.run(forget_authors(container)) == 0  # nothing left to forget
    finally:
        container.close()
    assert statuses(prepared_engine) == {"Först.": (None, StatusCategory.ON_TRACK.value), "Sedan.": ("Bo Berg", StatusCategory.ON_TRACK.value)}
    with session_scope(prepared_engine, clock_at(AT)) as session:
        ids = session.execute(text("SELECT author_id FROM status_report WHERE comment = 'Först.'")).all()
    assert ids == [(None,)]


def test_without_the_setting_every_author_is_kept(prepared_engine, seed_text, database_url):
    import_text(database(prepared_engine), seed_text, filename="seed.txt")
    with session_scope(prepared_engine, clock_at(AT)) as session:
        first = queries.find_statuses(session=session, period=T1)[0].assignment_id
    report(prepared_engine, clock_at(AT), first, "Först.", "Anna Andersson")
    container = Container.build(Settings(database_url=database_url, scheduler=False),
                                clock=clock_at(AT + timedelta(days=3650)))
    try:
        assert asyncio.run(forget_authors(container)) == 0
    finally:
        container.close()
    assert statuses(prepared_engine)["Först."][0] == "Anna Andersson"
