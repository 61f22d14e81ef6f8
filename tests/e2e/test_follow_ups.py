"""Follow-ups in the same conversation, end to end over HTTP: a question that refines the last
answer ("visa bara de genomförda", "och för T2?", "och MSN då?") and one about the assignment
shown last ("vad står det om den?", "vem rapporterade det?", "uppdatera den")."""

from __future__ import annotations

from datetime import datetime

from domain.clock import TIME_ZONE
from storage.db import make_engine
from storage.importer import import_text
from tests.e2e.conftest import TeamsUser
from tests.e2e.test_status import (
    DAGVATTEN,
    EST,
    EXPECTED,
    LINJENAT,
    PURPLE,
    STADSRUM,
    STRATEGI,
    TRYGGHETSVANDRING,
    titles_in,
)
from tests.factories import database
from tests.seen import actions_of, cards_of, lines, visible_text

# T2 2022 for three of the demo's assignments (the same titles: the same assignments); the
# other 2022 assignments have no report in T2.
T2_2022 = "\n".join([
    "T2 2022 Uppdrag. Kommentar T2 2022",
    ".",
    TRYGGHETSVANDRING + " som identifierats i polisens och kommunens lägesbild inom det brottsförebyggande "
    "arbetet (TN)",
    "",
    "Uppdraget är genomfört.",
    "",
    "Trygghetsvandringen genomfördes i maj.",
    ".",
    LINJENAT + " (MSN)",
    "",
    "Uppdraget är genomfört.",
    "",
    "Linjenätet är beslutat.",
    ".",
    DAGVATTEN + " i vår gatumiljö, både vid nybyggnationer och inom befintlig gatumiljö (MSN, TN)",
    "",
    "Uppdraget bedöms bli genomfört under året.",
    "",
    "Utredningen pågår.",
])


def card_text(replies: list[dict]) -> str:
    [card] = cards_of(replies)
    return "\n".join(lines(card, buttons=True))


def only_text(replies: list[dict]) -> str:
    assert len(replies) == 1 and not cards_of(replies), visible_text(replies)
    return replies[0]["text"]


# --- refining the last list --------------------------------------------------------------------

async def test_a_filter_narrows_the_last_list_and_a_committee_switches_it(user, bot_url, connector):
    assert titles_in(cards_of(await user.say("status för TN-uppdrag"))[0]) == EXPECTED["TN"]
    # TN has nothing done in T1 2022 (without the context: EST, KS's, would be listed).
    assert only_text(await user.say("visa bara de genomförda")) == (
        "Tekniska nämnden (TN) har inga uppdrag genomförda i T1 2022.")
    [card] = cards_of(await user.say("och KS då?"))  # KS, still only the finished ones
    assert titles_in(card) == [EST]
    assert "Kommunstyrelsen" in "\n".join(lines(card))
    [card] = cards_of(await user.say("visa bara de som bedöms bli genomförda"))  # KS, another filter
    assert titles_in(card) == [STADSRUM, STRATEGI, PURPLE]

    someone_else = TeamsUser(bot_url, connector, name="Cecilia Ek")  # no context: every committee
    [card] = cards_of(await someone_else.say("visa bara de genomförda"))
    assert titles_in(card) == [EST]
    assert "Alla nämnder" in "\n".join(lines(card))


async def test_a_period_changes_the_period_and_keeps_committee_and_filter(user, clock, database_url):
    clock.set(datetime(2022, 12, 15, 11, 0, tzinfo=TIME_ZONE))  # "T2" is T2 2022; no reporting open
    engine = make_engine(database_url)
    import_text(database(engine), T2_2022, filename="uppdrag-T2-2022.txt")
    engine.dispose()

    assert titles_in(cards_of(await user.say("status för TN-uppdrag T1 2022"))[0]) == EXPECTED["TN"]
    assert only_text(await user.say("visa bara de genomförda")) == (
        "Tekniska nämnden (TN) har inga uppdrag genomförda i T1 2022.")
    replies = await user.say("och för T2?")  # TN's finished ones in T2 2022
    assert titles_in(cards_of(replies)[0]) == [TRYGGHETSVANDRING]
    assert "Tekniska nämnden" in card_text(replies) and "T2 2022" in card_text(replies)
    replies = await user.say("och MSN då?")  # MSN's finished ones, still T2 2022
    assert titles_in(cards_of(replies)[0]) == [LINJENAT]
    assert "Miljö- och samhällsnämnden" in card_text(replies) and "T2 2022" in card_text(replies)
    assert only_text(await user.say("och för T1 2022?")) == (
        "Miljö- och samhällsnämnden (MSN) har inga uppdrag genomförda i T1 2022.")


async def test_a_question_naming_its_own_committee_ignores_the_context(user):
    await user.say("status för TN-uppdrag")
    await user.say("visa bara de genomförda")  # the context: TN's finished ones
    [card] = cards_of(await user.say("status för KS-uppdrag"))
    assert titles_in(card) == EXPECTED["KS"]  # all of KS's, not only the finished one
    [card] = cards_of(await user.say("visa bara de genomförda"))
    assert titles_in(card) == [EST]  # the follow-up refines the KS list


# --- the assignment shown last -----------------------------------------------------------------

