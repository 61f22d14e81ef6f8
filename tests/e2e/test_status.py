"""Asking for status in Teams, end to end over HTTP."""

from __future__ import annotations

import pytest

from storage.db import make_engine
from storage.importer import import_text
from tests.factories import database
from tests.seen import actions_of, cards_of, lines, visible_text

STADSRUM = "Genomför insatser kopplade till stadsrumsanalys Torvalla-Odensala"
SAN_TITLE = "Tillsammans med polisen genomföra förebyggande utbildningsinsatser"
STRATEGI = "Ta fram en kommunövergripande strategi för fredstida kriser"
EST = "Utveckla arbetet med effektiv samordning för trygghet, EST"
LINJENAT = "Utveckla ett nytt linjenät för stadstrafiken"
DAGVATTEN = "Utred nya lösningar på dagvattenhantering"
PURPLE = "Öka tryggheten i stadskärnan genom att arbeta för att nå en Purple Flag-certifiering"
TRYGGHETSVANDRING = "Genomför trygghetsvandring på de områden/platser i kommunen"
ALL_TITLES = [STADSRUM, SAN_TITLE, STRATEGI, EST, LINJENAT, DAGVATTEN, PURPLE, TRYGGHETSVANDRING]

EXPECTED = {
    "TN": [DAGVATTEN, PURPLE, TRYGGHETSVANDRING],
    "KS": [STADSRUM, STRATEGI, EST, PURPLE],
    "MSN": [LINJENAT, DAGVATTEN],
    "SAN": [SAN_TITLE],
}


def titles_in(card: dict) -> list[str]:
    """Which seed assignments a card shows, by their title's opening words."""
    text = "\n".join(lines(card, buttons=True))
    return [t for t in ALL_TITLES if t in text]


async def test_status_for_tn_shows_exactly_its_three_assignments(user):
    replies = await user.say("status för TN-uppdrag")
    assert len(replies) == 1
    [card] = cards_of(replies)
    assert titles_in(card) == EXPECTED["TN"]
    text = "\n".join(lines(card, buttons=True))
    assert "Tekniska nämnden" in text
    assert "T1 2022" in text
    assert "MSN, TN" in text and "KS, TN" in text


@pytest.mark.parametrize(
    "utterance, committee",
    [
        ("status för KS-uppdrag", "KS"),
        ("vilka uppdrag har KS?", "KS"),
        ("ks uppdrag t1 2022", "KS"),
        ("msn uppdrag", "MSN"),
        ("visa SAN:s uppdrag", "SAN"),
        ("social och arbetsmarknadsnämnden", "SAN"),
        ("tekniska nämden", "TN"),
        ("status för tn uppdarg", "TN"),
        ("<at>Uppdragsboten</at> status för TN-uppdrag", "TN"),
    ],
)
async def test_committee_questions_in_the_ways_people_write(user, utterance, committee):
    [card] = cards_of(await user.say(utterance))
    assert titles_in(card) == EXPECTED[committee]


async def test_committee_without_assignments_gets_a_friendly_answer(user):
    replies = await user.say("status för BUN-uppdrag")
    assert len(replies) == 1 and not cards_of(replies)
    text = replies[0]["text"]
    assert "Barn- och utbildningsnämnden" in text
    assert "inga uppdrag" in text and "T1 2022" in text


async def test_period_without_data_names_the_periods_that_have_some(user):
    replies = await user.say("KS uppdrag T1 2021")
    text = visible_text(replies)
    assert "inga rapporter för T1 2021" in text
    assert "Rapporterade perioder: T1 2022" in text


async def test_period_without_reports_is_not_a_card_of_blanks(user):
    replies = await user.say("delår 2022")
    assert not cards_of(replies)
    assert "inga rapporter för T2 2022 (delår 2022)" in replies[0]["text"]


async def test_committee_with_unmatched_words_still_gets_its_list(user):
    [card] = cards_of(await user.say("TN uppdrag fotboll"))
    assert titles_in(card) == EXPECTED["TN"]


async def test_history_for_an_assignment(user):
    [card] = cards_of(await user.say("historik för linjenätet"))
    text = "\n".join(lines(card, buttons=True))
    assert "Historik" in text and LINJENAT in text
    assert "T1 2022: 🔵 Bedöms bli genomfört" in text


async def test_garbage_card_submit_is_not_an_error(user):
    for value in ({"action": "show_assignment", "assignment_id": 10**30},
                  {"action": "show_assignment", "assignment_id": "x"},
                  {"action": "show_status", "query": "nonsense", "page": -5},
                  {"unexpected": [1, 2, 3]}):
        replies = await user.press(value)
        assert len(replies) == 1
        assert "Något gick fel" not in visible_text(replies)


async def test_status_filters(user):
    [done] = cards_of(await user.say("visa genomförda uppdrag"))
    assert titles_in(done) == [EST]
    [not_done] = cards_of(await user.say("visa ej genomförda uppdrag"))
    assert titles_in(not_done) == [t for t in ALL_TITLES if t != EST]
    replies = await user.say("KS uppdrag som inte bedöms bli genomförda")
    assert not cards_of(replies)
    assert "inga uppdrag" in replies[0]["text"]


async def test_free_text_question_shows_the_detail_card(user):
    replies = await user.say("hur går det med stadsrumsanalysen i Torvalla-Odensala?")
    [card] = cards_of(replies)
    text = "\n".join(lines(card, buttons=True))
    assert STADSRUM in text
    assert "Identifiering av vilka analyser som ska göras är genomförd" in text
    assert titles_in(card) == [STADSRUM]


