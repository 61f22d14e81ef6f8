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

from domain.approval import Role
from storage.db import insert_new, now
from storage.models import CommitteeRow, Reporter

ALL_COMMITTEES = "*"


class UnknownCommittee(ValueError):
    def __init__(self, committee: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown committee {committee!r}; known: {', '.join(known)}")
        self.committee = committee
        self.known = list(known)


REPORTER, APPROVER = Role.REPORTER.value, Role.APPROVER.value
ROLES = (REPORTER, APPROVER)


@dataclass(frozen=True)
class ReporterRecord:
    principal: str
    committee: str  # an abbreviation, or "*" for all committees
    display_name: str | None
    created_at: datetime
    role: str = REPORTER  # "reporter" or "approver"

    @property
    def is_admin(self) -> bool:
        return self.committee == ALL_COMMITTEES and self.role == REPORTER


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
    *, session: Session, principal: str, committee: str, display_name: str | None = None, role: str = REPORTER
) -> bool:
    """Let ``principal`` update ``committee``'s assignments ("*": all, an admin), or with
    ``role="approver"`` approve its reports ("*": every committee's). False if already so."""
    return insert_new(session, Reporter, unique=["principal", "committee", "role"],
                      principal=_principal(principal), committee=_canonical_committee(session, committee),
                      role=_role(role), display_name=display_name, created_at=now(session))


def remove_reporter(*, session: Session, principal: str, committee: str, role: str = REPORTER) -> bool:
    """False if ``principal`` did not have ``role`` for ``committee``."""
    try:
        committee = _canonical_committee(session, committee)
    except UnknownCommittee:
        return False
    result = session.execute(
        delete(Reporter).where(
            Reporter.principal == _principal(principal), Reporter.committee == committee,
            Reporter.role == _role(role),
        )
    )
    return result.rowcount > 0


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    return role


def list_reporters(*, session: Session, committee: str | None = None) -> list[ReporterRecord]:
    """All reporters, or those of one committee ("*": the admins), by committee and principal."""
    query = select(Reporter).order_by(Reporter.committee, Reporter.role, Reporter.principal)
    if committee is not None:
        try:
            query = query.where(Reporter.committee == _canonical_committee(session, committee))
        except UnknownCommittee:
            return []
    return [
        ReporterRecord(row.principal, row.committee, row.display_name, row.created_at, row.role)
        for row in session.exec(query).all()
    ]


def _granted(session: Session, principals: Iterable[str], role: str = REPORTER) -> set[str]:
    """The committees (and "*") ``role`` is granted for to any of ``principals``."""
    wanted = _principals(principals)
    if not wanted:
        return set()
    return set(session.exec(select(Reporter.committee).where(
        Reporter.principal.in_(wanted), Reporter.role == role)).all())


def roles(*, session: Session, principals: Sequence[str], committee: str) -> set[Role]:
    """What ``principals`` may do for ``committee``: report, approve, or everything (an admin)."""
    wanted = _principals(principals)
    if not wanted:
        return set()
    rows = session.exec(select(Reporter.committee, Reporter.role).where(Reporter.principal.in_(wanted))).all()
    found: set[Role] = set()
    for granted, role in rows:
        if granted == ALL_COMMITTEES and role == REPORTER:
            found.add(Role.ADMIN)
        elif granted in (ALL_COMMITTEES, committee) or granted.casefold() == committee.casefold():
            found.add(Role(role))
    return found


def approvers(*, session: Session, committee: str) -> list[str]:
    """The principals who may approve ``committee``'s reports: its approvers, every committee's
    approvers, and the admins (lowercased, sorted)."""
    wanted = committee.strip().casefold()
    rows = session.exec(select(Reporter.principal, Reporter.committee, Reporter.role).where(
        (Reporter.role == APPROVER) | (Reporter.committee == ALL_COMMITTEES))).all()
    return sorted({p for p, c, r in rows
                   if c == ALL_COMMITTEES or (r == APPROVER and c.casefold() == wanted)})


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
