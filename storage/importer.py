"""Import a published follow-up report into the database, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlmodel import Session, select

from domain.periods import Period
from domain.report_format import Report, ReportFormatError, parse_report
from storage import queries
from storage.db import now
from storage.gateway import Database
from storage.models import Assignment, AssignmentCommittee, CommitteeRow, StatusReport

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
    """Add the report's assignments and statuses; re-importing the same report adds nothing."""
    committee_ids = {row.abbreviation: row.id for row in session.exec(select(CommitteeRow))}
    period_row = queries.ensure_period(session=session, period=report.period)
    created = added = unchanged = 0
    for item in report.items:
        assignment = session.exec(
            select(Assignment).where(
                Assignment.year == report.period.year, Assignment.title == item.title
            )
        ).first()
        if assignment is None:
            assignment = Assignment(title=item.title, year=report.period.year, source=source,
                                    created_at=now(session))
            session.add(assignment)
            session.flush()
            created += 1
        _link_committees(session, assignment.id, item.committees, item.lead_committee, committee_ids)
        current = session.exec(
            select(StatusReport)
            .where(
                StatusReport.assignment_id == assignment.id,
                StatusReport.period_id == period_row.id,
            )
            .order_by(StatusReport.id.desc())
        ).first()
        if current is not None and (current.category, current.sentence, current.comment) == (
            item.category.value,
            item.status_sentence,
            item.comment,
        ):
            unchanged += 1
            continue
        queries.add_status_report(
            session=session,
            assignment_id=assignment.id,
            period=report.period,
            category=item.category,
            sentence=item.status_sentence,
            comment=item.comment,
            source=source,
        )
        added += 1
    return ImportResult(report.period, created, added, unchanged)


def _link_committees(
    session: Session,
    assignment_id: int,
    abbreviations: tuple[str, ...],
    lead: str | None,
    committee_ids: dict[str, int],
) -> None:
    linked = {
        link.committee_id
        for link in session.exec(
            select(AssignmentCommittee).where(AssignmentCommittee.assignment_id == assignment_id)
        )
    }
    for position, abbreviation in enumerate(abbreviations):
        committee_id = committee_ids[abbreviation]
        if committee_id not in linked:
            session.add(
                AssignmentCommittee(
                    assignment_id=assignment_id,
                    committee_id=committee_id,
                    is_lead=abbreviation == lead,
                    position=position,
                )
            )
    session.flush()


def import_text(
    db: Database, text: str, *, filename: str, period: Period | None = None
) -> ImportResult:
    """Parse and import; raises ReportFormatError before anything is written."""
    with db.session() as session:
        committees = queries.list_committees(session=session)
        report = parse_report(text, committees=committees, filename=filename, period=period)
        return import_report(session=session, report=report, source=filename)


def import_file(db: Database, path: str | Path, *, period: Period | None = None) -> ImportResult:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFormatError(str(path), 1, f"the file is not UTF-8 text ({exc.reason})") from exc
    return import_text(db, text, filename=str(path), period=period)


def load_demo_data(db: Database) -> ImportResult | None:
    """Import the bundled T1 2022 report when the database has no assignments yet."""
    with db.session() as session:
        if queries.count_assignments(session=session) > 0:
            return None
    text = resources.files("storage").joinpath("demo", DEMO_FILE).read_text("utf-8")
    result = import_text(db, text, filename=f"demo/{DEMO_FILE}")
    log.info("Loaded demo data from %s: %s", DEMO_FILE, result.summary())
    return result
