"""UpdateAssignmentDialog on its own: botbuilder's TestAdapter, SqlStorage on the real database.

Each turn runs the dialog the way the bot does (continue the active dialog, else begin it
with the ``Update`` the router would pass) and saves the conversation state, so every step
goes through the database. What is checked: what the user sees (texts and card contents)
and what ends up in the database. "avbryt", "hjälp", questions and new requests asked
mid-dialog are the dialog's own (dialogs/cancel_and_help.py), so they are driven here by
text alone. The HTTP path through the handler is covered by
tests/e2e/test_update.py; these tests reach the corners that are hard to reach from there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import pytest
from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnResult, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes, Attachment
from sqlmodel import select

from dialogs.actions import Origin
from dialogs.cancel_and_help import Interrupted
from dialogs.copy import CANCELLED, NOT_A_REPORTER, OTHER_DIALOG_BUTTON
from dialogs.language.understand import (
    HistoryRequest,
    Intent,
    StatusQuery,
    UpdateRequest,
    understand,
)
from dialogs.state import SqlStorage
from dialogs.update_assignment import (
    ASK_ASSIGNMENT,
    ASK_COMMENT,
    ASK_CONFIRM,
    ASK_STATUS,
    DIALOG_ID,
    STEP_HELP,
    Reporter,
    Saved,
    Update,
    UpdateAssignmentDialog,
)
from domain.clock import today
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.statuses import StatusCategory
from storage import queries, reporters
from storage.gateway import Database
from storage.importer import load_demo_data
from storage.models import BotStateItem, StatusReport
from tests.cardcheck import assert_valid
from tests.factories import AT, clock_at
from tests.seen import cards_of, lines, visible_text, walk

card_lines = partial(lines, buttons=True)  # what the user reads on a card, buttons too

T1, T2, T3 = Period(2022, 1), Period(2022, 2), Period(2022, 3)
REPORTING_DAY = datetime(2022, 5, 10, 12, 0)  # T1 2022 is open for reporting (1–22 May)
ANNA = Reporter(
    user_id="00000000-0000-4000-8000-00000000a11a",
    name="Anna Andersson",
    principals=("00000000-0000-4000-8000-00000000a11a", "anna.andersson@kommun.se"),
)
LINJENAT = "Utveckla ett nytt linjenät för stadstrafiken"
LINJENAT_COMMENT = "Arbete pågår för att ta fram det slutliga förslaget"  # the T1 comment starts so
TRYGGHET = "Genomför trygghetsvandring på de områden/platser i kommunen"
DAGVATTEN = "Utred nya lösningar på dagvattenhantering"
PURPLE_FLAG = "Öka tryggheten i stadskärnan"
THREE_CHOICES = ("Välj en av: ”genomfört”, ”bedöms bli genomfört”, ”bedöms inte bli genomfört”.")
NOT_UNDERSTOOD = f"Jag förstod inte vilken status du menar. {THREE_CHOICES}"
NO_PREVIOUS = "Det finns ingen tidigare kommentar att behålla. Skriv en kommentar."
COMMENT_NEEDED = "Kommentaren behövs. Skriv några meningar om hur arbetet går."
ASK_YES_NO = "Svara ”ja” för att spara eller ”nej” för att avbryta."
CHOOSE_QUESTION = "Vilket uppdrag vill du uppdatera? Välj nedan eller skriv några ord ur titeln."
STATUS_QUESTION = "Vilken status har uppdraget?"
COMMENT_QUESTION = "Skriv en kommentar om hur arbetet går"
CONFIRM_QUESTION = "Stämmer det här? Så här sparas uppdateringen:"
SAVED = "Sparat! Så här ser uppdraget ut nu:"
ANSWERED = "(svar på frågan)"  # what the harness's answer_question sends
DEMO_REPORTS = 8


# ----------------------------------------------------------------------------- harness


class Process:
    """One bot process: its own storage, conversation state and dialogs on the shared database.

    ``understand`` reads a message as the router does (the stored committee list, today from
    the database's clock); ``answer_question`` records the question in ``questions`` and
    answers with ``ANSWERED``, so a test sees both that it was answered and what was asked.
    """

    def __init__(self, db: Database, questions: list[Intent], *, open_reporting: bool = True) -> None:
        self._db = db
        self._questions = questions
        self.conversation_state = ConversationState(SqlStorage(db))
        self.dialogs = DialogSet(self.conversation_state.create_property("DialogState"))
        self.dialogs.add(UpdateAssignmentDialog(db, open_reporting=open_reporting,
                                                understand=self.understand, answer_question=self.answer_question))

    async def understand(self, text: str) -> Intent:
        return understand(text, await self._db.run(queries.list_committees), today=today(self._db.clock))

    async def answer_question(self, context: TurnContext, intent: Intent) -> None:
        self._questions.append(intent)
        await context.send_activity(ANSWERED)


async def run_turn(process: Process, context: TurnContext, options: Update) -> DialogTurnResult:
    """One turn as the bot runs it: continue the waiting dialog or begin a new one, then save."""
    dc = await process.dialogs.create_context(context)
    if dc.active_dialog:
        result = await dc.continue_dialog()
    else:
        result = await dc.begin_dialog(DIALOG_ID, options)
    await process.conversation_state.save_changes(context)
    return result
@dataclass
class Replies:
    activities: list[Activity]

    @property
    def texts(self) -> list[str]:
        """The plain text messages, in order."""
        return [a.text for a in self.activities if a.text]

    @property
    def cards(self) -> list[dict]:
        return cards_of(self.activities)

    @property
    def shown(self) -> str:
        """Everything the user reads, message by message."""
        return visible_text(self.activities)

    def buttons(self) -> list[tuple[str, dict]]:
        """Buttons with their data, less the token that ties them to one run of the dialog."""
        return [(d["title"], {k: v for k, v in d["data"].items() if k != "dialog"})
                for card in self.cards for d in walk(card) if d.get("type") == "Action.Submit"]

    def button(self, title_start: str) -> dict:
        """A button's full data, as Teams would send it back."""
        found = [d["data"] for card in self.cards for d in walk(card)
                 if d.get("type") == "Action.Submit" and d["title"].startswith(title_start)]
        assert len(found) == 1, f"no single button {title_start!r} in {self.buttons()!r}"
        return found[0]


class Chat:
    """A user talking to the dialog through botbuilder's TestAdapter."""

    def __init__(self, db: Database, **process_options) -> None:
        self.db = db
        self._process_options = process_options
        self.questions: list[Intent] = []  # what answer_question was asked, over all processes
        self.process = Process(db, self.questions, **process_options)
        self.adapter = TestAdapter(self._turn)
        self.options: Update | None = None
        self.result: DialogTurnResult | None = None

    def restart(self) -> None:
        """A new process: nothing of the old one's memory, only the database, is left."""
        self.process = Process(self.db, self.questions, **self._process_options)

    async def _turn(self, context: TurnContext) -> None:
        self.result = await run_turn(self.process, context, copy.deepcopy(self.options))

    async def start(self, **options) -> Replies:
        """Begin the dialog with the handler's ``Update`` (the reporter is Anna unless given)."""
        self.options = Update(**{"reporter": ANNA, **options})
        replies = await self.say("uppdatera")
        assert self.result.status != DialogTurnStatus.Empty
        return replies

    async def say(self, text: str) -> Replies:
        return await self.receive(Activity(type=ActivityTypes.message, text=text))

    async def press(self, **data) -> Replies:
        """An Action.Submit: Teams sends empty text and the button's data (and inputs) as value."""
        return await self.receive(Activity(type=ActivityTypes.message, text="", value={"action": "dialog", **data}))

    async def receive(self, activity: Activity) -> Replies:
        self.adapter.activity_buffer.clear()
        await self.adapter.receive_activity(activity)
        replies = Replies(list(self.adapter.activity_buffer))
        self.adapter.activity_buffer.clear()
        for card in replies.cards:
            assert_valid(card)  # every card the dialog sends must be one Teams can render
        return replies

    @property
    def waiting(self) -> bool:
        return self.result is not None and self.result.status == DialogTurnStatus.Waiting

    @property
    def finished(self) -> bool:
        return self.result is not None and self.result.status == DialogTurnStatus.Complete


# ------------------------------------------------------------------------- database


@pytest.fixture
def db(prepared_engine) -> Database:
    """The real database (SQLite and PostgreSQL) with the demo T1 2022 report, on REPORTING_DAY."""
    db = Database(prepared_engine, clock_at(REPORTING_DAY))
    load_demo_data(db)
    return db


def assignment_id(db: Database, title_start: str) -> int:
    [found] = [s.assignment_id for s in db.run_sync(queries.find_statuses, period=T1)
               if s.title.startswith(title_start)]
    return found


def history(db: Database, title_start: str) -> list[AssignmentStatus]:
    return db.run_sync(queries.history, assignment_id=assignment_id(db, title_start))


def current(db: Database, title_start: str, period: Period = T1) -> AssignmentStatus:
    return db.run_sync(queries.get_status, assignment_id=assignment_id(db, title_start), period=period)


def report_rows(db: Database) -> list[tuple]:
    """(assignment_id, category, author_id, author_name, source) of every report, oldest first."""
    with db.session() as session:
        rows = session.exec(select(StatusReport).order_by(StatusReport.id)).all()
        return [(r.assignment_id, r.category, r.author_id, r.author_name, r.source) for r in rows]


def add_reporter(db: Database, committee: str, principal: str = ANNA.principals[1]) -> None:
    db.run_sync(reporters.add_reporter, principal=principal, committee=committee)


def category_buttons(replies: Replies) -> list[dict]:
    return [data for _, data in replies.buttons()]


def dialog_buttons_for(*categories: StatusCategory) -> list[dict]:
    return [{"action": "dialog", "category": c.value} for c in categories]


THREE = (StatusCategory.DONE, StatusCategory.ON_TRACK, StatusCategory.AT_RISK)


async def at_assignment(chat: Chat, db) -> Replies:
    replies = await chat.start()  # nothing said: the choice of assignments
    assert card_lines(replies.cards[0])[0] == CHOOSE_QUESTION
    return replies


async def at_status(chat: Chat, db, title: str = LINJENAT, **options) -> Replies:
    replies = await chat.start(assignment_id=assignment_id(db, title), **options)
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION
    return replies


async def at_comment(chat: Chat, db, title: str = LINJENAT, **options) -> Replies:
    replies = await chat.start(assignment_id=assignment_id(db, title), category=StatusCategory.DONE, **options)
    assert COMMENT_QUESTION in replies.shown
    return replies


async def at_confirm(chat: Chat, db, comment: str = "Linjenätet beslutades i maj.", **options) -> Replies:
    await at_comment(chat, db, **options)
    replies = await chat.say(comment)
    assert CONFIRM_QUESTION in replies.shown
    return replies


STEPS = [(at_assignment, ASK_ASSIGNMENT), (at_status, ASK_STATUS), (at_comment, ASK_COMMENT),
         (at_confirm, ASK_CONFIRM)]
QUESTION = {ASK_ASSIGNMENT: CHOOSE_QUESTION, ASK_STATUS: STATUS_QUESTION, ASK_COMMENT: COMMENT_QUESTION,
            ASK_CONFIRM: CONFIRM_QUESTION}  # each step's card starts so


# ------------------------------------------------------------------ finding the assignment


async def test_a_text_naming_one_assignment_goes_straight_to_the_status_card(db):
    chat = Chat(db)
    replies = await chat.start(text="trygghetsvandringen")
    assert chat.waiting
    [card] = replies.cards
    assert replies.texts == []
    lines = card_lines(card)
    assert lines[0] == STATUS_QUESTION
    assert lines[1].startswith(TRYGGHET)  # the whole title, as a TextRun
    assert "Period: T1 2022 (tertial 1 2022)" in lines
    assert replies.buttons() == [
        ("✅ Genomfört", {"action": "dialog", "category": "genomfört"}),
        ("🔵 Bedöms bli genomfört", {"action": "dialog", "category": "bedöms bli genomfört"}),
        ("🟠 Bedöms inte bli genomfört", {"action": "dialog", "category": "bedöms inte bli genomfört"}),
    ]
    assert "Vilket" not in replies.shown  # no choice of assignment was asked


async def test_assignment_id_and_category_skip_to_the_comment(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, LINJENAT), period=T1,
                               category=StatusCategory.AT_RISK)
    assert chat.waiting
    [card] = replies.cards
    lines = card_lines(card)
    assert lines[:2] == [COMMENT_QUESTION, LINJENAT]
    assert STATUS_QUESTION not in replies.shown
    assert "Period: T1 2022 (tertial 1 2022) · högst 4\u00a0000 tecken" in lines
    assert "Tidigare kommentar (T1 2022):" in lines
    assert any(line.startswith(LINJENAT_COMMENT) for line in lines)
    assert replies.buttons() == [("Nästa", {"action": "dialog"}),
                                 ("Behåll tidigare kommentar", {"action": "dialog", "keep": True})]
    [comment_input] = [d for d in walk(card) if d.get("type") == "Input.Text"]
    assert (comment_input["id"], comment_input["maxLength"]) == ("comment", 4000)

    await chat.say("Förslaget är försenat.")
    await chat.say("ja")
    assert current(db, LINJENAT).category is StatusCategory.AT_RISK  # the category from the options


