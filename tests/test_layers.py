"""The layers' import direction (pyproject.toml [tool.importlinter]) holds: domain < storage <
dialogs < bot, the domain imports no framework, storage no Bot Framework, dialogs no HTTP."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[1]


def test_imports_point_one_way(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    monkeypatch.syspath_prepend(str(REPO))
    exit_code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "4 kept, 0 broken" in report
