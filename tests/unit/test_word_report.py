"""The follow-up report as a Word document (domain.word_report): what a reader of the .docx
sees, read back with python-docx, and (where LibreOffice is installed) the same file as a PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from domain.committees import Committee, load_committees
from domain.records import AssignmentStatus
from domain.report_export import ExportedReport
from domain.report_format import parse_report
from domain.statuses import ORDER, StatusCategory
from domain.word_report import COLORS, to_docx

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "storage" / "demo" / "uppdrag-T1-2022.txt"
MADE_AT = datetime(2022, 5, 10, 12, 30, tzinfo=timezone.utc)  # 14.30 in Sweden
REPORTED_AT = datetime(2022, 5, 9, 22, 15, tzinfo=timezone.utc)  # 10 May, 00.15 in Sweden
BULLETS = ("Dagvattenutredning för Lillänge", "Pilotyta med regnbäddar på Prästgatan")
UNREPORTED = (
    ("Ta fram en plan för fler trygghetsboenden (VON)", ("VON",), None),
    ("Utveckla friluftslivet i Östersund. KFN (KS, TN)", ("KFN", "KS", "TN"), "KFN"),
)


def seed_report(committee: str | None = None) -> ExportedReport:
    """The demo report T1 2022 as the export sees it: reporters and times on every other
    assignment, a bulleted list in the dagvatten comment, and two assignments without a report."""
    committees = load_committees()
    by_code = {c.abbreviation: c for c in committees}
    parsed = parse_report(SEED.read_text("utf-8"), committees=committees)
    period = parsed.period
    statuses = []
    for index, item in enumerate(parsed.items):
        comment = item.comment
        if "dagvatten" in item.title:
            comment += "\n\nUnder våren har två delar påbörjats:\n" + "\n".join(f"• {b}" for b in BULLETS)
        statuses.append(AssignmentStatus(
            assignment_id=index,
            title=item.title,
            committees=tuple(by_code[c] for c in item.committees),
            lead_committee=by_code[item.lead_committee] if item.lead_committee else None,
            year=period.year,
            period=period,
            category=item.category,
            sentence=item.status_sentence,
            comment=comment,
            author="Anna Andersson" if index % 2 == 0 else None,
            reported_at=REPORTED_AT if index % 2 == 0 else None,
        ))
    for title, codes, lead in UNREPORTED:
        statuses.append(AssignmentStatus(
            assignment_id=len(statuses),
            title=title.split(" (")[0].split(". KFN")[0],
            committees=tuple(by_code[c] for c in codes),
            lead_committee=by_code[lead] if lead else None,
            year=period.year,
            period=period,
            category=StatusCategory.NOT_REPORTED,
            sentence=None,
            comment=None,
        ))
    return ExportedReport(
        municipality="Östersunds kommun",
        period=period,
        committee=by_code[committee] if committee else None,
        committees=tuple(committees),
        statuses=tuple(statuses),
        made_at=MADE_AT,
    )


def read(report: ExportedReport):
    return Document(io.BytesIO(to_docx(report)))


def sections(document) -> dict[str, dict[str, list]]:
    """{committee heading: {assignment title: [its paragraphs]}}, from the body's headings."""
    out: dict[str, dict[str, list]] = {}
    committee = title = None
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Heading 1":
            committee, title = paragraph.text, None
            out[committee] = {}
        elif style == "Heading 2":
            title = paragraph.text
            out[committee][title] = []
        elif committee and title:
            out[committee][title].append(paragraph)
    out.pop("Sammanfattning", None)
    return out


def texts(paragraphs) -> list[str]:
    return [p.text for p in paragraphs]


@pytest.fixture(scope="module")
def report() -> ExportedReport:
    return seed_report()


@pytest.fixture(scope="module")
def document(report):
    return read(report)


def test_the_heading_names_the_municipality_the_period_and_when_the_data_was_taken(document):
    first = document.paragraphs[:3]
    assert first[0].text == "Östersunds kommun"
    assert first[1].style.name == "Title"
    assert first[1].text == "Uppföljning av uppdrag T1 2022"
    assert "Perioden omfattar 2022-01-01–2022-04-30 (tertial 1 2022)." in first[2].text
    assert "Underlaget hämtades ur Uppdragsboten 2022-05-10 kl. 14.30." in first[2].text


