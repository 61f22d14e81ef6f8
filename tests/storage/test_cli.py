"""The ``uppdragsbot`` command line: import and reporters."""

from __future__ import annotations

from bot.cli import main
from domain.clock import aware
from domain.periods import Period
from storage import queries, reporters
from storage.db import make_engine
from tests.factories import database


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
    assert "added for tn" in capsys.readouterr().out
    [anna] = query(database_url, reporters.list_reporters)
    assert aware(anna.created_at) == clock.now()  # the command runs on the clock it is given
    assert run(monkeypatch, database_url, clock, "reporters", "add", "anna.andersson@kommun.se", "TN") == 0
    assert "already a reporter" in capsys.readouterr().out
    assert run(monkeypatch, database_url, clock, "reporters", "add", "x@kommun.se", "XYZ") == 2
    assert "XYZ" in capsys.readouterr().err
    assert run(monkeypatch, database_url, clock, "reporters", "list") == 0
    assert "TN\tanna.andersson@kommun.se (Anna Andersson)" in capsys.readouterr().out
    assert run(monkeypatch, database_url, clock, "reporters", "remove", "anna.andersson@kommun.se", "TN") == 0
    assert "removed" in capsys.readouterr().out
    assert run(monkeypatch, database_url, clock, "reporters", "list") == 0
    assert "no reporters" in capsys.readouterr().out


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
