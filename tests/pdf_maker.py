"""PDF reports for the tests, made with fpdf2: a report's text on pages with a header and a
footer on every page, as municipalities publish them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import EncryptionMethod

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
HEADER = ("Östersunds kommun", "Uppföljning av uppdrag T1 2022")


def unicode_font() -> Path | None:
    """A TrueType font with å, ä, ö, "–" and "•": DejaVu Sans, else any fontconfig knows."""
    if DEJAVU.is_file():
        return DEJAVU
    try:
        found = subprocess.run(
            ["fc-list", "--format", "%{file}\n", ":fontformat=TrueType:lang=sv"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    fonts = sorted(Path(f) for f in found if f.lower().endswith(".ttf") and Path(f).is_file())
    return next((f for f in fonts if "sans" in f.name.lower()), fonts[0] if fonts else None)


class _ReportPdf(FPDF):
    def __init__(self, font: Path, header_lines: tuple[str, ...], height_mm: float) -> None:
        super().__init__(format=(210, height_mm))
        self.header_lines = header_lines
        self.add_font("report", fname=str(font))
        self.set_auto_page_break(True, margin=15)

    def header(self) -> None:
        self.set_font("report", size=9)
        for line in self.header_lines:
            self.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("report", size=9)
        self.cell(0, 5, f"Sida {self.page_no()} av {{nb}}", align="C")


def report_pdf(
    text: str,
    *,
    font: Path,
    header: tuple[str, ...] = HEADER,
    height_mm: float = 105,
    user_password: str | None = None,
) -> bytes:
    """The report's lines, wrapped to an A4 width, on pages ``height_mm`` high with ``header``
    and "Sida N av M" on every page; encrypted when ``user_password`` is given ("" = an
    empty user password: anyone may open it)."""
    pdf = _ReportPdf(font, header, height_mm)
    pdf.add_page()
    pdf.set_font("report", size=10)
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(5)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password,
                           encryption_method=EncryptionMethod.AES_128)
    return bytes(pdf.output())


def blank_pdf() -> bytes:
    """A PDF with one page and no text on it (as a scanned report without OCR)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 30)
    return bytes(pdf.output())
