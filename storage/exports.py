"""Exports of the follow-up report: the report from the current data, and the download links
that hand a file to the person who asked for it.

A link's token is 256 random bits, shown once (in the asker's chat) and stored only as its
SHA-256. It is used up the moment a file is made from it (one atomic UPDATE, so two clicks
at once, on two instances, give one file), and it expires after the lifetime it was made
with. The file itself is never stored: it is made from the data when the link is used.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from domain.periods import Period
from domain.report_export import FORMATS, ExportedReport
from storage import queries
from storage.db import now
from storage.models import DownloadLink

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def exported_report(*, session: Session, period: Period, committee: str | None, municipality: str) -> ExportedReport:
    """The period's report as of now, every assignment of the period included (those without a
    report as "ej rapporterat"); ``committee`` (an abbreviation) narrows it to one committee."""
    committees = queries.list_committees(session=session)
    chosen = next((c for c in committees if c.abbreviation == committee), None) if committee else None
    statuses = queries.find_statuses(session=session, period=period, committees=[chosen.abbreviation] if chosen else ())
    return ExportedReport(municipality=municipality, period=period, committee=chosen, committees=tuple(committees),
                          statuses=tuple(statuses), made_at=now(session))


@dataclass(frozen=True)
class LinkRequest:
    """What a link was made for."""

    owner: str
    period: Period
    committee: str | None
    format: str


def create_link(*, session: Session, owner: str, period: Period, committee: str | None, fmt: str,
                lifetime: timedelta) -> str:
    """A new link's token (to put in the URL); only its hash is stored."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    token = secrets.token_urlsafe(32)
    session.add(DownloadLink(token_hash=_hash(token), owner=owner.lower(), year=period.year, term=period.term,
                             committee=committee, format=fmt, created_at=now(session),
                             expires_at=now(session) + lifetime))
    session.flush()
    return token


def peek_link(*, session: Session, token: str) -> LinkRequest | None:
    """The link's request while it can still be used (not used, not expired); None otherwise,
    and for anything that is not a token."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    row = session.exec(select(DownloadLink).where(
        DownloadLink.token_hash == _hash(token), DownloadLink.used_at.is_(None),
        DownloadLink.expires_at > now(session))).first()
    return _request(row.owner, row.year, row.term, row.committee, row.format) if row else None


def use_link(*, session: Session, token: str) -> LinkRequest | None:
    """Use the link up and return its request; None when it is unknown, used or expired.
    Of two uses at the same moment exactly one gets the request."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    table = DownloadLink.__table__
    used = session.execute(
        update(table)
        .where(table.c.token_hash == _hash(token), table.c.used_at.is_(None), table.c.expires_at > now(session))
        .values(used_at=now(session))
        .returning(table.c.owner, table.c.year, table.c.term, table.c.committee, table.c.format)
    ).first()
    return _request(*used) if used else None


def forget_links(*, session: Session, older_than: timedelta) -> int:
    """Delete links that expired longer ago than ``older_than`` (housekeeping)."""
    result = session.execute(delete(DownloadLink).where(DownloadLink.expires_at < now(session) - older_than))
    return result.rowcount or 0


def _request(owner: str, year: int, term: int, committee: str | None, fmt: str) -> LinkRequest:
    return LinkRequest(owner=owner, period=Period(year, term), committee=committee, format=fmt)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
