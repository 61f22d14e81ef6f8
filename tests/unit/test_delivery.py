"""bot.delivery against a scripted fake Bot Connector over real HTTP (its own thread).

Each test drives the real adapter (bot.adapter.create_adapter, local mode: no app id) and
asserts on what the fake saw: requests, their times and the client ports they came from.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import msrest.universal_http.requests as msrest_requests
import pytest
import requests
from aiohttp import web
from msrest.exceptions import HttpOperationError
from msrest.serialization import Deserializer

from bot.adapter import create_adapter, create_authentication
from bot.delivery import (
    Deliverer,
    Outgoing,
    PooledBotFrameworkAuthentication,
    classify,
    parse_retry_after,
)
from bot.replies import ReplySender
from bot.settings import Settings
from tests.e2e.fake_connector import ThreadedServer
from tests.unit.conftest import ScriptedConnector
from tests.factories import AT, clock_at

TENANT = "72f988bf-0000-4000-8000-00000000c0de"
CARD = {
    "contentType": "application/vnd.microsoft.card.adaptive",
    "content": {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "T2 2022"}]},
}


SENDERS: list[ReplySender | None] = [None]  # the sending path of the running test


@pytest.fixture(params=["sdk", "aiohttp"], autouse=True)
async def sending(request):
    """Every test on both paths: the SDK's connector client (msrest and requests), and the
    bot's adapter with replies on one aiohttp session (bot/replies.py), as `serve` runs it."""
    sender = ReplySender() if request.param == "aiohttp" else None
    SENDERS[0] = sender
    yield request.param
    SENDERS[0] = None
    if sender is not None:
        await sender.close()


def make_deliverer(settings: Settings | None = None, **options) -> Deliverer:
    settings = settings or Settings()
    adapter = create_adapter(settings, create_authentication(settings), SENDERS[0])
    options.setdefault("rate_per_second", 1000)
    options.setdefault("base_delay", 0.01)
    return Deliverer(adapter, settings.app_id, **options)


def item(fake: ScriptedConnector, key: int, *, tenant: str = TENANT) -> Outgoing:
    reference = {
        "channelId": "msteams",
        "serviceUrl": fake.base_url,
        "conversation": {"id": f"conv-{key}", "conversationType": "personal", "tenantId": tenant},
        "bot": {"id": "28:uppdragsboten"},
        "user": {"id": f"29:user-{key}"},
    }
    activity = {"type": "message", "text": f"Meddelande {key}", "attachments": [CARD]}
    return Outgoing(key, reference, activity)


async def test_sent(fake):
    outcome = await make_deliverer().deliver(item(fake, 1))

    assert (outcome.key, outcome.status, outcome.error, outcome.attempts) == (1, "sent", None, 1)
    assert outcome.activity_id == "reply-1"
    [sent] = fake.activities
    assert sent["_conversation_id"] == "conv-1"
    assert sent["text"] == "Meddelande 1"
    assert sent["attachments"][0]["content"]["version"] == "1.5"


async def test_403_is_gone_without_retry(fake):
    fake.script["conv-1"] = [(403, {})]

    outcome = await make_deliverer(max_attempts=5).deliver(item(fake, 1))

    assert outcome.status == "gone"
    assert "403" in outcome.error and "BotNotInConversationRoster" in outcome.error
    assert len(fake.requests) == 1 and fake.activities == []


async def test_429_with_retry_after_is_retried_after_that_delay(fake):
    fake.script["conv-1"] = [(429, {"Retry-After": "0.2"})]

    outcome = await make_deliverer(max_attempts=5).deliver(item(fake, 1))

    assert outcome.status == "sent" and outcome.attempts == 2
    first, second = fake.times("conv-1")
    assert second - first >= 0.2
    assert len(fake.activities) == 1  # delivered once


@pytest.mark.parametrize("status", [412, 502, 503, 504])
async def test_transient_statuses_are_retried(fake, status):
    fake.script["conv-1"] = [(status, {}), (status, {})]

    outcome = await make_deliverer(max_attempts=5).deliver(item(fake, 1))

    assert outcome.status == "sent" and outcome.attempts == 3
    assert len(fake.requests) == 3 and len(fake.activities) == 1


async def test_500_beyond_max_attempts_fails_with_the_reason(fake):
    fake.script["conv-1"] = [(500, {})] * 4

    outcome = await make_deliverer(max_attempts=3).deliver(item(fake, 1))

    assert outcome.status == "failed" and outcome.attempts == 3
    assert "gave up after 3 attempts" in outcome.error and "HTTP 500" in outcome.error
    assert len(fake.requests) == 3 and fake.activities == []


async def test_400_fails_at_once(fake):
    fake.script["conv-1"] = [(400, {})]

    outcome = await make_deliverer(max_attempts=5).deliver(item(fake, 1))

    assert outcome.status == "failed" and outcome.attempts == 1
    assert "HTTP 400" in outcome.error
    assert len(fake.requests) == 1


async def test_long_retry_after_is_handed_back_instead_of_waited(fake):
    fake.script["conv-1"] = [(429, {"Retry-After": "120"})]

    outcome = await make_deliverer(max_attempts=5, max_delay=60).deliver(item(fake, 1))

    assert (outcome.status, outcome.retry_after, outcome.attempts) == ("retry", 120.0, 1)
    assert len(fake.requests) == 1


