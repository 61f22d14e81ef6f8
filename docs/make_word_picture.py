"""Makes docs/word-report-page1.png: the first page of the Word report from the demo data.

    .venv/bin/python docs/make_word_picture.py

Needs LibreOffice (soffice) for .docx -> PDF and poppler-utils (pdftoppm) for PDF -> PNG:
    apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from domain.committees import load_committees  # noqa: E402
from domain.records import AssignmentStatus  # noqa: E402
from domain.report_export import ExportedReport  # noqa: E402
from domain.report_format import parse_report  # noqa: E402
from domain.statuses import StatusCategory  # noqa: E402
from domain.word_report import to_docx  # noqa: E402

SEED = REPO / "storage" / "demo" / "uppdrag-T1-2022.txt"
OUT = REPO / "docs" / "word-report-page1.png"
MADE_AT = datetime(2022, 5, 10, 12, 30, tzinfo=timezone.utc)
REPORTERS = ("Anna Andersson", "Erik Lindqvist", "Sara Nilsson")


def demo_report() -> ExportedReport:
    """The demo report T1 2022, with reporters on the assignments and one not yet reported."""
    committees = load_committees()
    by_code = {c.abbreviation: c for c in committees}
    parsed = parse_report(SEED.read_text("utf-8"), committees=committees)
    period = parsed.period
    statuses = [
        AssignmentStatus(
            assignment_id=index,
            title=item.title,
            committees=tuple(by_code[c] for c in item.committees),
            lead_committee=by_code[item.lead_committee] if item.lead_committee else None,
            year=period.year,
            period=period,
            category=item.category,
            sentence=item.status_sentence,
            comment=item.comment,
            author=REPORTERS[index % len(REPORTERS)],
            reported_at=datetime(2022, 5, 2 + index % 6, 7 + index, 5, tzinfo=timezone.utc),
        )
        for index, item in enumerate(parsed.items)
    ]
    statuses.append(AssignmentStatus(
        assignment_id=len(statuses),
        title="Ta fram en plan för fler trygghetsboenden",
        committees=(by_code["VON"],),
        lead_committee=None,
        year=period.year,
        period=period,
        category=StatusCategory.NOT_REPORTED,
        sentence=None,
        comment=None,
    ))
    return ExportedReport(
        municipality="Östersunds kommun",
        period=period,
        committee=None,
        committees=tuple(committees),
        statuses=tuple(statuses),
        made_at=MADE_AT,
    )


def main() -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        print("needs soffice (LibreOffice) and pdftoppm (poppler-utils) on PATH", file=sys.stderr)
        return 1
    report = demo_report()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / report.filename("docx")
        source.write_bytes(to_docx(report))
        subprocess.run(
            [soffice, f"-env:UserInstallation={(work / 'lo-profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), str(source)],
            check=True, capture_output=True, timeout=180,
        )
        subprocess.run(
            [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
             str(source.with_suffix(".pdf")), str(work / "page1")],
            check=True, timeout=60,
        )
        shutil.copyfile(work / "page1.png", OUT)
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
