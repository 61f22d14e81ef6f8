"""The log: one structured line per turn, with what happened and never what was said.

Logs are copied to collectors and kept by other rules than the database, so a message's text,
a comment and a person's name never go there (personal data); the turn's line carries the
conversation, the activity type, what the bot made of it, the outcome, the replies and the
latency.
"""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, configure_logging
from tests.e2e.conftest import TeamsUser

COMMENT = "Vandringen genomfördes i maj tillsammans med polisen vid Storsjöstrand."
PERSONAL = ("Anna Andersson", "trygghetsvandringen", "Vandringen genomfördes", "Storsjöstrand", "polisen")


def turn_lines(caplog) -> list[dict]:
    return [{key: getattr(r, key) for key in ("conversation", "activity_type", "intent", "outcome", "replies",
                                                "latency_ms")}
            for r in caplog.records if r.name == "uppdragsboten.turn"]


async def test_each_turn_is_one_line_with_what_happened_and_no_words_of_the_user(user: TeamsUser, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level: nothing may carry what was said
    await user.say("status för TN-uppdrag")
    await user.say("uppdatera trygghetsvandringen")
    await user.say("genomfört")
    await user.say(COMMENT)
    saved = await user.say("ja")
    assert "Sparat!" in json.dumps(saved, ensure_ascii=False)

    lines = turn_lines(caplog)
    assert [line["intent"] for line in lines] == [
        "StatusQuery", "UpdateRequest", "dialog:update_assignment", "dialog:update_assignment",
        "dialog:update_assignment"]
    assert all(line["conversation"] == user.conversation_id and line["activity_type"] == "message"
               and line["outcome"] == "answered" and line["replies"] >= 1 and line["latency_ms"] > 0
               for line in lines)
    formatted = [logging.Formatter("%(message)s").format(r) for r in caplog.records]
    formatted += [JsonFormatter().format(r) for r in caplog.records]
    assert not [line for line in formatted for secret in PERSONAL if secret in line]


async def test_a_resend_is_logged_as_what_it_was(user: TeamsUser, caplog):
    caplog.set_level(logging.INFO, logger="uppdragsboten.turn")
    activity = user.activity(text="status för KS-uppdrag", textFormat="plain")
    first = await user.post(activity)
    again = await user.post(activity)  # Teams sends it again: answered once
    assert first[0] == again[0] == 201 and again[1] == []
    assert [(line["outcome"], line["replies"]) for line in turn_lines(caplog)] == [("answered", 1), ("ignored", 0)]


def test_json_lines_carry_the_turn_s_fields_as_keys(capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers[:] = []  # as in a process of its own: no logging set up yet
    configure_logging("text")
    configure_logging("json")  # replaces the text handler
    assert len(root.handlers) == 1
    try:
        logging.getLogger("uppdragsboten.turn").info("turn", extra={"conversation": "a:1", "intent": "Help",
                                                                    "outcome": "answered", "latency_ms": 3.2})
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        root.handlers[:] = handlers  # pytest's own handlers back
        root.setLevel(level)
    assert (line["logger"], line["level"], line["conversation"], line["intent"], line["latency_ms"]) == (
        "uppdragsboten.turn", "INFO", "a:1", "Help", 3.2)
