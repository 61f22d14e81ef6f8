"""Closing a period, stored: committee reports open → ready → approved, the roles, the history,
and two approvers at once (storage.approvals, storage.reporters, migration 0009)."""

from __future__ import annotations

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from domain.approval import CommitteeReport, Move, Refusal, ReportState, Role
from domain.clock import aware
from domain.periods import Period
from storage import approvals, outbox, reporters
from storage.db import alembic_config, make_engine
from storage.gateway import Database
from storage.models import CommitteeReportRow
from tests.factories import only_postgres

T2 = Period(2023, 2)
REPORTER, APPROVER, ADMIN = {Role.REPORTER}, {Role.APPROVER}, {Role.ADMIN}
NEW_TABLES = ("reporter", "notification", "committee_report", "committee_report_event")


def move(db, which: Move, roles, *, committee="TN", period=T2, actor="Anna", comment=None) -> approvals.Moved:
    return db.run_sync(approvals.move, committee=committee, period=period, move=which, roles=roles,
                       actor_id=f"id-{actor}" if actor else None, actor=actor, comment=comment)


def report_of(db, committee="TN", period=T2) -> CommitteeReport:
    return db.run_sync(approvals.report_of, committee=committee, period=period)


def history(db, committee="TN", period=T2) -> list[tuple[Move, str | None, str | None]]:
    return [(e.move, e.actor, e.comment)
            for e in db.run_sync(approvals.history, committee=committee, period=period)]


def grant(db, principal, committee, role="reporter", name=None) -> bool:
    return db.run_sync(reporters.add_reporter, principal=principal, committee=committee, role=role,
                       display_name=name)


# --- the migration ------------------------------------------------------------------------------

def test_the_migrated_schema_is_the_models(prepared_db):
    """0009 gives the tables it touches exactly what storage.models declares, on either database."""
    with prepared_db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        tables = set(inspect(conn).get_table_names())
    assert set(NEW_TABLES) <= tables
    touched = [d for d in differences if any(name in repr(d) for name in NEW_TABLES)]
    assert touched == []


def test_the_migration_keeps_old_reporters_and_downgrades_without_making_approvers_admins(engine, db):
    config = alembic_config(engine)
    command.upgrade(config, "0008")
    with db.session() as session:  # as 0008 knew it: reporters without a role
        session.execute(text("INSERT INTO committee (abbreviation, name, aliases) VALUES ('TN', 'Tekniska nämnden', '[]')"))
        session.execute(text("INSERT INTO reporter (principal, committee, created_at) "
                             "VALUES ('anna@kommun.se', 'TN', '2023-01-01 00:00:00'), "
                             "('admin@kommun.se', '*', '2023-01-01 00:00:00')"))
        session.execute(text(  # a period's notification with its delivery log (whose table refers to it)
            "INSERT INTO notification (year, term, kind, conversation_id, payload, status, attempts, "
            "next_attempt_at, created_at) VALUES (2023, 2, 'opening', 'a:1', '{}', 'sent', 1, "
            "'2023-09-01 08:00:00', '2023-09-01 08:00:00')"))
        session.execute(text("INSERT INTO delivery_log (notification_id, event, created_at) "
                             "VALUES (1, 'sent', '2023-09-01 08:00:01')"))
    command.upgrade(config, "head")
    assert {(r.principal, r.committee, r.role) for r in db.run_sync(reporters.list_reporters)} == {
        ("anna@kommun.se", "TN", "reporter"), ("admin@kommun.se", "*", "reporter")}
    assert grant(db, "anna@kommun.se", "TN", role="approver")  # a second role, same person and committee
    assert grant(db, "bo@kommun.se", "*", role="approver")
    assert move(db, Move.READY, REPORTER).refused is None
    with db.session() as session:  # a notification of each new kind, two digests to one chat
        for kind, topic in [("ready", "TN"), ("digest", "2023-09-12"), ("digest", "2023-09-13")]:
            assert outbox.enqueue(session=session, period=T2, kind=kind, topic=topic, items=[("a:1", {})]) == 1
        session.execute(text("INSERT INTO delivery_log (notification_id, event, created_at) "
                             "SELECT id, 'claimed', created_at FROM notification WHERE kind = 'ready'"))

    command.downgrade(config, "0008")  # the role column goes: an approver must not become a reporter
    with db.session() as session:
        rows = session.execute(text("SELECT principal, committee FROM reporter ORDER BY principal")).all()
        kinds = session.execute(text("SELECT kind, conversation_id FROM notification")).all()
        logged = session.execute(text("SELECT notification_id FROM delivery_log")).scalars().all()
    assert [tuple(r) for r in rows] == [("admin@kommun.se", "*"), ("anna@kommun.se", "TN")]
    assert ([tuple(k) for k in kinds], logged) == ([("opening", "a:1")], [1])  # the period's notification kept
    command.upgrade(config, "head")
    assert report_of(db).state is ReportState.OPEN  # the reports went with the downgrade


