"""The follow-up report as a Word document, as it goes on the council's agenda (pure).

``to_docx`` builds the document in memory with python-docx and returns the .docx bytes:

- the municipality, the title ("Uppföljning av uppdrag T1 2022") and when the data was taken;
- "Sammanfattning": a table of how many assignments are in each status category;
- one Heading 1 per committee ("Tekniska nämnden (TN)"), a joint assignment under each of its
  committees, and under it each assignment: its title (Heading 2), its committees, whom it is
  shared with, its status (a coloured dot *and* the word: colour never carries it alone), the
  reporter's sentence, the comment (lines starting with "• " become a bulleted list) and who
  reported it and when;
- the municipality and title in the page header, "Sida X av Y" (Word fields) in the footer.

The same report gives the same bytes: the zip entries carry ``made_at``, not the clock.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from domain.clock import aware, local
from domain.committees import Committee
from domain.records import AssignmentStatus
from domain.report_export import ExportedReport, reported_by, status_sentence
from domain.statuses import StatusCategory

AUTHOR = "Uppdragsboten"
LANGUAGE = "sv-SE"
FONT = "Arial"  # on every Windows/Mac; LibreOffice on Linux uses the metric-twin Liberation Sans
BULLET = "•"
DOT = "●"

# Status colours, each at least 3:1 against white (WCAG 1.4.11 for graphics), shown only next
# to the status word. Hex RGB, for Word.
COLORS: dict[StatusCategory, str] = {
    StatusCategory.DONE: "2E7D32",  # green
    StatusCategory.ON_TRACK: "1565C0",  # blue
    StatusCategory.AT_RISK: "E65100",  # orange
    StatusCategory.NOT_DONE: "C62828",  # red
    StatusCategory.NOT_REPORTED: "757575",  # grey
}
# Light tints of the same colours for the summary table's status cells (black text on them).
TINTS: dict[StatusCategory, str] = {
    StatusCategory.DONE: "E8F5E9",
    StatusCategory.ON_TRACK: "E3F2FD",
    StatusCategory.AT_RISK: "FFF3E0",
    StatusCategory.NOT_DONE: "FFEBEE",
    StatusCategory.NOT_REPORTED: "F0F0F0",
}
_MUTED = RGBColor(0x59, 0x59, 0x59)  # 7:1 against white
_HEADING = RGBColor(0x1F, 0x3A, 0x5F)
_HEADER_FILL = "D9E2F3"


def to_docx(report: ExportedReport) -> bytes:
    """The report as a .docx file's bytes."""
    document = Document()
    _set_up(document, report)
    _front(document, report)
    _summary(document, report)
    sections = report.by_committee()
    for committee, statuses in sections:
        document.add_heading(_safe(committee.display), level=1)
        for status in statuses:
            _assignment(document, report, committee, status)
    if not sections:
        document.add_paragraph(f"Det finns inga uppdrag för {report.period.label}.")
    out = io.BytesIO()
    document.save(out)
    return _deterministic_zip(out.getvalue(), report)


# ------------------------------------------------------------------------------ document


def _set_up(document: DocxDocument, report: ExportedReport) -> None:
    properties = document.core_properties
    properties.title = _property(report.title)
    properties.subject = _property(f"{report.municipality}: {report.title}")
    properties.author = AUTHOR
    properties.last_modified_by = AUTHOR
    properties.language = LANGUAGE
    properties.keywords = f"uppdrag; uppföljning; {report.period.label}"
    properties.comments = ""
    properties.revision = 1
    made_at = aware(report.made_at).replace(tzinfo=None)  # python-docx writes it as UTC ("Z")
    properties.created = made_at
    properties.modified = made_at
    _drop_thumbnail(document)

    styles = document.styles
    _default_run_properties(document)
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size, before in (("Title", 24, 0), ("Heading 1", 16, 18), ("Heading 2", 12.5, 14)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = _HEADING
        style.font.bold = True
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    _remove_title_border(styles["Title"])
    for name in ("Header", "Footer", "List Bullet", "Subtitle"):
        styles[name].font.name = FONT
    _no_theme_fonts(document)
    styles["List Bullet"].paragraph_format.space_after = Pt(3)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.header_distance = section.footer_distance = Mm(12)

    header = section.header.paragraphs[0]
    _run(header, f"{report.municipality} · {report.title}", size=9, color=_MUTED)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(footer, "Sida ", size=9, color=_MUTED)
    _field(footer, "PAGE", "1", size=9, color=_MUTED)
    _run(footer, " av ", size=9, color=_MUTED)
    _field(footer, "NUMPAGES", "1", size=9, color=_MUTED)


def _default_run_properties(document: DocxDocument) -> None:
    """Swedish as the language of every style (spelling, hyphenation, screen readers)."""
    r_pr = document.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if r_pr is None:  # pragma: no cover - python-docx's template has it
        return
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    lang.set(qn("w:bidi"), "ar-SA")
    theme_lang = document.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)


