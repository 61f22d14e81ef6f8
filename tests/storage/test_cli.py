"""The ``uppdragsbot`` command line: import, reporters and their roles, periods status, check, serve."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.cli import main
from domain.approval import Move, Role
from domain.clock import aware
from domain.periods import Period
from domain.report_format import Report, ReportItem
from domain.statuses import StatusCategory
from storage import approvals, queries, reporters
from storage.db import make_engine
from storage.importer import import_report
from tests.factories import clock_at, database


def run(monkeypatch, database_url, clock, *args) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return main(["--env-file", "", *args], clock=clock)


def query(database_url, work, **kwargs):
    db = database(make_engine(database_url))
    try:
        return db.run_sync(work, **kwargs)
    finally:
        db.dispose()


def test_import_command_imports_and_reports(monkeypatch, database_url, clock, capsys, tmp_path, seed_text):
    path = tmp_path / "t1.txt"
    path.write_text(seed_text, encoding="utf-8")
    assert run(monkeypatch, database_url, clock, "import", str(path)) == 0
    assert "8 new assignments" in capsys.readouterr().out
    assert run(monkeypatch, database_url, clock, "import", str(path)) == 0
    assert "0 new status reports, 8 unchanged" in capsys.readouterr().out
    assert len(query(database_url, queries.find_statuses, period=Period(2022, 1))) == 8


def test_heading_without_period_needs_the_option(monkeypatch, database_url, clock, capsys, tmp_path, seed_text):
    path = tmp_path / "utan-period.txt"
    path.write_text(seed_text.replace("T1 2022 Uppdrag. Kommentar T1 2022", "Uppdrag. Kommentar"), "utf-8")
    assert run(monkeypatch, database_url, clock, "import", str(path)) == 1
    err = capsys.readouterr().err
    assert f"{path}:1:" in err and "--period" in err
    assert run(monkeypatch, database_url, clock, "import", str(path), "--period", "T2 2023") == 0
    assert "T2 2023" in capsys.readouterr().out


def test_missing_file_is_a_clear_error(monkeypatch, database_url, clock, capsys, tmp_path):
    assert run(monkeypatch, database_url, clock, "import", str(tmp_path / "saknas.txt")) == 1
    assert "cannot read" in capsys.readouterr().err


def test_reporters_command(monkeypatch, database_url, clock, capsys):
    assert run(monkeypatch, database_url, clock, "reporters", "add", "Anna.Andersson@Kommun.se", "tn",
               "--name", "Anna Andersson") == 0
    assert capsys.readouterr().out == "anna.andersson@kommun.se is now a reporter for TN\n"
    [anna] = query(database_url, reporters.list_reporters)
    assert aware(anna.created_at) == clock.now()  # the command runs on the clock it is given
    assert (anna.role, anna.display_name) == ("reporter", "Anna Andersson")
    assert run(monkeypatch, database_url, clock, "reporters", "add", "anna.andersson@kommun.se", "TN") == 0
    assert "anna.andersson@kommun.se is already a reporter for TN" in capsys.readouterr().out
    assert run(monkeypatch, database_url, clock, "reporters", "add", "x@kommun.se", "XYZ") == 2
    assert "unknown committee 'XYZ'; known: " in capsys.readouterr().err
    assert run(monkeypatch, database_url, clock, "reporters", "list") == 0
    assert capsys.readouterr().out == "TN\treporter\tanna.andersson@kommun.se (Anna Andersson)\n"
    assert run(monkeypatch, database_url, clock, "reporters", "remove", "anna.andersson@kommun.se", "TN") == 0
    assert "anna.andersson@kommun.se is no longer a reporter for TN" in capsys.readouterr().out
    assert run(monkeypatch, database_url, clock, "reporters", "list") == 0
    assert capsys.readouterr().out == "no reporters or approvers\n"


def test_reporters_with_roles(monkeypatch, database_url, clock, capsys):
    def cli(*args) -> tuple[int, str, str]:
        code = run(monkeypatch, database_url, clock, "reporters", *args)
        out, err = capsys.readouterr()
        return code, out, err

    assert cli("add", "bo@kommun.se", "TN", "--role", "approver", "--name", "Bo Berg") == (
        0, "bo@kommun.se is now an approver for TN\n", "")
    assert cli("add", "Bo@Kommun.se", "tn", "--role", "approver")[1] == "bo@kommun.se is already an approver for TN\n"
    assert cli("add", "bo@kommun.se", "TN")[1] == "bo@kommun.se is now a reporter for TN\n"  # a second role
    assert cli("add", "admin@kommun.se", "*", "--name", "Ada Admin")[1] == "admin@kommun.se is now an admin (every committee)\n"
    assert cli("add", "cecilia@kommun.se", "*", "--role", "approver")[1] == (
        "cecilia@kommun.se is now an approver for every committee\n")
    assert cli("add", "anna@kommun.se", "KS", "--role", "reporter")[1] == "anna@kommun.se is now a reporter for KS\n"

    assert cli("list") == (0, "*\tapprover\tcecilia@kommun.se\n"
                              "*\tadmin\tadmin@kommun.se (Ada Admin)\n"
                              "KS\treporter\tanna@kommun.se\n"
                              "TN\tapprover\tbo@kommun.se (Bo Berg)\n"
                              "TN\treporter\tbo@kommun.se\n", "")
    assert cli("list", "tn")[1] == "TN\tapprover\tbo@kommun.se (Bo Berg)\nTN\treporter\tbo@kommun.se\n"
    assert cli("list", "*")[1] == "*\tapprover\tcecilia@kommun.se\n*\tadmin\tadmin@kommun.se (Ada Admin)\n"
    assert cli("list", "SAN") == (0, "no reporters or approvers for SAN\n", "")

    def roles(principal, committee):
        return query(database_url, reporters.roles, principals=[principal], committee=committee)

    assert roles("bo@kommun.se", "TN") == {Role.REPORTER, Role.APPROVER}
    assert roles("cecilia@kommun.se", "SAN") == {Role.APPROVER}
    assert roles("admin@kommun.se", "SAN") == {Role.ADMIN}

    assert cli("remove", "bo@kommun.se", "TN", "--role", "approver")[1] == "bo@kommun.se is no longer an approver for TN\n"
    assert cli("remove", "bo@kommun.se", "TN", "--role", "approver")[1] == "bo@kommun.se was not an approver for TN\n"
    assert roles("bo@kommun.se", "TN") == {Role.REPORTER}  # the other role stays
    assert cli("remove", "cecilia@kommun.se", "*")[1] == "cecilia@kommun.se was not an admin (every committee)\n"
    assert cli("remove", "cecilia@kommun.se", "*", "--role", "approver")[1] == (
        "cecilia@kommun.se is no longer an approver for every committee\n")
    assert cli("remove", "admin@kommun.se", "*")[1] == "admin@kommun.se is no longer an admin (every committee)\n"
    assert [(r.committee, r.role, r.principal) for r in query(database_url, reporters.list_reporters)] == [
        ("KS", "reporter", "anna@kommun.se"), ("TN", "reporter", "bo@kommun.se")]


def test_reporters_refusals(monkeypatch, database_url, clock, capsys):
    assert run(monkeypatch, database_url, clock, "migrate") == 0
    capsys.readouterr()
    for args in (["add", "x@kommun.se", "XYZ", "--role", "approver"], ["remove", "x@kommun.se", "XYZ"],
                 ["list", "XYZ"]):
        assert run(monkeypatch, database_url, clock, "reporters", *args) == 2, args
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("error: unknown committee 'XYZ'; known: BUN, KFN, KS, "), (args, err)
    assert run(monkeypatch, database_url, clock, "reporters", "add", "  ", "TN") == 2
    assert capsys.readouterr().err == "error: the principal is empty\n"
    for action in ("add", "remove"):
        for role in ("admin", "Approver", ""):
            with pytest.raises(SystemExit) as exited:
                run(monkeypatch, database_url, clock, "reporters", action, "x@kommun.se", "TN", "--role", role)
            assert exited.value.code == 2
            assert f"argument --role: invalid choice: '{role}'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        run(monkeypatch, database_url, clock, "reporters", "list", "--role", "approver")
    assert exited.value.code == 2
    capsys.readouterr()
    assert query(database_url, reporters.list_reporters) == []


@pytest.mark.parametrize("args", [["reporters", "add", "--help"], ["reporters", "remove", "--help"],
                                  ["reporters", "list", "--help"], ["reporters", "--help"]])
def test_reporters_help_explains_the_star(args, capsys):
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert 'a reporter for "*" is an admin' in out
    assert 'an approver for "*" is an approver for every committee' in out


# --- uppdragsbot periods status -----------------------------------------------------------------

T2_2023 = Period(2023, 2)
SENTENCES = {StatusCategory.DONE: "Uppdraget är genomfört.", StatusCategory.ON_TRACK: "Uppdraget bedöms bli genomfört.",
             StatusCategory.AT_RISK: "Uppdraget bedöms inte bli genomfört.", StatusCategory.NOT_REPORTED: None}


def some_assignments(database_url) -> None:
    """T2 2023: KS 1 reported; TN 2 reported, 2 not (one joint with SAN); SAN 1 not."""
    items = [("Bygg om torget", ("TN",), StatusCategory.DONE), ("Se över linjenätet", ("TN",), StatusCategory.ON_TRACK),
             ("Laga gatlyktorna", ("TN",), StatusCategory.NOT_REPORTED),
             ("Trygga skolvägar", ("TN", "SAN"), StatusCategory.NOT_REPORTED),
             ("Ta fram en krisplan", ("KS",), StatusCategory.AT_RISK)]
    report = Report(T2_2023, tuple(
        ReportItem(title=title, committees=committees, lead_committee=None, status_sentence=SENTENCES[category],
                   category=category, comment="Kommentar." if SENTENCES[category] else "", line=n + 1)
        for n, (title, committees, category) in enumerate(items)))
    query(database_url, import_report, report=report, source="test")


def moved(database_url, at: datetime, committee: str, which: Move, roles: set[Role], actor: str,
          comment: str | None = None) -> None:
    db = database(make_engine(database_url), clock_at(at))
    try:
        result = db.run_sync(approvals.move, committee=committee, period=T2_2023, move=which, roles=roles,
                             actor_id=actor.lower(), actor=actor, comment=comment)
    finally:
        db.dispose()
    assert result.refused is None


def test_periods_status(monkeypatch, database_url, clock, capsys):
    assert run(monkeypatch, database_url, clock, "periods", "status", "--period", "T2 2023") == 1
    assert capsys.readouterr() == ("", "error: no assignments in T2 2023\n")
    some_assignments(database_url)
    assert run(monkeypatch, database_url, clock, "periods", "status", "--period", "t2-2023") == 0
    assert capsys.readouterr().out == (
        "KS\tÖppen för rapportering\treported 1\tunreported 0\n"
        "SAN\tÖppen för rapportering\treported 0\tunreported 1\n"
        "TN\tÖppen för rapportering\treported 2\tunreported 2\n"
        "T2 2023: 3 committees, 3 open, 0 ready, 0 approved\n")

    moved(database_url, datetime(2023, 9, 11, 15, 0), "KS", Move.READY, {Role.REPORTER}, "Anna Andersson")
    moved(database_url, datetime(2023, 9, 12, 9, 30), "KS", Move.APPROVE, {Role.APPROVER}, "Bo Berg")
    moved(database_url, datetime(2023, 9, 13, 0, 30), "TN", Move.READY, {Role.REPORTER}, "Anna Andersson")
    moved(database_url, datetime(2023, 9, 11, 10, 0), "SAN", Move.READY, {Role.ADMIN}, "Ada Admin")
    moved(database_url, datetime(2023, 9, 12, 8, 0), "SAN", Move.SEND_BACK, {Role.APPROVER}, "Bo Berg",
          comment="Fyll i skolvägarna")
    assert run(monkeypatch, database_url, clock, "periods", "status", "--period", "T2 2023") == 0
    assert capsys.readouterr().out == (
        "KS\tGodkänd (Bo Berg 2023-09-12)\treported 1\tunreported 0\n"
        'SAN\tÖppen för rapportering (Bo Berg 2023-09-12: "Fyll i skolvägarna")\treported 0\tunreported 1\n'
        "TN\tKlar för godkännande (Anna Andersson 2023-09-13)\treported 2\tunreported 2\n"  # Swedish date
        "T2 2023: 3 committees, 1 open, 1 ready, 1 approved\n")

    assert run(monkeypatch, database_url, clock, "periods", "status", "--period", "T3 2023") == 0  # the year's
    assert "TN\tÖppen för rapportering\treported 0\tunreported 4\n" in capsys.readouterr().out  # none reported
    assert run(monkeypatch, database_url, clock, "periods", "status", "--period", "T1 2024") == 1
    assert capsys.readouterr().err == "error: no assignments in T1 2024\n"


def test_periods_status_needs_a_period(monkeypatch, database_url, clock, capsys):
    for args in ([], ["--period", "T9 2023"]):
        with pytest.raises(SystemExit) as exited:
            run(monkeypatch, database_url, clock, "periods", "status", *args)
        assert exited.value.code == 2
        assert "--period" in capsys.readouterr().err


# --- uppdragsbot check, and serve's check before it binds -------------------------------------

AUTH_SETTINGS = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId",
                 "ALLOWED_TENANT_IDS", "COMMITTEES_FILE", "BOT_DOMAIN", "ToChannelFromBotLoginUrl")


def settings_env(monkeypatch, **values: str) -> None:
    for name in AUTH_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_check_names_a_database_behind_the_code_and_passes_once_migrated(monkeypatch, database_url, clock, capsys):
    settings_env(monkeypatch)
    assert run(monkeypatch, database_url, clock, "check") == 1
    err = capsys.readouterr().err
    assert "error: DATABASE_URL:" in err and "uppdragsbot migrate" in err
    assert run(monkeypatch, database_url, clock, "migrate") == 0
    capsys.readouterr()
    assert run(monkeypatch, database_url, clock, "check") == 0
    assert "local mode (no MicrosoftAppId): 0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_check_reports_every_problem_at_once_each_with_its_setting(monkeypatch, database_url, clock, capsys,
                                                                   tmp_path):
    assert run(monkeypatch, database_url, clock, "migrate") == 0
    settings_env(monkeypatch, MicrosoftAppId="inte-ett-id", MicrosoftAppType="SingleTenant",
                 MicrosoftAppTenantId="kommunen", COMMITTEES_FILE=str(tmp_path / "saknas.json"),
                 BOT_DOMAIN="https://uppdrag.kommun.se/bot", ToChannelFromBotLoginUrl="http://login.kommun.se")
    capsys.readouterr()
    assert run(monkeypatch, database_url, clock, "check") == 1
    lines = capsys.readouterr().err.splitlines()
    problems = {line.split(": ")[1]: line.split(": ")[0] for line in lines if line.startswith(("error", "warning"))}
    assert problems == {"MicrosoftAppId": "error", "MicrosoftAppPassword": "error", "MicrosoftAppTenantId": "error",
                        "COMMITTEES_FILE": "error", "BOT_DOMAIN": "error", "ToChannelFromBotLoginUrl": "error",
                        "ALLOWED_TENANT_IDS": "warning",
                        "reporters": "warning"}
    assert lines[-1] == "SingleTenant inte-ett-id: 6 error(s), 2 warning(s)"


# A complete configuration passes only when the bot gets its token: tests/e2e/test_authenticated.py.


def test_serve_with_an_error_in_its_configuration_binds_nothing(monkeypatch, clock, capsys):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings_env(monkeypatch, ALLOWED_TENANT_IDS="alla")
    monkeypatch.setenv("PORT", str(port))
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/uppdragsbot"  # nothing listens on port 1
    assert run(monkeypatch, unreachable, clock, "serve") == 2
    err = capsys.readouterr().err
    assert "error: ALLOWED_TENANT_IDS: 'alla' is not a tenant id" in err
    assert "error: DATABASE_URL: the database does not answer" in err and "Traceback" not in err
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # still free: serve never bound it
