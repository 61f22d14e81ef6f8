"""Who may update assignment statuses: reporters per committee, and admins ("*").

A principal is how Teams identifies a user: the Entra object id (``aadObjectId``) or the
UPN. Principals are stored lowercased and compared case-insensitively; committees are
stored with the abbreviation as the committee table spells it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from storage.db import insert_new, now
from storage.models import CommitteeRow, Reporter

ALL_COMMITTEES = "*"


class UnknownCommittee(ValueError):
    def __init__(self, committee: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown committee {committee!r}; known: {', '.join(known)}")
        self.committee = committee
        self.known = list(known)


@dataclass(frozen=True)
class ReporterRecord:
    principal: str
    committee: str  # an abbreviation, or "*" for all committees
    display_name: str | None
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.committee == ALL_COMMITTEES


def _principal(principal: str) -> str:
    principal = principal.strip().lower()
    if not principal:
        raise ValueError("empty principal")
    return principal


def _principals(principals: Iterable[str]) -> list[str]:
    return sorted({p.strip().lower() for p in principals if p and p.strip()})


def _known_committees(session: Session) -> list[str]:
    return sorted(session.exec(select(CommitteeRow.abbreviation)).all())


def canonical_committee(session: Session, committee: str) -> str:
    """The committee table's spelling of ``committee`` (case-insensitive), or UnknownCommittee."""
    wanted = (committee or "").strip().casefold()
    known = _known_committees(session)
    for abbreviation in known:
        if abbreviation.casefold() == wanted:
            return abbreviation
    raise UnknownCommittee(committee, known)


def _canonical_committee(session: Session, committee: str) -> str:
    """"*" (an admin), or a committee as the committee table spells it."""
    if committee.strip() == ALL_COMMITTEES:
        return ALL_COMMITTEES
    return canonical_committee(session, committee)


def add_reporter(
    *, session: Session, principal: str, committee: str, display_name: str | None = None
) -> bool:
    """Let ``principal`` update ``committee``'s assignments ("*": all). False if already so."""
    return insert_new(session, Reporter, unique=["principal", "committee"],
                      principal=_principal(principal), committee=_canonical_committee(session, committee),
                      display_name=display_name, created_at=now(session))


def remove_reporter(*, session: Session, principal: str, committee: str) -> bool:
    """False if ``principal`` was not a reporter of ``committee``."""
    try:
        committee = _canonical_committee(session, committee)
    except UnknownCommittee:
        return False
    result = session.execute(
        delete(Reporter).where(
            Reporter.principal == _principal(principal), Reporter.committee == committee
        )
    )
    return result.rowcount > 0


def list_reporters(*, session: Session, committee: str | None = None) -> list[ReporterRecord]:
    """All reporters, or those of one committee ("*": the admins), by committee and principal."""
    query = select(Reporter).order_by(Reporter.committee, Reporter.principal)
    if committee is not None:
        try:
            query = query.where(Reporter.committee == _canonical_committee(session, committee))
        except UnknownCommittee:
            return []
    return [
        ReporterRecord(row.principal, row.committee, row.display_name, row.created_at)
        for row in session.exec(query).all()
    ]


def _granted(session: Session, principals: Iterable[str]) -> set[str]:
    """The committees (and "*") granted to any of ``principals``."""
    wanted = _principals(principals)
    if not wanted:
        return set()
    return set(session.exec(select(Reporter.committee).where(Reporter.principal.in_(wanted))).all())


def may_update(*, session: Session, principals: Sequence[str], committees: Sequence[str]) -> bool:
    """True if any principal is an admin or a reporter of any of ``committees``.

    ``principals``: every identity of the Teams user (aadObjectId, UPN); ``committees``:
    the assignment's committee abbreviations.
    """
    granted = {c.casefold() for c in _granted(session, principals)}
    return ALL_COMMITTEES in granted or any(c.strip().casefold() in granted for c in committees)


def committees_of(*, session: Session, principals: Sequence[str]) -> list[str]:
    """The abbreviations ``principals`` may report for, sorted; an admin gets every committee."""
    granted = _granted(session, principals)
    if ALL_COMMITTEES in granted:
        return _known_committees(session)
    return sorted(granted)
