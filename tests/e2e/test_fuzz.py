"""Generated activities, well-formed and not, over real HTTP: never a 5xx, never a hang, never a
traceback, and the bot still answers correctly afterwards.

A fixed seed makes every run the same. ``make test`` posts FUZZ_EXAMPLES activities (300 by
default, a few seconds); ``make fuzz`` posts 5,000.
"""

from __future__ import annotations

import logging
import os
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.settings import Settings
from tests.e2e.conftest import BOT_ID, TENANT
from tests.e2e.fake_connector import ThreadedServer
from tests.factories import CLOCK
from tests.seen import visible_text

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
PATIENCE = 5  # seconds a request may take with a connector that answers

json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
words = st.sampled_from([
    "status för TN-uppdrag", "uppdatera linjenätet", "ja", "nej", "avbryt", "hjälp", "genomfört",
    "prenumerera på KS", "historik för dagvatten", "visa ej genomförda uppdrag", "T1 2022", "behåll",
    "<at>Uppdragsboten</at> hej", "lägg till kommentar på linjenätet: klart", "",
])
texts = words | st.text(max_size=300) | st.builds(lambda a, b: f"{a} {b}", words, st.text(max_size=40))
ids = st.sampled_from(["a:fuzz-1", "a:fuzz-2", "19:kanal@thread.tacv2"]) | st.text(max_size=60)
buttons = st.sampled_from([
    {"action": "show_status", "query": {"committees": ["TN"]}, "page": 2},
    {"action": "show_assignment", "assignment_id": 1, "period": "T1 2022"},
    {"action": "update_status", "assignment_id": 2, "period": "T1 2022"},
    {"action": "dialog", "category": "genomfört"},
    {"action": "dialog", "confirm": True},
    {"action": "ask", "text": "hjälp"},
]) | json_value


@st.composite
def activities(draw) -> dict:
    conversation = draw(ids)
    activity = {
        "type": draw(st.sampled_from(["message"] * 6 + ["invoke", "conversationUpdate", "installationUpdate",
                                                         "typing", "messageReaction", "event"])
                     | st.text(max_size=12)),
        "id": draw(st.none() | st.text(max_size=20) | st.builds(lambda: uuid.uuid4().hex)),
        "channelId": draw(st.sampled_from(["msteams", "emulator", ""]) | st.text(max_size=10)),
        "from": draw(st.fixed_dictionaries({"id": ids}, optional={"name": st.text(max_size=60),
                                                                  "aadObjectId": st.text(max_size=40)})),
        "conversation": {"id": conversation, "conversationType": draw(st.sampled_from(
            ["personal", "channel", "groupChat", "x"])), "tenantId": draw(st.sampled_from([TENANT, "other"]))},
        "recipient": {"id": BOT_ID, "name": "Uppdragsboten"},
        "channelData": draw(st.sampled_from([{"tenant": {"id": TENANT}}, {}, None]) | json_value),
    }
    optional = {
        "text": texts, "value": buttons, "name": st.sampled_from(
            ["adaptiveCard/action", "composeExtension/query", "task/fetch"]) | st.text(max_size=20),
        "action": st.sampled_from(["add", "remove"]), "replyToId": st.text(max_size=20),
        "membersAdded": st.lists(st.fixed_dictionaries({"id": st.sampled_from([BOT_ID, "29:x"])}), max_size=2),
        "entities": json_value, "textFormat": st.sampled_from(["plain", "markdown", "xml"]),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            activity[key] = draw(strategy)
    return activity


@pytest.fixture(scope="module")
def fuzz_bot(tmp_path_factory):
    """The real bot and a fake connector, each on its own thread, for a synchronous client."""
    from tests.e2e.fake_connector import FakeConnector

    database = tmp_path_factory.mktemp("fuzz") / "bot.db"
    with FakeConnector().serving() as connector:
        bot_server = ThreadedServer(create_app(Settings(database_url=f"sqlite:///{database}", scheduler=False),
                                               clock=CLOCK))
        url = bot_server.start()
        yield url, connector
        bot_server.stop()


def test_generated_activities_get_no_5xx_no_hang_no_traceback(fuzz_bot, caplog):
    url, connector = fuzz_bot
    caplog.set_level(logging.WARNING)
    seen: list[tuple[dict, int]] = []

    @seed(20261202)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(activities())
    def post(activity: dict) -> None:
        activity["serviceUrl"] = connector.base_url
        response = requests.post(f"{url}/api/messages", json=activity, timeout=PATIENCE)
        seen.append((activity, response.status_code))
        assert response.status_code < 500, (activity, response.status_code, response.text[:300])

    post()
    assert len(seen) >= EXAMPLES
    assert {status for _, status in seen} >= {201, 400}  # both kinds of activity were generated
    broken = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert broken == [], [r.getMessage()[:300] for r in broken[:5]]

    # And afterwards the bot answers as ever.
    before = len(connector.activities)
    answer = {"type": "message", "id": "after-fuzz", "text": "status för TN-uppdrag", "channelId": "msteams",
              "serviceUrl": connector.base_url, "from": {"id": "29:efter", "name": "Efter"},
              "conversation": {"id": "a:efter-fuzz", "tenantId": TENANT}, "recipient": {"id": BOT_ID},
              "channelData": {"tenant": {"id": TENANT}}}
    assert requests.post(f"{url}/api/messages", json=answer, timeout=PATIENCE).status_code == 201
    replies = [a for a in connector.activities[before:] if a["_conversation_id"] == "a:efter-fuzz"]
    assert visible_text(replies).splitlines()[0] == "Tekniska nämnden (TN)"
