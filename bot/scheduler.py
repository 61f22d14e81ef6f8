"""What runs on a timetable inside ``serve``: notifications, their retries, and housekeeping.

Each morning at ``NOTIFY_AT`` (Europe/Stockholm): the period-start notifications and
reminders due today (to the committees' subscribers; a reminder only about committees whose
report is still open), then the approvers' digest of the reports waiting for their approval
(once a day, to each approver in a personal chat who has something to approve), delivered at
once. Every five minutes: deliveries waiting for a retry. Each night:
processed-activity ids older than ``ACTIVITY_RETENTION_DAYS`` are forgotten, and with
``AUTHOR_RETENTION_DAYS`` set, who wrote the reports older than that; download links a day
after they expired.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.container import Container
from bot.notify import drain, queue_digest, run_due
from domain.clock import TIME_ZONE, today
from storage import bot_state, exports, queries

log = logging.getLogger(__name__)


async def prune_activities(container: Container) -> int:
    """Forget the ids of activities handled longer ago than the retention (Teams resends within minutes)."""
    retention = timedelta(days=container.settings.activity_retention_days)
    pruned = await container.db.run(bot_state.prune_activities, older_than=retention)
    log.info("Forgot %d processed activity ids older than %s", pruned, retention)
    return pruned


async def forget_authors(container: Container) -> int:
    """Forget who wrote the reports older than AUTHOR_RETENTION_DAYS (nothing when it is not set)."""
    days = container.settings.author_retention_days
    if days is None:
        return 0
    forgotten = await container.db.run(queries.forget_authors, older_than=timedelta(days=days))
    log.info("Forgot the authors of %d reports older than %d days", forgotten, days)
    return forgotten


def create_scheduler(container: Container) -> AsyncIOScheduler:
    settings = container.settings
    hour, minute = (int(part) for part in settings.notify_at.split(":"))

    async def daily() -> None:
        try:
            await run_due(container.db, container.deliverer, reminder_days=settings.reminder_days,
                          lease=settings.notify_lease)
        finally:  # the approvers' digest goes out even when the period notifications fail
            await queue_digest(container.db, today(container.clock))
            await drain(container.db, container.deliverer, lease=settings.notify_lease)

    async def retries() -> None:
        await drain(container.db, container.deliverer, lease=settings.notify_lease)

    async def housekeeping() -> None:
        await prune_activities(container)
        await forget_authors(container)
        await container.db.run(exports.forget_links, older_than=timedelta(days=1))

    scheduler = AsyncIOScheduler(timezone=TIME_ZONE)
    scheduler.add_job(daily, CronTrigger(hour=hour, minute=minute, timezone=TIME_ZONE),
                      id="notifications", max_instances=1, coalesce=True, misfire_grace_time=3600)
    scheduler.add_job(retries, "interval", minutes=5, id="retries", max_instances=1, coalesce=True)
    scheduler.add_job(housekeeping, CronTrigger(hour=3, minute=17, timezone=TIME_ZONE),
                      id="housekeeping", max_instances=1, coalesce=True, misfire_grace_time=3600)
    return scheduler
