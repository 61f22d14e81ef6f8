"""Proactive messages: plan into the outbox, then deliver from it (dialogs.notifications
says what each one tells whom).

- ``notify``: a period's start notification or reminder, to the committees' subscribers
  (``uppdragsbot notify``, and ``run_due`` each morning for what is due today);
- ``queue_digest``: each morning, to every approver in a personal chat with the bot, the
  reports ready for them to approve (topic: the day, so it is queued once a day however many
  instances run the schedule);
- the messages about a committee's report marked ready or sent back are queued by the chat
  in the move's own transaction (dialogs.notifications.queue_ready / queue_returned);
- ``drain`` delivers whatever is queued.

Every (period, kind, topic, recipient) is one outbox row before anything is sent; delivery
claims rows (SKIP LOCKED on PostgreSQL), so several instances, a second ``notify`` run or a
process killed halfway never send a notification twice, and what is left is picked up later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.delivery import Deliverer, Outgoing
from dialogs.notifications import plan, plan_digest
from domain.clock import today
from domain.periods import Period, period_containing
from domain.rules import NotificationKind
from storage import calendar, conversations, outbox
from storage.db import now
from storage.gateway import Database

log = logging.getLogger(__name__)


@dataclass
class Summary:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    gone: int = 0
    retry: int = 0
    planned: list[tuple[str, int]] = field(default_factory=list)  # (conversation, assignments)

    def text(self) -> str:
        return (f"{self.queued} queued, {self.sent} sent, {self.retry} to retry, "
                f"{self.failed} failed, {self.gone} conversations gone")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _queue(*, session, period: Period, kind: NotificationKind) -> tuple[int, list[tuple[str, int]]]:
    planned = plan(session=session, period=period, kind=kind)
    created = outbox.enqueue(session=session, period=period, kind=kind,
                             items=[(p.conversation_id, p.activity) for p in planned])
    return created, [(p.conversation_id, p.assignments) for p in planned]


def _queue_digest(*, session, day: date) -> int:
    planned = plan_digest(session=session, day=day)
    return outbox.enqueue(session=session, period=period_containing(day), kind=NotificationKind.DIGEST,
                          topic=day.isoformat(), items=[(p.conversation_id, p.activity) for p in planned])


async def queue_digest(db: Database, day: date | None = None) -> int:
    """Queue the approvers' digest for ``day`` (default: today); how many messages were new.

    Once a day: the rows are unique per day and approver's chat, so a second run (another
    instance, a restart) queues nothing. Deliver them with ``drain``.
    """
    day = day or today(db.clock)
    created = await db.run(_queue_digest, day=day)
    log.info("Digest %s: %d queued", day.isoformat(), created)
    return created


async def drain(db: Database, deliverer: Deliverer, *, worker: str | None = None,
                concurrency: int = 50, lease: timedelta = outbox.DEFAULT_LEASE) -> Summary:
    """Deliver everything claimable now; returns when nothing is left to claim.

    The in-flight window is kept as small as the connector allows: no more rows are claimed
    than are sent at once, each is marked as its send completes, and the claims are renewed
    while sending, so the rows of a sender that dies are taken over after ``lease``. What such
    a sender had sent but not yet marked is sent again: at least once, at most ``concurrency``
    messages twice per crash (``uppdragsbot notifications`` counts them).
    """
    worker = worker or worker_name()
    summary = Summary()
    gate = asyncio.Semaphore(concurrency)

    async def one(item: outbox.ClaimedNotification) -> None:
        async with gate:
            reference = await db.run(_reference, conversation_id=item.conversation_id)
            if reference is None:
                await db.run(_finish, notification_id=item.id, worker=worker, status="failed",
                             error="the conversation is inactive")
                summary.failed += 1
                return
            outcome = await deliverer.deliver(Outgoing(key=item.id, reference=reference, activity=item.payload))
            await db.run(_finish, notification_id=item.id, worker=worker, status=outcome.status,
                         error=outcome.error, retry_after=outcome.retry_after,
                         conversation_id=item.conversation_id)
            setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)

    async def keep_claims(ids: list[int]) -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            await db.run(outbox.renew, worker=worker, ids=ids)

    while True:
        claimed = await db.run(outbox.claim, worker=worker, limit=concurrency, lease=lease)
        if not claimed:
            return summary
        renewing = asyncio.create_task(keep_claims([item.id for item in claimed]))
        try:
            await asyncio.gather(*(one(item) for item in claimed))
        finally:
            renewing.cancel()


async def notify(db: Database, deliverer: Deliverer | None, period: Period, kind: NotificationKind, *,
                 dry_run: bool = False, lease: timedelta = outbox.DEFAULT_LEASE) -> Summary:
    kind = NotificationKind(kind)
    if dry_run:
        planned = await db.run(plan, period=period, kind=kind)
        return Summary(planned=[(p.conversation_id, p.assignments) for p in planned])
    created, planned = await db.run(_queue, period=period, kind=kind)
    summary = await drain(db, deliverer, lease=lease) if deliverer else Summary()
    summary.queued, summary.planned = created, planned
    log.info("Notifications %s %s: %s", kind.value, period.label, summary.text())
    return summary


async def run_due(db: Database, deliverer: Deliverer, *, reminder_days: int,
                  lease: timedelta = outbox.DEFAULT_LEASE) -> list[tuple[Period, NotificationKind, Summary]]:
    """What the scheduler runs each morning: every opening and reminder that is due today."""
    due = await db.run(calendar.due, today=today(db.clock), reminder_days=reminder_days)
    return [(period, kind, await notify(db, deliverer, period, kind, lease=lease)) for period, kind in due]


# --- database work (one transaction each) -----------------------------------------------------

def _reference(*, session, conversation_id: str) -> dict | None:
    """The conversation's reference, with its tenant: the SDK's reference leaves the tenant
    out, and without it the tenant filter (ALLOWED_TENANT_IDS) would stop the message."""
    row = conversations.find(session=session, conversation_id=conversation_id)
    if row is None or not row.active:
        return None
    reference = dict(row.reference)
    if row.tenant_id:
        reference["conversation"] = {**(reference.get("conversation") or {}), "tenantID": row.tenant_id}
    return reference


def _finish(*, session, notification_id: int, worker: str, status: str, error: str | None,
            retry_after: float | None = None, conversation_id: str | None = None) -> None:
    if status == "sent":
        outbox.mark_sent(session=session, notification_id=notification_id, worker=worker)
    elif status == "retry":
        wait = timedelta(seconds=retry_after or 60)
        outbox.mark_retry(session=session, notification_id=notification_id, worker=worker,
                          error=error or "retry", next_attempt_at=now(session) + wait)
    else:
        outbox.mark_failed(session=session, notification_id=notification_id, worker=worker,
                           error=error or status)
        if status == "gone" and conversation_id:
            conversations.deactivate(session=session, conversation_id=conversation_id)