# --- the whole path -------------------------------------------------------------------------------

def test_a_report_goes_ready_back_ready_approved_and_reopened(prepared_db, clock):
    db = prepared_db
    assert report_of(db) == CommitteeReport("TN", T2)  # no row: open
    assert db.run_sync(approvals.reports, period=T2) == {}

    ready = move(db, Move.READY, REPORTER, actor="Anna")
    assert ready.refused is None
    assert (ready.report.state, ready.report.by, ready.report.at) == (ReportState.READY, "Anna", clock.now())
    assert report_of(db).state is ReportState.READY

    clock.advance(hours=1)
    back = move(db, Move.SEND_BACK, APPROVER, actor="Bo", comment="  Fyll i KS-delen.  ")
    assert back.refused is None
    assert (back.report.state, back.report.by, back.report.comment) == (ReportState.OPEN, "Bo", "Fyll i KS-delen.")
    assert db.run_sync(approvals.reports, period=T2)["TN"].comment == "Fyll i KS-delen."  # kept for the reporters

    clock.advance(hours=1)
    again = move(db, Move.READY, REPORTER, actor="Anna")
    assert (again.refused, again.report.state, again.report.comment) == (None, ReportState.READY, None)
    clock.advance(hours=1)
    approved = move(db, Move.APPROVE, APPROVER, actor="Bo")
    assert approved.refused is None
    assert (approved.report.state, approved.report.by, approved.report.at) == (
        ReportState.APPROVED, "Bo", clock.now())

    clock.advance(days=2)
    reopened = move(db, Move.REOPEN, ADMIN, actor="Admin", comment="Fel siffra i TN-3")
    assert (reopened.refused, reopened.report.state, reopened.report.comment) == (
        None, ReportState.OPEN, "Fel siffra i TN-3")

    events = db.run_sync(approvals.history, committee="TN", period=T2)
    assert [(e.move, e.actor, e.comment) for e in events] == [
        (Move.READY, "Anna", None),
        (Move.SEND_BACK, "Bo", "Fyll i KS-delen."),
        (Move.READY, "Anna", None),
        (Move.APPROVE, "Bo", None),
        (Move.REOPEN, "Admin", "Fel siffra i TN-3"),
    ]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[-1].at == aware(clock.now())


def test_the_returned_report_is_the_stored_one_in_the_same_transaction(prepared_db):
    """A move reports the state it made, not the one read before it (one session throughout)."""
    def both(*, session):
        first = approvals.move(session=session, committee="TN", period=T2, move=Move.READY, roles=REPORTER,
                               actor_id="a", actor="Anna")
        held = session.get(CommitteeReportRow, ("TN", T2.year, T2.term))  # the session holds the row
        assert held is not None and held.state == ReportState.READY.value
        second = approvals.move(session=session, committee="TN", period=T2, move=Move.APPROVE, roles=APPROVER,
                                actor_id="b", actor="Bo")
        return first, second, approvals.report_of(session=session, committee="TN", period=T2)

    first, second, now = prepared_db.run_sync(both)
    assert (first.report.state, first.report.by) == (ReportState.READY, "Anna")
    assert (second.refused, second.report.state, second.report.by) == (None, ReportState.APPROVED, "Bo")
    assert (now.state, now.by) == (ReportState.APPROVED, "Bo")