async def test_retry_after_as_a_date_is_read_on_the_deliverers_clock(fake):
    # An HTTP date two minutes after the clock's time: nothing depends on the machine's date.
    fake.script["conv-1"] = [(429, {"Retry-After": format_datetime((AT + timedelta(seconds=120)).astimezone(UTC), usegmt=True)})]

    outcome = await make_deliverer(max_attempts=5, max_delay=60, clock=clock_at()).deliver(item(fake, 1))

    assert (outcome.status, outcome.retry_after, outcome.attempts) == ("retry", 120.0, 1)
    assert len(fake.requests) == 1


async def test_retry_after_as_a_past_date_is_retried_at_once(fake):
    fake.script["conv-1"] = [(429, {"Retry-After": format_datetime((AT - timedelta(days=1)).astimezone(UTC), usegmt=True)})]

    outcome = await make_deliverer(max_attempts=5, clock=clock_at()).deliver(item(fake, 1))

    assert (outcome.status, outcome.attempts) == ("sent", 2)
    assert len(fake.activities) == 1


async def test_connection_errors_are_retried_then_fail():
    server = ThreadedServer(web.Application())
    url = server.start()
    server.stop()  # nothing listens there any more
    unreachable = Outgoing(1, {**item(ScriptedConnector(), 1).reference, "serviceUrl": url}, {"type": "message"})

    outcome = await make_deliverer(max_attempts=2).deliver(unreachable)

    assert outcome.status == "failed" and outcome.attempts == 2
    assert "connection error" in outcome.error


async def test_rate_limit_spaces_requests_at_the_connector(fake):
    deliverer = make_deliverer(rate_per_second=50, burst=1)

    outcomes = await asyncio.gather(*(deliverer.deliver(item(fake, key)) for key in range(20)))

    assert {o.status for o in outcomes} == {"sent"}
    times = sorted(fake.times())
    assert len(times) == 20
    assert times[-1] - times[0] >= 19 / 50 - 0.04  # 0.38 s, less a little network jitter


async def test_tenant_filter_stops_the_send_and_says_so(fake):
    settings = Settings(allowed_tenant_ids=frozenset({TENANT}))

    outcome = await make_deliverer(settings).deliver(item(fake, 1, tenant="someone-else"))

    assert outcome.status == "failed" and "ALLOWED_TENANT_IDS" in outcome.error
    assert fake.requests == []


async def test_one_connection_for_consecutive_messages(fake):
    deliverer = make_deliverer()

    for key in range(50):
        assert (await deliverer.deliver(item(fake, key))).status == "sent"

    assert len(fake.requests) == 50
    assert len(fake.ports()) <= 2  # the stock connector client opens 50


async def test_concurrent_messages_share_a_small_pool_of_connections(fake, sending):
    deliverer = make_deliverer()

    outcomes = await asyncio.gather(*(deliverer.deliver(item(fake, key)) for key in range(50)))

    assert {o.status for o in outcomes} == {"sent"}
    # requests runs in the default executor, so at most one connection per worker thread;
    # the aiohttp session keeps a bounded pool.
    most = ReplySender.CONNECTIONS if sending == "aiohttp" else min(32, (os.cpu_count() or 1) + 4)
    assert len(fake.ports()) <= most


async def test_retry_policy_is_not_rebuilt_per_message(fake, monkeypatch):
    built = []
    original = msrest_requests.ClientRetryPolicy.__init__

    def counting_init(self):
        built.append(1)
        original(self)

    monkeypatch.setattr(msrest_requests.ClientRetryPolicy, "__init__", counting_init)
    deliverer = make_deliverer()

    for key in range(20):
        await deliverer.deliver(item(fake, key))

    assert len(fake.activities) == 20
    assert len(built) <= 2  # one connector client and one user-token client; stock: 40


async def test_deliverer_wraps_the_adapter_once():
    settings = Settings()
    adapter = create_adapter(settings, create_authentication(settings))
    first = Deliverer(adapter, "")
    second = Deliverer(adapter, "")

    assert isinstance(adapter.bot_framework_authentication, PooledBotFrameworkAuthentication)
    assert first.pool is second.pool is adapter.bot_framework_authentication


def test_parse_retry_after():
    now = datetime(2022, 8, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)

    assert parse_retry_after("1") == 1.0
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30)
    assert parse_retry_after(later, now=(now + timedelta(seconds=40)).timestamp()) == 0.0
    assert parse_retry_after(later) is None  # a date, and no "now" to count from
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None


def test_classify_reads_a_retry_after_date_from_now():
    now = datetime(2022, 8, 1, 12, 0, tzinfo=UTC)
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = format_datetime(now + timedelta(seconds=30), usegmt=True)
    error = HttpOperationError(Deserializer(), response)

    status, reason, retry_after = classify(error, now=now.timestamp())
    assert (status, retry_after) == ("retry", pytest.approx(30))
    assert reason.startswith("HTTP 429")
    assert classify(error)[2] is None  # no clock, no guess

    response.status_code = 403
    assert classify(error, now=now.timestamp())[:1] == ("gone",)
