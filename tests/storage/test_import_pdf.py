"""Importing a published report as a PDF, into SQLite and PostgreSQL: the same statuses as
its text, and a clear error (nothing written) for a PDF that cannot be read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import select

from domain.committees import load_committees
from domain.periods import Period
from domain.report_format import ReportFormatError, parse_report
from storage import queries
from storage.importer import import_file, import_text
from storage.models import Assignment, ReportingPeriod, StatusReport
from tests.pdf_maker import blank_pdf, report_pdf, unicode_font

T1 = Period(2022, 1)


@pytest.fixture(scope="module")
def font() -> Path:
    found = unicode_font()
    if found is None:
        pytest.skip("no TrueType font with å, ä and ö on this machine (fc-list found none)")
    return found


def count(db, model) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def stored(db) -> list[tuple]:
    """What the bot shows for the period: each assignment's committees and status."""
    with db.session() as session:
        return [(s.title, s.committee_codes, s.category, s.sentence, s.comment)
                for s in queries.find_statuses(session=session, period=T1)]


def assert_nothing_written(db) -> None:
    assert (count(db, Assignment), count(db, StatusReport), count(db, ReportingPeriod)) == (0, 0, 0)


def page_starts(pdf: bytes) -> list[str]:
    """The first line after each page's two header lines, from page 2 on."""
    return [page.extract_text().splitlines()[2] for page in PdfReader(io.BytesIO(pdf)).pages[1:]]


@pytest.mark.parametrize(
    ("height_mm", "page_starts_with"),
    [
        (105, "diskuteras från fall till fall"),  # a page break inside a comment
        (85, "gatumiljö (MSN, TN)"),  # a page break inside a wrapped title
    ],
)
def test_pdf_report_gives_the_same_statuses_as_its_text(
    prepared_db, seed_text, font, tmp_path, height_mm, page_starts_with
):
    pdf = report_pdf(seed_text, font=font, height_mm=height_mm)
    assert any(line.startswith(page_starts_with) for line in page_starts(pdf))
    path = tmp_path / "uppdrag-T1-2022.pdf"
    path.write_bytes(pdf)

    result = import_file(prepared_db, path)

    assert (result.period, result.assignments_created, result.reports_added) == (T1, 8, 8)
    seed = parse_report(seed_text, committees=load_committees())
    assert stored(prepared_db) == [
        (item.title, ", ".join(item.committees), item.category, item.status_sentence, item.comment)
        for item in seed.items
    ]
    # Importing the seed's text finds every assignment with the very same status.
    again = import_text(prepared_db, seed_text, filename="seed.txt")
    assert (again.assignments_created, again.reports_added, again.unchanged) == (0, 0, 8)


def test_a_pdf_is_known_by_its_content_not_its_name(prepared_db, seed_text, font, tmp_path):
    path = tmp_path / "uppdrag.txt"
    path.write_bytes(report_pdf(seed_text, font=font))
    result = import_file(prepared_db, path)
    assert (result.assignments_created, result.reports_added) == (8, 8)


def test_a_pdf_locked_for_editing_only_is_read(prepared_db, seed_text, font, tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(report_pdf(seed_text, font=font, user_password=""))
    assert PdfReader(io.BytesIO(path.read_bytes())).is_encrypted
    assert import_file(prepared_db, path).reports_added == 8


def import_error(db, path: Path) -> ReportFormatError:
    with pytest.raises(ReportFormatError) as info:
        import_file(db, path)
    assert_nothing_written(db)
    assert info.value.filename == str(path)
    assert info.value.line == 1
    return info.value


def test_password_protected_pdf_is_a_clear_error(prepared_db, seed_text, font, tmp_path):
    path = tmp_path / "secret.pdf"
    path.write_bytes(report_pdf(seed_text, font=font, user_password="hemligt"))
    error = import_error(prepared_db, path)
    assert str(error) == (
        f"{path}:1: the PDF is password-protected; save it without a password and import it again"
    )


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_pdf_is_a_clear_error(prepared_db, seed_text, font, tmp_path, damage):
    pdf = report_pdf(seed_text, font=font)
    path = tmp_path / "damaged.pdf"
    path.write_bytes(pdf[:400] if damage == "truncated" else b"%PDF-1.7\n" + bytes(range(256)) * 4)
    error = import_error(prepared_db, path)
    assert error.message.startswith("the PDF cannot be read, it may be damaged (")


def test_pdf_without_text_is_a_clear_error(prepared_db, tmp_path):
    path = tmp_path / "scanned.pdf"
    path.write_bytes(blank_pdf())
    error = import_error(prepared_db, path)
    assert error.message == (
        "the PDF has no text to read (a scanned image?); import the report as text"
    )


def test_file_named_pdf_that_is_not_one_is_a_clear_error(prepared_db, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"PK\x03\x04 a zip file, perhaps a Word document")
    error = import_error(prepared_db, path)
    assert error.message == "the file is not a PDF (it does not start with %PDF-)"


def test_the_import_command_reads_a_one_page_pdf_with_the_municipality_as_its_header(
        monkeypatch, database_url, seed_text, font, tmp_path, capsys):
    """On one page nothing repeats: the municipality's name (MUNICIPALITY_NAME) is known noise."""
    from bot.cli import main
    from tests.factories import CLOCK

    path = tmp_path / "rapport.pdf"
    path.write_bytes(report_pdf(seed_text, font=font, header=("Östersunds kommun",), height_mm=900))
    assert len(PdfReader(io.BytesIO(path.read_bytes())).pages) == 1
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["--env-file", "", "import", str(path)], clock=CLOCK) == 0
    assert "T1 2022: 8 new assignments, 8 new status reports" in capsys.readouterr().out
