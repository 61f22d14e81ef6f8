"""Closing a period: a committee's report goes from open to ready to approved (pure).

Per committee and period. A reporter of the committee (or an admin) marks it **ready**; an
approver of the committee (or an admin) **approves** it or **sends it back** (open again, with
a comment for the reporters); an admin may **reopen** an approved report, with a reason. An
approved report locks the committee's assignments for that period; a joint assignment is
locked only when every one of its committees has been approved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.periods import Period


class ReportState(str, Enum):
    OPEN = "öppen"
    READY = "klar"
    APPROVED = "godkänd"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ReportState.OPEN: "Öppen för rapportering",
    ReportState.READY: "Klar för godkännande",
    ReportState.APPROVED: "Godkänd",
}


class Role(str, Enum):
    """What a person may do for a committee. An admin may do everything."""

    REPORTER = "reporter"
    APPROVER = "approver"
    ADMIN = "admin"


class Move(str, Enum):
    READY = "ready"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REOPEN = "reopen"

    @property
    def source(self) -> ReportState:
        return _MOVES[self][0]

    @property
    def target(self) -> ReportState:
        return _MOVES[self][1]

    @property
    def needs_text(self) -> bool:
        """Sending back needs a comment for the reporters, reopening a reason."""
        return self in (Move.SEND_BACK, Move.REOPEN)


_MOVES: dict[Move, tuple[ReportState, ReportState]] = {
    Move.READY: (ReportState.OPEN, ReportState.READY),
    Move.APPROVE: (ReportState.READY, ReportState.APPROVED),
    Move.SEND_BACK: (ReportState.READY, ReportState.OPEN),
    Move.REOPEN: (ReportState.APPROVED, ReportState.OPEN),
}
_WHO: dict[Move, frozenset[Role]] = {
    Move.READY: frozenset({Role.REPORTER, Role.ADMIN}),
    Move.APPROVE: frozenset({Role.APPROVER, Role.ADMIN}),
    Move.SEND_BACK: frozenset({Role.APPROVER, Role.ADMIN}),
    Move.REOPEN: frozenset({Role.ADMIN}),
}


class Refusal(str, Enum):
    NOT_ALLOWED = "not allowed"  # the person has no role that may make the move
    WRONG_STATE = "wrong state"  # the report is not in the move's source state (someone else moved it)
    NEEDS_TEXT = "needs text"  # a send-back without a comment, a reopening without a reason


def refusal(move: Move, current: ReportState, roles: Iterable[Role], text: str | None) -> Refusal | None:
    """Why ``move`` may not be made now by someone with ``roles``; None when it may."""
    if not _WHO[move] & set(roles):
        return Refusal.NOT_ALLOWED
    if current is not move.source:
        return Refusal.WRONG_STATE
    if move.needs_text and not (text or "").strip():
        return Refusal.NEEDS_TEXT
    return None


@dataclass(frozen=True)
class CommitteeReport:
    """A committee's report for a period: its state and its last move."""

    committee: str  # an abbreviation
    period: Period
    state: ReportState = ReportState.OPEN
    by: str | None = None  # who made the last move (a name)
    at: datetime | None = None
    comment: str | None = None  # a send-back's comment or a reopening's reason


def locked(committees: Iterable[str], reports: Mapping[str, CommitteeReport]) -> bool:
    """An assignment of ``committees`` is locked for a period when every one of them is approved."""
    wanted = list(committees)
    return bool(wanted) and all(
        reports.get(c) is not None and reports[c].state is ReportState.APPROVED for c in wanted)
