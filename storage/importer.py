"""Import a published follow-up report into the database, in one transaction.

A report file is UTF-8 text or a PDF (known by its "%PDF-" header in the first KiB, as
PDF readers do, whatever its name). A PDF's pages' text, read with pypdf and joined by
newlines, is parsed exactly as text (domain.report_format drops the pages' headers and
footers).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from pypdf import PdfReader
from sqlmodel import Session, select

from domain.periods import Period
from domain.report_format import Report, ReportFormatError, parse_report
from storage import queries, search_index
from storage.db import insert_rows, now, refresh_statistics
from storage.gateway import Database
from storage.models import Assignment, AssignmentCommittee, CommitteeRow

log = logging.getLogger(__name__)
DEMO_FILE = "uppdrag-T1-2022.txt"


@dataclass(frozen=True)
class ImportResult:
    period: Period
    assignments_created: int
    reports_added: int
    unchanged: int

    def summary(self) -> str:
        return (
            f"{self.period.label}: {self.assignments_created} new assignments, "
            f"{self.reports_added} new status reports, {self.unchanged} unchanged"
        )


def import_report(*, session: Session, report: Report, source: str) -> ImportResult:
    """Add the report's assignments and statuses; re-importing the same report adds nothing.

    In bulk: a few statements per BATCH items (find, insert what is new with RETURNING),
    whatever the report's size; the caller's transaction makes it all-or-nothing.
    """
    committee_ids = {row.abbreviation: row.id for row in session.exec(select(CommitteeRow))}
    period_row = queries.ensure_period(session=session, period=report.period)
    created = added = unchanged = 0
    touched: set[int] = set()
    for start in range(0, len(report.items), BATCH):
        items = report.items[start:start + BATCH]
        ids, new = _assignments(session, report.period, items, source)
        created += len(new)
        touched.update(new)
        relinked = _link_committees(session, items, ids, committee_ids)
        current = queries.current_texts(session=session, assignment_ids=sorted(set(ids.values())),
                                        period=report.period)
        rows = []
        for item in items:
            assignment_id = ids[item.title]
            wanted = (item.category.value, item.status_sentence, item.comment)
            if current.get(assignment_id) == wanted:
                unchanged += 1
                continue
            rows.append(dict(assignment_id=assignment_id, period_id=period_row.id, category=item.category.value,
                             sentence=item.status_sentence, comment=item.comment, author_id=None,
                             author_name=None, source=source, created_at=now(session)))
            current[assignment_id] = wanted
            touched.add(assignment_id)
        queries.add_status_reports(session=session, rows=rows, derived=False)
        # The report's assignments are its year's, members of its periods since they were
        # added: only new ones and new links change period_committee.
        queries.sync_period_committees(session=session, assignment_ids=relinked)
        added += len(rows)
    search_index.update(session, touched)
    return ImportResult(report.period, created, added, unchanged)


BATCH = 1000  # report items per round of statements
ANALYZE_AFTER = 1000  # rows an import adds before the database's statistics are refreshed


def _assignments(session: Session, period: Period, items, source: str) -> tuple[dict[str, int], list[int]]:
    """{title: assignment id} for the items, creating the assignments that are new (their ids):
    the report's year's, members of its periods (its own row comes with its report)."""
    year = period.year
    titles = list(dict.fromkeys(item.title for item in items))
    ids = dict(session.execute(
        select(Assignment.title, Assignment.id).where(Assignment.year == year, Assignment.title.in_(titles))).all())
    missing = [t for t in titles if t not in ids]
    if missing:
        rows = [dict(title=t, year=year, source=source, created_at=now(session)) for t in missing]
        table = Assignment.__table__  # Core: one INSERT ... RETURNING
        created = dict(insert_rows(session, table, rows, returning=(table.c.title, table.c.id)))
        ids.update(created)
        queries.add_members(session=session, assignments={i: year for i in created.values()},
                            reported_in=period)
        return ids, list(created.values())
    return ids, []


def _link_committees(session: Session, items, ids: dict[str, int], committee_ids: dict[str, int]) -> set[int]:
    """Link the items' assignments to their committees; the ids of those that got a new link."""
    linked = set(session.execute(
        select(AssignmentCommittee.assignment_id, AssignmentCommittee.committee_id)
        .where(AssignmentCommittee.assignment_id.in_(sorted(set(ids.values()))))).all())
    rows = []
    for item in items:
        for position, abbreviation in enumerate(item.committees):
            key = (ids[item.title], committee_ids[abbreviation])
            if key not in linked:
                linked.add(key)
                rows.append(dict(assignment_id=key[0], committee_id=key[1],
                                 is_lead=abbreviation == item.lead_committee, position=position))
    if rows:
        insert_rows(session, AssignmentCommittee.__table__, rows)
    return {row["assignment_id"] for row in rows}


def import_text(
    db: Database, text: str, *, filename: str, period: Period | None = None,
    noise: Sequence[str] = (),
) -> ImportResult:
    """Parse and import; raises ReportFormatError before anything is written.

    ``noise``: known page header and footer texts to drop (see ``parse_report``).
    """
    with db.session() as session:
        committees = queries.list_committees(session=session)
        report = parse_report(text, committees=committees, filename=filename, period=period,
                              noise=noise)
        result = import_report(session=session, report=report, source=filename)
    if result.assignments_created + result.reports_added >= ANALYZE_AFTER:
        refresh_statistics(db.engine)  # so that the planner knows the tables' new sizes at once
    return result


def import_file(
    db: Database, path: str | Path, *, period: Period | None = None, noise: Sequence[str] = ()
) -> ImportResult:
    """Import a report file, text or PDF; raises ReportFormatError (or OSError) before
    anything is written."""
    path = Path(path)
    return import_text(db, read_report(path), filename=str(path), period=period, noise=noise)


PDF_MAGIC = b"%PDF-"


def read_report(path: Path) -> str:
    """The text of a report file: a PDF's pages' text joined by newlines, or UTF-8 text."""
    data = path.read_bytes()
    if PDF_MAGIC in data[:1024]:
        return _pdf_text(str(path), data)
    if path.suffix.lower() == ".pdf":
        raise ReportFormatError(str(path), 1, "the file is not a PDF (it does not start with %PDF-)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFormatError(str(path), 1, f"the file is not UTF-8 text ({exc.reason})") from exc


def _pdf_text(filename: str, data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # "" opens a PDF locked for editing only
            raise ReportFormatError(
                filename, 1, "the PDF is password-protected; save it without a password and import it again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReportFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 — pypdf fails in many ways on a damaged file
        log.info("Cannot read PDF %s: %r", filename, exc)
        raise ReportFormatError(
            filename, 1, f"the PDF cannot be read, it may be damaged ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise ReportFormatError(
            filename, 1, "the PDF has no text to read (a scanned image?); import the report as text")
    return text


def load_demo_data(db: Database) -> ImportResult | None:
    """Import the bundled T1 2022 report when the database has no assignments yet."""
    with db.session() as session:
        if queries.count_assignments(session=session) > 0:
            return None
    text = resources.files("storage").joinpath("demo", DEMO_FILE).read_text("utf-8")
    result = import_text(db, text, filename=f"demo/{DEMO_FILE}")
    log.info("Loaded demo data from %s: %s", DEMO_FILE, result.summary())
    return result
