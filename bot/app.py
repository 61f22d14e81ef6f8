"""The aiohttp application: ``POST /api/messages``, ``GET /healthz`` (alive: the database
answers), ``GET /readyz`` (ready: and its schema is current) and ``/exports/{token}`` (an
exported report's file, bot/downloads.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import Activity

from bot import downloads
from bot.container import Container
from bot.scheduler import create_scheduler
from bot.settings import Settings
from domain.clock import Clock

log = logging.getLogger(__name__)

CONTAINER = web.AppKey("container", Container)


MAX_ID_LENGTH = 500  # what the database keeps of an id
MAX_DEPTH = 32  # nesting of the activity's JSON (card data is a few levels deep)
_ID = re.compile(r"[\x21-\x7e]+")  # Bot Framework and Teams ids are printable ASCII


def _shape_problem(payload: object) -> str | None:
    """Nesting deeper than MAX_DEPTH, or a NUL character in any key or string (without recursion)."""
    pending = [(payload, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, str) and "\x00" in node:
            return "the Activity must not contain NUL characters"
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                return f"the Activity nests deeper than {MAX_DEPTH} levels"
            children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            pending += [(child, depth + 1) for child in children]
    return None


def _problem(activity: Activity) -> str | None:
    """Why an activity that parsed is still not one the bot can act on, or None."""
    ids = {"conversation.id": activity.conversation.id, "from.id": activity.from_property.id,
           "id": activity.id, "recipient.id": activity.recipient.id if activity.recipient else None}
    for name, value in ids.items():
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_ID_LENGTH and _ID.fullmatch(value)):
            return f"{name} must be printable ASCII of at most {MAX_ID_LENGTH} characters"
    try:
        url = urlsplit(activity.service_url)
        usable = url.scheme in ("http", "https") and bool(url.hostname)
    except (TypeError, ValueError):
        usable = False
    return None if usable else "serviceUrl must be an http(s) URL"


AUTH_TIMEOUT = 10.0  # seconds to check a token, key fetching included (Teams waits 15 s)


def _invoke_reply(invoke_response) -> web.Response:
    """An invoke's answer; 200 with no body when there is nothing to say."""
    if invoke_response.body is None:
        return web.Response(status=invoke_response.status)
    try:
        data = serializer_helper(invoke_response.body)
    except Exception:  # noqa: BLE001 - the SDK builds some error answers it cannot serialise
        # (adaptiveCard/action without a value: an Exception inside the body): say so plainly.
        log.info("Invoke answer %s could not be serialised; answering with a plain error", invoke_response.status)
        return _error(invoke_response.status, "the invoke could not be handled as sent")
    return web.json_response(data=data, status=invoke_response.status)


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
    problem = _shape_problem(payload) or _problem(activity)
    if problem:
        return _error(400, problem)

    container = request.app[CONTAINER]
    auth_header = request.headers.get("Authorization", "")
    try:
        auth_result = await container.token_checks.check(activity, auth_header, timeout=AUTH_TIMEOUT)
    except TimeoutError:
        log.error("Token keys could not be fetched within %s s; answering 503", AUTH_TIMEOUT)
        return _error(503, "the token keys are not available right now; try again")
    except Exception as exc:  # noqa: BLE001 - every authentication failure is a 401
        log.warning("Rejected request to /api/messages: %s: %s", type(exc).__name__, exc)
        return _error(401, "unauthorized")

    invoke_response = await container.adapter.process_activity(
        auth_result, activity, container.bot.on_turn
    )
    if invoke_response:
        return _invoke_reply(invoke_response)
    return web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    reachable = await request.app[CONTAINER].db.ping()
    return web.json_response(
        {"status": "ok" if reachable else "unavailable", "database": reachable},
        status=200 if reachable else 503,
    )


async def readyz(request: web.Request) -> web.Response:
    """Ready for traffic: the database answers and its schema is the one this code needs (an
    instance of an older version, during an upgrade, is not ready)."""
    revisions = await request.app[CONTAINER].db.revisions()
    if revisions is None:
        return web.json_response({"status": "unavailable", "database": False}, status=503)
    current, needed = revisions
    return web.json_response({"status": "ready" if current == needed else "schema differs", "database": True,
                              "schema": current, "needed": needed}, status=200 if current == needed else 503)


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    container = app[CONTAINER]
    await asyncio.to_thread(container.prepare_database)
    yield
    await container.aclose()


async def _scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """Notifications, retries and housekeeping on a timetable (SCHEDULER=false turns them off)."""
    container = app[CONTAINER]
    if not container.settings.scheduler:
        yield
        return
    scheduler = create_scheduler(container)
    scheduler.start()
    log.info("Notifications run daily at %s (Europe/Stockholm)", container.settings.notify_at)
    yield
    scheduler.shutdown(wait=False)


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """The bot's web app; ``clock`` defaults to the machine's (tests pass a fixed one)."""
    if settings.local_mode:
        log.warning(
            "LOCAL MODE: MicrosoftAppId is not set, so requests are NOT authenticated. "
            "Listening on %s only. Set MicrosoftAppId/MicrosoftAppPassword before deploying.",
            settings.bind_host,
        )
    app = web.Application(client_max_size=settings.max_request_bytes)
    app[CONTAINER] = Container.build(settings, clock=clock)
    app.cleanup_ctx.append(_database_ctx)
    app.cleanup_ctx.append(_scheduler_ctx)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    downloads.add_routes(app, app[CONTAINER].db, settings.municipality)
    return app