def _no_theme_fonts(document: DocxDocument) -> None:
    """One font throughout: the template's theme fonts (Calibri, Cambria for headings) would
    otherwise win over the fonts named in the styles."""
    for fonts in document.styles.element.iter(qn("w:rFonts")):
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        fonts.set(qn("w:ascii"), FONT)
        fonts.set(qn("w:hAnsi"), FONT)
        fonts.set(qn("w:cs"), FONT)


def _remove_title_border(style) -> None:
    """python-docx's Title has a blue rule under it; a plain title reads better on an agenda."""
    p_pr = style.element.find(qn("w:pPr"))
    if p_pr is not None:
        for border in p_pr.findall(qn("w:pBdr")):
            p_pr.remove(border)


def _drop_thumbnail(document: DocxDocument) -> None:
    """The template's thumbnail picture is not this document's first page."""
    rels = document.part.package.rels
    for r_id, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            rels.pop(r_id)


# ---------------------------------------------------------------------------------- body


def _front(document: DocxDocument, report: ExportedReport) -> None:
    municipality = document.add_paragraph()
    municipality.paragraph_format.space_after = Pt(2)
    _run(municipality, report.municipality, size=13, bold=True, color=_MUTED)
    document.add_heading(_safe(report.title), level=0)
    taken = local(report.made_at)
    period = report.period
    line = document.add_paragraph()
    _run(line, f"Perioden omfattar {period.start:%Y-%m-%d}–{period.end:%Y-%m-%d} ({period.name}). ")
    _run(line, f"Underlaget hämtades ur Uppdragsboten {taken:%Y-%m-%d} kl. {taken:%H.%M}.")


def _summary(document: DocxDocument, report: ExportedReport) -> None:
    document.add_heading("Sammanfattning", level=1)
    counts = report.counts()
    table = document.add_table(rows=1, cols=2)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    widths = (Mm(95), Mm(35))
    head = table.rows[0]
    _repeat_as_header(head)
    for cell, text, align in zip(head.cells, ("Status", "Antal uppdrag"), ("left", "right")):
        _fill(cell, _HEADER_FILL)
        _run(_cell_paragraph(cell, align), text, bold=True)
    for category, count in counts.items():
        status_cell, count_cell = table.add_row().cells
        _fill(status_cell, TINTS[category])
        _status_runs(_cell_paragraph(status_cell, "left"), category, bold=False)
        _run(_cell_paragraph(count_cell, "right"), str(count))
    total_label, total_count = table.add_row().cells
    _run(_cell_paragraph(total_label, "left"), "Totalt", bold=True)
    _run(_cell_paragraph(total_count, "right"), str(sum(counts.values())), bold=True)
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    scope = report.committee.display if report.committee else "alla nämnder"
    note = document.add_paragraph()
    note.paragraph_format.space_before = Pt(6)
    _run(
        note,
        f"Antal uppdrag för {scope}. Ett gemensamt uppdrag räknas en gång här men visas nedan "
        "under var och en av sina nämnder.",
        size=9.5,
        color=_MUTED,
    )


