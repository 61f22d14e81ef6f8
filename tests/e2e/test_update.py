"""Updating an assignment's status in conversation, end to end over HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.app import create_app
from domain.periods import Period
from domain.statuses import StatusCategory
from storage import queries, reporters
from storage.db import make_engine, session_scope
from storage.models import StatusReport
from tests.e2e.conftest import BOT_ID, TeamsUser
from tests.factories import CLOCK
from tests.seen import actions_of, button, cards_of, visible_text, walk

T1 = Period(2022, 1)
LINJENAT = "Utveckla ett nytt linjenät för stadstrafiken"
TRYGGHET = "Genomför trygghetsvandring på de områden/platser i kommunen"




def reports(database_url: str) -> int:
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        count = session.exec(select(func.count()).select_from(StatusReport)).one()
    engine.dispose()
    return count


def current(database_url: str, title_start: str):
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        [status] = [s for s in queries.find_statuses(session=session, period=T1) if s.title.startswith(title_start)]
    engine.dispose()
    return status


async def test_whole_dialog_by_typing(user, database_url):
    replies = await user.say("uppdatera trygghetsvandringen")
    assert "Vilken status har uppdraget?" in visible_text(replies)
    replies = await user.say("genomfört")
    assert "Skriv en kommentar" in visible_text(replies)
    assert "Någon trygghetsvandring har ännu inte anordnats" in visible_text(replies)  # the previous comment
    replies = await user.say("Vandringen genomfördes i maj tillsammans med polisen.")
    shown = visible_text(replies)
    assert "Stämmer det här?" in shown and "Vandringen genomfördes i maj" in shown and "Genomfört" in shown
    replies = await user.say("ja")
    shown = visible_text(replies)
    assert "Sparat!" in shown and "Rapporterad av Anna Andersson" in shown
    status = current(database_url, TRYGGHET)
    assert status.category is StatusCategory.DONE
    assert status.comment == "Vandringen genomfördes i maj tillsammans med polisen."
    assert status.author == "Anna Andersson"
    assert reports(database_url) == 9


async def test_whole_dialog_by_card_buttons(user, database_url):
    replies = await user.say("status för MSN-uppdrag")
    updates = [a["data"] for a in actions_of(cards_of(replies)[0]) if a["data"]["action"] == "update_status"]
    replies = await user.press(updates[0])  # linjenätet
    assert LINJENAT in visible_text(replies)
    replies = await user.press(button(replies, "🟠")["data"])
    assert "Skriv en kommentar" in visible_text(replies)
    replies = await user.press(button(replies, "Behåll tidigare kommentar")["data"])
    assert "Stämmer det här?" in visible_text(replies)
    replies = await user.press(button(replies, "Spara")["data"])
    assert "Sparat!" in visible_text(replies)
    status = current(database_url, LINJENAT)
    assert status.category is StatusCategory.AT_RISK
    assert status.comment.startswith("Arbete pågår för att ta fram det slutliga förslaget")


async def test_comment_typed_into_the_card(user, database_url):
    await user.say("sätt uppdraget om linjenätet till genomfört")  # status given: straight to the comment
    replies = await user.press({"action": "dialog", "comment": "Linjenätet är beslutat."})
    assert "Linjenätet är beslutat." in visible_text(replies)
    await user.press(button(replies, "Spara")["data"])
    assert current(database_url, LINJENAT).comment == "Linjenätet är beslutat."


async def test_opening_message_with_a_comment_skips_that_step(user, database_url):
    replies = await user.say("lägg till kommentar på dagvattenuppdraget: Nu är programvaran upphandlad.")
    assert "Vilken status har uppdraget?" in visible_text(replies)
    replies = await user.say("bedöms bli genomfört")
    assert "Stämmer det här?" in visible_text(replies)
    await user.say("ja")
    assert current(database_url, "Utred nya lösningar på dagvattenhantering").comment == "Nu är programvaran upphandlad."


async def test_cancel_halfway_saves_nothing(user, database_url):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    replies = await user.say("avbryt")
    assert "Uppdateringen avbröts. Inget sparades." in visible_text(replies)
    assert reports(database_url) == 8
    replies = await user.say("ja")  # no dialog any more: an ordinary message
    assert "Sparat" not in visible_text(replies)


async def test_saying_no_at_the_end_saves_nothing(user, database_url):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    await user.say("Klart.")
    replies = await user.say("nej")
    assert "Inget sparades" in visible_text(replies)
    assert reports(database_url) == 8


async def test_help_and_questions_in_the_middle(user):
    await user.say("uppdatera linjenätet")
    replies = await user.say("hjälp")
    shown = visible_text(replies)
    assert "Välj den status som bäst beskriver uppdraget" in shown
    assert "Vilken status har uppdraget?" in shown  # asked again
    replies = await user.say("status för TN-uppdrag")
    shown = visible_text(replies)
    assert "Tekniska nämnden" in shown and "Vilken status har uppdraget?" in shown
    replies = await user.say("kanske")
    assert "Jag förstod inte vilken status du menar" in visible_text(replies)
    replies = await user.say("genomfört")
    assert "Skriv en kommentar" in visible_text(replies)


async def test_ej_genomfort_is_only_offered_at_year_end(user):
    replies = await user.say("uppdatera linjenätet")
    titles = [a["title"] for c in cards_of(replies) for a in actions_of(c)]
    assert not any("Ej genomfört" in t for t in titles)
    replies = await user.say("ej genomfört")
    assert "Jag förstod inte vilken status du menar" in visible_text(replies)


async def test_too_long_comment_is_refused_with_the_limit(user):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    replies = await user.press({"action": "dialog", "comment": "å" * 4_001})
    assert "högst 4 000 tecken" in visible_text(replies)


async def test_several_matches_give_a_choice(user, database_url):
    replies = await user.say("uppdatera trygghet")
    shown = visible_text(replies)
    assert "Jag hittade flera uppdrag som matchar ”trygghet”. Vilket vill du uppdatera?" in shown
    [card] = cards_of(replies)
    [choice] = [c for c in walk(card) if c.get("type") == "Container" and "Öka tryggheten" in str(c)]
    replies = await user.press(actions_of(choice)[0]["data"])
    assert "Vilken status har uppdraget?" in visible_text(replies)


async def test_restart_mid_dialog_continues_where_the_user_was(user, aiohttp_server, settings, database_url):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    # A new process on the same database (the old one keeps running, unused).
    server = await aiohttp_server(create_app(settings, clock=CLOCK))
    user.bot_url = str(server.make_url("")).rstrip("/")
    replies = await user.say("Beslut fattat i nämnden.")
    assert "Stämmer det här?" in visible_text(replies)
    replies = await user.say("ja")
    assert "Sparat!" in visible_text(replies)
    assert current(database_url, LINJENAT).category is StatusCategory.DONE


async def test_two_messages_at_once_are_both_answered(user):
    results = await asyncio.gather(
        user.post(user.activity(text="status för TN-uppdrag")),
        user.post(user.activity(text="status för KS-uppdrag")),
        user.post(user.activity(text="uppdatera linjenätet")),
    )
    assert [status for status, _ in results] == [201, 201, 201]
    sent = [a for a in user.connector.activities if a["_conversation_id"] == user.conversation_id]
    headings = [visible_text([a]).splitlines()[0] for a in sent]
    question = "Vilken status har uppdraget?"
    assert sorted(set(headings)) == ["Kommunstyrelsen (KS)", "Tekniska nämnden (TN)", question]
    assert headings.count("Kommunstyrelsen (KS)") == headings.count("Tekniska nämnden (TN)") == 1
    # A status question handled after the update began is answered, then the question asked again.
    answered_meanwhile = len([h for h in headings[headings.index(question):] if h != question])
    assert headings.count(question) == 1 + answered_meanwhile


async def test_a_resent_activity_is_handled_once(user, database_url):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    await user.say("Klart.")
    confirm = user.activity(text="ja")
    _, first = await user.post(confirm)
    _, again = await user.post(confirm)  # Teams retries after 15 s without an answer
    assert "Sparat!" in visible_text(first) and again == []
    assert reports(database_url) == 9


@pytest.fixture
async def strict_url(aiohttp_server, settings):
    server = await aiohttp_server(create_app(replace(settings, require_reporters=True), clock=CLOCK))
    return str(server.make_url("")).rstrip("/")


async def test_only_reporters_may_update(strict_url, connector, database_url):
    user = TeamsUser(strict_url, connector)
    replies = await user.say("uppdatera uppdrag")
    shown = visible_text(replies)
    assert "Du är inte rapportör för någon nämnd" in shown and "reporters add" in shown
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        reporters.add_reporter(session=session, principal=user.aad_object_id, committee="KS")
    engine.dispose()
    replies = await user.say("uppdatera linjenätet")  # an MSN assignment; Anna reports for KS
    shown = visible_text(replies)
    assert "Du kan inte uppdatera" in shown and "Miljö- och samhällsnämnden (MSN)" in shown
    assert "Inget sparades" in shown and "reporters add" in shown
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        reporters.add_reporter(session=session, principal=user.aad_object_id, committee="MSN")
    engine.dispose()
    replies = await user.say("uppdatera linjenätet")
    assert "Vilken status har uppdraget?" in visible_text(replies)
    assert reports(database_url) == 8


async def test_the_second_of_two_simultaneous_updates_is_told(bot_url, connector, database_url):
    anna, bertil = TeamsUser(bot_url, connector), TeamsUser(bot_url, connector, name="Bertil Berg")
    for person, category in ((anna, "genomfört"), (bertil, "bedöms inte bli genomfört")):
        await person.say("uppdatera linjenätet")
        await person.say(category)
        await person.say(f"Kommentar från {person.name}.")
    assert "Sparat!" in visible_text(await anna.say("ja"))
    replies = await bertil.say("ja")
    shown = visible_text(replies)
    assert "Någon annan hann före" in shown and "Kommentar från Anna Andersson." in shown
    assert "Stämmer det här?" in shown  # asked again
    assert reports(database_url) == 9
    assert "Sparat!" in visible_text(await bertil.say("ja"))
    assert reports(database_url) == 10
    assert current(database_url, LINJENAT).comment == "Kommentar från Bertil Berg."


async def test_the_card_the_update_started_from_is_refreshed_in_place(user, connector):
    [message] = await user.say("status för MSN-uppdrag")
    [card] = cards_of([message])
    start = next(a["data"] for a in actions_of(card) if a["data"]["action"] == "update_status")
    replies = await user.press(start, card=message)
    replies = await user.press(button(replies, "✅")["data"])
    replies = await user.press({"action": "dialog", "comment": "Linjenätet är beslutat."})
    await user.press(button(replies, "Spara")["data"])
    [refresh] = [a for a in connector.activities if a["_method"] == "PUT"]
    assert refresh["_id"] == message["_id"]
    shown = visible_text([refresh])
    assert shown.startswith("Uppdaterad av Anna Andersson")
    assert "Miljö- och samhällsnämnden (MSN)" in shown  # still the MSN list, page 1
    assert "✅ Genomfört 1 · 🔵 Bedöms bli genomfört 1" in shown
    assert "Linjenätet är beslutat." in shown


async def test_two_people_in_one_group_chat_have_their_own_dialogs(bot_url, connector, database_url):
    anna = TeamsUser(bot_url, connector, conversation_type="groupChat")
    bertil = TeamsUser(bot_url, connector, name="Bertil Berg", conversation_type="groupChat")
    bertil.conversation_id = anna.conversation_id
    await anna.say("uppdatera linjenätet")
    await bertil.say("uppdatera trygghetsvandringen")
    assert "Skriv en kommentar" in visible_text(await anna.say("genomfört"))
    assert "Skriv en kommentar" in visible_text(await bertil.say("bedöms bli genomfört"))
    await anna.say("Annas kommentar.")
    await bertil.say("Bertils kommentar.")
    assert "Sparat!" in visible_text(await anna.say("ja"))
    assert "Sparat!" in visible_text(await bertil.say("ja"))
    assert current(database_url, LINJENAT).comment == "Annas kommentar."
    assert current(database_url, TRYGGHET).comment == "Bertils kommentar."


async def test_in_a_channel_mentions_do_not_get_in_the_way(bot_url, connector, database_url):
    user = TeamsUser(bot_url, connector, conversation_type="channel")
    at = "<at>Uppdragsboten</at> "
    await user.say(at + "uppdatera linjenätet")
    replies = await user.say(at + "status för KS")  # a question in the middle, answered
    assert "Kommunstyrelsen" in visible_text(replies)
    await user.say(at + "genomfört")
    await user.say(at + "Beslutat i nämnden.")
    assert "Sparat!" in visible_text(await user.say(at + "ja"))
    assert current(database_url, LINJENAT).comment == "Beslutat i nämnden."
    await user.say(at + "uppdatera linjenätet")
    assert "avbröts" in visible_text(await user.say(at + "avbryt"))


async def test_buttons_of_an_old_or_other_dialog_are_refused(user, database_url):
    replies = await user.say("uppdatera linjenätet")
    old_status = button(replies, "✅")["data"]
    await user.say("avbryt")
    replies = await user.press(old_status)
    assert "redan är avslutad" in visible_text(replies)
    await user.say("uppdatera trygghetsvandringen")
    replies = await user.press(old_status)  # a button of the first run, in the second
    assert "hör till en annan uppdatering" in visible_text(replies)
    assert "Vilken status har uppdraget?" in visible_text(replies)
    assert reports(database_url) == 8


async def test_at_the_comment_step_free_text_is_the_comment(user, database_url):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    replies = await user.say("Status: upphandlingen är klar och linjenätet beslutat.")
    assert "Stämmer det här?" in visible_text(replies)
    await user.say("ja")
    assert current(database_url, LINJENAT).comment == "Status: upphandlingen är klar och linjenätet beslutat."


async def test_history_question_in_the_middle_is_answered(user):
    await user.say("uppdatera linjenätet")
    replies = await user.say("historik för trygghetsvandringen")
    shown = visible_text(replies)
    assert "Historik" in shown and "Vilken status har uppdraget?" in shown


async def test_two_people_saving_at_the_same_moment(bot_url, connector, database_url):
    anna, bertil = TeamsUser(bot_url, connector), TeamsUser(bot_url, connector, name="Bertil Berg")
    for person in (anna, bertil):
        await person.say("uppdatera linjenätet")
        await person.say("genomfört")
        await person.say(f"Kommentar från {person.name}.")
    first, second = await asyncio.gather(anna.say("ja"), bertil.say("ja"))
    shown = [visible_text(first), visible_text(second)]
    assert sum("Sparat!" in s for s in shown) == 1
    assert sum("Någon annan hann före" in s for s in shown) == 1
    assert reports(database_url) == 9


async def test_cancel_without_a_dialog_says_so(user):
    assert "ingen pågående uppdatering" in visible_text(await user.say("avbryt"))


async def test_a_display_name_is_shown_as_written_not_as_markdown(bot_url, connector):
    kalle = TeamsUser(bot_url, connector, name="[Kalle](https://evil.example) **fet**")
    anna = TeamsUser(bot_url, connector)
    for person in (kalle, anna):
        await person.say("uppdatera linjenätet")
        await person.say("genomfört")
        await person.say("En kommentar.")
    assert "Sparat!" in visible_text(await kalle.say("ja"))
    [told] = [r["text"] for r in await anna.say("ja") if r.get("text", "").startswith("Någon annan hann före")]
    assert told.startswith(r"Någon annan hann före: \[Kalle\](https://evil.example) \*\*fet\*\* uppdaterade just")


WRITTEN = "Beslut i nämnden i maj.\n\nKontakta <at>Bertil Berg</at> för frågor:\n- linje 1\n- linje 2"
KEPT = "Beslut i nämnden i maj.\n\nKontakta Bertil Berg för frågor:\n- linje 1\n- linje 2"


async def test_a_comment_typed_in_chat_is_kept_as_written(user, database_url):
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    preview = await user.say(WRITTEN)
    assert "Kontakta Bertil Berg för frågor:" in visible_text(preview).splitlines()  # a paragraph of its own
    assert "Sparat!" in visible_text(await user.say("ja"))
    assert current(database_url, LINJENAT).comment == KEPT


async def test_in_a_channel_only_the_bots_own_mention_is_dropped(bot_url, connector, database_url):
    member = TeamsUser(bot_url, connector, conversation_type="channel")
    mention = {"type": "mention", "text": "<at>Uppdragsboten</at>", "mentioned": {"id": BOT_ID, "name": "Uppdragsboten"}}

    async def say(text: str) -> list[dict]:
        status, replies = await member.post(member.activity(text=f"<at>Uppdragsboten</at> {text}", entities=[mention]))
        assert status == 201
        return replies

    await say("uppdatera linjenätet")
    await say("genomfört")
    await say(WRITTEN)
    assert "Sparat!" in visible_text(await say("ja"))
    assert current(database_url, LINJENAT).comment == KEPT


async def test_a_comment_in_the_opening_message_is_kept_as_written(user, database_url):
    await user.say(f"lägg till kommentar på linjenätet: {WRITTEN}")
    await user.say("genomfört")
    assert "Sparat!" in visible_text(await user.say("ja"))
    assert current(database_url, LINJENAT).comment == KEPT
