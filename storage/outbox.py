"""The notification outbox: every proactive message is a row before anything is sent.

Exactly one row per (period, kind, conversation): enqueuing again adds nothing. Senders
claim rows (status "sending", ``claimed_by``/``claimed_at``) in a short transaction, send
outside it, and then mark each one sent, for retry, or failed — only if they still hold the
claim. On PostgreSQL concurrent claimers skip each other's rows (``FOR UPDATE SKIP
LOCKED``); a claim older than the lease (its worker died) is taken over. On SQLite (one bot
instance) the claim is a select and update in the caller's transaction, which holds the
write lock from its start (storage.db begins SQLite transactions IMMEDIATE).

Every step is written to ``delivery_log``. Times are stored in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from domain.clock import aware
from domain.periods import Period
from domain.rules import NotificationKind
from storage import db
from storage.db import dialect_insert
from storage.models import DeliveryLog, Notification

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)
DEFAULT_LEASE = timedelta(seconds=60)  # a live sender renews its claims well before this
RETAKEN = "lease of"  # in a "claimed" log entry: the row was taken over from a dead sender
MAX_ERROR_LENGTH = 2000
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class ClaimedNotification:
    id: int
    conversation_id: str
    payload: dict
    attempts: int  # failed attempts so far
    year: int
    term: int
    kind: str

    @property
    def period(self) -> Period:
        return Period(self.year, self.term)


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    conversation_id: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None



def _error(error: str) -> str:
    error = str(error)
    return error if len(error) <= MAX_ERROR_LENGTH else error[: MAX_ERROR_LENGTH - 1] + "…"


def _log(session: Session, entries: Sequence[tuple[int, str, str | None]], now: datetime) -> None:
    for notification_id, event, detail in entries:
        session.add(DeliveryLog(notification_id=notification_id, event=event, detail=detail, created_at=now))
    session.flush()


def enqueue(
    *,
    session: Session,
    period: Period,
    kind: str,
    items: Sequence[tuple[str, dict]],
    now: datetime | None = None,
    topic: str = "",
) -> int:
    """Queue ``(conversation_id, payload)`` items for ``period``, ``kind`` and ``topic``; returns
    how many were new.

    An item whose (period, kind, topic, conversation) is queued already, whatever its status,
    is left alone (its payload is not replaced). ``now``: when they may be sent (default: now).
    """
    known = [k.value for k in NotificationKind]
    if kind not in known:
        raise ValueError(f"unknown notification kind {kind!r}; known: {', '.join(known)}")
    kind = NotificationKind(kind).value
    now = aware(now or db.now(session))
    unique: dict[str, dict] = {}
    for conversation_id, payload in items:
        if not conversation_id:
            raise ValueError("empty conversation id")
        unique.setdefault(conversation_id, payload)
    new_ids: list[int] = []
    values = [
        {
            "year": period.year,
            "term": period.term,
            "kind": kind,
            "topic": topic,
            "conversation_id": conversation_id,
            "payload": payload,
            "status": QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for conversation_id, payload in unique.items()
    ]
    for start in range(0, len(values), _INSERT_CHUNK):
        statement = (
            dialect_insert(session, Notification)
            .values(values[start : start + _INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["year", "term", "kind", "topic", "conversation_id"])
            .returning(Notification.id)  # only the rows inserted
        )
        new_ids.extend(session.execute(statement).scalars().all())
    _log(session, [(i, "queued", None) for i in sorted(new_ids)], now)
    return len(new_ids)


def claim(
    *,
    session: Session,
    worker: str,
    limit: int,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> list[ClaimedNotification]:
    """Claim up to ``limit`` notifications for ``worker``, oldest due first.

    Claimable: "queued" with ``next_attempt_at`` <= ``now``, or "sending" claimed before
    ``now - lease`` (its worker is taken to have died). Commit soon after: on PostgreSQL
    the rows stay locked against other claimers until then.
    """
    if not worker:
        raise ValueError("empty worker name")
    if limit <= 0:
        return []
    now = aware(now or db.now(session))
    stale_before = now - lease
    claimable = or_(
        and_(Notification.status == QUEUED, Notification.next_attempt_at <= now),
        and_(Notification.status == SENDING, Notification.claimed_at < stale_before),
    )
    query = (
        select(Notification.id, Notification.status, Notification.claimed_by)
        .where(claimable)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    # (SQLite transactions begin IMMEDIATE, see storage.db: claimers in threads take turns.)
    candidates = {id_: (status, claimed_by) for id_, status, claimed_by in session.execute(query).all()}
    if not candidates:
        return []
    rows = session.execute(
        update(Notification)
        .where(Notification.id.in_(sorted(candidates)), claimable)  # re-checked: never claim twice
        .values(status=SENDING, claimed_by=worker, claimed_at=now)
        .returning(
            Notification.id,
            Notification.conversation_id,
            Notification.payload,
            Notification.attempts,
            Notification.year,
            Notification.term,
            Notification.kind,
        )
        .execution_options(synchronize_session=False)
    ).all()
    claimed = sorted((ClaimedNotification(*row) for row in rows), key=lambda c: c.id)
    entries = []
    for item in claimed:
        status, previous = candidates[item.id]
        detail = f"by {worker}"
        if status == SENDING:
            detail += f"; {RETAKEN} {previous or 'unknown worker'} expired"
        entries.append((item.id, "claimed", detail))
    _log(session, entries, now)
    return claimed


def renew(*, session: Session, worker: str, ids: Sequence[int]) -> int:
    """Extend ``worker``'s claims on ``ids`` (those still sending): it is alive and at it."""
    if not ids:
        return 0
    result = session.execute(
        update(Notification)
        .where(Notification.id.in_(list(ids)), Notification.status == SENDING, Notification.claimed_by == worker)
        .values(claimed_at=db.now(session))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def retaken(*, session: Session, period: Period) -> int:
    """How many notifications of ``period`` were taken over from a sender that died while
    sending them: each may have reached its conversation twice (sent, but not yet marked)."""
    return session.exec(
        select(func.count(func.distinct(DeliveryLog.notification_id)))
        .join(Notification, Notification.id == DeliveryLog.notification_id)
        .where(Notification.year == period.year, Notification.term == period.term,
               DeliveryLog.event == "claimed", DeliveryLog.detail.contains(RETAKEN))
    ).one()


def _finish(session: Session, notification_id: int, worker: str, values: dict) -> int | None:
    """Apply ``values`` if ``worker`` holds the claim; the attempts afterwards, or None."""
    row = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == SENDING,
            Notification.claimed_by == worker,
        )
        .values(**values)
        .returning(Notification.attempts)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else row[0]