async def test_assignment_id_without_category_asks_for_the_status(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, DAGVATTEN))
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, current(db, DAGVATTEN).title]
    assert category_buttons(replies) == dialog_buttons_for(*THREE)


async def test_no_match_offers_the_reporters_own_assignments(db):
    add_reporter(db, "TN")
    chat = Chat(db)
    replies = await chat.start(text="purpurfärgad flagga i hamnen")
    [card] = replies.cards
    assert card_lines(card)[0] == (
        "Jag hittade inget uppdrag som matchar ”purpurfärgad flagga i hamnen”. "
        "Vilket uppdrag vill du uppdatera? Välj nedan eller skriv några ord ur titeln."
    )
    tn = [DAGVATTEN, PURPLE_FLAG, "Genomför trygghetsvandring"]  # the three TN assignments, in order
    offered = replies.buttons()
    assert len(offered) == 3
    shown = [line for line in card_lines(card) if any(line.startswith(start) for start in tn)]
    assert [next(s for s in tn if line.startswith(s)) for line in shown] == tn
    assert [data for _, data in offered] == [
        {"action": "dialog", "assignment_id": assignment_id(db, start)} for start in tn]

    replies = await chat.press(**offered[1][1])
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, current(db, PURPLE_FLAG).title]


async def test_a_typed_title_at_the_assignment_step_is_searched(db):
    chat = Chat(db)
    await chat.start()  # nothing said: the choice of assignments
    replies = await chat.say("linjenätet")
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, LINJENAT]


