"""``uppdragsbot export``: the report back out of the bot, in the published format and Markdown.

The exact round trip: importing a published report and exporting its period gives back the
same blocks, in the same order, with the same words (white space, including the seed's
non-breaking spaces, normalised) — for the seed and for every layout the importer accepts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from domain.committees import load_committees
from domain.report_format import parse_report
from domain.text import clean
from storage import exports
from storage.db import make_engine
from tests.factories import database

REPORTS = Path(__file__).resolve().parents[1] / "unit" / "reports"


def run(monkeypatch, database_url, clock, *args) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return main(["--env-file", "", *args], clock=clock)


def blocks(text: str) -> list[list[str]]:
    """A published report as its blocks: each block's non-blank lines, white space normalised."""
    lines = [clean(line) for line in text.replace("\r\n", "\n").split("\n")]
    result: list[list[str]] = [[]]
    for line in lines:
        if line == ".":
            result.append([])
        elif line:
            result[-1].append(line)
    return result


def export_text(monkeypatch, database_url, clock, tmp_path, *args) -> str:
    out = tmp_path / "export.txt"
    assert run(monkeypatch, database_url, clock, "export", *args, "-o", str(out)) == 0
    return out.read_text("utf-8")


def test_the_seed_comes_back_block_for_block(monkeypatch, database_url, clock, tmp_path, seed_text):
    source = tmp_path / "t1.txt"
    source.write_text(seed_text, "utf-8")
    assert run(monkeypatch, database_url, clock, "import", str(source)) == 0
    exported = export_text(monkeypatch, database_url, clock, tmp_path, "--period", "T1 2022")
    assert blocks(exported) == blocks(seed_text)
    assert len(blocks(exported)) == 9  # the heading and eight assignments


def layouts() -> list[Path]:
    return sorted(p for p in REPORTS.glob("*.txt") if "utan-period" not in p.name)


@pytest.mark.parametrize("layout", layouts(), ids=lambda p: p.stem)
def test_every_layout_the_importer_accepts_comes_back_as_it_was_read(layout, monkeypatch, database_url, clock,
                                                                      tmp_path):
    committees = load_committees()
    read = parse_report(layout.read_text("utf-8"), committees=committees)
    assert run(monkeypatch, database_url, clock, "import", str(layout)) == 0
    exported = export_text(monkeypatch, database_url, clock, tmp_path, "--period", read.period.label)
    again = parse_report(exported, committees=committees)
    assert again.period == read.period
    key = lambda item: (item.title, item.committees, item.lead_committee, item.category, item.comment)  # noqa: E731
    assert [key(i) for i in again.items] == [key(i) for i in read.items]
    # The status sentence as the reporter wrote it, or "Ej rapporterat." where there was none.
    assert [i.status_sentence for i in again.items] == [i.status_sentence or "Ej rapporterat." for i in read.items]


def test_assignments_without_a_report_are_listed_as_not_reported(monkeypatch, database_url, clock, tmp_path,
                                                                 seed_text):
    source = tmp_path / "t1.txt"
    source.write_text(seed_text, "utf-8")
    assert run(monkeypatch, database_url, clock, "import", str(source)) == 0
    exported = export_text(monkeypatch, database_url, clock, tmp_path, "--period", "T2 2022")
    assignment_blocks = blocks(exported)[1:]
    assert len(assignment_blocks) == 8
    assert all(block[1:] == ["Ej rapporterat."] for block in assignment_blocks)
    assert blocks(exported)[0] == ["T2 2022 Uppdrag. Kommentar T2 2022"]


def test_one_committee_and_markdown(monkeypatch, database_url, clock, tmp_path, seed_text, capsysbinary):
    source = tmp_path / "t1.txt"
    source.write_text(seed_text, "utf-8")
    assert run(monkeypatch, database_url, clock, "import", str(source)) == 0
    capsysbinary.readouterr()
    assert run(monkeypatch, database_url, clock, "export", "--period", "T1 2022", "--committee", "tn",
               "--format", "md") == 0
    markdown = capsysbinary.readouterr().out.decode("utf-8")
    assert markdown.startswith("# Uppföljning av uppdrag T1 2022, Tekniska nämnden (TN)\n")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert [h.rsplit(" (", 1)[1] for h in headings] == ["MSN, TN)", "KS, TN)", "TN)"]
    assert "| 🔵 Bedöms bli genomfört | 3 |" in markdown and "| ⚪ Ej rapporterat | 0 |" in markdown
    assert markdown.count("Gemensamt uppdrag.") == 2
    assert "Någon trygghetsvandring har ännu inte anordnats" in markdown


def test_what_the_export_refuses(monkeypatch, database_url, clock, tmp_path, seed_text, capsys):
    source = tmp_path / "t1.txt"
    source.write_text(seed_text, "utf-8")
    assert run(monkeypatch, database_url, clock, "import", str(source)) == 0
    capsys.readouterr()
    assert run(monkeypatch, database_url, clock, "export", "--period", "T1 2022", "--committee", "XYZ") == 2
    assert "unknown committee 'XYZ'; known: KS" in capsys.readouterr().err
    assert run(monkeypatch, database_url, clock, "export", "--period", "T1 2022", "--format", "docx") == 2
    assert "a Word file needs -o FILE" in capsys.readouterr().err
    out = tmp_path / "tom.txt"
    assert run(monkeypatch, database_url, clock, "export", "--period", "T1 2019", "-o", str(out)) == 1
    assert "no assignments in T1 2019; nothing was written" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit):
        run(monkeypatch, database_url, clock, "export", "--period", "T7 2022")


def test_a_link_is_used_once_and_expires(prepared_engine, clock):
    from datetime import timedelta

    from domain.periods import Period

    db = database(prepared_engine, clock)
    token = db.run_sync(exports.create_link, owner="ABC", period=Period(2022, 1), committee="TN", fmt="docx",
                        lifetime=timedelta(minutes=15))
    assert db.run_sync(exports.peek_link, token=token).owner == "abc"
    assert db.run_sync(exports.use_link, token=token).committee == "TN"
    assert db.run_sync(exports.use_link, token=token) is None  # once
    assert db.run_sync(exports.peek_link, token=token) is None
    other = db.run_sync(exports.create_link, owner="abc", period=Period(2022, 1), committee=None, fmt="text",
                        lifetime=timedelta(minutes=15))
    clock.advance(minutes=16)
    assert db.run_sync(exports.use_link, token=other) is None  # expired
    assert db.run_sync(exports.use_link, token=other[:-1] + ("A" if other[-1] != "A" else "B")) is None  # forged
    assert db.run_sync(exports.use_link, token="../../etc/passwd") is None
    assert db.run_sync(exports.forget_links, older_than=timedelta(0)) == 2