def test_reports_are_per_committee_and_period(prepared_db, clock):
    db = prepared_db
    move(db, Move.READY, REPORTER, committee="TN")
    move(db, Move.READY, REPORTER, committee="KS")
    move(db, Move.APPROVE, APPROVER, committee="KS")
    clock.advance(minutes=5)
    move(db, Move.READY, REPORTER, committee="TN", period=Period(2023, 1))  # ready later: waiting less long
    assert {c: r.state for c, r in db.run_sync(approvals.reports, period=T2).items()} == {
        "TN": ReportState.READY, "KS": ReportState.APPROVED}
    assert list(db.run_sync(approvals.reports, period=T2, committees=["KS"])) == ["KS"]
    assert report_of(db, "SAN").state is ReportState.OPEN
    assert [(r.committee, r.period) for r in db.run_sync(approvals.ready_to_approve)] == [
        ("TN", T2), ("TN", Period(2023, 1))]
    assert db.run_sync(approvals.ready_to_approve, committees=["KS"]) == []
    assert history(db, "TN", Period(2023, 1)) == [(Move.READY, "Anna", None)]


# --- every refusal --------------------------------------------------------------------------------

@pytest.mark.parametrize(("which", "state", "refused_roles"), [
    (Move.READY, ReportState.OPEN, [set(), APPROVER]),
    (Move.APPROVE, ReportState.READY, [set(), REPORTER]),
    (Move.SEND_BACK, ReportState.READY, [set(), REPORTER]),
    (Move.REOPEN, ReportState.APPROVED, [set(), REPORTER, APPROVER, REPORTER | APPROVER]),
])
def test_a_role_that_may_not_make_a_move_is_refused(prepared_db, which, state, refused_roles):
    db = prepared_db
    to_state(db, state)
    before = history(db)
    for roles in refused_roles:
        refused = move(db, which, roles, comment="En kommentar")
        assert (refused.refused, refused.report.state) == (Refusal.NOT_ALLOWED, state), roles
    assert history(db) == before  # nothing written
    assert move(db, which, ADMIN, comment="En kommentar").refused is None  # an admin may do everything


@pytest.mark.parametrize(("which", "roles", "wrong"), [
    (Move.READY, REPORTER, [ReportState.READY, ReportState.APPROVED]),
    (Move.APPROVE, APPROVER, [ReportState.OPEN, ReportState.APPROVED]),
    (Move.SEND_BACK, APPROVER, [ReportState.OPEN, ReportState.APPROVED]),
    (Move.REOPEN, ADMIN, [ReportState.OPEN, ReportState.READY]),
])
def test_a_move_from_the_wrong_state_is_refused(prepared_db, which, roles, wrong):
    db = prepared_db
    for n, state in enumerate(wrong):
        committee = ["TN", "KS"][n]
        to_state(db, state, committee=committee)
        before = history(db, committee)
        refused = move(db, which, roles, committee=committee, comment="En kommentar")
        assert (refused.refused, refused.report.state) == (Refusal.WRONG_STATE, state)
        assert history(db, committee) == before


@pytest.mark.parametrize(("which", "roles", "state"), [
    (Move.SEND_BACK, APPROVER, ReportState.READY),
    (Move.REOPEN, ADMIN, ReportState.APPROVED),
])
def test_sending_back_and_reopening_need_a_text(prepared_db, which, roles, state):
    db = prepared_db
    to_state(db, state)
    for text_ in (None, "", "   \n"):
        refused = move(db, which, roles, comment=text_)
        assert (refused.refused, refused.report.state) == (Refusal.NEEDS_TEXT, state)
    assert move(db, which, roles, comment="Därför.").refused is None


def to_state(db, state: ReportState, committee="TN") -> None:
    if state is not ReportState.OPEN:
        assert move(db, Move.READY, REPORTER, committee=committee).refused is None
    if state is ReportState.APPROVED:
        assert move(db, Move.APPROVE, APPROVER, committee=committee).refused is None
    assert report_of(db, committee).state is state


