"""Proactive delivery to Teams conversations: rate-limited, retried, classified.

Independent of the database: the outbox hands in :class:`Outgoing` items and records the
:class:`Outcome` of each. One item is one message to one conversation.

- :meth:`Deliverer.send` makes one attempt. Every HTTP request to the Bot Connector first
  takes a slot from a global leaky-bucket limiter (aiolimiter), so retries count against the
  rate too (Teams counts every request).
- :meth:`Deliverer.deliver` retries (tenacity) 412, 429, 500, 502, 503, 504 and connection
  errors with exponential backoff and jitter, honouring ``Retry-After``; 403 is ``gone``
  (bot removed or blocked: deactivate the conversation) at once; other 4xx are ``failed`` at
  once. When the service asks to wait longer than ``max_delay``, ``deliver`` returns
  ``retry`` with ``retry_after`` instead of blocking: reschedule the item that much later.

Exactly once: a message is sent again only when the service answered with an error (it did
not accept it) or the connection failed. A connection that breaks after the request was
written is ambiguous - the Bot Connector has no idempotency key - so that rare case can
duplicate; everything the service answers cannot.

Connection reuse (:class:`PooledBotFrameworkAuthentication`): botbuilder's connector factory
builds a new ``ConnectorClient`` for every turn, and with it a new msrest configuration (whose
``ClientRetryPolicy()`` costs milliseconds of CPU), a new ``requests.Session`` and therefore a
new TCP/TLS connection per message; ``create_user_token_client`` builds a second client
(a second retry policy) per message. The wrapper is a ``BotFrameworkAuthentication`` (the
adapter's public extension point) that keeps one connector client per (bot, service URL,
audience) and one user-token client per bot, with a pooled ``requests`` session whose
transport retries are limited to connection set-up (retrying at the HTTP level is this
module's job, so the outcome and the rate limit see every request). No SDK code is forked or
patched; only public msrest classes are used to build the same pipeline msrest builds.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import requests
from aiolimiter import AsyncLimiter
from botbuilder.core import CloudAdapterBase, TurnContext
from botbuilder.schema import Activity, ConversationReference
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.pipeline import AsyncHTTPPolicy, AsyncPipeline, SansIOHTTPPolicy
from msrest.pipeline.async_requests import (
    AsyncPipelineRequestsHTTPSender,
    AsyncRequestsCredentialsPolicy,
)
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http.async_requests import AsyncRequestsHTTPSender
from requests.adapters import HTTPAdapter
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from urllib3.util.retry import Retry

from bot.replies import ConnectorError, ReplySender, parse_retry_after
from domain.clock import Clock, SystemClock

log = logging.getLogger(__name__)

Status = Literal["sent", "retry", "failed", "gone"]

#: Answers worth another try (Teams' documented throttling and transient gateway errors,
#: plus 500, which the Bot Connector returns for passing failures too).
RETRY_STATUSES = frozenset({412, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Outgoing:
    """One message to one conversation."""

    key: int  # outbox id
    reference: dict  # serialized ConversationReference
    activity: dict  # serialized Activity to send


@dataclass(frozen=True)
class Outcome:
    key: int
    status: Status  # gone = 403 (bot removed/blocked): deactivate, no retry
    error: str | None
    retry_after: float | None  # seconds, when the service said so
    attempts: int = 1  # HTTP attempts made (deliver: 1 + retries)
    activity_id: str | None = None  # the id Teams gave the sent message (to update it later)


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


def _error_detail(exc: HttpOperationError) -> str:
    error = getattr(getattr(exc, "error", None), "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    if code or message:
        return f"{code or ''}: {message or ''}".strip(": ")
    try:
        text = (exc.response.text or "").strip()
    except Exception:  # noqa: BLE001 - best effort for the log
        text = ""
    return text[:300] or str(exc)


def classify(exc: BaseException, *, now: float | None = None) -> tuple[Status, str, float | None]:
    """(status, reason, retry_after) for an error raised while sending; ``now`` (a timestamp)
    reads a Retry-After given as a date."""
    response = getattr(exc, "response", None)
    if isinstance(exc, HttpOperationError) and response is not None and getattr(response, "status_code", None):
        headers = getattr(response, "headers", None) or {}
        return _by_status(int(response.status_code), _error_detail(exc), headers.get("Retry-After"), now)
    if isinstance(exc, ConnectorError) and exc.status is not None:
        return _by_status(exc.status, exc.detail, exc.retry_after, now)
    if isinstance(exc, ConnectorError):
        return "retry", f"connection error: {exc.detail}", None
    if isinstance(exc, (ClientRequestError, requests.RequestException, ConnectionError, TimeoutError)):
        cause = exc.__cause__ or exc.__context__ or exc
        return "retry", f"connection error: {type(cause).__name__}: {cause}", None
    return "failed", f"{type(exc).__name__}: {exc}", None


def _by_status(code: int, detail: str, retry_after: str | None, now: float | None) -> tuple[Status, str, float | None]:
    """What the Bot Connector's answer ``code`` means for a message (whichever client sent it)."""
    reason = f"HTTP {code} {detail}".strip()
    if code == 403:
        return "gone", reason, None
    seconds = parse_retry_after(retry_after, now=now)
    return ("retry" if code in RETRY_STATUSES else "failed"), reason, seconds


