"""What staff write that is not a plain status question, answered over HTTP (issue 14)."""

from __future__ import annotations

from tests.seen import actions_of, cards_of, visible_text


async def test_a_question_not_about_assignments_gets_a_plain_answer_not_a_committee_card(user):
    replies = await user.say("vem leder tekniska nämnden")
    shown = visible_text(replies)
    assert "Det vet jag inte" in shown and "status för TN-uppdrag" in shown
    assert "Genomför trygghetsvandring" not in shown  # no TN card because TN was named
    assert "Jag är Uppdragsboten" in visible_text(await user.say("vad heter du"))
    assert "när nämnderna sammanträder" in visible_text(await user.say("när sammanträder KS"))


async def test_a_status_word_the_bot_has_no_status_for_is_named_not_ignored(user):
    shown = visible_text(await user.say("vilka uppdrag är pausade"))
    assert "Statusen ”pausade” känner jag inte till" in shown and "”bedöms bli genomfört”" in shown
    assert "Utveckla ett nytt linjenät" not in shown


async def test_shared_assignments_of_two_committees_and_both_lists(user):
    shared = visible_text(await user.say("gemensamma uppdrag för MSN och TN"))
    assert "Gemensamma uppdrag för" in shared and "dagvattenhantering" in shared
    assert "linjenät" not in shared and "trygghetsvandring" not in shared
    both = visible_text(await user.say("MSN eller TN"))
    assert "dagvattenhantering" in both and "linjenät" in both and "trygghetsvandring" in both
    # Paging keeps "shared": the card's buttons carry it.
    assert all(a["data"].get("query", {}).get("shared", True) for card in cards_of(await user.say(
        "uppdrag som både MSN och TN har")) for a in actions_of(card) if a["data"].get("action") == "show_status")


async def test_subscribing_by_an_assignment_follows_its_committees(user):
    shown = visible_text(await user.say("håll koll på dagvattnet åt mig"))
    assert "Klart!" in shown and "Miljö- och samhällsnämnden (MSN)" in shown and "Tekniska nämnden (TN)" in shown
    assert "Besked ges per nämnd" in shown
    assert "Tekniska nämnden (TN)" in visible_text(await user.say("vilka bevakningar har jag"))
    assert "Jag hittade inget uppdrag" in visible_text(await user.say("håll koll på skolskjutsarna"))


async def test_and_for_t2_keeps_the_year_of_the_last_answer(user):
    await user.say("status för KS-uppdrag T1 2022")
    shown = visible_text(await user.say("och för T2?"))
    assert "T2 2022" in shown and "T2 2026" not in shown


async def test_updating_a_committees_assignments_offers_them_to_choose_from(user):
    replies = await user.say("jag vill uppdatera MSN:s uppdrag")
    shown = visible_text(replies)
    assert "Vilket av MSN:s uppdrag vill du uppdatera?" in shown
    choices = [a for card in cards_of(replies) for a in actions_of(card) if a["title"] == "Välj"]
    assert len(choices) == 2 and "linjenät" in shown and "dagvattenhantering" in shown
    assert "Vilken status har uppdraget?" in visible_text(await user.press(choices[0]["data"]))
