"""Closing a period over HTTP: report → ready → sent back → ready → approved → update refused →
an admin reopens with a reason → update accepted; the rights of every role, also for crafted
button data; two approvers at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.app import create_app
from dialogs.actions import parse
from storage import reporters
from storage.db import make_engine, session_scope
from tests.e2e.conftest import TeamsUser
from tests.factories import CLOCK
from tests.seen import actions_of, button, cards_of, visible_text

TRYGGHET = "uppdatera trygghetsvandringen"


@pytest.fixture
async def strict_url(aiohttp_server, settings):
    """Rights as in production (in local mode everyone may do everything)."""
    server = await aiohttp_server(create_app(replace(settings, require_reporters=True), clock=CLOCK))
    return str(server.make_url("")).rstrip("/")


def grant(database_url: str, user: TeamsUser, committee: str, role: str = "reporter") -> None:
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        reporters.add_reporter(session=session, principal=user.aad_object_id, committee=committee,
                               display_name=user.name, role=role)
    engine.dispose()


@pytest.fixture
async def people(strict_url, connector, database_url):
    """Anna reports for TN, Bo approves TN, Ada is an admin, Eve has no role; each has installed
    the bot in a personal chat (so that it can write to them)."""
    found = {}
    for key, name, committee, role in (("anna", "Anna Andersson", "TN", "reporter"), ("bo", "Bo Berg", "TN", "approver"),
                                       ("ada", "Ada Admin", "*", "reporter"), ("eve", "Eve Ek", None, None)):
        person = TeamsUser(strict_url, connector, name=name)
        status, _ = await person.post(person.activity(type="installationUpdate", action="add"))
        assert status in (200, 201)
        if committee:
            grant(database_url, person, committee, role)
        found[key] = person
    return found




async def received(connector, user: TeamsUser, text: str, *, count: int = 1) -> list[dict]:
    """The proactive messages to ``user`` holding ``text``, once ``count`` have arrived (the bot
    sends them just after the turn)."""
    for _ in range(100):
        found = [a for a in connector.activities if a["_conversation_id"] == user.conversation_id
                 and text in visible_text([a])]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user.name} never got {text!r}")


async def test_the_whole_path_of_a_period_closing(people, connector):
    anna, bo, ada = people["anna"], people["bo"], people["ada"]

    # Anna marks TN ready (every TN assignment has a report for T1 2022: no question asked).
    shown = visible_text(await anna.say("TN är klar för T1 2022"))
    assert "Tekniska nämndens rapport för T1 2022 är markerad som klar för godkännande" in shown
    [notice] = await received(connector, bo, "är klar för godkännande")
    review = parse(button([notice], "Granska")["data"])

    # Bo reviews it and sends it back with a comment, which reaches Anna.
    replies = await bo.press(review.to_data())
    assert "Tekniska nämnden (TN): rapporten för T1 2022" in visible_text(replies)
    assert "Klar för godkännande" in visible_text(replies)
    send_back = button(replies, "Skicka tillbaka")["data"]
    shown = visible_text(await bo.press({**send_back, "comment": "Komplettera kommentaren om dagvattnet."}))
    assert "skickades tillbaka till rapportörerna" in shown
    [returned] = await received(connector, anna, "skickades tillbaka")
    assert "Komplettera kommentaren om dagvattnet." in visible_text([returned])

    # TN's card shows it open again, with why, and Anna marks it ready from there.
    replies = await anna.say("status för TN-uppdrag T1 2022")
    shown = visible_text(replies)
    assert "Öppen för rapportering" in shown and "Komplettera kommentaren om dagvattnet." in shown
    assert "markerad som klar" in visible_text(await anna.press(button(replies, "Markera som klar")["data"]))
    await received(connector, bo, "är klar för godkännande", count=2)

    # Bo approves; the card says so, and TN's own assignment can no longer be updated.
    replies = await bo.say("godkänn TN T1 2022")
    assert "Godkänt!" in visible_text(await bo.press(button(replies, "Godkänn")["data"]))
    assert "Godkänd av Bo Berg" in visible_text(await anna.say("status för TN-uppdrag T1 2022"))
    shown = visible_text(await anna.say(f"{TRYGGHET} T1 2022"))
    assert "kan inte uppdateras för T1 2022: rapporten är godkänd av Bo Berg" in shown and "Inget sparades" in shown
    # Another period is unaffected.
    assert "Vilken status har uppdraget?" in visible_text(await anna.say(f"{TRYGGHET} T2 2022"))
    await anna.say("avbryt")
    # A joint assignment is locked only when all its committees have approved: MSN has not.
    replies = await anna.say("uppdatera dagvattenhanteringen T1 2022")
    assert "Vilken status har uppdraget?" in visible_text(replies)
    await anna.say("avbryt")

    # Reopening needs an admin and a reason.
    assert "Bara en administratör" in visible_text(await bo.say("öppna TN igen för T1 2022: fel"))
    assert "Skriv varför rapporten ska öppnas igen" in visible_text(await ada.say("öppna TN igen för T1 2022"))
    assert "är öppen igen" in visible_text(await ada.say("öppna TN igen för T1 2022: fel status på trygghetsvandringen"))

    # And the update goes through.
    assert "Vilken status har uppdraget?" in visible_text(await anna.say(f"{TRYGGHET} T1 2022"))
    await anna.say("genomfört")
    await anna.say("Vandringen genomfördes i maj.")
    assert "Sparat!" in visible_text(await anna.say("ja"))


async def test_marking_ready_lists_what_is_missing_first(people):
    anna = people["anna"]
    replies = await anna.say("markera TN som klar för T2 2022")
    shown = visible_text(replies)
    assert "Tekniska nämnden (TN): 3 uppdrag saknar rapport för T2 2022" in shown
    assert "Genomför trygghetsvandring" in shown
    listed = visible_text(await anna.press(button(replies, "Fortsätt rapportera")["data"]))
    assert "Genomför trygghetsvandring" in listed and "linjenät" not in listed
    assert "markerad som klar" in visible_text(await anna.press(button(replies, "Markera som klar ändå")["data"]))


@pytest.mark.parametrize("who, data, said", [
    ("eve", {"move": "ready"}, "Bara rapportörer för Tekniska nämnden (TN)"),
    ("bo", {"move": "ready"}, "Bara rapportörer för Tekniska nämnden (TN)"),
    ("eve", {"move": "approve"}, "Bara godkännare för Tekniska nämnden (TN)"),
    ("anna", {"move": "approve"}, "Bara godkännare för Tekniska nämnden (TN)"),
    ("anna", {"move": "send_back", "comment": "x"}, "Bara godkännare för Tekniska nämnden (TN)"),
    ("bo", {"move": "reopen", "comment": "x"}, "Bara en administratör"),
    ("anna", {"move": "reopen", "comment": "x"}, "Bara en administratör"),
])
async def test_every_role_is_checked_also_for_crafted_buttons(people, who, data, said):
    await people["anna"].say("TN är klar för T1 2022") if data["move"] != "ready" else None
    replies = await people[who].press({"action": "move_report", "committee": "TN", "period": "T1 2022", **data})
    shown = visible_text(replies)
    assert said in shown and "Inget ändrades" in shown


async def test_only_approvers_may_review(people):
    await people["anna"].say("TN är klar för T1 2022")
    shown = visible_text(await people["eve"].press({"action": "review_report", "committee": "TN",
                                                     "period": "T1 2022"}))
    assert "Bara godkännare" in shown and "Godkänn" not in shown


async def test_two_approvers_at_once_one_wins_and_the_other_is_told(people):
    await people["anna"].say("TN är klar för T1 2022")
    approve = {"action": "move_report", "move": "approve", "committee": "TN", "period": "T1 2022"}
    first, second = await asyncio.gather(people["bo"].press(approve), people["ada"].press(approve))
    texts = sorted([visible_text(first), visible_text(second)], key=lambda t: "Godkänt!" not in t)
    assert "Godkänt!" in texts[0]
    assert "är redan godkänd av" in texts[1] and "Inget ändrades" in texts[1]


async def test_a_move_without_a_committee_asks_which(people):
    shown = visible_text(await people["bo"].say("godkänn"))
    assert "Vilken nämnds rapport menar du?" in shown and "godkänn TN T1 2022" in shown
