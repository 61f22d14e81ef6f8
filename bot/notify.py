"""Period-start notifications and reminders: plan into the outbox, then deliver from it.

Every (period, kind, recipient) is one outbox row before anything is sent; delivery claims
rows (SKIP LOCKED on PostgreSQL), so several instances, a second ``notify`` run or a process
killed halfway never send a notification twice, and what is left is picked up later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from botbuilder.core import CardFactory, MessageFactory
from sqlalchemy.engine import Engine

from bot import cards
from bot.delivery import Deliverer, Outgoing
from storage import calendar, conversations, outbox, queries, subscriptions
from storage.db import session_scope
from storage.periods import Period
from storage.statuses import StatusCategory

log = logging.getLogger(__name__)
KINDS = ("opening", "reminder")


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


def plan(engine: Engine, period: Period, kind: str) -> list[tuple[str, dict, int]]:
    """(conversation id, activity, number of assignments) for each subscriber with something to say."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    planned = []
    with session_scope(engine) as session:
        dates = calendar.get_period_dates(session=session, period=period)
        for recipient in subscriptions.recipients(session=session):
            statuses = queries.find_statuses(session=session, period=period, committees=recipient.committees)
            if kind == "reminder":
                statuses = [s for s in statuses if s.category is StatusCategory.NOT_REPORTED]
            if not statuses:
                continue
            card = cards.notification_card(kind, period, dates.deadline, ", ".join(recipient.committees), statuses)
            activity = MessageFactory.attachment(CardFactory.adaptive_card(card)).serialize()
            planned.append((recipient.conversation_id, activity, len(statuses)))
    return planned


def queue(engine: Engine, period: Period, kind: str) -> tuple[int, list[tuple[str, int]]]:
    planned = plan(engine, period, kind)
    with session_scope(engine) as session:
        created = outbox.enqueue(
            session=session, period=period, kind=kind, items=[(cid, activity) for cid, activity, _ in planned]
        )
    return created, [(cid, n) for cid, _, n in planned]


async def drain(engine: Engine, deliverer: Deliverer, *, worker: str | None = None,
                batch: int = 100, concurrency: int = 50) -> Summary:
    """Deliver everything claimable now; returns when nothing is left to claim."""
    worker = worker or worker_name()
    summary = Summary()
    gate = asyncio.Semaphore(concurrency)

    async def one(item: outbox.ClaimedNotification) -> None:
        async with gate:
            reference = await asyncio.to_thread(_reference, engine, item.conversation_id)
            if reference is None:
                await asyncio.to_thread(_finish, engine, item.id, worker, "failed", "the conversation is inactive")
                summary.failed += 1
                return
            outcome = await deliverer.deliver(Outgoing(key=item.id, reference=reference, activity=item.payload))
            await asyncio.to_thread(_finish, engine, item.id, worker, outcome.status, outcome.error,
                                    outcome.retry_after, item.conversation_id)
            setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)

    while True:
        claimed = await asyncio.to_thread(_claim, engine, worker, batch)
        if not claimed:
            return summary
        await asyncio.gather(*(one(item) for item in claimed))


async def notify(engine: Engine, deliverer: Deliverer | None, period: Period, kind: str, *,
                 dry_run: bool = False) -> Summary:
    if dry_run:
        return Summary(planned=[(cid, n) for cid, _, n in await asyncio.to_thread(plan, engine, period, kind)])
    created, planned = await asyncio.to_thread(queue, engine, period, kind)
    summary = await drain(engine, deliverer) if deliverer else Summary()
    summary.queued, summary.planned = created, planned
    log.info("Notifications %s %s: %s", kind, period.label, summary.text())
    return summary


async def run_due(engine: Engine, deliverer: Deliverer, *, today, reminder_days: int) -> list[Summary]:
    """What the scheduler runs each morning: every opening and reminder that is due today."""
    due = await asyncio.to_thread(_due, engine, today, reminder_days)
    return [await notify(engine, deliverer, period, kind) for period, kind in due]


# --- database work (worker threads) -----------------------------------------------------------

def _due(engine: Engine, today, reminder_days: int):
    with session_scope(engine) as session:
        return calendar.due(session=session, today=today, reminder_days=reminder_days)


def _claim(engine: Engine, worker: str, batch: int):
    with session_scope(engine) as session:
        return outbox.claim(session=session, worker=worker, limit=batch, now=datetime.now(timezone.utc))


def _reference(engine: Engine, conversation_id: str) -> dict | None:
    with session_scope(engine) as session:
        row = conversations.find(session=session, conversation_id=conversation_id)
        return dict(row.reference) if row is not None and row.active else None


def _finish(engine: Engine, notification_id: int, worker: str, status: str, error: str | None,
            retry_after: float | None = None, conversation_id: str | None = None) -> None:
    with session_scope(engine) as session:
        if status == "sent":
            outbox.mark_sent(session=session, notification_id=notification_id, worker=worker)
        elif status == "retry":
            wait = timedelta(seconds=retry_after or 60)
            outbox.mark_retry(session=session, notification_id=notification_id, worker=worker,
                              error=error or "retry", next_attempt_at=datetime.now(timezone.utc) + wait)
        else:
            outbox.mark_failed(session=session, notification_id=notification_id, worker=worker,
                               error=error or status)
            if status == "gone" and conversation_id:
                conversations.deactivate(session=session, conversation_id=conversation_id)
