"""The aiohttp application: ``POST /api/messages`` and ``GET /healthz``."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import Activity

from botbuilder.core import PrivateConversationState

from bot.adapter import create_adapter, create_authentication
from dialogs.state import SqlStorage
from dialogs.update_assignment import UpdateAssignmentDialog
from bot.handler import UppdragsBot
from bot.routes import Answers
from bot.services import TIME_ZONE, Services, today_in_sweden
from bot.settings import Settings
from storage import db
from storage.bootstrap import prepare_database

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
TODAY = web.AppKey("today", object)  # tests may fix "today"; the bot uses Swedish time


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def messages(request: web.Request) -> web.Response:
    """Receive an activity from the Bot Framework channel.

    Client errors get 4xx answers (the stock CloudAdapter answers 500 to several of them).
    """
    if request.content_type != "application/json":
        return _error(415, "Content-Type must be application/json")
    body = await request.read()  # raises 413 beyond client_max_size
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _error(400, "the body is not valid JSON")
    if not isinstance(payload, dict):
        return _error(400, "the body must be a JSON object (an Activity)")
    try:
        activity = Activity().deserialize(payload)
    except Exception:  # noqa: BLE001 - msrest raises a variety of errors for bad shapes
        return _error(400, "the body is not a valid Activity")
    if not activity.type:
        return _error(400, "the Activity has no type")
    if not (activity.conversation and activity.conversation.id) or not activity.service_url:
        return _error(400, "the Activity needs conversation.id and serviceUrl")
    if not activity.channel_id or not (activity.from_property and activity.from_property.id):
        return _error(400, "the Activity needs channelId and from.id")

    services = request.app[SERVICES]
    auth_header = request.headers.get("Authorization", "")
    try:
        auth_result = await services.authentication.authenticate_request(activity, auth_header)
    except Exception as exc:  # noqa: BLE001 - every authentication failure is a 401
        log.warning("Rejected request to /api/messages: %s: %s", type(exc).__name__, exc)
        return _error(401, "unauthorized")

    invoke_response = await services.adapter.process_activity(
        auth_result, activity, services.bot.on_turn
    )
    if invoke_response:
        return web.json_response(
            data=serializer_helper(invoke_response.body), status=invoke_response.status
        )
    return web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    reachable = await asyncio.to_thread(db.ping, services.engine)
    return web.json_response(
        {"status": "ok" if reachable else "unavailable", "database": reachable},
        status=200 if reachable else 503,
    )


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = db.make_engine(settings.database_url)
    await asyncio.to_thread(
        prepare_database,
        engine,
        committees_file=settings.committees_file,
        demo_data=settings.load_demo_data,
    )
    authentication = create_authentication(settings)
    adapter = create_adapter(settings, authentication)
    today = app.get(TODAY, today_in_sweden)
    dialog = UpdateAssignmentDialog(engine, today=today, open_reporting=settings.open_reporting)
    bot = UppdragsBot(
        Answers(engine, today=today),
        # Per person and conversation: two people in a group chat each have their own dialog.
        dialog_state=PrivateConversationState(SqlStorage(engine)),
        dialog=dialog,
    )
    app[SERVICES] = Services(engine=engine, authentication=authentication, adapter=adapter, bot=bot)
    yield
    engine.dispose()


async def _scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """Each morning: the notifications and reminders due today; every few minutes: retries."""
    settings, services = app[SETTINGS], app[SERVICES]
    if not settings.scheduler:
        yield
        return
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    from bot.delivery import Deliverer
    from bot.notify import drain, run_due

    deliverer = Deliverer(services.adapter, settings.app_id, rate_per_second=settings.notify_rate)
    today = app.get(TODAY, today_in_sweden)
    hour, minute = (int(part) for part in settings.notify_at.split(":"))
    async def daily() -> None:
        await run_due(services.engine, deliverer, today=today(), reminder_days=settings.reminder_days)

    scheduler = AsyncIOScheduler(timezone=TIME_ZONE)
    scheduler.add_job(
        daily, CronTrigger(hour=hour, minute=minute, timezone=TIME_ZONE),
        id="notifications", max_instances=1, coalesce=True, misfire_grace_time=3600,
    )
    scheduler.add_job(drain, "interval", minutes=5, args=[services.engine, deliverer],
                      id="retries", max_instances=1, coalesce=True)
    scheduler.start()
    log.info("Notifications run daily at %s (Europe/Stockholm)", settings.notify_at)
    yield
    scheduler.shutdown(wait=False)


def create_app(settings: Settings) -> web.Application:
    if settings.local_mode:
        log.warning(
            "LOCAL MODE: MicrosoftAppId is not set, so requests are NOT authenticated. "
            "Listening on %s only. Set MicrosoftAppId/MicrosoftAppPassword before deploying.",
            settings.bind_host,
        )
    app = web.Application(client_max_size=settings.max_request_bytes)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_services_ctx)
    app.cleanup_ctx.append(_scheduler_ctx)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app