def mark_sent(
    *, session: Session, notification_id: int, worker: str, now: datetime | None = None
) -> bool:
    """The notification was delivered. False (nothing written) if ``worker`` no longer holds it."""
    now = aware(now or db.now(session))
    attempts = _finish(session, notification_id, worker, {"status": SENT, "sent_at": now})
    if attempts is None:
        return False
    _log(session, [(notification_id, "sent", f"by {worker}")], now)
    return True


def mark_retry(
    *,
    session: Session,
    notification_id: int,
    worker: str,
    error: str,
    next_attempt_at: datetime,
    now: datetime | None = None,
) -> bool:
    """This attempt failed; queue it again for ``next_attempt_at``. False if not ``worker``'s."""
    now = aware(now or db.now(session))
    next_attempt_at = aware(next_attempt_at)
    attempts = _finish(
        session,
        notification_id,
        worker,
        {
            "status": QUEUED,
            "attempts": Notification.attempts + 1,
            "last_error": _error(error),
            "next_attempt_at": next_attempt_at,
            "claimed_by": None,
            "claimed_at": None,
        },
    )
    if attempts is None:
        return False
    detail = f"attempt {attempts} by {worker}: {_error(error)}; next at {next_attempt_at.isoformat()}"
    _log(session, [(notification_id, "retry", detail)], now)
    return True


def mark_failed(
    *, session: Session, notification_id: int, worker: str, error: str, now: datetime | None = None
) -> bool:
    """Give up on the notification. False (nothing written) if ``worker`` no longer holds it."""
    now = aware(now or db.now(session))
    attempts = _finish(
        session,
        notification_id,
        worker,
        {"status": FAILED, "attempts": Notification.attempts + 1, "last_error": _error(error)},
    )
    if attempts is None:
        return False
    _log(session, [(notification_id, "failed", f"attempt {attempts} by {worker}: {_error(error)}")], now)
    return True


def report(*, session: Session, period: Period, kind: str | None = None) -> list[DeliveryRow]:
    """Every notification of ``period`` (of one ``kind`` if given), by kind and conversation."""
    query = (
        select(Notification)
        .where(Notification.year == period.year, Notification.term == period.term)
        .order_by(Notification.kind, Notification.conversation_id)
    )
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return [
        DeliveryRow(
            row.id, row.conversation_id, row.kind, row.status, row.attempts, row.last_error, aware(row.sent_at) if row.sent_at else None
        )
        for row in session.exec(query).all()
    ]


def log_of(*, session: Session, notification_id: int) -> list[tuple[str, str | None, datetime]]:
    """(event, detail, created_at) of one notification, oldest first."""
    rows = session.exec(
        select(DeliveryLog.event, DeliveryLog.detail, DeliveryLog.created_at)
        .where(DeliveryLog.notification_id == notification_id)
        .order_by(DeliveryLog.id)
    ).all()
    return [(event, detail, aware(created_at)) for event, detail, created_at in rows]


def counts(*, session: Session, period: Period, kind: str | None = None) -> dict[str, int]:
    """How many notifications of ``period`` are in each status (every status, zeros included)."""
    query = (
        select(Notification.status, func.count())
        .where(Notification.year == period.year, Notification.term == period.term)
        .group_by(Notification.status)
    )
    if kind is not None:
        query = query.where(Notification.kind == kind)
    result = dict.fromkeys(STATUSES, 0)
    for status, count in session.exec(query).all():
        result[status] = count
    return result