async def test_an_assignment_that_no_longer_exists_ends_the_dialog(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=987_654)
    assert replies.texts == ["Jag hittar inte det uppdraget längre. Inget sparades."]
    assert replies.cards == []
    assert chat.finished
    assert len(report_rows(db)) == DEMO_REPORTS


# ---------------------------------------------------------------------------- the status


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        ("genomfört", StatusCategory.DONE),
        ("bedöms inte bli genomfört", StatusCategory.AT_RISK),
        ("på väg", StatusCategory.ON_TRACK),
        ("Bedöms bli genomfört.", StatusCategory.ON_TRACK),
    ],
)
async def test_a_typed_status_is_understood_and_saved(db, answer, category):
    chat = Chat(db)
    await chat.start(assignment_id=assignment_id(db, TRYGGHET))
    replies = await chat.say(answer)
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    replies = await chat.say("Vandringen är planerad.")
    assert f"Status: {category.icon} {category.label}" in replies.shown  # the preview
    await chat.say("ja")
    saved = history(db, TRYGGHET)[0]
    assert (saved.period, saved.category, saved.sentence) == (T1, category, category.sentence)


async def test_a_status_button_is_understood(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, TRYGGHET))
    replies = await chat.press(**replies.button("🟠"))
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    await chat.say("Försenat.")
    await chat.say("ja")
    assert current(db, TRYGGHET).category is StatusCategory.AT_RISK