# --------------------------------------------------------------------------------------
# Connection reuse
# --------------------------------------------------------------------------------------


def _app_id(claims_identity: ClaimsIdentity | None) -> tuple[str | None, str | None]:
    if claims_identity is None:
        return (None, None)
    return (
        claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM),
        claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM),
    )


class PooledBotFrameworkAuthentication(BotFrameworkAuthentication):
    """Wraps a ``BotFrameworkAuthentication`` so that outgoing calls reuse clients and connections.

    Hand it to ``CloudAdapter(...)`` instead of the plain authentication, and use it for
    ``authenticate_request`` too so that replies to incoming activities benefit as well.
    ``Deliverer`` wraps its adapter's authentication itself when it is not wrapped yet.
    """

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        *,
        pool_maxsize: int = 64,
        connect_retries: int = 2,
        max_clients: int = 256,
    ) -> None:
        self.inner = inner
        self._pool_maxsize = pool_maxsize
        self._connect_retries = connect_retries
        self._max_clients = max_clients
        self._clients: OrderedDict[tuple, object] = OrderedDict()
        self._sessions: list[requests.Session] = []
        self._token_clients: dict[tuple, UserTokenClient] = {}
        self._lock = asyncio.Lock()

    # -- the pooled parts ---------------------------------------------------------------

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _PooledConnectorFactory(
            self, self.inner.create_connector_factory(claims_identity), _app_id(claims_identity)
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _app_id(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = await self.inner.create_user_token_client(claims_identity)
            self._token_clients[key] = client
        return client

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        return self._pool_result(await self.inner.authenticate_request(activity, auth_header))

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return self._pool_result(
            await self.inner.authenticate_streaming_request(auth_header, channel_id_header)
        )

    def _pool_result(self, result: AuthenticateRequestResult) -> AuthenticateRequestResult:
        if result is not None and result.connector_factory is not None:
            result.connector_factory = _PooledConnectorFactory(
                self, result.connector_factory, _app_id(result.claims_identity)
            )
        return result

    # -- plain delegation -------------------------------------------------------------

    def create_bot_framework_client(self):
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)

    # -- clients ----------------------------------------------------------------------

    async def connector_client(self, key: tuple, create: Callable):
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        async with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = await create()
                self._pool(client)
                self._clients[key] = client
                while len(self._clients) > self._max_clients:
                    self._clients.popitem(last=False)  # in-flight calls keep their reference
        return client

    def _pool(self, client) -> None:
        """Give the client a pooled session with connection-level retries only.

        Rebuilds the pipeline exactly as ``msrest.async_client.ServiceClientAsync`` does,
        around a driver whose session we own.
        """
        config = client.config
        transport_retry = Retry(
            total=self._connect_retries,
            connect=self._connect_retries,
            read=0,
            status=0,
            other=0,
            backoff_factor=0.2,
            raise_on_status=False,
        )
        transport_retry.BACKOFF_MAX = 1  # msrest's ClientRetryPolicy logs this attribute
        config.retry_policy.policy = transport_retry
        session = requests.Session()
        for prefix in ("https://", "http://"):
            session.mount(prefix, HTTPAdapter(pool_connections=4, pool_maxsize=self._pool_maxsize))
        driver = AsyncRequestsHTTPSender(config)
        driver.session = session  # applies the retry policy to the adapters
        self._sessions.append(session)
        policies: list = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
        creds = config.credentials
        if creds:
            if isinstance(creds, (AsyncHTTPPolicy, SansIOHTTPPolicy)):
                policies.insert(1, creds)
            else:
                policies.insert(1, AsyncRequestsCredentialsPolicy(creds))
        config.pipeline = AsyncPipeline(policies, AsyncPipelineRequestsHTTPSender(driver))

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        self._clients.clear()


class _PooledConnectorFactory(ConnectorFactory):
    def __init__(self, pool: PooledBotFrameworkAuthentication, inner: ConnectorFactory, app: tuple) -> None:
        self._pool = pool
        self._inner = inner
        self._app = app

    async def create(self, service_url: str, audience: str | None = None):
        key = (self._app, service_url, audience)
        return await self._pool.connector_client(key, lambda: self._inner.create(service_url, audience))


def pooled(adapter: CloudAdapterBase) -> PooledBotFrameworkAuthentication:
    """The adapter's authentication, wrapped for connection reuse if it is not already."""
    auth = adapter.bot_framework_authentication
    if not isinstance(auth, PooledBotFrameworkAuthentication):
        auth = PooledBotFrameworkAuthentication(auth)
        adapter.bot_framework_authentication = auth
    return auth


# --------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------


class Deliverer:
    """Sends :class:`Outgoing` items through the adapter's proactive path.

    ``app_id`` is the bot's MicrosoftAppId; empty in local mode (no authentication), which
    works against a local connector. ``rate_per_second`` is global across all concurrent
    calls of this instance (share one Deliverer per process); ``burst`` is how many requests
    may go at once after a pause (1 = evenly spaced; default rate/10, between 1 and 10). In
    any interval of t seconds at most ``burst + rate_per_second * t`` requests start, so keep
    the rate a little under the service's limit (the default 30/s is well under Teams' 50/s).
    """

    def __init__(
        self,
        adapter: CloudAdapterBase,
        app_id: str,
        *,
        rate_per_second: float = 30.0,
        max_attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        burst: int | None = None,
        reuse_connections: bool = True,
        rng: random.Random | None = None,
        clock: Clock = SystemClock(),
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.adapter = adapter
        self.clock = clock
        self.app_id = app_id or ""
        self.rate_per_second = rate_per_second
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        if burst is None:
            # A little slack lets the limiter catch up when the event loop wakes it late
            # (strict spacing, burst=1, loses ~15 % at 200/s); 1 at rates up to 20/s.
            burst = max(1, min(10, int(rate_per_second // 10)))
        self.burst = burst
        self._limiter = AsyncLimiter(burst, burst / rate_per_second)
        self._rng = rng or random.Random()
        self.pool = pooled(adapter) if reuse_connections else None

    async def send(self, item: Outgoing, *, attempt: int = 1) -> Outcome:
        """One attempt (waits for a slot of the global rate), classified."""
        try:
            reference = ConversationReference().deserialize(item.reference)
            activity = Activity().deserialize(item.activity)
        except Exception as exc:  # noqa: BLE001 - msrest raises several kinds
            return Outcome(item.key, "failed", f"invalid reference or activity: {exc}", None, attempt)
        if not (reference.service_url and reference.conversation and reference.conversation.id):
            return Outcome(item.key, "failed", "the reference needs serviceUrl and conversation.id", None, attempt)

        result: dict = {}

        async def callback(turn_context: TurnContext) -> None:
            result["ran"] = True
            turn_context.turn_state[ReplySender.ONCE] = True  # on the pooled aiohttp session, if the adapter has one
            try:
                response = await turn_context.send_activity(activity)
                result["id"] = getattr(response, "id", None)
            except Exception as exc:  # noqa: BLE001 - classified below, never the adapter's turn error
                result["error"] = exc

        await self._limiter.acquire()
        try:
            await self.adapter.continue_conversation(reference, callback, self.app_id)
        except Exception as exc:  # noqa: BLE001 - e.g. credentials could not be obtained
            result.setdefault("error", exc)

        if "error" in result:
            status, reason, retry_after = classify(result["error"], now=self.clock.now().timestamp())
            return Outcome(item.key, status, reason, retry_after, attempt)
        if not result.get("ran"):
            return Outcome(
                item.key,
                "failed",
                "not sent: middleware stopped the turn (is the tenant in ALLOWED_TENANT_IDS?)",
                None,
                attempt,
            )
        return Outcome(item.key, "sent", None, None, attempt, result.get("id"))

    def _wait(self, state: RetryCallState) -> float:
        outcome: Outcome = state.outcome.result()
        if outcome.retry_after is not None:
            # The service said when; a little jitter keeps retries from arriving together.
            return outcome.retry_after + self._rng.uniform(0, 0.1 * outcome.retry_after)
        # Exponential backoff with jitter: base * 2^(n-1) capped at max_delay, plus up to base.
        exponential = min(self.max_delay, self.base_delay * 2 ** (state.attempt_number - 1))
        return min(self.max_delay, exponential + self._rng.uniform(0, self.base_delay))

    def _stop_for_long_wait(self, state: RetryCallState) -> bool:
        outcome: Outcome = state.outcome.result()
        return outcome.retry_after is not None and outcome.retry_after > self.max_delay

    async def deliver(self, item: Outgoing) -> Outcome:
        """Tries until sent, gone, failed or ``max_attempts`` is used up."""
        attempts = 0

        async def once() -> Outcome:
            nonlocal attempts
            attempts += 1
            return await self.send(item, attempt=attempts)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts) | self._stop_for_long_wait,
            wait=self._wait,
            retry=retry_if_result(lambda outcome: outcome.status == "retry"),
            retry_error_callback=lambda state: state.outcome.result(),
            before_sleep=self._log_retry,
        )
        outcome: Outcome = await retrying(once)
        if outcome.status != "retry":
            return outcome
        if outcome.retry_after is not None and outcome.retry_after > self.max_delay:
            # Not worth holding a worker: the caller reschedules retry_after from now.
            return outcome
        return Outcome(
            item.key,
            "failed",
            f"gave up after {attempts} attempts: {outcome.error}",
            outcome.retry_after,
            attempts,
        )

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        outcome: Outcome = state.outcome.result()
        log.info(
            "Outbox %s: attempt %d failed (%s), retrying in %.2f s",
            outcome.key,
            state.attempt_number,
            outcome.error,
            state.next_action.sleep if state.next_action else 0.0,
        )