# --- roles ------------------------------------------------------------------------------------------

def test_roles_of_reporters_approvers_and_admins(prepared_db):
    db = prepared_db
    grant(db, "anna@kommun.se", "TN")
    grant(db, "bo@kommun.se", "TN", role="approver")
    grant(db, "both@kommun.se", "KS")
    grant(db, "both@kommun.se", "KS", role="approver")
    grant(db, "cecilia@kommun.se", "*", role="approver")
    grant(db, "admin@kommun.se", "*")

    def roles(principals, committee):
        return db.run_sync(reporters.roles, principals=principals, committee=committee)

    assert roles(["Anna@Kommun.se"], "TN") == {Role.REPORTER}
    assert roles(["anna@kommun.se"], "tn") == {Role.REPORTER}
    assert roles(["anna@kommun.se"], "KS") == set()
    assert roles(["bo@kommun.se"], "TN") == {Role.APPROVER}
    assert roles(["bo@kommun.se"], "KS") == set()
    assert roles(["both@kommun.se"], "KS") == {Role.REPORTER, Role.APPROVER}
    assert roles(["cecilia@kommun.se"], "TN") == roles(["cecilia@kommun.se"], "SAN") == {Role.APPROVER}
    assert roles(["admin@kommun.se"], "TN") == {Role.ADMIN}
    assert roles(["oid-1", "anna@kommun.se"], "TN") == {Role.REPORTER}  # any of the user's identities
    assert roles(["anna@kommun.se", "bo@kommun.se"], "TN") == {Role.REPORTER, Role.APPROVER}
    assert roles([], "TN") == roles(["  "], "TN") == roles(["nobody@kommun.se"], "TN") == set()

    # An approver does not report, a "*" approver is not an admin.
    assert not db.run_sync(reporters.may_update, principals=["bo@kommun.se"], committees=["TN"])
    assert not db.run_sync(reporters.may_update, principals=["cecilia@kommun.se"], committees=["TN"])
    assert db.run_sync(reporters.committees_of, principals=["cecilia@kommun.se"]) == []
    assert db.run_sync(reporters.committees_of, principals=["both@kommun.se"]) == ["KS"]
    records = {(r.principal, r.committee, r.role): r.is_admin for r in db.run_sync(reporters.list_reporters)}
    assert records[("cecilia@kommun.se", "*", "approver")] is False
    assert records[("admin@kommun.se", "*", "reporter")] is True

    assert db.run_sync(reporters.approvers, committee="TN") == [
        "admin@kommun.se", "bo@kommun.se", "cecilia@kommun.se"]
    assert db.run_sync(reporters.approvers, committee="tn") == db.run_sync(reporters.approvers, committee="TN")
    assert db.run_sync(reporters.approvers, committee="KS") == [
        "admin@kommun.se", "both@kommun.se", "cecilia@kommun.se"]
    assert db.run_sync(reporters.approvers, committee="SAN") == ["admin@kommun.se", "cecilia@kommun.se"]


def test_a_role_is_added_and_removed_on_its_own(prepared_db):
    db = prepared_db
    assert grant(db, "bo@kommun.se", "TN") is True
    assert grant(db, "bo@kommun.se", "tn", role="approver") is True  # another role: a row of its own
    assert grant(db, "BO@kommun.se", "TN", role="approver") is False
    assert [(r.committee, r.role) for r in db.run_sync(reporters.list_reporters)] == [
        ("TN", "approver"), ("TN", "reporter")]
    assert db.run_sync(reporters.remove_reporter, principal="bo@kommun.se", committee="TN", role="approver")
    assert not db.run_sync(reporters.remove_reporter, principal="bo@kommun.se", committee="TN", role="approver")
    assert db.run_sync(reporters.roles, principals=["bo@kommun.se"], committee="TN") == {Role.REPORTER}
    with pytest.raises(ValueError, match="unknown role"):
        grant(db, "bo@kommun.se", "TN", role="admin")  # an admin is a "*" reporter
    with pytest.raises(ValueError, match="unknown role"):
        db.run_sync(reporters.remove_reporter, principal="bo@kommun.se", committee="TN", role="boss")


