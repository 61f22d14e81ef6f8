"""Import a published follow-up report into the database, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
    db: Database, text: str, *, filename: str, period: Period | None = None
) -> ImportResult:
    """Parse and import; raises ReportFormatError before anything is written."""
    with db.session() as session:
        committees = queries.list_committees(session=session)
        report = parse_report(text, committees=committees, filename=filename, period=period)
        result = import_report(session=session, report=report, source=filename)
    if result.assignments_created + result.reports_added >= ANALYZE_AFTER:
        refresh_statistics(db.engine)  # so that the planner knows the tables' new sizes at once
    return result


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
