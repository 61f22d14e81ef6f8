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
