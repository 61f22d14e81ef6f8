"""The HTTP endpoint: client errors get 4xx (never 500), tokens are checked, tenants filtered."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import aiohttp
import pytest

from bot.app import create_app
from storage import conversations
from storage.db import make_engine, session_scope
from tests.e2e.conftest import TENANT, TeamsUser
from tests.e2e.fake_connector import SigningKey
from tests.factories import CLOCK
from tests.seen import cards_of, visible_text

APP_ID = "6b1a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


async def post_raw(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as session:
        async with session.post(f"{url}/api/messages", data=body, headers=headers) as resp:
            await resp.read()
            return resp.status


@pytest.mark.parametrize(
    "body, headers, status",
    [
        (b'{"type": "message", "text": "hej"', {"Content-Type": "application/json"}, 400),
        (b'[{"type": "message"}]', {"Content-Type": "application/json"}, 400),
        (b'"message"', {"Content-Type": "application/json"}, 400),
        (b'{"text": "no type"}', {"Content-Type": "application/json"}, 400),
        (b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}, 400),
        (b'{"type": "message", "text": "hej", "serviceUrl": "http://127.0.0.1:9"}',
         {"Content-Type": "application/json"}, 400),
        (b'{"type": "message", "text": "hej", "conversation": {"id": "a:1"}}',
         {"Content-Type": "application/json"}, 400),
        (b'{"type": "message", "conversation": null, "serviceUrl": "http://127.0.0.1:9"}',
         {"Content-Type": "application/json"}, 400),
        (b'{"type": "message", "text": "hej", "conversation": {"id": "a:1"}, "serviceUrl": "http://127.0.0.1:9",'
         b' "channelId": "msteams"}', {"Content-Type": "application/json"}, 400),
        (b"\xff\xfe not utf-8", {"Content-Type": "application/json"}, 400),
        (b'{"type": "message"}', {}, 415),
        (b'{"type": "message"}', {"Content-Type": "text/plain"}, 415),
        (b'{"type": "message", "text": "' + b"a" * 400_000 + b'"}', {"Content-Type": "application/json"}, 413),
    ],
    ids=["malformed-json", "json-array", "json-string", "no-type", "deeply-nested", "no-conversation",
         "no-service-url", "null-conversation", "no-from", "not-utf8", "no-content-type",
         "text-plain", "too-large"],
)
async def test_client_errors_get_4xx(bot_url, body, headers, status):
    assert await post_raw(bot_url, body, headers) == status


async def test_unsupported_invoke_is_acknowledged_not_501(user):
    status, replies = await user.post(user.activity(type="invoke", name="composeExtension/query", value={}))
    assert status == 200 and replies == []


async def test_wrong_method_and_path(bot_url):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{bot_url}/api/messages") as resp:
            assert resp.status == 405
        async with session.post(f"{bot_url}/api/nothing", json={}) as resp:
            assert resp.status == 404


def test_ping_reports_an_unreachable_database():
    from storage.db import ping

    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert ping(engine) is False
    engine.dispose()


async def test_healthz_reports_the_database(bot_url):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{bot_url}/healthz") as resp:
            assert resp.status == 200
            assert (await resp.json()) == {"status": "ok", "database": True}


# --- authentication (MicrosoftAppId set) ---------------------------------------------------

@pytest.fixture
async def secured_url(aiohttp_server, settings, connector):
    secured = replace(
        settings, app_id=APP_ID, app_password="not-used", openid_metadata_url=connector.openid_url
    )
    server = await aiohttp_server(create_app(secured, clock=CLOCK))
    return str(server.make_url("")).rstrip("/")


def typing_activity(user: TeamsUser) -> dict:
    # A typing activity needs no reply, so a valid token gets through without the bot
    # having to fetch an outbound token from Entra ID.
    return user.activity(type="typing")


async def test_valid_token_is_accepted(secured_url, connector):
    user = TeamsUser(secured_url, connector)
    key = connector.keys[0]
    user.headers["Authorization"] = "Bearer " + key.token(APP_ID, service_url=connector.base_url)
    status, replies = await user.post(typing_activity(user))
    assert status == 201 and replies == []


@pytest.mark.parametrize(
    "make_header",
    [
        lambda c: None,
        lambda c: "Bearer garbage",
        lambda c: "Basic dXNlcjpwYXNz",
        lambda c: "Bearer " + SigningKey.generate(c.keys[0].kid).token(APP_ID, service_url=c.base_url),
        lambda c: "Bearer " + SigningKey.generate("unknown-kid").token(APP_ID, service_url=c.base_url),
        lambda c: "Bearer " + c.keys[0].token(APP_ID, service_url=c.base_url, expires_in=-3600),
        lambda c: "Bearer " + c.keys[0].token("someone-else", service_url=c.base_url),
        lambda c: "Bearer " + c.keys[0].token(APP_ID, service_url="https://evil.example"),
    ],
    ids=["missing", "garbage", "basic", "forged-signature", "unknown-kid", "expired", "wrong-audience",
         "wrong-service-url"],
)
async def test_bad_tokens_get_401(secured_url, connector, make_header):
    user = TeamsUser(secured_url, connector)
    header = make_header(connector)
    if header:
        user.headers["Authorization"] = header
    status, replies = await user.post(user.activity(text="status för TN-uppdrag"))
    assert status == 401
    assert replies == []


# --- tenants ---------------------------------------------------------------------------------

@pytest.fixture
async def tenant_locked_url(aiohttp_server, settings):
    server = await aiohttp_server(create_app(replace(settings, allowed_tenant_ids=frozenset({TENANT})), clock=CLOCK))
    return str(server.make_url("")).rstrip("/")


async def test_other_tenants_get_no_reply_and_nothing_is_written(tenant_locked_url, connector, database_url):
    stranger = TeamsUser(tenant_locked_url, connector, tenant="11111111-2222-4333-8444-555555555555")
    status, replies = await stranger.post(stranger.activity(text="status för TN-uppdrag"))
    assert status == 201 and replies == []
    for install in (stranger.activity(type="installationUpdate", action="add"),
                    stranger.activity(type="conversationUpdate", membersAdded=[{"id": "28:uppdragsboten"}])):
        status, replies = await stranger.post(install)
        assert status == 201 and replies == []
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        assert conversations.find(session=session, conversation_id=stranger.conversation_id) is None
    engine.dispose()
    member = TeamsUser(tenant_locked_url, connector)
    assert len(cards_of(await member.say("status för TN-uppdrag"))) == 1


async def post_for_body(user: TeamsUser, activity: dict) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{user.bot_url}/api/messages", json=activity) as resp:
            return resp.status, await resp.read()


async def test_a_resent_invoke_is_acknowledged_with_200_and_no_body(user):
    invoke = user.activity(type="invoke", name="composeExtension/query", value={})
    assert await post_for_body(user, invoke) == (200, b"")
    assert await post_for_body(user, invoke) == (200, b"")  # the resend: skipped, not 501


async def test_an_invoke_from_another_tenant_is_acknowledged_with_200_and_no_body(tenant_locked_url, connector):
    stranger = TeamsUser(tenant_locked_url, connector, tenant="11111111-2222-4333-8444-555555555555")
    invoke = stranger.activity(type="invoke", name="adaptiveCard/action", value={"action": {"type": "Action.Execute"}})
    assert await post_for_body(stranger, invoke) == (200, b"")
    assert [a for a in connector.activities if a["_conversation_id"] == stranger.conversation_id] == []


@pytest.mark.parametrize(("tenant", "answered"), [(TENANT, True), ("11111111-2222-4333-8444-555555555555", False)])
async def test_the_tenant_is_read_from_the_conversation_too(tenant_locked_url, connector, tenant, answered):
    """Teams writes conversation.tenantId; an activity may carry no channelData.tenant."""
    user = TeamsUser(tenant_locked_url, connector, tenant=tenant)
    activity = user.activity(text="status för TN-uppdrag")
    del activity["channelData"]
    assert activity["conversation"]["tenantId"] == tenant
    status, replies = await user.post(activity)
    assert status == 201
    assert [visible_text([r]).splitlines()[0] for r in replies] == (["Tekniska nämnden (TN)"] if answered else [])


def _nested(levels: int) -> dict:
    value: dict = {"action": "show_status"}
    for _ in range(levels):
        value = {"x": value}
    return value


@pytest.mark.parametrize(("change", "error"), [
    ({"conversation": {"id": "a:konversation-ö"}}, "conversation.id must be printable ASCII"),
    ({"conversation": {"id": "a:\ud800"}}, "conversation.id must be printable ASCII"),
    ({"conversation": {"id": "a:" + "x" * 600}}, "conversation.id must be printable ASCII"),
    ({"from": {"id": "29:med mellanslag"}}, "from.id must be printable ASCII"),
    ({"id": "act\u0000"}, "NUL"),
    ({"text": "hej\u0000då"}, "NUL"),
    ({"serviceUrl": "inte en adress"}, "serviceUrl must be an http(s) URL"),
    ({"serviceUrl": "ftp://127.0.0.1/"}, "serviceUrl must be an http(s) URL"),
    ({"serviceUrl": "http://[::1"}, "serviceUrl must be an http(s) URL"),
    ({"text": "", "value": _nested(200)}, "nests deeper than 32 levels"),
], ids=["non-ascii-id", "surrogate-id", "long-id", "space-in-from-id", "nul-in-id", "nul-in-text",
        "service-url-not-a-url", "service-url-ftp", "service-url-broken", "nested-200"])
async def test_malformed_ids_urls_and_nesting_are_refused_at_the_door(user, change, error, caplog):
    activity = {**user.activity(text="status för TN-uppdrag"), **change}
    async with aiohttp.ClientSession() as session:
        body = json.dumps(activity).encode()  # ensure_ascii: lone surrogates and NUL travel escaped
        async with session.post(f"{user.bot_url}/api/messages", data=body,
                                headers={"Content-Type": "application/json"}) as resp:
            status, answer = resp.status, await resp.json()
    assert status == 400
    assert error in answer["error"]
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []
    assert user.connector.activities == []


async def test_a_channel_id_with_a_message_id_is_an_ordinary_id(user):
    user.conversation_id = "19:c0ffee@thread.tacv2;messageid=1701234567890"
    assert visible_text(await user.say("status för TN-uppdrag")).splitlines()[0] == "Tekniska nämnden (TN)"


async def test_slow_token_keys_do_not_stall_other_requests(secured_url, connector):
    """The first authenticated request fetches the signing keys; while that takes its time,
    everything else (here /healthz) is still served."""
    connector.key_delay = 2.0
    user = TeamsUser(secured_url, connector)
    user.headers["Authorization"] = "Bearer " + connector.keys[0].token(APP_ID, service_url=connector.base_url)
    authenticated = asyncio.create_task(user.post(typing_activity(user)))
    await asyncio.sleep(0.3)  # the key fetch has begun
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{secured_url}/healthz") as resp:
            assert resp.status == 200
    assert not authenticated.done()
    status, replies = await authenticated
    assert status == 201 and replies == []


async def test_token_keys_that_never_come_get_503_not_a_hang(secured_url, connector, monkeypatch):
    monkeypatch.setattr("bot.app.AUTH_TIMEOUT", 0.5)
    connector.key_delay = 2.0
    user = TeamsUser(secured_url, connector)
    user.headers["Authorization"] = "Bearer " + connector.keys[0].token(APP_ID, service_url=connector.base_url)
    status, replies = await user.post(user.activity(text="status för TN-uppdrag"))
    assert status == 503 and replies == []


async def test_an_adaptive_card_invoke_without_a_value_gets_400_not_500(user):
    invoke = user.activity(type="invoke", name="adaptiveCard/action")
    status, body = await post_for_body(user, invoke)
    assert (status, json.loads(body)) == (400, {"error": "the invoke could not be handled as sent"})


async def test_entities_of_any_shape_do_not_break_a_message(user):
    status, replies = await user.post(user.activity(text="status för TN-uppdrag", entities=[None, {"type": None}]))
    assert status == 201
    assert visible_text(replies).splitlines()[0] == "Tekniska nämnden (TN)"


async def test_readyz_is_ready_only_while_the_schema_is_the_one_the_code_needs(bot_url, settings):
    """During an upgrade an instance of the older version (its schema no longer the newest it
    knows) is alive but not ready: the load balancer sends its traffic elsewhere."""
    from sqlalchemy import text

    async def get(path: str) -> tuple[int, dict]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
                session.get(f"{bot_url}{path}") as response:
            return response.status, await response.json()

    status, body = await get("/readyz")
    assert (status, body["status"], body["database"]) == (200, "ready", True) and body["schema"] == body["needed"]
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
        status, body = await get("/readyz")
        assert (status, body["status"], body["schema"]) == (503, "schema differs", "0006")
        assert (await get("/healthz"))[0] == 200  # alive all the same
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": body["needed"]})
        engine.dispose()
    assert (await get("/readyz"))[0] == 200
