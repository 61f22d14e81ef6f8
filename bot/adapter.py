"""The Bot Framework adapter: authentication, tenant filter and turn error handling."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from botbuilder.core import InvokeResponse, Middleware, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from msrest.exceptions import ClientRequestError

from bot.credentials import CredentialsFactory, NoToken
from bot.delivery import PooledBotFrameworkAuthentication
from bot.replies import ATTEMPTS, ConnectorError, ReplySender
from bot.settings import Settings
from dialogs.copy import ERROR

log = logging.getLogger(__name__)


def tenant_of(activity: Activity) -> str | None:
    """The Entra tenant an activity comes from: ``channelData.tenant.id``, else the
    conversation's ``tenantId`` (Teams' spelling; the SDK's model only knows ``tenantID``)."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    conversation = activity.conversation
    if conversation is None:
        return None
    extra = getattr(conversation, "additional_properties", None) or {}
    found = conversation.tenant_id or extra.get("tenantId")
    return str(found) if found else None


async def acknowledge(context: TurnContext) -> None:
    """An invoke whose work is skipped (a resend, another tenant) is answered 200 with no body."""
    if context.activity.type == ActivityTypes.invoke:
        await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                             value=InvokeResponse(status=HTTPStatus.OK)))


class TenantFilter(Middleware):
    """Drops activities from tenants that are not allowed: no reply, nothing written.

    The Bot Framework SDK authenticates the channel but does not check the tenant, so a
    multi-tenant bot registration would otherwise serve any organisation.
    """

    def __init__(self, allowed: frozenset[str]):
        self._allowed = allowed

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        if self._allowed:
            tenant = tenant_of(context.activity)
            if tenant not in self._allowed:
                log.warning(
                    "Ignoring %s activity from tenant %r (not in ALLOWED_TENANT_IDS)",
                    context.activity.type,
                    tenant,
                )
                await acknowledge(context)
                return
        await logic()


def create_authentication(settings: Settings) -> PooledBotFrameworkAuthentication:
    """The SDK's authentication from the settings, the bot's own token from bot/credentials.py,
    and connector clients kept per service URL (bot/delivery.py): turns and notifications
    reuse clients, tokens and connections."""
    return PooledBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication(
        settings.bot_framework_config(), credentials_factory=CredentialsFactory(settings)))


class TokenChecks:
    """Checks a request's token on an event loop of its own, in one thread.

    The SDK fetches and refreshes the token signing keys with blocking HTTP calls (cached for
    a day), which would stall every other request on the bot's loop. A request without a
    token has nothing to fetch and is checked on the caller's loop.
    """

    def __init__(self, authentication: BotFrameworkAuthentication) -> None:
        self._authentication = authentication
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _checking_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="token-checks", daemon=True)
                self._thread.start()
            return self._loop

    async def check(self, activity: Activity, header: str, *, timeout: float) -> AuthenticateRequestResult:
        check = self._authentication.authenticate_request(activity, header)
        if not header:
            return await asyncio.wait_for(check, timeout)
        future = asyncio.run_coroutine_threadsafe(check, self._checking_loop())
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=2)
            if not thread.is_alive():
                loop.close()


class HeldReplies:
    """What a turn sends, held back until ``release`` (the adapter below collects it)."""

    KEY = "uppdragsboten.held_replies"

    def __init__(self, context: TurnContext) -> None:
        self.activities: list[Activity] = []
        self.holding = True
        context.turn_state[self.KEY] = self

    def drop(self) -> None:
        self.activities = []

    def release(self) -> list[Activity]:
        self.holding = False
        return self.activities


_NOT_SENT = (ActivityTypes.invoke_response, ActivityTypes.trace, "delay")  # the SDK's own business


class HoldingCloudAdapter(CloudAdapter):
    """The CloudAdapter, but a turn that holds its replies (``HeldReplies``) sends nothing
    until it releases them (invoke responses and traces still go out at once), and a turn's
    replies go out on the pooled aiohttp session of ``replies`` (bot/replies.py)."""

    def __init__(self, authentication: BotFrameworkAuthentication, replies: ReplySender | None = None):
        super().__init__(authentication)
        self.replies = replies

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        held = context.turn_state.get(HeldReplies.KEY)
        if held is not None and held.holding and not any(a.type in _NOT_SENT for a in activities):
            held.activities += activities
            return [ResourceResponse(id="") for _ in activities]
        once = bool(context.turn_state.get(ReplySender.ONCE))
        if self.replies is None or (held is None and not once) or any(a.type in _NOT_SENT for a in activities):
            return await super().send_activities(context, activities)
        connector_client = context.turn_state.get(self.BOT_CONNECTOR_CLIENT_KEY)
        responses = []
        for activity in activities:
            activity.id = None
            # A proactive message (bot/delivery.py) is tried once: the Deliverer classifies
            # and retries it, counting every request against its rate.
            responses.append(await self.replies.send(connector_client, activity, attempts=1 if once else ATTEMPTS))
        return responses


def create_adapter(
    settings: Settings, authentication: BotFrameworkAuthentication, replies: ReplySender | None = None
) -> CloudAdapter:
    adapter = HoldingCloudAdapter(authentication, replies)
    adapter.use(TenantFilter(settings.allowed_tenant_ids))

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        if isinstance(error, ClientRequestError) or (isinstance(error, ConnectorError) and error.status is None):
            # The Bot Connector could not be reached: telling the user would fail too.
            log.error("Could not reach the Bot Connector at %s: %s", context.activity.service_url, error)
            return
        if isinstance(error, ConnectorError) and error.status == 401:
            log.error("The Bot Connector refused the bot's token (%s): %s. Nothing was sent; is MicrosoftAppId "
                      "the Azure Bot's, and its type (MicrosoftAppType) the registration's?", error.status, error.detail)
            return
        if isinstance(error, NoToken):
            # Without its token the bot can tell nobody; `uppdragsbot check` names the setting.
            log.error("%s (nothing was sent; `uppdragsbot check` names the setting to mend)", error)
            return
        log.exception("Unhandled error in turn %s", context.activity.id, exc_info=error)
        if context.activity.type == ActivityTypes.message:
            try:
                await context.send_activity(ERROR)
            except Exception:  # noqa: BLE001 - the connector may be what failed
                log.exception("Could not tell the user about the error")

    adapter.on_turn_error = on_turn_error
    return adapter