def test_the_summary_counts_every_category_by_its_word(document, report):
    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Status", "Antal uppdrag"]
    counts = report.counts()
    assert rows[1:-1] == [[f"● {c.label}", str(counts[c])] for c in ORDER]
    assert rows[-1] == ["Totalt", str(len(report.statuses))]
    assert counts[StatusCategory.NOT_REPORTED] == 2 and counts[StatusCategory.DONE] == 1


def test_one_heading_1_per_committee_with_assignments_in_the_configured_order(document, report):
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    used = {c.abbreviation for s in report.statuses for c in s.committees}
    expected = [c.display for c in load_committees() if c.abbreviation in used]
    assert headings == ["Sammanfattning", *expected]
    assert expected[:3] == ["Kommunstyrelsen (KS)", "Social- och arbetsmarknadsnämnden (SAN)",
                            "Miljö- och samhällsnämnden (MSN)"]
    assert "Valnämnden (VN)" not in headings and "Barn- och utbildningsnämnden (BUN)" not in headings


def test_every_assignment_is_under_each_of_its_committees_in_report_order(document, report):
    found = sections(document)
    for committee in report.committees:
        own = [s.title for s in report.statuses if committee in s.committees]
        assert list(found.get(committee.display, {})) == own
    dagvatten = next(s for s in report.statuses if "dagvatten" in s.title)
    assert dagvatten.title in found["Miljö- och samhällsnämnden (MSN)"]
    assert dagvatten.title in found["Tekniska nämnden (TN)"]


def test_a_joint_assignment_is_marked_joint_naming_the_other_committees(document, report):
    found = sections(document)
    dagvatten = next(s.title for s in report.statuses if "dagvatten" in s.title)
    assert "Nämnder: MSN, TN · Gemensamt uppdrag med TN" in texts(found["Miljö- och samhällsnämnden (MSN)"][dagvatten])
    assert "Nämnder: MSN, TN · Gemensamt uppdrag med MSN" in texts(found["Tekniska nämnden (TN)"][dagvatten])
    friluftsliv = found["Kultur- och fritidsnämnden (KFN)"]["Utveckla friluftslivet i Östersund"]
    assert "Nämnder: KFN (ansvarig), KS, TN · Gemensamt uppdrag med KS och TN" in texts(friluftsliv)
    linjenat = found["Miljö- och samhällsnämnden (MSN)"]["Utveckla ett nytt linjenät för stadstrafiken"]
    assert "Nämnder: MSN" in texts(linjenat)
    assert not any("Gemensamt" in t for t in texts(linjenat))


def test_each_status_has_its_word_its_colour_and_the_reporters_sentence(document, report):
    found = sections(document)
    for status in report.statuses:
        for committee in status.committees:
            paragraphs = found[committee.display][status.title]
            (line,) = [p for p in paragraphs if p.text.startswith("Status: ")]
            assert line.text == f"Status: ● {status.category.label}"
            (dot,) = [r for r in line.runs if r.text == "●"]
            assert str(dot.font.color.rgb) == COLORS[status.category]
            label = line.runs[-1]
            assert label.text.strip() == status.category.label and label.bold
            if status.sentence:
                assert status.sentence in texts(paragraphs)
    linjenat = found["Miljö- och samhällsnämnden (MSN)"]["Utveckla ett nytt linjenät för stadstrafiken"]
    assert "Uppdrag bedöms bli genomfört." in texts(linjenat)  # as the reporter wrote it


def test_the_colours_are_distinct_and_readable(report):
    assert len(set(COLORS.values())) == len(ORDER)
    for color in COLORS.values():
        assert _contrast_with_white(color) >= 3.0, color  # WCAG 1.4.11, graphical objects


def test_assignments_without_a_report_are_shown_as_ej_rapporterat(document):
    found = sections(document)
    plan = found["Vård- och omsorgsnämnden (VON)"]["Ta fram en plan för fler trygghetsboenden"]
    assert texts(plan) == ["Nämnder: VON", "Status: ● Ej rapporterat", "Ingen rapport har lämnats för T1 2022."]
    for committee in ("Kommunstyrelsen (KS)", "Tekniska nämnden (TN)", "Kultur- och fritidsnämnden (KFN)"):
        assert "Status: ● Ej rapporterat" in texts(found[committee]["Utveckla friluftslivet i Östersund"])