async def test_search_for_linjenatet(user):
    [card] = cards_of(await user.say("hur går det med linjenätet?"))
    assert titles_in(card) == [LINJENAT]


async def test_search_without_match_says_so_with_suggestions(user):
    replies = await user.say("hur går det med fotbollsplanen i Brunflo?")
    assert len(replies) == 1
    text = visible_text(replies)
    assert "hittade inget" in text
    assert actions_of(cards_of(replies)[0])


async def test_show_details_button_opens_the_assignment(user):
    [card] = cards_of(await user.say("status för MSN-uppdrag"))
    details = [a for a in actions_of(card) if a.get("data", {}).get("action") == "show_assignment"]
    assert len(details) == 2
    [detail] = cards_of(await user.press(details[0]["data"]))
    assert titles_in(detail) == [LINJENAT]
    assert "det nya avtalet för stadsbussarna" in "\n".join(lines(detail, buttons=True))


async def test_help_lists_clickable_examples(user):
    replies = await user.say("hjälp")
    [card] = cards_of(replies)
    examples = [a for a in actions_of(card) if a.get("data", {}).get("action") == "ask"]
    assert len(examples) >= 3
    # Pressing an example (outside Teams the imBack arrives as a submit) answers it.
    tn = next(a for a in examples if "TN" in a["data"]["text"])
    [answer] = cards_of(await user.press(tn["data"]))
    assert titles_in(answer) == EXPECTED["TN"]


@pytest.mark.parametrize("text", ["🙂", "...", "   "])
async def test_not_understood_is_never_silent(user, text):
    replies = await user.say(text)
    assert len(replies) == 1
    assert "förstod inte" in visible_text(replies)


async def test_welcome_when_the_bot_is_added(user):
    update = user.activity(
        type="conversationUpdate",
        membersAdded=[{"id": "28:uppdragsboten"}, {"id": "29:someone"}],
    )
    update.pop("text", None)
    status, replies = await user.post(update)
    assert status == 201
    [card] = cards_of(replies)
    assert "Uppdragsboten" in "\n".join(lines(card, buttons=True))
    assert any(a.get("data", {}).get("action") == "ask" for a in actions_of(card))


async def test_no_welcome_when_only_a_person_joins(user):
    update = user.activity(type="conversationUpdate", membersAdded=[{"id": "29:someone"}])
    status, replies = await user.post(update)
    assert status == 201 and replies == []


async def test_welcome_on_installation(user):
    status, replies = await user.post(user.activity(type="installationUpdate", action="add"))
    assert status == 201
    assert len(cards_of(replies)) == 1


def _big_report(count: int) -> str:
    blocks = ["T2 2022 Uppdrag. Kommentar T2 2022"]
    for i in range(1, count + 1):
        blocks += [
            ".",
            f"Testuppdrag nummer {i} om förbättrad service i kommunen (KS)",
            "",
            "Uppdraget bedöms bli genomfört under året." if i % 2 else "Uppdraget är genomfört.",
            "",
            ("Arbetet pågår enligt plan och följs upp löpande av förvaltningen. " * 60).strip(),
            "",
        ]
    return "\n".join(blocks)


async def test_long_lists_are_paged_and_stay_small(user, database_url):
    engine = make_engine(database_url)
    import_text(database(engine), _big_report(23), filename="big.txt")
    engine.dispose()
    seen: list[str] = []
    replies = await user.say("KS uppdrag T2 2022")
    # 23 new + the 4 KS assignments of 2022 not yet reported in T2, ten a page.
    for shown, has_more in (("Visar 1–10 av 27", True), ("Visar 11–20 av 27", True), ("Visar 21–27 av 27", False)):
        [card] = cards_of(replies)
        text = lines(card, buttons=True)
        assert shown in text
        seen += [line for line in text if line.startswith("Testuppdrag nummer")]
        more = [a["data"] for a in actions_of(card) if a.get("title") == "Visa fler"]
        assert len(more) == has_more
        replies = await user.press(more[0]) if more else []
    assert len(seen) == 23 and len(set(seen)) == 23


async def test_one_welcome_per_installation_and_again_after_reinstall(user):
    added = user.activity(type="conversationUpdate", membersAdded=[{"id": "28:uppdragsboten"}])
    installed = user.activity(type="installationUpdate", action="add")
    _, first = await user.post(added)
    _, second = await user.post(installed)
    assert len(cards_of(first)) == 1 and second == []
    _, removed = await user.post(user.activity(type="installationUpdate", action="remove"))
    assert removed == []
    _, again = await user.post(user.activity(type="installationUpdate", action="add"))
    assert len(cards_of(again)) == 1


@pytest.mark.parametrize("value", [
    "show_status",
    ["action", "show_status"],
    {"action": "explode"},
    {"action": "show_assignment", "assignment_id": "not a number"},
    {"no": "action"},
])
async def test_a_button_that_cannot_be_read_gets_a_swedish_answer(user, value):
    replies = await user.press(value)
    assert visible_text(replies).splitlines()[0] == (
        "Den knappen kunde jag inte läsa – kortet kan vara från en äldre version av mig. "
        "Fråga gärna igen, till exempel ”status för KS-uppdrag”.")
