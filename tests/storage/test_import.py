"""Importing published reports into SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from domain.clock import aware
from domain.periods import Period
from domain.report_format import ReportFormatError
from domain.statuses import StatusCategory
from storage import queries
from storage.importer import import_text, load_demo_data
from storage.models import Assignment, ReportingPeriod, StatusReport

T1 = Period(2022, 1)


def count(db, model) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def titles(db, **filters) -> list[str]:
    with db.session() as session:
        return [s.title for s in queries.find_statuses(session=session, period=T1, **filters)]


def test_seed_import_gives_each_committee_its_assignments(prepared_db, seed_text):
    result = import_text(prepared_db, seed_text, filename="seed.txt")
    assert (result.period, result.assignments_created, result.reports_added) == (T1, 8, 8)
    assert len(titles(prepared_db, committees=["TN"])) == 3
    assert len(titles(prepared_db, committees=["KS"])) == 4
    assert len(titles(prepared_db, committees=["MSN"])) == 2
    assert len(titles(prepared_db, committees=["SAN"])) == 1
    assert titles(prepared_db, committees=["BUN"]) == []
    assert titles(prepared_db, categories=[StatusCategory.DONE]) == [
        "Utveckla arbetet med effektiv samordning för trygghet, EST"
    ]


def test_imported_rows_are_stamped_with_the_transactions_time(prepared_db, clock, seed_text):
    clock.advance(days=3)
    import_text(prepared_db, seed_text, filename="seed.txt")
    with prepared_db.session() as session:
        stamps = {aware(at) for at in session.exec(select(Assignment.created_at)).all()}
        stamps |= {aware(at) for at in session.exec(select(StatusReport.created_at)).all()}
    assert stamps == {clock.now()}


def test_shared_assignment_keeps_its_committees_in_order(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    with prepared_db.session() as session:
        [purple] = [
            s for s in queries.find_statuses(session=session, period=T1, committees=["TN"])
            if "Purple Flag" in s.title
        ]
    assert purple.committee_codes == "KS, TN"
    assert purple.category is StatusCategory.ON_TRACK
    assert purple.sentence == "Uppdraget bedöms bli genomfört under året."
    assert "\u00a0" not in purple.comment


def test_reimport_changes_nothing(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    again = import_text(prepared_db, seed_text, filename="seed.txt")
    assert (again.assignments_created, again.reports_added, again.unchanged) == (0, 0, 8)
    assert count(prepared_db, Assignment) == 8
    assert count(prepared_db, StatusReport) == 8


def test_changed_report_appends_and_keeps_history(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    changed = seed_text.replace(
        "Uppdrag bedöms bli genomfört.", "Uppdraget bedöms inte bli genomfört under året."
    )
    result = import_text(prepared_db, changed, filename="seed-v2.txt")
    assert (result.reports_added, result.unchanged) == (1, 7)
    assert count(prepared_db, StatusReport) == 9
    with prepared_db.session() as session:
        [linjenat] = queries.find_statuses(
            session=session, period=T1, categories=[StatusCategory.AT_RISK]
        )
        past = queries.history(session=session, assignment_id=linjenat.assignment_id)
    assert linjenat.title == "Utveckla ett nytt linjenät för stadstrafiken"
    assert [h.category for h in past] == [StatusCategory.AT_RISK, StatusCategory.ON_TRACK]


def test_bad_report_writes_nothing(prepared_db, seed_text):
    broken = seed_text.replace("(SAN)", "(XYZ)")
    with pytest.raises(ReportFormatError) as error:
        import_text(prepared_db, broken, filename="broken.txt")
    assert error.value.filename == "broken.txt"
    assert error.value.line == 10  # the SAN title line
    assert "XYZ" in str(error.value)
    assert count(prepared_db, Assignment) == 0
    assert count(prepared_db, StatusReport) == 0
    assert count(prepared_db, ReportingPeriod) == 0


def test_demo_data_loads_only_into_an_empty_database(prepared_db):
    first = load_demo_data(prepared_db)
    assert first is not None and first.assignments_created == 8
    assert load_demo_data(prepared_db) is None
    assert count(prepared_db, Assignment) == 8


def test_migrations_run_twice_and_downgrade_cleanly(db):
    from alembic import command

    from storage.db import alembic_config, migrate

    migrate(db.engine)
    migrate(db.engine)
    command.downgrade(alembic_config(db.engine), "base")
    migrate(db.engine)
    assert count(db, Assignment) == 0