def test_the_comment_paragraphs_and_the_bulleted_list(document, report):
    found = sections(document)
    stadsrum = report.statuses[0]
    assert stadsrum.comment in texts(found["Kommunstyrelsen (KS)"][stadsrum.title])
    dagvatten = next(s for s in report.statuses if "dagvatten" in s.title)
    paragraphs = found["Tekniska nämnden (TN)"][dagvatten.title]
    first_paragraph = dagvatten.comment.split("\n\n")[0]
    assert first_paragraph in texts(paragraphs)
    assert "Under våren har två delar påbörjats:" in texts(paragraphs)
    bullets = [p for p in paragraphs if p.style.name == "List Bullet"]
    assert texts(bullets) == list(BULLETS)
    assert not any("•" in p.text for p in document.paragraphs)


def test_who_reported_and_when_when_known(document, report):
    found = sections(document)
    reported = report.statuses[0]  # Anna Andersson, 10 May in Sweden (9 May in UTC)
    assert "Rapporterad av Anna Andersson 2022-05-10." in texts(found["Kommunstyrelsen (KS)"][reported.title])
    anonymous = report.statuses[1]
    paragraphs = found["Social- och arbetsmarknadsnämnden (SAN)"][anonymous.title]
    assert not any(t.startswith("Rapporterad") for t in texts(paragraphs))


def test_the_footer_numbers_the_pages_and_the_header_names_the_report(document):
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "Östersunds kommun · Uppföljning av uppdrag T1 2022"
    footer = section.footer.paragraphs[0]
    instructions = [i.text.strip() for i in footer._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    kinds = [c.get(qn("w:fldCharType")) for c in footer._p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2
    assert footer.text == "Sida 1 av 1"  # the cached results, until Word updates the fields
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297  # A4


def test_the_document_properties_and_the_language_are_swedish(document):
    properties = document.core_properties
    assert properties.title == "Uppföljning av uppdrag T1 2022"
    assert properties.author == "Uppdragsboten"
    assert properties.language == "sv-SE"
    assert properties.created == MADE_AT
    lang = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "sv-SE"


def test_a_committee_report_has_only_that_committees_section():
    report = seed_report(committee="TN")
    document = read(report)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Sammanfattning", "Tekniska nämnden (TN)"]
    assert document.paragraphs[1].text == "Uppföljning av uppdrag T1 2022, Tekniska nämnden (TN)"
    assert document.core_properties.title == "Uppföljning av uppdrag T1 2022, Tekniska nämnden (TN)"
    found = sections(document)
    assert list(found["Tekniska nämnden (TN)"]) == [
        s.title for s in report.statuses if any(c.abbreviation == "TN" for c in s.committees)]


def test_the_same_report_gives_the_same_bytes(report):
    assert to_docx(report) == to_docx(report)
    assert to_docx(report) != to_docx(replace(report, made_at=datetime(2022, 5, 11, tzinfo=timezone.utc)))


def test_a_report_without_assignments_says_so():
    document = read(replace(seed_report(), statuses=()))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == ["Sammanfattning"]
    assert document.paragraphs[-1].text == "Det finns inga uppdrag för T1 2022."


def test_characters_word_cannot_store_are_left_out():
    report = seed_report()
    first = replace(report.statuses[0], comment="Klart\x0bnu.\x00", title="Titel\x1f med styrtecken")
    document = read(replace(report, statuses=(first,)))
    found = sections(document)
    assert "Klartnu." in texts(found["Kommunstyrelsen (KS)"]["Titel med styrtecken"])


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_turns_the_document_into_a_pdf_that_reads_right(tmp_path, report):
    from pypdf import PdfReader

    source = tmp_path / report.filename("docx")
    source.write_bytes(to_docx(report))
    subprocess.run(
        [_soffice(), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = source.with_suffix(".pdf")
    assert pdf.exists() and pdf.stat().st_size > 0
    pages = PdfReader(pdf).pages
    text = " ".join((page.extract_text() or "") for page in pages)
    text = " ".join(text.split())
    assert "Uppföljning av uppdrag T1 2022" in text
    assert "Östersunds kommun" in text
    assert "Tekniska nämnden (TN)" in text
    assert "Ej rapporterat" in text
    assert "Gemensamt uppdrag med MSN" in text
    assert f"Sida 1 av {len(pages)}" in text and len(pages) > 1  # the fields, computed


def _contrast_with_white(hex_rgb: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_rgb[i:i + 2], 16) for i in (0, 2, 4))
    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (luminance + 0.05)