def _assignment(
    document: DocxDocument, report: ExportedReport, committee: Committee, status: AssignmentStatus
) -> None:
    document.add_heading(_safe(status.title), level=2)

    facts = document.add_paragraph()
    facts.paragraph_format.keep_with_next = True
    facts.paragraph_format.space_after = Pt(3)
    _run(facts, "Nämnder: ", bold=True, size=10, color=_MUTED)
    _run(facts, _committee_codes(status), size=10, color=_MUTED)
    others = [c for c in status.committees if c.abbreviation != committee.abbreviation]
    if others:
        _run(facts, f" · Gemensamt uppdrag med {_and(c.abbreviation for c in others)}", size=10, color=_MUTED)

    line = document.add_paragraph()
    line.paragraph_format.keep_with_next = True
    line.paragraph_format.space_after = Pt(3)
    _run(line, "Status: ", bold=True)
    _status_runs(line, status.category, bold=True)

    sentence = status_sentence(status)
    if status.category is StatusCategory.NOT_REPORTED and not status.sentence:
        sentence = f"Ingen rapport har lämnats för {report.period.label}."
    last = document.add_paragraph(_safe(sentence))

    for paragraph in (status.comment or "").split("\n\n"):
        last = _comment_paragraph(document, paragraph) or last

    if status.author or status.reported_at:
        last.paragraph_format.keep_with_next = True  # not alone at the top of the next page
        who = document.add_paragraph()
        _run(who, reported_by(status) + ".", italic=True, size=9.5, color=_MUTED)


def _comment_paragraph(document: DocxDocument, paragraph: str) -> Paragraph | None:
    """One comment paragraph: lines starting with "• " are bullet items, other lines text.
    Returns the last paragraph added, if any."""
    text_lines: list[str] = []
    last: Paragraph | None = None

    def flush() -> None:
        nonlocal last
        if text_lines:
            last = document.add_paragraph()
            for i, text in enumerate(text_lines):
                run = last.add_run(_safe(text))
                if i < len(text_lines) - 1:
                    run.add_break()
            text_lines.clear()

    for raw in paragraph.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(BULLET):
            flush()
            item = line[len(BULLET):].strip()
            if item:
                last = document.add_paragraph(_safe(item), style="List Bullet")
        else:
            text_lines.append(line)
    flush()
    return last


# ------------------------------------------------------------------------------- helpers


def _status_runs(paragraph: Paragraph, category: StatusCategory, *, bold: bool) -> None:
    """A coloured dot and the status word: the word carries the status, the colour helps."""
    _run(paragraph, DOT, size=13, color=RGBColor.from_string(COLORS[category]))
    _run(paragraph, " " + category.label, bold=bold)


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    color: RGBColor | None = None,
):
    run = paragraph.add_run(_safe(text))
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if size is not None:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def _field(paragraph: Paragraph, instruction: str, shown: str, **style) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs;
    ``shown`` is the cached result a reader shows until it updates the field."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        _run(paragraph, "", **style)._r.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    _run(paragraph, "", **style)._r.append(instr)
    char("separate")
    _run(paragraph, shown, **style)
    char("end")


def _cell_paragraph(cell: _Cell, align: str) -> Paragraph:
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_before = Pt(2)
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
    return paragraph


def _fill(cell: _Cell, color: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), color)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row) -> None:
    """Marks the row as the table's header row (repeated on each page, read as headers)."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _committee_codes(status: AssignmentStatus) -> str:
    """"KFN (ansvarig), KS, TN" when the report names a lead committee, else "KS, TN"."""
    lead = status.lead_committee.abbreviation if status.lead_committee else None
    if lead is None or len(status.committees) < 2:
        return status.committee_codes
    return ", ".join(f"{c.abbreviation} (ansvarig)" if c.abbreviation == lead else c.abbreviation
                     for c in status.committees)


def _and(names: Iterable[str]) -> str:
    """"KS", "KS och TN", "KS, MSN och TN"."""
    items: Sequence[str] = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} och {items[-1]}"


# XML 1.0 allows tab, newline and carriage return but no other control characters; python-docx
# refuses them, and a comment pasted into Teams may hold one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _property(text: str) -> str:
    """A core property: Word allows 255 characters."""
    text = _safe(text)
    return text if len(text) <= 255 else text[:254] + "…"


def _deterministic_zip(data: bytes, report: ExportedReport) -> bytes:
    """The same package with every entry dated ``made_at`` (zip stores the writer's clock)."""
    stamp = local(report.made_at).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