@pytest.mark.parametrize("answer", ["kanske", "vet inte", "12"])
async def test_an_unknown_status_answer_is_asked_again_in_swedish(db, answer):
    chat = Chat(db)
    await chat.start(assignment_id=assignment_id(db, LINJENAT))
    replies = await chat.say(answer)
    assert replies.texts == [NOT_UNDERSTOOD]
    assert COMMENT_QUESTION not in replies.shown
    assert chat.waiting
    replies = await chat.say("genomfört")  # still at the status step
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION


async def test_ej_genomfort_is_refused_before_the_year_end(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, LINJENAT), period=T1)
    assert "Ej genomfört" not in replies.shown
    for answer in (chat.say("ej genomfört"), chat.say("inte genomfört"),
                   chat.press(category="ej genomfört"), chat.press(category="ej rapporterat")):
        replies = await answer
        assert replies.texts == [NOT_UNDERSTOOD]
        assert chat.waiting
    assert len(report_rows(db)) == DEMO_REPORTS


async def test_ej_genomfort_from_the_opening_message_is_not_taken_before_the_year_end(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, LINJENAT), category=StatusCategory.NOT_DONE)
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION  # asked, not skipped
    assert category_buttons(replies) == dialog_buttons_for(*THREE)


async def test_ej_genomfort_is_offered_and_accepted_at_the_year_end(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, LINJENAT), period=T3)
    assert "Period: T3 2022 (helår 2022)" in card_lines(replies.cards[0])
    assert category_buttons(replies) == dialog_buttons_for(*THREE, StatusCategory.NOT_DONE)
    assert dict(replies.buttons())["🔴 Ej genomfört"] == {"action": "dialog", "category": "ej genomfört"}

    replies = await chat.say("ej genomfört")
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    replies = await chat.say("Avtalet sköts upp till 2023.")
    assert "Status: 🔴 Ej genomfört" in replies.shown
    await chat.say("ja")
    [saved, *older] = history(db, LINJENAT)
    assert (saved.period, saved.category, saved.sentence, saved.comment) == (
        T3, StatusCategory.NOT_DONE, "Uppdraget är inte genomfört under året.", "Avtalet sköts upp till 2023.")
    assert [h.period for h in older] == [T1]
    assert current(db, LINJENAT).category is StatusCategory.ON_TRACK  # T1 untouched


# --------------------------------------------------------------------------- the comment


async def test_behall_keeps_the_previous_comment(db):
    chat = Chat(db)
    await at_comment(chat, db)
    previous = current(db, LINJENAT).comment
    assert previous.startswith(LINJENAT_COMMENT)
    replies = await chat.say("Behåll")
    assert previous in replies.shown  # the preview shows the kept comment
    await chat.say("ja")
    saved = history(db, LINJENAT)[0]
    assert (saved.category, saved.comment) == (StatusCategory.DONE, previous)
    assert len(history(db, LINJENAT)) == 2


async def test_the_keep_button_keeps_the_comment_of_the_period_before(db):
    chat = Chat(db)
    replies = await at_comment(chat, db, period=T2)
    assert "Tidigare kommentar (T1 2022):" in card_lines(replies.cards[0])
    # Teams sends the card's input with the button's data: an empty comment field.
    replies = await chat.press(**replies.button("Behåll tidigare kommentar"), comment="")
    assert CONFIRM_QUESTION in replies.shown
    await chat.say("ja")
    assert current(db, LINJENAT, T2).comment == current(db, LINJENAT, T1).comment


async def test_behall_without_a_previous_comment_asks_for_one(db):
    chat = Chat(db)
    replies = await at_comment(chat, db, period=T3)  # nothing in T3 or T2
    lines = card_lines(replies.cards[0])
    assert not any(line.startswith("Tidigare kommentar") for line in lines)
    assert replies.buttons() == [("Nästa", {"action": "dialog"})]
    for answer in (chat.say("behåll"), chat.press(keep=True, comment="")):
        replies = await answer
        assert replies.texts == [NO_PREVIOUS]
        assert chat.waiting
    replies = await chat.say("Klart i december.")
    assert CONFIRM_QUESTION in replies.shown


