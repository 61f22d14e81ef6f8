"""dialogs/actions.py: every card button is a typed action that survives the trip to Teams and
back, data that is not one of our buttons is ``Unreadable`` (never an exception), and every
button a card draws parses back to the action the card meant."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date
from typing import Any

import pytest

from dialogs.actions import (
    Action,
    Ask,
    DialogAnswer,
    Origin,
    ShowAssignment,
    ShowStatus,
    Unreadable,
    UpdateStatus,
    parse,
    positive_int,
)
from dialogs.cards import (
    ask_action,
    assignment_card,
    choose_assignment_card,
    choose_status_card,
    comment_card,
    confirm_card,
    help_card,
    notification_card,
    status_list_card,
    suggestions_card,
    welcome_card,
)
from dialogs.language.understand import StatusQuery
from domain.periods import Period
from domain.rules import NotificationKind
from domain.statuses import StatusCategory
from tests.seen import of_type
from tests.unit.test_cards import EXAMPLES, make, seed

T1, T3 = Period(2022, 1), Period(2022, 3)
TOKEN = "d3f1a9c2"
TN_AT_RISK = StatusQuery(committees=("TN", "KS"), categories=frozenset({StatusCategory.AT_RISK,
                                                                         StatusCategory.NOT_DONE}),
                         period=T1, text="linjenätet")


def pressed(card: dict) -> list[tuple[str, Action | Unreadable]]:
    """Each button of ``card`` as (title, what the bot gets when it is pressed)."""
    return [(s["title"], parse(json.loads(json.dumps(s["data"])))) for s in of_type(card, "Action.Submit")]


# ------------------------------------------------------------------------------- round trips


ACTIONS: list[Action] = [
    Ask("status för TN-uppdrag"),
    Ask("hur går det med stadsrumsanalysen?"),
    ShowStatus(StatusQuery()),
    ShowStatus(StatusQuery(period=T1), 2),
    ShowStatus(TN_AT_RISK, 3),
    ShowStatus(StatusQuery(committees=("SAN",), year=2022), 1),
    ShowAssignment(7, T1),
    ShowAssignment(7),
    UpdateStatus(42, T3),
    UpdateStatus(42, T3, Origin(TN_AT_RISK, 2)),
    UpdateStatus(42, None, Origin(StatusQuery())),
    UpdateStatus(None),  # a press without a usable id: the dialog asks which assignment
    DialogAnswer(TOKEN),
    DialogAnswer(TOKEN, assignment_id=5),
    *(DialogAnswer(TOKEN, category=c) for c in StatusCategory),
    DialogAnswer(TOKEN, keep=True),
    DialogAnswer(TOKEN, confirm=True),
    DialogAnswer(TOKEN, confirm=False),
    DialogAnswer(),  # a card from before dialog tokens
]


@pytest.mark.parametrize("action", ACTIONS, ids=repr)
def test_every_action_round_trips(action: Action) -> None:
    assert parse(action.to_data()) == action
    assert parse(json.loads(json.dumps(action.to_data()))) == action  # as Teams sends it back: JSON


@pytest.mark.parametrize("origin", [Origin(StatusQuery()), Origin(TN_AT_RISK, 4), Origin(StatusQuery(year=2021), 2)])
def test_origin_round_trips(origin: Origin) -> None:
    assert Origin.from_data(json.loads(json.dumps(origin.to_data()))) == origin


def test_the_comment_typed_on_the_comment_card_comes_with_its_button() -> None:
    # Teams adds the Input.Text "comment" to the data of the button pressed.
    for button in (DialogAnswer(TOKEN), DialogAnswer(TOKEN, keep=True)):
        data = {**button.to_data(), "comment": "Upphandlingen är klar."}
        assert parse(data) == DialogAnswer(TOKEN, comment="Upphandlingen är klar.", keep=button.keep)
    assert DialogAnswer(TOKEN).is_empty
    assert not DialogAnswer(TOKEN, comment="Klart.").is_empty
    assert not DialogAnswer(TOKEN, category=StatusCategory.DONE).is_empty


# The data cards carry, as written before the typed actions: cards already in users' chats
# hold exactly this, so it must keep parsing to the same thing.
WIRE = [
    ({"action": "ask", "text": "hjälp", "msteams": {"type": "imBack", "value": "hjälp"}}, Ask("hjälp")),
    ({"action": "show_status",
      "query": {"committees": ["TN"], "categories": ["bedöms inte bli genomfört"], "period": "T1 2022",
                "text": None, "year": None},
      "page": 2},
     ShowStatus(StatusQuery(committees=("TN",), categories=frozenset({StatusCategory.AT_RISK}), period=T1), 2)),
    ({"action": "show_assignment", "assignment_id": 7, "period": "T1 2022"}, ShowAssignment(7, T1)),
    ({"action": "update_status", "assignment_id": 42, "period": "T3 2022"}, UpdateStatus(42, T3)),
    ({"action": "update_status", "assignment_id": 42, "period": "T3 2022",
      "origin": {"query": {"committees": ["TN"], "categories": [], "period": "T3 2022", "text": None, "year": None},
                 "page": 2}},
     UpdateStatus(42, T3, Origin(StatusQuery(committees=("TN",), period=T3), 2))),
    ({"action": "dialog", "dialog": TOKEN, "assignment_id": 5}, DialogAnswer(TOKEN, assignment_id=5)),
    ({"action": "dialog", "dialog": TOKEN, "category": "ej genomfört"},
     DialogAnswer(TOKEN, category=StatusCategory.NOT_DONE)),
    ({"action": "dialog", "dialog": TOKEN, "keep": True}, DialogAnswer(TOKEN, keep=True)),
    ({"action": "dialog", "dialog": TOKEN, "confirm": False}, DialogAnswer(TOKEN, confirm=False)),
    ({"action": "dialog"}, DialogAnswer()),
]


@pytest.mark.parametrize(("data", "action"), WIRE, ids=[str(d) for d, _ in WIRE])
def test_the_wire_format_is_unchanged(data: dict, action: Action) -> None:
    assert action.to_data() == data
    assert parse(data) == action


# --------------------------------------------------------------------------- bad payloads


GARBLED: list[Any] = [
    None,
    "uppdatera",
    42,
    [],
    [{"action": "ask", "text": "hjälp"}],
    {},
    {"text": "hjälp"},
    {"action": None},
    {"action": 5},
    {"action": ["ask"]},
    {"action": {"name": "ask"}},
    {"action": "more", "page": 2},  # no such button
    {"action": "ASK", "text": "hjälp"},
    {"action": "delete_everything"},
    {"action": "ask"},
    {"action": "ask", "text": "   "},
    {"action": "ask", "text": 5},
    {"action": "ask", "text": ["hjälp"]},
    {"action": "show_assignment"},
    {"action": "show_assignment", "assignment_id": None, "period": "T1 2022"},
    {"action": "show_assignment", "assignment_id": "abc"},
    {"action": "show_assignment", "assignment_id": 0},
    {"action": "show_assignment", "assignment_id": -3},
    {"action": "show_assignment", "assignment_id": True},
    {"action": "show_assignment", "assignment_id": 1.5},
    {"action": "show_assignment", "assignment_id": 2**31},
    {"action": "show_assignment", "assignment_id": "9" * 5_000},
    {"action": "show_assignment", "assignment_id": {"id": 7}},
]


@pytest.mark.parametrize("value", GARBLED, ids=repr)
def test_garbled_payloads_are_unreadable_not_errors(value: Any) -> None:
    result = parse(value)
    assert isinstance(result, Unreadable)
    assert isinstance(result.reason, str) and result.reason


# Data that is off in a field the button can do without: the press still does what it can.
LENIENT = [
    ({"action": "show_status"}, ShowStatus(StatusQuery(), 1)),
    ({"action": "show_status", "query": "TN", "page": "x"}, ShowStatus(StatusQuery(), 1)),
    ({"action": "show_status", "query": {"committees": "TN", "categories": ["klart", 3], "period": "T9 2022",
                                         "year": "2022"}, "page": -2},
     ShowStatus(StatusQuery(), 1)),
    ({"action": "show_status", "query": {"committees": [" tn ", 7]}, "page": "3"},
     ShowStatus(StatusQuery(committees=("TN",)), 3)),
    ({"action": "show_assignment", "assignment_id": "7", "period": "nyss"}, ShowAssignment(7)),
    ({"action": "update_status", "assignment_id": "abc", "period": 2022, "origin": "lista"}, UpdateStatus(None)),
    ({"action": "update_status", "assignment_id": 42, "origin": {"query": {}, "page": 0}},
     UpdateStatus(42, None, Origin(StatusQuery(), 1))),
    ({"action": "dialog", "dialog": 5, "assignment_id": -1, "category": "GENOMFÖRT", "keep": "true",
      "confirm": "yes", "comment": ["x"]},
     DialogAnswer()),
]


@pytest.mark.parametrize(("data", "action"), LENIENT, ids=[str(d) for d, _ in LENIENT])
def test_fields_that_are_off_are_dropped_not_fatal(data: dict, action: Action) -> None:
    assert parse(data) == action


def _junk(rng: random.Random, depth: int = 0) -> Any:
    simple = [None, True, False, 0, -1, 1, 7, "7", 2**31, 2**63, 1.5, -0.0, "", " ", "T1 2022", "t3-22", "TN",
              "genomfört", "🙂" * 3, "\x00\u202e", "1_000", "٣", "9" * 5_000, TOKEN]
    if depth >= 3 or rng.random() < 0.6:
        return rng.choice(simple)
    if rng.random() < 0.5:
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["action", "text", "query", "page", "assignment_id", "period", "origin", "dialog", "category",
            "comment", "keep", "confirm", "committees", "categories", "year", "x"]
    return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def test_no_payload_raises() -> None:
    rng = random.Random(20221)
    names = ["ask", "show_status", "show_assignment", "update_status", "dialog", "other"]
    kinds = Counter()
    for _ in range(5_000):
        value = _junk(rng)
        if isinstance(value, dict) and rng.random() < 0.9:
            value["action"] = rng.choice(names)
        result = parse(value)  # never raises
        assert isinstance(result, (Action, Unreadable))
        kinds[type(result).__name__] += 1
    assert set(kinds) == {"Ask", "ShowStatus", "ShowAssignment", "UpdateStatus", "DialogAnswer", "Unreadable"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), ("42", 42), (2**31 - 1, 2**31 - 1), (0, None), (-1, None), ("-1", None), (2**31, None),
     (True, None), (False, None), (1.0, None), (None, None), ("abc", None), ("", None), ([1], None)],
)
def test_positive_int(value: Any, expected: int | None) -> None:
    assert positive_int(value) == expected


# ----------------------------------------------------------- the buttons the cards draw


def test_suggestion_buttons_ask_their_text() -> None:
    assert parse(ask_action("status för TN-uppdrag")["data"]) == Ask("status för TN-uppdrag")
    for card in (help_card(EXAMPLES), welcome_card(EXAMPLES), suggestions_card("Jag förstod inte.", EXAMPLES)):
        assert pressed(card) == [(e, Ask(e)) for e in EXAMPLES]


def test_list_card_buttons() -> None:
    items = [make(1, comment="Arbete pågår."), make(2, comment="Upphandlingen pågår. " * 40), make(3, comment=None)]
    more, origin = ShowStatus(TN_AT_RISK, 2), Origin(TN_AT_RISK, 1)
    card = status_list_card(items, title="Tekniska nämnden (TN)", period=T1, total=13,
                            counts=Counter(i.category for i in items), page=1, more=more, origin=origin)
    buttons = pressed(card)
    assert [action for _, action in buttons] == [
        *(action for item in items for action in (ShowAssignment(item.assignment_id, T1),
                                                  UpdateStatus(item.assignment_id, T1, origin))),
        more,
    ]
    assert [title for title, _ in buttons] == [
        "Visa detaljer", "Uppdatera status", "Visa hela", "Uppdatera status", "Visa detaljer", "Uppdatera status",
        "Visa fler"]


def test_detail_card_button() -> None:
    item = make(42, period=T3)
    assert pressed(assignment_card(item)) == [("Uppdatera status", UpdateStatus(42, T3))]


def test_dialog_card_buttons_answer_the_dialog_that_drew_them() -> None:
    candidates = list(seed()[:3])
    assert pressed(choose_assignment_card("Vilket uppdrag?", candidates, token=TOKEN)) == [
        ("Välj", DialogAnswer(TOKEN, assignment_id=c.assignment_id)) for c in candidates]
    categories = list(StatusCategory)[:4]
    assert [a for _, a in pressed(choose_status_card("Titel", T3, categories, token=TOKEN))] == [
        DialogAnswer(TOKEN, category=c) for c in categories]
    assert pressed(comment_card("Titel", T1, "Arbete pågår.", "T3 2021", token=TOKEN)) == [
        ("Nästa", DialogAnswer(TOKEN)), ("Behåll tidigare kommentar", DialogAnswer(TOKEN, keep=True))]
    assert pressed(confirm_card(make(42), token=TOKEN)) == [
        ("Spara", DialogAnswer(TOKEN, confirm=True)), ("Avbryt", DialogAnswer(TOKEN, confirm=False))]


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_notification_card_buttons_update_each_assignment(kind: NotificationKind) -> None:
    items = [make(i, period=T1, category=StatusCategory.NOT_REPORTED, sentence=None, comment=None)
             for i in (3, 5, 8)]
    card = notification_card(kind, T1, date(2022, 5, 22), "TN", items)
    assert pressed(card) == [("Uppdatera status", UpdateStatus(i, T1)) for i in (3, 5, 8)]
