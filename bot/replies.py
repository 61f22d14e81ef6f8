"""A turn's replies to the Bot Connector on one pooled aiohttp session.

botbuilder sends every reply through msrest and ``requests`` in a thread pool: a thread hop,
msrest's model serialisation and pipeline, and (with the stock connector factory) a new TCP
connection per reply. ``ReplySender`` posts the same request the SDK would
(``POST {serviceUrl}/v3/conversations/{id}/activities[/{replyToId}]`` with the bot's bearer
token) on one ``aiohttp.ClientSession`` whose connections are kept alive, from the event loop.

The token comes from the connector client's credentials, as the SDK's does (MSAL caches it;
the lookup may call Entra, so it runs in a thread and is kept for ``TOKEN_TTL``). Throttling
(429) and passing gateway errors are tried again a few times, honouring ``Retry-After`` up to
``MAX_RETRY_WAIT``; any other answer is an error the turn handles.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import time
from urllib.parse import quote

import aiohttp
from botbuilder.schema import Activity, ResourceResponse
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)  # Teams waits 15 s for the whole turn
TOKEN_TTL = 300.0  # seconds a bot token is reused before MSAL is asked again (it renews early)
ATTEMPTS = 3
MAX_RETRY_WAIT = 2.0  # seconds; a longer Retry-After fails the reply instead of holding the turn
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ConnectorError(Exception):
    """The Bot Connector refused a reply (``status``) or could not be reached (``status`` None)."""

    def __init__(self, status: int | None, detail: str, retry_after: str | None = None) -> None:
        super().__init__(f"{status or 'unreachable'}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after  # the Retry-After header as sent: seconds, or an HTTP date


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ConnectorError) and (exc.status is None or exc.status in RETRY_STATUSES)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    hinted = parse_retry_after(getattr(exc, "retry_after", None))  # a date, with no clock here: backoff
    return min(MAX_RETRY_WAIT, hinted if hinted is not None else 0.2 * 2 ** (state.attempt_number - 1))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds, or an HTTP date seen from ``now`` (a
    timestamp); None if absent, garbled, or a date with no ``now`` to count from."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or now is None:
            return None
        seconds = when.timestamp() - now
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def activity_json(activity: Activity) -> dict:
    """The activity's wire JSON, as ``activity.serialize()`` gives it, but without walking the
    attachments' JSON content (an Adaptive Card is JSON already; msrest copies it key by key)."""
    attachments = activity.attachments or []
    kept = {i: a.content for i, a in enumerate(attachments) if isinstance(a.content, dict)}
    try:
        for i in kept:
            attachments[i].content = None
        data = activity.serialize()
    finally:
        for i, content in kept.items():
            attachments[i].content = content
    for i, content in kept.items():
        data["attachments"][i]["content"] = content
    return data


class ReplySender:
    """Posts activities for a turn; one per process, closed with ``close``."""

    ONCE = "uppdragsboten.send_once"  # turn_state flag: one attempt, no held replies (proactive)

    CONNECTIONS = 16  # kept-alive connections at most; more requests at once wait for one

    def __init__(self, *, limit: int = CONNECTIONS) -> None:
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[int, tuple[str, float]] = {}  # id(credentials) -> (token, expires)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=60),
                timeout=TIMEOUT, raise_for_status=False)
        return self._session

    async def _authorization(self, credentials) -> dict[str, str]:
        if credentials is None or not credentials._should_set_token(None):  # noqa: SLF001 - the SDK's own test
            return {}
        token, expires = self._tokens.get(id(credentials), ("", 0.0))
        if time.monotonic() >= expires:
            token = await asyncio.to_thread(credentials.get_access_token)
            self._tokens[id(credentials)] = (token, time.monotonic() + TOKEN_TTL)
        return {"Authorization": f"Bearer {token}"}

    async def send(self, connector_client, activity: Activity, *, attempts: int = ATTEMPTS) -> ResourceResponse:
        """Send ``activity`` as the SDK's ``reply_to_activity`` / ``send_to_conversation`` would.

        ``attempts=1`` for a caller that retries itself (the notification Deliverer).
        """
        conversation_id = activity.conversation.id
        url = f"{connector_client.config.base_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        if activity.reply_to_id:
            url += "/" + quote(activity.reply_to_id, safe="")
        headers = {"x-ms-conversation-id": conversation_id,
                   **await self._authorization(connector_client.config.credentials)}
        body = activity_json(activity)
        async for attempt in AsyncRetrying(stop=stop_after_attempt(attempts), wait=_wait,
                                           retry=retry_if_exception(_retryable), reraise=True):
            with attempt:
                return await self._post(url, body, headers)
        raise AssertionError("unreachable")  # pragma: no cover - AsyncRetrying re-raises

    async def _post(self, url: str, body: dict, headers: dict) -> ResourceResponse:
        try:
            async with self._client().post(url, json=body, headers=headers) as response:
                text = await response.text()
                if response.status >= 300:
                    raise ConnectorError(response.status, text[:300], response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectorError(None, f"{type(exc).__name__}: {exc}") from exc
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        return ResourceResponse(id=data.get("id", "") if isinstance(data, dict) else "")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