@pytest.mark.parametrize("empty", ["", "   ", " \n\t "])
async def test_an_empty_comment_is_asked_for_again(db, empty):
    chat = Chat(db)
    await at_comment(chat, db)
    replies = await chat.press(comment=empty)  # "Nästa" with nothing written
    assert replies.texts == [COMMENT_NEEDED]
    assert CONFIRM_QUESTION not in replies.shown
    assert chat.waiting
    replies = await chat.press(comment="  Nu är det skrivet.  ")
    assert "Nu är det skrivet." in card_lines(replies.cards[0])


async def test_a_comment_of_4001_characters_is_refused_and_4000_accepted(db):
    chat = Chat(db)
    await at_comment(chat, db)
    replies = await chat.press(comment="å" * 4_001)
    [message] = replies.texts
    assert "högst 4 000 tecken" in message and "4 001 tecken" in message and "Korta den" in message
    assert replies.cards == [] and chat.waiting
    replies = await chat.press(comment="å" * 4_000)
    assert CONFIRM_QUESTION in replies.shown
    await chat.say("ja")
    assert current(db, LINJENAT).comment == "å" * 4_000


async def test_the_too_long_message_reads_well(db):
    chat = Chat(db)
    await at_comment(chat, db)
    replies = await chat.press(comment="å" * 4_001)
    assert replies.texts == [
        "Kommentaren får vara högst 4 000 tecken, din har 4 001 tecken. Korta den och skicka igen."]


async def test_a_too_long_comment_in_the_opening_message_is_not_saved(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, LINJENAT), category=StatusCategory.DONE,
                               comment="å" * 5_000)
    if CONFIRM_QUESTION in replies.shown:
        await chat.say("ja")
    assert all(len(h.comment or "") <= 4_000 for h in history(db, LINJENAT))


async def test_a_comment_in_the_opening_message_skips_the_comment_step(db):
    chat = Chat(db)
    replies = await chat.start(assignment_id=assignment_id(db, LINJENAT), category=StatusCategory.DONE,
                               comment="Beslutat i nämnden.")
    [card] = replies.cards
    assert card_lines(card)[0] == CONFIRM_QUESTION
    assert "Beslutat i nämnden." in card_lines(card)
    assert COMMENT_QUESTION not in replies.shown


# ------------------------------------------------------------------------- confirm, save


async def test_the_confirm_card_shows_the_update_as_it_will_be_saved(db):
    chat = Chat(db)
    replies = await at_confirm(chat, db, comment="Linjenätet beslutades i maj.")
    [card] = replies.cards
    lines = card_lines(card)
    assert lines[:2] == [CONFIRM_QUESTION, LINJENAT]
    assert "Status: ✅ Genomfört" in lines
    assert "Uppdraget är genomfört." in lines  # the standard sentence
    assert "Linjenätet beslutades i maj." in lines
    assert "Rapporterad av Anna Andersson" in lines
    assert not any(line.startswith(LINJENAT_COMMENT) for line in lines)  # the old comment is gone
    token = card["actions"][0]["data"]["dialog"]  # ties the buttons to this run of the dialog
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Spara", "data": {"action": "dialog", "dialog": token, "confirm": True}},
        {"type": "Action.Submit", "title": "Avbryt", "data": {"action": "dialog", "dialog": token, "confirm": False}},
    ]
    assert len(report_rows(db)) == DEMO_REPORTS  # nothing saved yet


@pytest.mark.parametrize("answer", ["ja", "Ja!", "ja, spara", "OK", {"confirm": True}])
async def test_yes_saves_the_report(db, answer):
    chat = Chat(db)
    origin = Origin(StatusQuery(committees=("MSN",)), page=1)
    await at_confirm(chat, db, comment="Linjenätet beslutades i maj.", period=T1,
                     origin=origin, card_activity_id="1:card-msn")
    replies = await (chat.press(**answer) if isinstance(answer, dict) else chat.say(answer))

    assert replies.texts == [SAVED]
    [card] = replies.cards
    lines = card_lines(card)
    assert lines[0] == LINJENAT
    assert "Status: ✅ Genomfört" in lines and "Linjenätet beslutades i maj." in lines
    assert any(line.startswith("Rapporterad av Anna Andersson 20") for line in lines)  # with the time
    assert card["actions"][0]["data"] == {
        "action": "update_status", "assignment_id": assignment_id(db, LINJENAT), "period": "T1 2022"}

    rows = report_rows(db)
    assert len(rows) == DEMO_REPORTS + 1
    assert rows[-1] == (assignment_id(db, LINJENAT), "genomfört", ANNA.user_id, "Anna Andersson", "teams")
    saved = history(db, LINJENAT)[0]
    assert (saved.period, saved.category, saved.sentence, saved.comment, saved.author) == (
        T1, StatusCategory.DONE, "Uppdraget är genomfört.", "Linjenätet beslutades i maj.", "Anna Andersson")
    assert saved.reported_at is not None

    assert chat.finished
    ended = chat.result.result
    assert isinstance(ended, Saved)
    assert (ended.assignment_id, ended.period, ended.author, ended.origin, ended.card_activity_id) == (
        assignment_id(db, LINJENAT), T1, "Anna Andersson", origin, "1:card-msn")
    assert ended.reported_at == saved.reported_at


