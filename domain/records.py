"""Plain read models returned by ``storage.queries`` and consumed by the cards (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.committees import Committee
from domain.periods import Period
from domain.statuses import StatusCategory


@dataclass(frozen=True)
class AssignmentStatus:
    """One assignment and its current status in one period."""

    assignment_id: int
    title: str
    committees: tuple[Committee, ...]  # lead committee first where the report names one
    lead_committee: Committee | None
    year: int
    period: Period
    category: StatusCategory  # NOT_REPORTED when there is no report for the period
    sentence: str | None  # the status sentence as the reporter wrote it
    comment: str | None
    author: str | None = None
    reported_at: datetime | None = None

    @property
    def committee_codes(self) -> str:
        """"MSN, TN"."""
        return ", ".join(c.abbreviation for c in self.committees)