async def test_den_and_det_mean_the_assignment_shown(user, clock):
    assert titles_in(cards_of(await user.say("hur går det med linjenätet?"))[0]) == [LINJENAT]

    replies = await user.say("vad står det om den?")
    assert titles_in(cards_of(replies)[0]) == [LINJENAT]
    assert "det nya avtalet för stadsbussarna" in card_text(replies)

    assert only_text(await user.say("vem rapporterade det?")) == (
        f"Rapporten för ”{LINJENAT}” (T1 2022: 🔵 Bedöms bli genomfört) har inget namn: den lästes in från "
        "den publicerade uppföljningen.")

    replies = await user.say("uppdatera den")  # the update dialog, on linjenätet
    assert "Vilken status har uppdraget?" in visible_text(replies) and LINJENAT in visible_text(replies)
    assert "Skriv en kommentar" in visible_text(await user.say("genomfört"))
    await user.say("Linjenätet är beslutat.")
    assert "Sparat!" in visible_text(await user.say("ja"))

    clock.advance(minutes=10)
    assert only_text(await user.say("vem rapporterade det?")) == (
        f"Anna Andersson rapporterade ”{LINJENAT}” 2026-11-27 (T1 2022: ✅ Genomfört).")
    replies = await user.say("historik för den")
    assert "Historik" in card_text(replies) and LINJENAT in card_text(replies)
    assert "T1 2022: ✅ Genomfört" in card_text(replies) and "T1 2022: 🔵 Bedöms bli genomfört" in card_text(replies)


async def test_the_update_just_saved_is_the_one_meant(user):
    await user.say("status för MSN-uppdrag")  # two assignments: "det" would be unclear
    await user.say("uppdatera trygghetsvandringen")
    await user.say("genomfört")
    await user.say("Vandringen är gjord.")
    await user.say("ja")
    assert only_text(await user.say("vem rapporterade det?")).startswith(
        f"Anna Andersson rapporterade ”{TRYGGHETSVANDRING}")


async def test_after_a_list_of_several_the_bot_asks_which_one(user):
    await user.say("status för MSN-uppdrag")
    replies = await user.say("vad står det om den?")
    shown = card_text(replies)
    assert shown.startswith("Jag vet inte vilket av uppdragen du menar.")
    assert LINJENAT in shown and DAGVATTEN in shown
    buttons = [a["data"] for a in actions_of(cards_of(replies)[0])]
    assert [b["action"] for b in buttons] == ["show_assignment", "show_assignment"]
    replies = await user.press(buttons[0])
    assert titles_in(cards_of(replies)[0]) == [LINJENAT]
    assert LINJENAT in only_text(await user.say("vem rapporterade det?"))  # now it is clear
    assert only_text(await user.say("visa bara de genomförda")) == (  # still refines MSN's list
        "Miljö- och samhällsnämnden (MSN) har inga uppdrag genomförda i T1 2022.")

    await user.say("status för TN-uppdrag")
    replies = await user.say("uppdatera den")  # to update: a button that starts the dialog
    buttons = [a["data"] for a in actions_of(cards_of(replies)[0])]
    assert [b["action"] for b in buttons] == ["update_status"] * 3
    replies = await user.press(buttons[2])
    assert "Vilken status har uppdraget?" in visible_text(replies)
    assert TRYGGHETSVANDRING in visible_text(replies)


async def test_without_anything_shown_the_bot_says_it_does_not_know_which(user):
    for message in ("vad står det om den?", "vem rapporterade det?"):
        replies = await user.say(message)
        shown = visible_text(replies)
        assert shown.startswith("Jag vet inte vilket uppdrag du menar")
        assert "hur går det med linjenätet?" in [a["title"] for a in actions_of(cards_of(replies)[0])]
    # "uppdatera den" alone is an update request: the dialog asks which assignment.
    assert "Vilket uppdrag vill du uppdatera?" in visible_text(await user.say("uppdatera den"))


# --- per person, and for a while ---------------------------------------------------------------

async def test_two_people_in_one_group_chat_have_their_own_context(bot_url, connector):
    anna = TeamsUser(bot_url, connector, conversation_type="groupChat")
    bertil = TeamsUser(bot_url, connector, name="Bertil Berg", conversation_type="groupChat")
    bertil.conversation_id = anna.conversation_id
    await anna.say("status för TN-uppdrag")
    await bertil.say("status för KS-uppdrag")
    assert only_text(await anna.say("visa bara de genomförda")) == (
        "Tekniska nämnden (TN) har inga uppdrag genomförda i T1 2022.")
    [card] = cards_of(await bertil.say("visa bara de genomförda"))
    assert titles_in(card) == [EST] and "Kommunstyrelsen" in "\n".join(lines(card))

    await anna.say("hur går det med linjenätet?")
    await bertil.say("hur går det med dagvattnet?")
    assert LINJENAT in only_text(await anna.say("vem rapporterade det?"))
    assert DAGVATTEN in only_text(await bertil.say("vem rapporterade det?"))


async def test_the_context_is_gone_after_thirty_minutes(user, clock):
    await user.say("status för TN-uppdrag")
    clock.advance(minutes=29)
    assert "Tekniska nämnden" in only_text(await user.say("visa bara de genomförda"))  # still TN's
    clock.advance(minutes=31)
    [card] = cards_of(await user.say("visa bara de genomförda"))  # on its own: every committee's
    assert titles_in(card) == [EST] and "Alla nämnder" in "\n".join(lines(card))

    await user.say("hur går det med linjenätet?")
    clock.advance(minutes=31)
    assert visible_text(await user.say("vad står det om den?")).startswith("Jag vet inte vilket uppdrag du menar")