@pytest.mark.parametrize("answer", ["nej", "Nej tack.", "avbryt", {"confirm": False}])
async def test_no_cancels_and_saves_nothing(db, answer):
    chat = Chat(db)
    await at_confirm(chat, db)
    replies = await (chat.press(**answer) if isinstance(answer, dict) else chat.say(answer))
    assert replies.texts == [CANCELLED]
    assert replies.cards == []
    assert chat.finished and chat.result.result is None
    assert len(report_rows(db)) == DEMO_REPORTS
    assert current(db, LINJENAT).category is StatusCategory.ON_TRACK


@pytest.mark.parametrize("answer", ["kanske", "jaha", "spara inte nu"])
async def test_an_unknown_confirm_answer_is_asked_again(db, answer):
    chat = Chat(db)
    await at_confirm(chat, db)
    replies = await chat.say(answer)
    assert replies.texts == [ASK_YES_NO]
    assert chat.waiting
    assert len(report_rows(db)) == DEMO_REPORTS
    replies = await chat.say("ja")
    assert replies.texts == [SAVED]
    assert len(report_rows(db)) == DEMO_REPORTS + 1


async def test_someone_saving_meanwhile_is_told_and_asked_again(db):
    chat = Chat(db)
    await at_confirm(chat, db, comment="Min version.")
    with db.session() as session:  # e.g. an import, which has no author
        queries.add_status_report(session=session, assignment_id=assignment_id(db, LINJENAT), period=T1,
                                  category=StatusCategory.AT_RISK, sentence=StatusCategory.AT_RISK.sentence,
                                  comment="Den andras version.")
    replies = await chat.say("ja")
    assert len(report_rows(db)) == DEMO_REPORTS + 1  # only the other one
    assert "Den andras version." in card_lines(replies.cards[0])
    assert any(t.startswith("Någon annan hann före: en kollega uppdaterade just") for t in replies.texts)
    assert CONFIRM_QUESTION in card_lines(replies.cards[-1]) and "Min version." in card_lines(replies.cards[-1])
    assert chat.waiting
    replies = await chat.say("ja")
    assert replies.texts == [SAVED]
    assert current(db, LINJENAT).comment == "Min version."
    assert len(report_rows(db)) == DEMO_REPORTS + 2


@pytest.mark.parametrize(("at", "step"), STEPS)
async def test_help_in_the_middle_explains_the_step_and_asks_again(db, at, step):
    chat = Chat(db)
    await at(chat, db)
    replies = await chat.say("hjälp")  # the dialog itself explains the step: no flag from the handler
    assert replies.texts == [STEP_HELP[step]]
    assert card_lines(replies.cards[0])[0] == QUESTION[step]
    assert chat.waiting
    assert len(report_rows(db)) == DEMO_REPORTS


async def test_a_message_without_text_or_card_data_is_asked_again(db):
    chat = Chat(db)
    await chat.start(assignment_id=assignment_id(db, LINJENAT))
    picture = Attachment(content_type="image/png", content_url="https://example.org/bild.png")
    replies = await chat.receive(Activity(type=ActivityTypes.message, text="", attachments=[picture]))
    assert chat.waiting and STATUS_QUESTION in replies.shown


# ------------------------------------------------------------------------ interruptions


@pytest.mark.parametrize(("at", "step"), STEPS)
@pytest.mark.parametrize("cancel", ["avbryt", "Avbryt.", "stopp"])
async def test_avbryt_at_any_step_ends_the_dialog_and_saves_nothing(db, at, step, cancel):
    chat = Chat(db)
    await at(chat, db)
    replies = await chat.say(cancel)
    assert replies.texts == [CANCELLED]
    assert replies.cards == []
    assert chat.finished and chat.result.result is None
    assert chat.questions == []
    assert len(report_rows(db)) == DEMO_REPORTS
    replies = await chat.say("ja")  # the dialog is over: this begins a new one, and saves nothing
    assert chat.waiting and CONFIRM_QUESTION not in replies.shown and SAVED not in replies.texts
    assert len(report_rows(db)) == DEMO_REPORTS


async def test_a_long_comment_that_starts_with_hjalp_is_the_comment(db):
    chat = Chat(db)
    await at_comment(chat, db)
    comment = "Hjälp behövs från förvaltningen."  # 20 characters or more: not a call for help
    replies = await chat.say(comment)
    assert STEP_HELP[ASK_COMMENT] not in replies.texts
    assert card_lines(replies.cards[0])[0] == CONFIRM_QUESTION and comment in card_lines(replies.cards[0])
    await chat.say("ja")
    assert current(db, LINJENAT).comment == comment


@pytest.mark.parametrize(("at", "step"), [s for s in STEPS if s[1] != ASK_COMMENT])
@pytest.mark.parametrize(("question", "intent"), [
    ("status för KS", StatusQuery(committees=("KS",))),
    ("hur går det med linjenätet?", StatusQuery(text="linjenätet")),
    ("historik för linjenätet", HistoryRequest(text="linjenätet")),
])
async def test_a_question_mid_dialog_is_answered_and_the_step_asked_again(db, at, step, question, intent):
    chat = Chat(db)
    await at(chat, db)
    replies = await chat.say(question)
    assert chat.questions == [intent]
    assert replies.activities[0].text == ANSWERED  # the answer first, then the same question again
    assert replies.texts == [ANSWERED]
    [card] = replies.cards
    assert card_lines(card)[0] == QUESTION[step]
    assert chat.waiting
    assert len(report_rows(db)) == DEMO_REPORTS


