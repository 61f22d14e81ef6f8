"""bot.replies: a turn's replies on one pooled aiohttp session, against a scripted fake Bot
Connector over real HTTP (its own thread)."""

from __future__ import annotations

import pytest
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ChannelAccount, ConversationAccount

from bot.replies import ConnectorError, ReplySender, activity_json


class Client:
    """What the SDK's connector client offers the sender: a base URL and credentials."""

    def __init__(self, base_url: str) -> None:
        self.config = type("Config", (), {"base_url": base_url, "credentials": None})()


def reply(conversation: str, text: str = "Hej!", reply_to: str | None = "act-1"):
    activity = MessageFactory.text(text)
    activity.conversation = ConversationAccount(id=conversation)
    activity.from_property = ChannelAccount(id="28:bot", name="Uppdragsboten")
    activity.reply_to_id = reply_to
    return activity


async def test_replies_reuse_one_connection_and_reach_the_conversation(fake):
    sender = ReplySender()
    try:
        for n in range(3):
            response = await sender.send(Client(fake.base_url), reply("a:conv 1", f"svar {n}"))
            assert response.id
    finally:
        await sender.close()
    assert [a["text"] for a in fake.activities] == ["svar 0", "svar 1", "svar 2"]
    assert {a["_conversation_id"] for a in fake.activities} == {"a:conv 1"}  # quoted in the URL, read back
    assert len({port for _, port, _ in fake.requests}) == 1  # one kept-alive connection


async def test_throttling_is_tried_again_after_retry_after(fake):
    fake.script["a:busy"] = [(429, {"Retry-After": "0.1"}), (503, {})]
    sender = ReplySender()
    try:
        await sender.send(Client(fake.base_url), reply("a:busy", "till slut"))
    finally:
        await sender.close()
    assert [a["text"] for a in fake.activities] == ["till slut"]
    assert len(fake.requests) == 3


async def test_a_refused_reply_is_an_error_with_its_status(fake):
    fake.script["a:gone"] = [(403, {})]
    sender = ReplySender()
    try:
        with pytest.raises(ConnectorError) as raised:
            await sender.send(Client(fake.base_url), reply("a:gone"))
    finally:
        await sender.close()
    assert raised.value.status == 403
    assert fake.activities == [] and len(fake.requests) == 1  # a 403 is not tried again


async def test_an_unreachable_connector_is_an_error_without_status():
    sender = ReplySender()
    try:
        with pytest.raises(ConnectorError) as raised:
            await sender.send(Client("http://127.0.0.1:9"), reply("a:nowhere"))
    finally:
        await sender.close()
    assert raised.value.status is None


def test_activity_json_is_what_the_sdk_serialises():
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Åtgärd: 3 – ö"}]}
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.conversation = ConversationAccount(id="a:1")
    assert activity_json(activity) == activity.serialize()
    assert activity.attachments[0].content == card  # left as it was
