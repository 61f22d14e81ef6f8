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

from domain.clock import FixedClock  # noqa: E402
from domain.periods import Period  # noqa: E402
from domain.report_export import ExportedReport  # noqa: E402
from domain.word_report import to_docx  # noqa: E402
from storage import exports  # noqa: E402
from storage.bootstrap import prepare_database  # noqa: E402
from storage.gateway import Database  # noqa: E402

OUT = REPO / "docs" / "word-report-page1.png"
MADE_AT = datetime(2022, 5, 10, 12, 30, tzinfo=timezone.utc)


def demo_report(directory: Path) -> ExportedReport:
    """The demo report T1 2022 as the bot exports it: the demo data in a new SQLite database."""
    db = Database.connect(f"sqlite:///{directory / 'demo.db'}", FixedClock(MADE_AT))
    try:
        prepare_database(db, committees_file=None, demo_data=True)
        return db.run_sync(exports.exported_report, period=Period(2022, 1), committee=None,
                           municipality="Östersunds kommun")
    finally:
        db.dispose()


def main() -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        print("needs soffice (LibreOffice) and pdftoppm (poppler-utils) on PATH", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report = demo_report(work)
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