async def test_a_question_mid_dialog_keeps_what_was_answered_so_far(db):
    chat = Chat(db)
    await at_status(chat, db)
    await chat.say("status för KS")
    replies = await chat.say("bedöms inte bli genomfört")  # still at the status step
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    await chat.say("Försenat.")
    assert (await chat.say("ja")).texts == [SAVED]
    assert (current(db, LINJENAT).category, current(db, LINJENAT).comment) == (StatusCategory.AT_RISK, "Försenat.")
    assert len(chat.questions) == 1


@pytest.mark.parametrize("comment", ["Status för KS", "historik för linjenätet", "Status: arbetet går enligt plan."])
async def test_at_the_comment_step_a_question_is_the_comment(db, comment):
    chat = Chat(db)
    await at_comment(chat, db)
    replies = await chat.say(comment)
    assert chat.questions == []  # not answered: a comment may well read like a question
    assert ANSWERED not in replies.texts
    assert card_lines(replies.cards[0])[0] == CONFIRM_QUESTION and comment in card_lines(replies.cards[0])
    await chat.say("ja")
    assert current(db, LINJENAT).comment == comment


@pytest.mark.parametrize(("at", "step"), [s for s in STEPS if s[1] != ASK_COMMENT])
async def test_a_new_update_request_mid_dialog_ends_it_for_the_caller_to_start_over(db, at, step):
    chat = Chat(db)
    await at(chat, db)
    replies = await chat.say("uppdatera trygghetsvandringen till genomfört")
    assert replies.activities == []  # the router tells the user and starts the new update
    assert chat.finished
    assert chat.result.result == Interrupted(UpdateRequest(text="trygghetsvandringen",
                                                           category=StatusCategory.DONE))
    assert chat.questions == []
    assert len(report_rows(db)) == DEMO_REPORTS


async def test_a_button_from_another_run_of_the_dialog_is_refused_and_the_question_asked_again(db):
    chat = Chat(db)
    old = await at_status(chat, db)
    await chat.say("avbryt")
    replies = await at_status(chat, db)  # a new run, with new buttons
    assert replies.button("✅")["dialog"] != old.button("✅")["dialog"]

    replies = await chat.press(**old.button("✅"))  # the first run's card is still in the chat
    assert replies.texts == [OTHER_DIALOG_BUTTON]
    [card] = replies.cards
    assert card_lines(card)[0] == STATUS_QUESTION
    assert chat.waiting
    replies = await chat.press(**replies.button("🟠"))  # this run's button is taken
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION


async def test_an_old_spara_button_does_not_save(db):
    chat = Chat(db)
    old = await at_confirm(chat, db, comment="Första försöket.")
    await chat.say("nej")
    await at_confirm(chat, db, comment="Andra försöket.")
    replies = await chat.press(**old.button("Spara"))
    assert replies.texts == [OTHER_DIALOG_BUTTON]
    assert card_lines(replies.cards[0])[0] == CONFIRM_QUESTION and "Andra försöket." in card_lines(replies.cards[0])
    assert chat.waiting
    assert len(report_rows(db)) == DEMO_REPORTS
    assert (await chat.say("ja")).texts == [SAVED]
    assert current(db, LINJENAT).comment == "Andra försöket."


# -------------------------------------------------------------------------- the period


@pytest.mark.parametrize(("now", "shown"), [
    (REPORTING_DAY, "Period: T1 2022 (tertial 1 2022)"),  # T1 2022 open for reporting
    (datetime(2022, 9, 10, 12, 0), "Period: T2 2022 (delår 2022)"),  # T2 2022 open, 2022 has assignments
    (AT, "Period: T1 2022 (tertial 1 2022)"),  # 27 Nov 2026, nothing open: the newest reported period
])
async def test_without_a_period_the_dialog_takes_the_default_period_from_the_databases_clock(db, now, shown):
    chat = Chat(Database(db.engine, clock_at(now)))
    replies = await chat.start(text="linjenätet")
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, LINJENAT]
    assert shown in card_lines(replies.cards[0])


async def test_without_assignments_the_period_containing_today_is_named(prepared_engine):
    chat = Chat(Database(prepared_engine, clock_at(AT)))  # 27 Nov 2026, and no assignments at all
    replies = await chat.start(text="linjenätet")
    assert replies.texts == [(
        "Det finns inga uppdrag för T3 2026 att uppdatera. Uppdateringen avbröts. "
        "Ange en annan period, till exempel ”uppdatera linjenätet T1 2022”."
    )]
    assert replies.cards == [] and chat.finished


# ------------------------------------------------------------------------------- rights


def refusal(db, title_start: str, committees: str) -> str:
    return (
        f"Du kan inte uppdatera ”{current(db, title_start).title}”: bara rapportörer för {committees} "
        "och administratörer får göra det. Inget sparades. Vill du bli rapportör? Be nämndens sekreterare "
        "eller Uppdragsbotens administratör lägga till dig (uppdragsbot reporters add <din e-post> <nämnd>)."
    )