# --- two approvers at once ----------------------------------------------------------------------------

def approve_at_once(database_url, clock) -> list[approvals.Moved]:
    """Two threads, each with its own Database (engine, connections), approve the one ready
    report at the same moment; each holds its transaction a little after moving."""
    setup = Database(make_engine(database_url), clock)
    try:
        assert move(setup, Move.READY, REPORTER).refused is None
    finally:
        setup.dispose()
    start = threading.Barrier(2)
    results: dict[str, approvals.Moved] = {}
    errors: list[BaseException] = []

    def approver(name: str) -> None:
        db = Database(make_engine(database_url), clock)
        try:
            start.wait(timeout=10)
            with db.session() as session:
                results[name] = approvals.move(session=session, committee="TN", period=T2, move=Move.APPROVE,
                                               roles=APPROVER, actor_id=f"id-{name}", actor=name)
                threading.Event().wait(0.2)  # hold the row, so the other one has to wait for the commit
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=approver, args=(name,)) for name in ("Bo", "Cecilia")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(results) == 2
    return list(results.values())


def check_one_winner(results: list[approvals.Moved], prepared_db) -> None:
    assert sorted(str(r.refused) for r in results) == sorted(["None", str(Refusal.WRONG_STATE)])
    winner = next(r for r in results if r.refused is None)
    loser = next(r for r in results if r.refused is not None)
    assert winner.report.state is ReportState.APPROVED
    assert (loser.report.state, loser.report.by) == (ReportState.APPROVED, winner.report.by)  # told who won
    assert [m for m, _, _ in history(prepared_db)] == [Move.READY, Move.APPROVE]
    assert report_of(prepared_db).by == winner.report.by


@only_postgres
def test_two_approvers_at_once_on_postgresql_one_wins(prepared_db, database_url, clock):
    check_one_winner(approve_at_once(database_url, clock), prepared_db)


def test_two_approvers_at_once_on_either_database_one_wins(prepared_db, database_url, clock):
    """SQLite takes the write lock when the transaction begins (BEGIN IMMEDIATE): the second
    approver reads the approved report and is refused before it writes."""
    check_one_winner(approve_at_once(database_url, clock), prepared_db)


@only_postgres
def test_a_second_approver_who_read_the_ready_report_is_refused_by_the_compare_and_set(
        prepared_db, database_url, clock, monkeypatch):
    """The second approver reads "ready" while the first's approval is uncommitted (READ
    COMMITTED); its UPDATE then waits for the first's commit and finds the state changed."""
    assert move(prepared_db, Move.READY, REPORTER).refused is None
    seen: dict[str, ReportState] = {}
    rules = approvals.refusal

    def recorded(which, current, roles, text_):
        seen[threading.current_thread().name] = current
        return rules(which, current, roles, text_)

    monkeypatch.setattr(approvals, "refusal", recorded)
    first_moved = threading.Event()
    results: dict[str, approvals.Moved] = {}
    errors: list[BaseException] = []

    def approver(name: str) -> None:
        db = Database(make_engine(database_url), clock)
        try:
            if name == "Cecilia":
                assert first_moved.wait(timeout=10)
            with db.session() as session:
                results[name] = approvals.move(session=session, committee="TN", period=T2, move=Move.APPROVE,
                                               roles=APPROVER, actor_id=f"id-{name}", actor=name)
                if name == "Bo":
                    first_moved.set()
                    threading.Event().wait(0.5)  # Cecilia reads, then waits on the row
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=approver, args=(name,), name=name) for name in ("Bo", "Cecilia")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert seen == {"Bo": ReportState.READY, "Cecilia": ReportState.READY}  # both passed the rules
    assert results["Bo"].refused is None
    assert (results["Cecilia"].refused, results["Cecilia"].report.state, results["Cecilia"].report.by) == (
        Refusal.WRONG_STATE, ReportState.APPROVED, "Bo")
    assert [m for m, _, _ in history(prepared_db)] == [Move.READY, Move.APPROVE]
