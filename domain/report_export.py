"""The follow-up report as it leaves the bot: the published text format and Markdown (pure).

``ExportedReport`` is one period's report (optionally one committee's) from the current data,
every assignment of the period in the order they were added, those without a report for the
period included as "Ej rapporterat". The Word rendering is ``domain.word_report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.clock import local
from domain.committees import Committee
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.report_format import Report, ReportItem, render_report
from domain.statuses import ORDER, StatusCategory

FORMATS = ("text", "md", "docx")
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SUFFIXES = {"text": "txt", "md": "md", "docx": "docx"}


@dataclass(frozen=True)
class ExportedReport:
    municipality: str  # "Östersunds kommun", for headings
    period: Period
    committee: Committee | None  # the one committee asked for; None: every committee
    committees: tuple[Committee, ...]  # every committee, in the configured order (Word's sections)
    statuses: tuple[AssignmentStatus, ...]  # in report order
    made_at: datetime  # when the export was made (the data is as of then)

    @property
    def title(self) -> str:
        """"Uppföljning av uppdrag T1 2022", with the committee when there is one."""
        base = f"Uppföljning av uppdrag {self.period.label}"
        return f"{base}, {self.committee.display}" if self.committee else base

    def counts(self) -> dict[StatusCategory, int]:
        """How many assignments are in each category, every category present, in ORDER."""
        counts = {category: 0 for category in ORDER}
        for status in self.statuses:
            counts[status.category] += 1
        return counts

    def by_committee(self) -> list[tuple[Committee, list[AssignmentStatus]]]:
        """Each committee with its assignments (a joint one under each of its committees), in
        the configured order; committees without assignments are left out."""
        wanted = [self.committee] if self.committee else list(self.committees)
        sections = []
        for committee in wanted:
            own = [s for s in self.statuses if any(c.abbreviation == committee.abbreviation for c in s.committees)]
            if own:
                sections.append((committee, own))
        return sections

    def filename(self, fmt: str) -> str:
        """"uppdrag-T1-2022-TN.docx"."""
        who = f"-{self.committee.abbreviation}" if self.committee else ""
        return f"uppdrag-T{self.period.term}-{self.period.year}{who}.{SUFFIXES[fmt]}"


def render(report: ExportedReport, fmt: str) -> bytes:
    """The report as a file of format ``fmt`` (one of FORMATS)."""
    if fmt == "text":
        return to_text(report).encode("utf-8")
    if fmt == "md":
        return to_markdown(report).encode("utf-8")
    if fmt == "docx":
        from domain.word_report import to_docx  # it builds on this module

        return to_docx(report)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def status_sentence(status: AssignmentStatus) -> str:
    """The sentence as the reporter wrote it; the category's standard one when there is none
    ("Ej rapporterat." for an assignment without a report)."""
    if status.sentence:
        return status.sentence
    if status.category is StatusCategory.NOT_REPORTED:
        return f"{StatusCategory.NOT_REPORTED.label}."
    return status.category.sentence


def to_text(report: ExportedReport) -> str:
    """The published format (domain.report_format): what the municipality publishes, and what
    the importer reads back."""
    items = tuple(
        ReportItem(
            title=s.title,
            committees=tuple(c.abbreviation for c in s.committees),
            lead_committee=s.lead_committee.abbreviation if s.lead_committee else None,
            status_sentence=status_sentence(s),
            category=s.category,
            comment=s.comment or "",
            line=0,
        )
        for s in report.statuses
    )
    return render_report(Report(period=report.period, items=items))


def to_markdown(report: ExportedReport) -> str:
    """Markdown for an intranet page: a summary, then the assignments in report order."""
    out = [f"# {report.title}", "", f"{report.municipality}. Underlaget hämtades {_when(report.made_at)}.", ""]
    out += ["| Status | Antal |", "|---|---:|"]
    out += [f"| {category.icon} {category.label} | {count} |" for category, count in report.counts().items()]
    out.append("")
    for status in report.statuses:
        out += [f"## {_markdown_escape(status.title)} ({status.committee_codes})", ""]
        joint = " Gemensamt uppdrag." if len(status.committees) > 1 else ""
        out += [f"**{status.category.icon} {status.category.label}.** {_markdown_escape(status_sentence(status))}"
                f"{joint}", ""]
        for paragraph in (status.comment or "").split("\n\n"):
            if paragraph.strip():
                out += [_markdown_escape(paragraph), ""]
        if status.author or status.reported_at:
            out += [f"*{reported_by(status)}*", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def reported_by(status: AssignmentStatus, *, when: Callable[[datetime], str] | None = None) -> str:
    """"Rapporterad av Anna Andersson 2022-05-10", as much as is known."""
    parts = ["Rapporterad"]
    if status.author:
        parts.append(f"av {status.author}")
    if status.reported_at:
        parts.append((when or _when)(status.reported_at))
    return " ".join(parts)


def _when(moment: datetime) -> str:
    return local(moment).strftime("%Y-%m-%d")


_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"})


def _markdown_escape(text: str) -> str:
    """Text shown as written: Markdown's own characters escaped."""
    return text.translate(_MARKDOWN_SPECIAL)
