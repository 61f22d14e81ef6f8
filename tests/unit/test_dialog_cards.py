"""dialogs/cards.py: the status update dialog's cards (choose assignment, status, comment, confirm)
and the "Uppdatera status" button on the list and detail cards."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest

from dialogs.actions import Origin, UpdateStatus, parse
from dialogs.cards import (
    CHOICES_MAX,
    MAX_CARD_BYTES,
    assignment_card,
    card_size,
    choose_assignment_card,
    choose_status_card,
    comment_card,
    confirm_card,
    status_list_card,
    update_action,
)
from dialogs.language.understand import StatusQuery
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.rules import COMMENT_LIMIT
from domain.statuses import StatusCategory
from tests.cardcheck import assert_valid
from tests.seen import lines, of_type
from tests.unit.test_cards import (
    EVIL,
    EVIL_PIECES,
    long_text,
    make,
    seed,
    strings_outside_text_runs,
)

T1, T2, T3 = Period(2022, 1), Period(2022, 2), Period(2022, 3)
DURING_YEAR = [StatusCategory.DONE, StatusCategory.ON_TRACK, StatusCategory.AT_RISK]
YEAR_END = [*DURING_YEAR, StatusCategory.NOT_DONE]
LINJENAT = "Utveckla ett nytt linjenät för stadstrafiken"
NOT_FOUND = ("Jag hittade inget uppdrag som matchar ”purpel flagg”. Vilket uppdrag vill du uppdatera? "
             "Välj nedan eller skriv några ord ur titeln.")


# ----------------------------------------------------------------------------- inspecting




def buttons(card: dict) -> list[tuple[str, dict]]:
    return [(d["title"], d["data"]) for d in of_type(card, "Action.Submit")]


def preview(item: AssignmentStatus, category: StatusCategory, comment: str,
            author: str | None = "Anna Andersson") -> AssignmentStatus:
    """What the dialog shows before saving (UpdateAssignmentDialog._preview)."""
    return replace(item, category=category, sentence=category.sentence, comment=comment, author=author,
                   reported_at=None)


def linjenat() -> AssignmentStatus:
    [item] = [s for s in seed() if s.title == LINJENAT]
    return item


def evil_item(assignment_id: int = 66, **changes) -> AssignmentStatus:
    return make(assignment_id, title=f"Titel {EVIL}", sentence=f"Uppdraget {EVIL}", comment=f"Kommentar {EVIL}",
                author=f"Anna {EVIL}", **changes)


# --------------------------------------------------------------------- every card validates


def _cards() -> dict[str, Callable[[], dict]]:
    huge = make(9, title=long_text(4_000), comment=long_text(4_000), sentence=long_text(4_000))
    emoji = make(10, title="🙂" * 4_000, comment="🙂" * 4_000, author="🙂" * 4_000)
    paragraphs = "Första stycket.\n\nAndra stycket.\r\n" + "\n".join(f"Rad {i}" for i in range(200))
    return {
        "choose: seed": lambda: choose_assignment_card("Vilket uppdrag vill du uppdatera?", seed()),
        "choose: one": lambda: choose_assignment_card("Flera uppdrag matchar ”trygghet”. Vilket menar du?",
                                                      seed()[:1]),
        "choose: none": lambda: choose_assignment_card(NOT_FOUND, []),
        "choose: more than fit": lambda: choose_assignment_card(
            "Vilket?", [make(i, title=long_text(4_000)) for i in range(1, 30)]),
        "choose: emoji titles": lambda: choose_assignment_card("Vilket?", [emoji] * CHOICES_MAX),
        "choose: injected": lambda: choose_assignment_card(f"Inget matchar ”{EVIL}”.", [evil_item()]),
        "choose: long search text": lambda: choose_assignment_card(
            f"Jag hittade inget uppdrag som matchar ”{long_text(4_000)}”.", []),
        "status: T1": lambda: choose_status_card(LINJENAT, T1, DURING_YEAR),
        "status: T3": lambda: choose_status_card(LINJENAT, T3, YEAR_END),
        "status: huge title": lambda: choose_status_card(long_text(4_000, spaces=False), T2, DURING_YEAR),
        "status: emoji title": lambda: choose_status_card("🙂" * 4_000, T1, DURING_YEAR),
        "status: injected": lambda: choose_status_card(f"Titel {EVIL}", T1, DURING_YEAR),
        "comment: no previous": lambda: comment_card(LINJENAT, T3, None, None),
        "comment: seed previous": lambda: comment_card(LINJENAT, T1, linjenat().comment, "T1 2022"),
        "comment: 4000-character previous": lambda: comment_card(
            long_text(4_000), T1, long_text(4_000), "T1 2022"),
        "comment: 4000 emoji previous": lambda: comment_card("🙂" * 4_000, T1, "🙂" * 4_000, "T1 2022"),
        "comment: 4000 characters without spaces": lambda: comment_card(
            LINJENAT, T2, long_text(4_000, spaces=False), "T1 2022"),
        "comment: many paragraphs": lambda: comment_card(LINJENAT, T2, paragraphs, "T1 2022"),
        "comment: injected": lambda: comment_card(f"Titel {EVIL}", T1, f"Kommentar {EVIL}", "T3 2021"),
        "confirm: seed": lambda: confirm_card(preview(linjenat(), StatusCategory.DONE, "Beslutat i maj.")),
        "confirm: T3 not done": lambda: confirm_card(
            preview(replace(linjenat(), period=T3), StatusCategory.NOT_DONE, "Sköts upp.")),
        "confirm: 4000-character comment": lambda: confirm_card(
            preview(huge, StatusCategory.AT_RISK, long_text(4_000))),
        "confirm: 4000 emoji": lambda: confirm_card(preview(emoji, StatusCategory.ON_TRACK, "🙂" * 4_000)),
        "confirm: no author": lambda: confirm_card(preview(linjenat(), StatusCategory.DONE, "Klart.", None)),
        "confirm: injected": lambda: confirm_card(
            preview(evil_item(), StatusCategory.DONE, f"Kommentar {EVIL}", f"Anna {EVIL}")),
    }


CARDS = _cards()


@pytest.mark.parametrize("name", CARDS)
def test_every_dialog_card_validates(name: str) -> None:
    card = CARDS[name]()
    assert_valid(card)
    assert card_size(card) < MAX_CARD_BYTES


# ------------------------------------------------------------------- choose an assignment


def test_choose_assignment_card_has_the_message_and_a_button_per_candidate() -> None:
    candidates = list(seed()[:3])
    card = choose_assignment_card(NOT_FOUND, candidates)
    assert lines(card)[0] == NOT_FOUND
    assert [data for _, data in buttons(card)] == [
        {"action": "dialog", "assignment_id": c.assignment_id} for c in candidates]
    assert all(title == "Välj" for title, _ in buttons(card))  # titles are TextRuns, not button text
    assert lines(card)[1].startswith("Genomför insatser kopplade till stadsrumsanalys")
    assert "Du kan också skriva några ord ur uppdragets titel, eller ”avbryt”." in lines(card)


def test_choose_assignment_card_offers_at_most_choices_max() -> None:
    card = choose_assignment_card("Vilket?", [make(i) for i in range(1, 20)])
    assert [data["assignment_id"] for _, data in buttons(card)] == list(range(1, CHOICES_MAX + 1))


def test_choose_assignment_card_without_candidates_has_no_empty_action_set() -> None:
    card = choose_assignment_card(NOT_FOUND, [])
    assert buttons(card) == []
    assert of_type(card, "ActionSet") == []


# -------------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    "categories",
    [DURING_YEAR, YEAR_END, [StatusCategory.AT_RISK], [StatusCategory.NOT_DONE, StatusCategory.DONE]],
)
def test_status_card_offers_exactly_the_categories_passed_in(categories) -> None:
    card = choose_status_card(LINJENAT, T1, categories)
    assert buttons(card) == [
        (f"{c.icon} {c.label}", {"action": "dialog", "category": c.value}) for c in categories]
    assert card["actions"] == [
        {"type": "Action.Submit", "title": f"{c.icon} {c.label}", "data": {"action": "dialog", "category": c.value}}
        for c in categories
    ]


def test_status_card_shows_the_question_title_and_period() -> None:
    assert lines(choose_status_card(LINJENAT, T3, YEAR_END)) == [
        "Vilken status har uppdraget?", LINJENAT, "Period: T3 2022 (helår 2022)"]


def test_status_card_during_the_year_has_no_ej_genomfort() -> None:
    card = choose_status_card(LINJENAT, T1, DURING_YEAR)
    assert not any("Ej genomfört" in title for title, _ in buttons(card))
    assert not any(data.get("category") == "ej genomfört" for _, data in buttons(card))


# ------------------------------------------------------------------------------- comment


@pytest.mark.parametrize("previous", [None, "", "Arbete pågår.", long_text(4_000)])
def test_comment_card_has_a_4000_character_multiline_input(previous) -> None:
    card = comment_card(LINJENAT, T1, previous, "T1 2022" if previous else None)
    [field] = of_type(card, "Input.Text")
    assert field["id"] == "comment"
    assert field["maxLength"] == COMMENT_LIMIT == 4_000
    assert field["isMultiline"] is True
    assert field["label"] == "Kommentar"
    assert buttons(card)[0] == ("Nästa", {"action": "dialog"})


def test_comment_card_with_a_previous_comment_offers_to_keep_it() -> None:
    previous = linjenat().comment
    card = comment_card(LINJENAT, T2, previous, "T1 2022")
    assert buttons(card) == [("Nästa", {"action": "dialog"}),
                             ("Behåll tidigare kommentar", {"action": "dialog", "keep": True})]
    shown = lines(card)
    assert shown[:2] == ["Skriv en kommentar om hur arbetet går", LINJENAT]
    assert "Period: T2 2022 (delår 2022) · högst 4\u00a0000 tecken" in shown
    assert "Tidigare kommentar (T1 2022):" in shown
    assert previous in shown
    [shown_previous] = [r for r in of_type(card, "TextRun") if r["text"] == previous]
    assert shown_previous.get("italic") is True


@pytest.mark.parametrize("previous", [None, ""])
def test_comment_card_without_a_previous_comment_has_no_keep_button(previous) -> None:
    card = comment_card(LINJENAT, T3, previous, None)
    assert buttons(card) == [("Nästa", {"action": "dialog"})]
    assert not any(line.startswith("Tidigare kommentar") for line in lines(card))


def test_a_4000_character_previous_comment_is_shortened_on_the_comment_card() -> None:
    previous = long_text(4_000)
    card = comment_card(LINJENAT, T1, previous, "T1 2022")
    [shown] = [r["text"] for r in of_type(card, "TextRun") if r.get("italic")]
    assert shown.endswith("…")
    assert 1_000 <= len(shown) <= 1_501
    assert previous.startswith(shown.removesuffix("…"))


def test_a_previous_comment_in_paragraphs_is_shown_on_one_line() -> None:
    card = comment_card(LINJENAT, T1, "Första stycket.\n\nAndra stycket.", "T1 2022")
    assert "Första stycket. Andra stycket." in lines(card)


# ------------------------------------------------------------------------------- confirm


def test_confirm_card_has_spara_and_avbryt() -> None:
    card = confirm_card(preview(linjenat(), StatusCategory.DONE, "Beslutat i maj."))
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Spara", "data": {"action": "dialog", "confirm": True}},
        {"type": "Action.Submit", "title": "Avbryt", "data": {"action": "dialog", "confirm": False}},
    ]
    assert not any(data["action"] == "update_status" for _, data in buttons(card))


def test_confirm_card_shows_the_update_as_it_will_be_saved() -> None:
    item = linjenat()
    card = confirm_card(preview(item, StatusCategory.AT_RISK, "Förslaget är försenat."))
    shown = lines(card)
    assert shown[:2] == ["Stämmer det här? Så här sparas uppdateringen:", LINJENAT]
    assert "Nämnder: Miljö- och samhällsnämnden (MSN)" in shown
    assert "Period: T1 2022 (tertial 1 2022)" in shown
    assert "Status: 🟠 Bedöms inte bli genomfört" in shown
    assert "Uppdraget bedöms inte bli genomfört under året." in shown
    assert "Förslaget är försenat." in shown
    assert item.comment not in shown  # the old comment is replaced
    assert "Rapporterad av Anna Andersson" in shown


def test_confirm_card_shows_a_4000_character_comment_whole() -> None:
    comment = long_text(4_000)
    card = confirm_card(preview(linjenat(), StatusCategory.DONE, comment))
    assert comment in lines(card)
    assert not any(line.startswith("Kommentaren är för lång") for line in lines(card))


# ------------------------------------------------------------------------------ dialog token


def test_every_dialog_button_carries_the_dialog_token() -> None:
    token = "d3f1a9c2"
    choose = choose_assignment_card("Vilket?", [make(5)], token=token)
    status = choose_status_card(LINJENAT, T3, [StatusCategory.DONE, StatusCategory.NOT_DONE], token=token)
    comment = comment_card(LINJENAT, T1, "Arbete pågår.", "T3 2021", token=token)
    confirm = confirm_card(preview(linjenat(), StatusCategory.DONE, "Klart."), token=token)
    assert buttons(choose) == [("Välj", {"action": "dialog", "dialog": token, "assignment_id": 5})]
    assert buttons(status) == [
        ("✅ Genomfört", {"action": "dialog", "dialog": token, "category": "genomfört"}),
        ("🔴 Ej genomfört", {"action": "dialog", "dialog": token, "category": "ej genomfört"})]
    assert buttons(comment) == [
        ("Nästa", {"action": "dialog", "dialog": token}),
        ("Behåll tidigare kommentar", {"action": "dialog", "dialog": token, "keep": True})]
    assert buttons(confirm) == [
        ("Spara", {"action": "dialog", "dialog": token, "confirm": True}),
        ("Avbryt", {"action": "dialog", "dialog": token, "confirm": False})]


# ----------------------------------------------------------------- "Uppdatera status" buttons


def test_update_action_data() -> None:
    item = make(42, period=T3)
    assert update_action(item) == {
        "type": "Action.Submit", "title": "Uppdatera status",
        "data": {"action": "update_status", "assignment_id": 42, "period": "T3 2022"}}
    origin = Origin(StatusQuery(committees=("TN",)), 2)
    data = update_action(item, origin)["data"]
    assert data == {
        "action": "update_status", "assignment_id": 42, "period": "T3 2022",
        "origin": {"query": {"committees": ["TN"], "categories": [], "period": None, "text": None, "year": None},
                   "page": 2}}
    assert parse(data) == UpdateStatus(42, T3, origin)  # the press brings back the list to draw again


def test_every_list_item_has_uppdatera_status_for_its_assignment_and_period() -> None:
    items = list(seed())
    origin = Origin(StatusQuery(period=T1), 1)
    card = status_list_card(items, title="Alla nämnder", period=T1, total=len(items),
                            counts=Counter(i.category for i in items), page=1, more=None,
                            origin=origin)
    assert_valid(card)
    updates = [data for title, data in buttons(card) if title == "Uppdatera status"]
    origin_data = {"query": {"committees": [], "categories": [], "period": "T1 2022", "text": None, "year": None},
                   "page": 1}
    assert updates == [
        {"action": "update_status", "assignment_id": i.assignment_id, "period": "T1 2022", "origin": origin_data}
        for i in items]


@pytest.mark.parametrize("item", [linjenat(), make(7, period=T3, category=StatusCategory.NOT_DONE),
                                  make(8, category=StatusCategory.NOT_REPORTED, sentence=None, comment=None)])
def test_the_detail_card_has_uppdatera_status(item) -> None:
    card = assignment_card(item)
    assert_valid(card)
    assert card["actions"] == [{
        "type": "Action.Submit", "title": "Uppdatera status",
        "data": {"action": "update_status", "assignment_id": item.assignment_id, "period": item.period.label}}]


# ----------------------------------------------------------------------------- injection


INJECTED = {name: build for name, build in CARDS.items() if name.endswith("injected")}


@pytest.mark.parametrize("name", sorted(n for n in INJECTED if not n.startswith("choose")))
def test_outside_text_on_dialog_cards_is_only_ever_a_text_run(name: str) -> None:
    card = INJECTED[name]()
    for text in strings_outside_text_runs(card):
        assert not any(piece in text for piece in EVIL_PIECES), text
    assert any(EVIL in r["text"] for r in of_type(card, "TextRun"))


def test_outside_text_on_the_choose_card_message_is_a_text_run() -> None:
    card = choose_assignment_card(f"Inget matchar ”{EVIL}”.", [])
    for text in strings_outside_text_runs(card):
        assert not any(piece in text for piece in EVIL_PIECES), text
    assert lines(card)[0] == f"Inget matchar ”{EVIL}”."


def test_titles_on_the_choose_card_are_only_ever_text_runs() -> None:
    card = INJECTED["choose: injected"]()
    for text in strings_outside_text_runs(card):
        assert not any(piece in text for piece in EVIL_PIECES), text


def test_titles_on_the_choose_card_are_plain_single_lines() -> None:
    nasty = "Ny\x00 park\x1b[31m\u202eröd\u202c\n\n plan"
    card = choose_assignment_card("Vilket?", [make(1, title=nasty)])
    assert "Ny park[31mröd plan" in lines(card)


def test_the_choose_card_stays_small_whatever_the_user_typed() -> None:
    card = choose_assignment_card(f"Jag hittade inget uppdrag som matchar ”{'🙂' * 30_000}”.", [])
    assert card_size(card) < MAX_CARD_BYTES