@pytest.mark.parametrize("reporter", [
    ANNA,
    Reporter(user_id=None, name=None, principals=()),  # nothing known of the sender
    Reporter(user_id=None, name="Bertil Berg"),  # a name but no ids to check (outside Teams)
], ids=["reporter-elsewhere", "nobody", "no-ids"])
async def test_without_reporter_rights_the_dialog_refuses_and_saves_nothing(db, reporter):
    add_reporter(db, "KS")  # Anna reports for another committee
    chat = Chat(db, open_reporting=False)
    replies = await chat.start(assignment_id=assignment_id(db, DAGVATTEN), category=StatusCategory.DONE,
                               comment="Försök.", reporter=reporter)
    expected = (refusal(db, DAGVATTEN, "Miljö- och samhällsnämnden (MSN) eller Tekniska nämnden (TN)")
                if reporter is ANNA else NOT_A_REPORTER)  # no rights anywhere: told at once
    assert replies.texts == [expected]
    assert replies.cards == []
    assert chat.finished
    replies = await chat.say("ja")  # the dialog is over: this begins it again, and is refused again
    assert replies.texts[0] == expected
    assert len(report_rows(db)) == DEMO_REPORTS


async def test_a_refusal_by_search_names_the_single_committee(db):
    add_reporter(db, "KS")  # Anna reports, but not for TN
    chat = Chat(db, open_reporting=False)
    replies = await chat.start(text="trygghetsvandringen")
    assert replies.texts == [refusal(db, TRYGGHET, "Tekniska nämnden (TN)")]
    assert len(report_rows(db)) == DEMO_REPORTS


@pytest.mark.parametrize("committee", ["TN", "msn", "*"])
async def test_a_reporter_of_one_of_the_committees_may_update(db, committee):
    add_reporter(db, committee, principal=ANNA.principals[1].upper())
    chat = Chat(db, open_reporting=False)
    replies = await chat.start(assignment_id=assignment_id(db, DAGVATTEN))
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION
    await chat.say("genomfört")
    await chat.say("Ny programvara är upphandlad.")
    assert (await chat.say("ja")).texts == [SAVED]
    assert report_rows(db)[-1] == (
        assignment_id(db, DAGVATTEN), "genomfört", ANNA.user_id, "Anna Andersson", "teams")


# -------------------------------------------------------------------------------- state


async def test_the_dialog_survives_a_restart_between_every_turn(db):
    chat = Chat(db)
    replies = await chat.start(text="linjenätet")
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, LINJENAT]

    with db.session() as session:
        [row] = session.exec(select(BotStateItem)).all()  # the conversation's state, as JSON
        stack = row.data["DialogState"]["attrs"]["_dialog_stack"]
    [outer] = stack
    assert outer["attrs"]["id"] == DIALOG_ID
    inner = outer["attrs"]["state"]["dialogs"]["attrs"]["_dialog_stack"]
    assert [entry["attrs"]["id"] for entry in inner] == ["ask_status", "steps"]
    update = inner[1]["attrs"]["state"]["values"]["update"]  # what the dialog knows, as registered classes
    assert update["$type"] == "dialogs.update_assignment.Update"
    assert update["attrs"]["reporter"]["$type"] == "dialogs.update_assignment.Reporter"

    chat.restart()
    replies = await chat.say("kanske")
    assert replies.texts == [NOT_UNDERSTOOD]
    chat.restart()
    replies = await chat.say("bedöms inte bli genomfört")
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    chat.restart()
    replies = await chat.say("behåll")
    assert CONFIRM_QUESTION in replies.shown
    chat.restart()
    replies = await chat.say("ja")
    assert replies.texts == [SAVED]
    saved = history(db, LINJENAT)[0]
    assert (saved.category, saved.author) == (StatusCategory.AT_RISK, "Anna Andersson")
    assert saved.comment.startswith(LINJENAT_COMMENT)  # the previous comment, kept across processes
    assert report_rows(db)[-1][2] == ANNA.user_id  # the reporter from the first turn's options

    chat.restart()
    replies = await chat.say("ja")  # the dialog ended: a new one begins, with the same options
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION and replies.texts == []
    assert len(report_rows(db)) == DEMO_REPORTS + 1


async def test_two_conversations_do_not_share_a_dialog(db):
    anna, bertil = Chat(db), Chat(db)
    bertil.adapter.template.conversation.id = "Convo2"
    await anna.start(assignment_id=assignment_id(db, LINJENAT))
    await bertil.start(assignment_id=assignment_id(db, TRYGGHET),
                       reporter=Reporter("b", "Bertil Berg", ("b",)))
    await anna.say("genomfört")
    assert COMMENT_QUESTION in (await bertil.say("på väg")).shown
    await anna.say("Anna skriver.")
    await bertil.say("Bertil skriver.")
    await anna.say("ja")
    await bertil.say("ja")
    assert (current(db, LINJENAT).comment, current(db, LINJENAT).author) == ("Anna skriver.", "Anna Andersson")
    assert (current(db, TRYGGHET).comment, current(db, TRYGGHET).author) == ("Bertil skriver.", "Bertil Berg")
