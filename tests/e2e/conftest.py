"""End-to-end harness: the real app over real HTTP, talking to a fake Bot Connector."""

from __future__ import annotations

import itertools
import json
import uuid

import aiohttp
import pytest

from bot.app import create_app
from bot.settings import Settings
from tests.cardcheck import assert_valid
from tests.e2e.fake_connector import FakeConnector
from tests.seen import cards_of

TENANT = "72f988bf-0000-4000-8000-00000000c0de"
BOT_ID = "28:uppdragsboten"


@pytest.fixture
def connector():
    with FakeConnector().serving() as fake:
        yield fake
    # Every card the bot sent in the test must be one Teams can render.
    for card in cards_of(fake.activities):
        assert_valid(card)
    for activity in fake.activities:
        size = len(json.dumps(activity, ensure_ascii=False).encode())
        assert size < 80_000, f"a message of {size} bytes risks 413 MessageSizeTooBig"


@pytest.fixture
def settings(database_url) -> Settings:
    """The bot's settings in the e2e tests: local mode, the scheduler off (tests run notify themselves)."""
    return Settings(database_url=database_url, scheduler=False)


@pytest.fixture
async def bot_url(aiohttp_server, settings, clock):
    server = await aiohttp_server(create_app(settings, clock=clock))
    return str(server.make_url("")).rstrip("/")


class TeamsUser:
    """Posts Teams-shaped activities to the bot and returns what the user sees."""

    _ids = itertools.count(1)

    def __init__(self, bot_url: str, connector: FakeConnector, *, name: str = "Anna Andersson",
                 tenant: str = TENANT, conversation_type: str = "personal"):
        self.bot_url = bot_url
        self.connector = connector
        self.name = name
        self.tenant = tenant
        self.aad_object_id = str(uuid.uuid4())
        self.conversation_id = f"a:{uuid.uuid4().hex}"
        self.conversation_type = conversation_type
        self.headers: dict[str, str] = {}

    def activity(self, **fields) -> dict:
        activity = {
            "type": "message",
            "id": f"act-{next(self._ids)}",
            "timestamp": "2026-11-27T10:00:00.000Z",
            "serviceUrl": self.connector.base_url,
            "channelId": "msteams",
            "from": {"id": f"29:{self.aad_object_id}", "name": self.name, "aadObjectId": self.aad_object_id},
            "conversation": {"id": self.conversation_id, "conversationType": self.conversation_type,
                             "tenantId": self.tenant},
            "recipient": {"id": BOT_ID, "name": "Uppdragsboten"},
            "locale": "sv-SE",
            "channelData": {"tenant": {"id": self.tenant}},
        }
        activity.update(fields)
        return activity

    async def post(self, activity: dict) -> tuple[int, list[dict]]:
        """Post one activity; the HTTP status and the replies it caused."""
        before = len(self.connector.activities)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.bot_url}/api/messages", json=activity, headers=self.headers) as resp:
                status = resp.status
                await resp.read()
        mine = [a for a in self.connector.activities[before:] if a["_conversation_id"] == self.conversation_id]
        return status, mine

    async def say(self, text: str) -> list[dict]:
        status, replies = await self.post(self.activity(text=text, textFormat="plain"))
        assert status == 201, status
        return replies

    async def press(self, data: dict, *, card: dict | None = None) -> list[dict]:
        """Press an Action.Submit button: Teams sends empty text and the data as value,
        with replyToId naming the message that holds the card."""
        extra = {"replyToId": card["_id"]} if card else {}
        status, replies = await self.post(self.activity(text="", value=data, **extra))
        assert status == 201, status
        return replies


@pytest.fixture
def user(bot_url, connector) -> TeamsUser:
    return TeamsUser(bot_url, connector)
