"""UpdateAssignmentDialog on its own: botbuilder's TestAdapter, SqlStorage on the real database.

Each turn runs the dialog the way the bot does (continue the active dialog, else begin it
with the options the handler would pass) and saves the conversation state, so every step
goes through the database. What is checked: what the user sees (texts and card contents)
and what ends up in the database. The HTTP path through the handler is covered by
tests/e2e/test_update.py; these tests reach the corners that are hard to reach from there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

import pytest
from botbuilder.core import CardFactory, ConversationState, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnResult, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes, Attachment
from sqlmodel import select

from dialogs.state import SqlStorage
from dialogs.update_assignment import (
    ASK_COMMENT,
    ASK_CONFIRM,
    CANCELLED,
    DIALOG_ID,
    NOT_A_REPORTER,
    HELP_REQUESTED,
    STEP_HELP,
    UpdateAssignmentDialog,
)
from storage import queries, reporters
from storage.db import session_scope
from storage.importer import load_demo_data
from storage.models import BotStateItem, StatusReport
from storage.periods import Period
from storage.records import AssignmentStatus
from storage.statuses import StatusCategory
from tests.cardcheck import assert_valid, walk

T1, T2, T3 = Period(2022, 1), Period(2022, 2), Period(2022, 3)
REPORTING_DAY = date(2022, 5, 10)  # T1 2022 is open for reporting (1–22 May)
ANNA = {
    "user_id": "00000000-0000-4000-8000-00000000a11a",
    "name": "Anna Andersson",
    "principals": ["00000000-0000-4000-8000-00000000a11a", "anna.andersson@kommun.se"],
}
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
STATUS_QUESTION = "Vilken status har uppdraget?"
COMMENT_QUESTION = "Skriv en kommentar om hur arbetet går"
CONFIRM_QUESTION = "Stämmer det här? Så här sparas uppdateringen:"
SAVED = "Sparat! Så här ser uppdraget ut nu:"
DEMO_REPORTS = 8


# ----------------------------------------------------------------------------- harness


class Process:
    """One bot process: its own storage, conversation state and dialogs on the shared database."""

    def __init__(self, engine, *, open_reporting: bool = True, today: date = REPORTING_DAY) -> None:
        self.conversation_state = ConversationState(SqlStorage(engine))
        self.dialogs = DialogSet(self.conversation_state.create_property("DialogState"))
        self.dialogs.add(UpdateAssignmentDialog(engine, today=lambda: today, open_reporting=open_reporting))


async def run_turn(process: Process, context: TurnContext, options: dict) -> DialogTurnResult:
    """One turn as the bot runs it: continue the waiting dialog or begin a new one, then save."""
    dc = await process.dialogs.create_context(context)
    if dc.active_dialog:
        result = await dc.continue_dialog()
    else:
        result = await dc.begin_dialog(DIALOG_ID, options)
    await process.conversation_state.save_changes(context)
    return result


def card_lines(card: dict) -> list[str]:
    """What a user reads on a card: TextBlocks, RichTextBlocks' joined runs, button titles."""
    out = []
    for d in walk(card):
        if d.get("type") == "TextBlock":
            out.append(d["text"])
        elif d.get("type") == "RichTextBlock":
            out.append("".join(r["text"] for r in d["inlines"]))
        elif d.get("type") == "Action.Submit":
            out.append(d["title"])
    return out


@dataclass
class Replies:
    activities: list[Activity]

    @property
    def texts(self) -> list[str]:
        """The plain text messages, in order."""
        return [a.text for a in self.activities if a.text]

    @property
    def cards(self) -> list[dict]:
        return [
            attachment.content
            for a in self.activities
            for attachment in a.attachments or []
            if attachment.content_type == CardFactory.content_types.adaptive_card
        ]

    @property
    def shown(self) -> str:
        """Everything the user reads, message by message."""
        parts = []
        for a in self.activities:
            if a.text:
                parts.append(a.text)
            for attachment in a.attachments or []:
                parts += card_lines(attachment.content)
        return "\n".join(parts)

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

    def __init__(self, engine, **process_options) -> None:
        self.engine = engine
        self._process_options = process_options
        self.process = Process(engine, **process_options)
        self.adapter = TestAdapter(self._turn)
        self.options: dict = {}
        self.result: DialogTurnResult | None = None
        self.help_requested = False

    def restart(self) -> None:
        """A new process: nothing of the old one's memory, only the database, is left."""
        self.process = Process(self.engine, **self._process_options)

    async def _turn(self, context: TurnContext) -> None:
        if self.help_requested:
            context.turn_state[HELP_REQUESTED] = True
        self.result = await run_turn(self.process, context, copy.deepcopy(self.options))

    async def start(self, **options) -> Replies:
        """Begin the dialog with the handler's options (the reporter is Anna unless given)."""
        self.options = {"reporter": ANNA, **options}
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
def engine(prepared_engine):
    """The real database (SQLite and PostgreSQL) with the demo T1 2022 report."""
    load_demo_data(prepared_engine)
    return prepared_engine


def assignment_id(engine, title_start: str) -> int:
    with session_scope(engine) as session:
        [found] = [s.assignment_id for s in queries.find_statuses(session=session, period=T1)
                   if s.title.startswith(title_start)]
    return found


def history(engine, title_start: str) -> list[AssignmentStatus]:
    with session_scope(engine) as session:
        return queries.history(session=session, assignment_id=assignment_id(engine, title_start))


def current(engine, title_start: str, period: Period = T1) -> AssignmentStatus:
    with session_scope(engine) as session:
        return queries.get_status(session=session, assignment_id=assignment_id(engine, title_start), period=period)


def report_rows(engine) -> list[tuple]:
    """(assignment_id, category, author_id, author_name, source) of every report, oldest first."""
    with session_scope(engine) as session:
        rows = session.exec(select(StatusReport).order_by(StatusReport.id)).all()
        return [(r.assignment_id, r.category, r.author_id, r.author_name, r.source) for r in rows]


def add_reporter(engine, committee: str, principal: str = ANNA["principals"][1]) -> None:
    with session_scope(engine) as session:
        reporters.add_reporter(session=session, principal=principal, committee=committee)


def category_buttons(replies: Replies) -> list[dict]:
    return [data for _, data in replies.buttons()]


def dialog_buttons_for(*categories: StatusCategory) -> list[dict]:
    return [{"action": "dialog", "category": c.value} for c in categories]


THREE = (StatusCategory.DONE, StatusCategory.ON_TRACK, StatusCategory.AT_RISK)


async def at_comment(chat: Chat, engine, title: str = LINJENAT, **options) -> Replies:
    replies = await chat.start(assignment_id=assignment_id(engine, title), category="genomfört", **options)
    assert COMMENT_QUESTION in replies.shown
    return replies


async def at_confirm(chat: Chat, engine, comment: str = "Linjenätet beslutades i maj.", **options) -> Replies:
    await at_comment(chat, engine, **options)
    replies = await chat.say(comment)
    assert CONFIRM_QUESTION in replies.shown
    return replies


# ------------------------------------------------------------------ finding the assignment


async def test_a_text_naming_one_assignment_goes_straight_to_the_status_card(engine):
    chat = Chat(engine)
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


async def test_assignment_id_and_category_skip_to_the_comment(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, LINJENAT), period="T1 2022",
                               category="bedöms inte bli genomfört")
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
    assert current(engine, LINJENAT).category is StatusCategory.AT_RISK  # the category from the options


async def test_assignment_id_without_category_asks_for_the_status(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, DAGVATTEN))
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, current(engine, DAGVATTEN).title]
    assert category_buttons(replies) == dialog_buttons_for(*THREE)


async def test_no_match_offers_the_reporters_own_assignments(engine):
    add_reporter(engine, "TN")
    chat = Chat(engine)
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
        {"action": "dialog", "assignment_id": assignment_id(engine, start)} for start in tn]

    replies = await chat.press(**offered[1][1])
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, current(engine, PURPLE_FLAG).title]


async def test_a_typed_title_at_the_assignment_step_is_searched(engine):
    chat = Chat(engine)
    await chat.start()  # nothing said: the choice of assignments
    replies = await chat.say("linjenätet")
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, LINJENAT]


async def test_an_assignment_that_no_longer_exists_ends_the_dialog(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=987_654)
    assert replies.texts == ["Jag hittar inte det uppdraget längre. Inget sparades."]
    assert replies.cards == []
    assert chat.finished
    assert len(report_rows(engine)) == DEMO_REPORTS


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
async def test_a_typed_status_is_understood_and_saved(engine, answer, category):
    chat = Chat(engine)
    await chat.start(assignment_id=assignment_id(engine, TRYGGHET))
    replies = await chat.say(answer)
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    replies = await chat.say("Vandringen är planerad.")
    assert f"Status: {category.icon} {category.label}" in replies.shown  # the preview
    await chat.say("ja")
    saved = history(engine, TRYGGHET)[0]
    assert (saved.period, saved.category, saved.sentence) == (T1, category, category.sentence)


async def test_a_status_button_is_understood(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, TRYGGHET))
    replies = await chat.press(**replies.button("🟠"))
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    await chat.say("Försenat.")
    await chat.say("ja")
    assert current(engine, TRYGGHET).category is StatusCategory.AT_RISK


@pytest.mark.parametrize("answer", ["kanske", "vet inte", "12"])
async def test_an_unknown_status_answer_is_asked_again_in_swedish(engine, answer):
    chat = Chat(engine)
    await chat.start(assignment_id=assignment_id(engine, LINJENAT))
    replies = await chat.say(answer)
    assert replies.texts == [NOT_UNDERSTOOD]
    assert COMMENT_QUESTION not in replies.shown
    assert chat.waiting
    replies = await chat.say("genomfört")  # still at the status step
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION


async def test_ej_genomfort_is_refused_before_the_year_end(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, LINJENAT), period="T1 2022")
    assert "Ej genomfört" not in replies.shown
    for answer in (chat.say("ej genomfört"), chat.say("inte genomfört"),
                   chat.press(category="ej genomfört"), chat.press(category="ej rapporterat")):
        replies = await answer
        assert replies.texts == [NOT_UNDERSTOOD]
        assert chat.waiting
    assert len(report_rows(engine)) == DEMO_REPORTS


async def test_ej_genomfort_from_the_opening_message_is_not_taken_before_the_year_end(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, LINJENAT), category="ej genomfört")
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION  # asked, not skipped
    assert category_buttons(replies) == dialog_buttons_for(*THREE)


async def test_ej_genomfort_is_offered_and_accepted_at_the_year_end(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, LINJENAT), period="T3 2022")
    assert "Period: T3 2022 (helår 2022)" in card_lines(replies.cards[0])
    assert category_buttons(replies) == dialog_buttons_for(*THREE, StatusCategory.NOT_DONE)
    assert dict(replies.buttons())["🔴 Ej genomfört"] == {"action": "dialog", "category": "ej genomfört"}

    replies = await chat.say("ej genomfört")
    assert card_lines(replies.cards[0])[0] == COMMENT_QUESTION
    replies = await chat.say("Avtalet sköts upp till 2023.")
    assert "Status: 🔴 Ej genomfört" in replies.shown
    await chat.say("ja")
    [saved, *older] = history(engine, LINJENAT)
    assert (saved.period, saved.category, saved.sentence, saved.comment) == (
        T3, StatusCategory.NOT_DONE, "Uppdraget är inte genomfört under året.", "Avtalet sköts upp till 2023.")
    assert [h.period for h in older] == [T1]
    assert current(engine, LINJENAT).category is StatusCategory.ON_TRACK  # T1 untouched


# --------------------------------------------------------------------------- the comment


async def test_behall_keeps_the_previous_comment(engine):
    chat = Chat(engine)
    await at_comment(chat, engine)
    previous = current(engine, LINJENAT).comment
    assert previous.startswith(LINJENAT_COMMENT)
    replies = await chat.say("Behåll")
    assert previous in replies.shown  # the preview shows the kept comment
    await chat.say("ja")
    saved = history(engine, LINJENAT)[0]
    assert (saved.category, saved.comment) == (StatusCategory.DONE, previous)
    assert len(history(engine, LINJENAT)) == 2


async def test_the_keep_button_keeps_the_comment_of_the_period_before(engine):
    chat = Chat(engine)
    replies = await at_comment(chat, engine, period="T2 2022")
    assert "Tidigare kommentar (T1 2022):" in card_lines(replies.cards[0])
    # Teams sends the card's input with the button's data: an empty comment field.
    replies = await chat.press(**replies.button("Behåll tidigare kommentar"), comment="")
    assert CONFIRM_QUESTION in replies.shown
    await chat.say("ja")
    assert current(engine, LINJENAT, T2).comment == current(engine, LINJENAT, T1).comment


async def test_behall_without_a_previous_comment_asks_for_one(engine):
    chat = Chat(engine)
    replies = await at_comment(chat, engine, period="T3 2022")  # nothing in T3 or T2
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
async def test_an_empty_comment_is_asked_for_again(engine, empty):
    chat = Chat(engine)
    await at_comment(chat, engine)
    replies = await chat.press(comment=empty)  # "Nästa" with nothing written
    assert replies.texts == [COMMENT_NEEDED]
    assert CONFIRM_QUESTION not in replies.shown
    assert chat.waiting
    replies = await chat.press(comment="  Nu är det skrivet.  ")
    assert "Nu är det skrivet." in card_lines(replies.cards[0])


async def test_a_comment_of_4001_characters_is_refused_and_4000_accepted(engine):
    chat = Chat(engine)
    await at_comment(chat, engine)
    replies = await chat.press(comment="å" * 4_001)
    [message] = replies.texts
    assert "högst 4 000 tecken" in message and "4 001 tecken" in message and "Korta den" in message
    assert replies.cards == [] and chat.waiting
    replies = await chat.press(comment="å" * 4_000)
    assert CONFIRM_QUESTION in replies.shown
    await chat.say("ja")
    assert current(engine, LINJENAT).comment == "å" * 4_000


async def test_the_too_long_message_reads_well(engine):
    chat = Chat(engine)
    await at_comment(chat, engine)
    replies = await chat.press(comment="å" * 4_001)
    assert replies.texts == [
        "Kommentaren får vara högst 4 000 tecken, din har 4 001 tecken. Korta den och skicka igen."]


async def test_a_too_long_comment_in_the_opening_message_is_not_saved(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, LINJENAT), category="genomfört",
                               comment="å" * 5_000)
    if CONFIRM_QUESTION in replies.shown:
        await chat.say("ja")
    assert all(len(h.comment or "") <= 4_000 for h in history(engine, LINJENAT))


async def test_a_comment_in_the_opening_message_skips_the_comment_step(engine):
    chat = Chat(engine)
    replies = await chat.start(assignment_id=assignment_id(engine, LINJENAT), category="genomfört",
                               comment="Beslutat i nämnden.")
    [card] = replies.cards
    assert card_lines(card)[0] == CONFIRM_QUESTION
    assert "Beslutat i nämnden." in card_lines(card)
    assert COMMENT_QUESTION not in replies.shown


# ------------------------------------------------------------------------- confirm, save


async def test_the_confirm_card_shows_the_update_as_it_will_be_saved(engine):
    chat = Chat(engine)
    replies = await at_confirm(chat, engine, comment="Linjenätet beslutades i maj.")
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
    assert len(report_rows(engine)) == DEMO_REPORTS  # nothing saved yet


@pytest.mark.parametrize("answer", ["ja", "Ja!", "ja, spara", "OK", {"confirm": True}])
async def test_yes_saves_the_report(engine, answer):
    chat = Chat(engine)
    origin = {"query": {"committee": "MSN"}, "page": 1}
    await at_confirm(chat, engine, comment="Linjenätet beslutades i maj.", period="T1 2022",
                     origin=origin, card_activity_id="1:card-msn")
    replies = await (chat.press(**answer) if isinstance(answer, dict) else chat.say(answer))

    assert replies.texts == [SAVED]
    [card] = replies.cards
    lines = card_lines(card)
    assert lines[0] == LINJENAT
    assert "Status: ✅ Genomfört" in lines and "Linjenätet beslutades i maj." in lines
    assert any(line.startswith("Rapporterad av Anna Andersson 20") for line in lines)  # with the time
    assert card["actions"][0]["data"] == {
        "action": "update_status", "assignment_id": assignment_id(engine, LINJENAT), "period": "T1 2022"}

    rows = report_rows(engine)
    assert len(rows) == DEMO_REPORTS + 1
    assert rows[-1] == (assignment_id(engine, LINJENAT), "genomfört", ANNA["user_id"], "Anna Andersson", "teams")
    saved = history(engine, LINJENAT)[0]
    assert (saved.period, saved.category, saved.sentence, saved.comment, saved.author) == (
        T1, StatusCategory.DONE, "Uppdraget är genomfört.", "Linjenätet beslutades i maj.", "Anna Andersson")
    assert saved.reported_at is not None

    assert chat.finished
    ended = chat.result.result
    assert {k: ended[k] for k in ("assignment_id", "period", "author", "origin", "card_activity_id")} == {
        "assignment_id": assignment_id(engine, LINJENAT), "period": "T1 2022", "author": "Anna Andersson",
        "origin": origin, "card_activity_id": "1:card-msn"}
    assert ended["reported_at"] == saved.reported_at.isoformat()


@pytest.mark.parametrize("answer", ["nej", "Nej tack.", "avbryt", {"confirm": False}])
async def test_no_cancels_and_saves_nothing(engine, answer):
    chat = Chat(engine)
    await at_confirm(chat, engine)
    replies = await (chat.press(**answer) if isinstance(answer, dict) else chat.say(answer))
    assert replies.texts == [CANCELLED]
    assert replies.cards == []
    assert chat.finished and chat.result.result is None
    assert len(report_rows(engine)) == DEMO_REPORTS
    assert current(engine, LINJENAT).category is StatusCategory.ON_TRACK


@pytest.mark.parametrize("answer", ["kanske", "jaha", "spara inte nu"])
async def test_an_unknown_confirm_answer_is_asked_again(engine, answer):
    chat = Chat(engine)
    await at_confirm(chat, engine)
    replies = await chat.say(answer)
    assert replies.texts == [ASK_YES_NO]
    assert chat.waiting
    assert len(report_rows(engine)) == DEMO_REPORTS
    replies = await chat.say("ja")
    assert replies.texts == [SAVED]
    assert len(report_rows(engine)) == DEMO_REPORTS + 1


async def test_someone_saving_meanwhile_is_told_and_asked_again(engine):
    chat = Chat(engine)
    await at_confirm(chat, engine, comment="Min version.")
    with session_scope(engine) as session:  # e.g. an import, which has no author
        queries.add_status_report(session=session, assignment_id=assignment_id(engine, LINJENAT), period=T1,
                                  category=StatusCategory.AT_RISK, sentence=StatusCategory.AT_RISK.sentence,
                                  comment="Den andras version.")
    replies = await chat.say("ja")
    assert len(report_rows(engine)) == DEMO_REPORTS + 1  # only the other one
    assert "Den andras version." in card_lines(replies.cards[0])
    assert any(t.startswith("Någon annan hann före: en kollega uppdaterade just") for t in replies.texts)
    assert CONFIRM_QUESTION in card_lines(replies.cards[-1]) and "Min version." in card_lines(replies.cards[-1])
    assert chat.waiting
    replies = await chat.say("ja")
    assert replies.texts == [SAVED]
    assert current(engine, LINJENAT).comment == "Min version."
    assert len(report_rows(engine)) == DEMO_REPORTS + 2


@pytest.mark.parametrize(("at", "step"), [(at_comment, ASK_COMMENT), (at_confirm, ASK_CONFIRM)])
async def test_help_in_the_middle_explains_the_step_and_asks_again(engine, at, step):
    chat = Chat(engine)
    await at(chat, engine)
    chat.help_requested = True
    replies = await chat.say("hjälp")
    chat.help_requested = False
    assert replies.texts == [STEP_HELP[step]]
    question = COMMENT_QUESTION if step == ASK_COMMENT else CONFIRM_QUESTION
    assert card_lines(replies.cards[0])[0] == question
    assert chat.waiting
    assert len(report_rows(engine)) == DEMO_REPORTS


async def test_a_message_without_text_or_card_data_is_asked_again(engine):
    chat = Chat(engine)
    await chat.start(assignment_id=assignment_id(engine, LINJENAT))
    picture = Attachment(content_type="image/png", content_url="https://example.org/bild.png")
    replies = await chat.receive(Activity(type=ActivityTypes.message, text="", attachments=[picture]))
    assert chat.waiting and STATUS_QUESTION in replies.shown


# ------------------------------------------------------------------------------- rights


def refusal(engine, title_start: str, committees: str) -> str:
    return (
        f"Du kan inte uppdatera ”{current(engine, title_start).title}”: bara rapportörer för {committees} "
        "och administratörer får göra det. Inget sparades. Vill du bli rapportör? Be nämndens sekreterare "
        "eller Uppdragsbotens administratör lägga till dig (uppdragsbot reporters add <din e-post> <nämnd>)."
    )


@pytest.mark.parametrize("reporter", [ANNA, {"user_id": None, "name": None, "principals": []}, None])
async def test_without_reporter_rights_the_dialog_refuses_and_saves_nothing(engine, reporter):
    add_reporter(engine, "KS")  # Anna reports for another committee
    chat = Chat(engine, open_reporting=False)
    replies = await chat.start(assignment_id=assignment_id(engine, DAGVATTEN), category="genomfört",
                               comment="Försök.", reporter=reporter)
    expected = (refusal(engine, DAGVATTEN, "Miljö- och samhällsnämnden (MSN) eller Tekniska nämnden (TN)")
                if reporter is ANNA else NOT_A_REPORTER)  # no rights anywhere: told at once
    assert replies.texts == [expected]
    assert replies.cards == []
    assert chat.finished
    replies = await chat.say("ja")  # the dialog is over: this begins it again, and is refused again
    assert replies.texts[0] == expected
    assert len(report_rows(engine)) == DEMO_REPORTS


async def test_a_refusal_by_search_names_the_single_committee(engine):
    add_reporter(engine, "KS")  # Anna reports, but not for TN
    chat = Chat(engine, open_reporting=False)
    replies = await chat.start(text="trygghetsvandringen")
    assert replies.texts == [refusal(engine, TRYGGHET, "Tekniska nämnden (TN)")]
    assert len(report_rows(engine)) == DEMO_REPORTS


@pytest.mark.parametrize("committee", ["TN", "msn", "*"])
async def test_a_reporter_of_one_of_the_committees_may_update(engine, committee):
    add_reporter(engine, committee, principal=ANNA["principals"][1].upper())
    chat = Chat(engine, open_reporting=False)
    replies = await chat.start(assignment_id=assignment_id(engine, DAGVATTEN))
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION
    await chat.say("genomfört")
    await chat.say("Ny programvara är upphandlad.")
    assert (await chat.say("ja")).texts == [SAVED]
    assert report_rows(engine)[-1] == (
        assignment_id(engine, DAGVATTEN), "genomfört", ANNA["user_id"], "Anna Andersson", "teams")


# -------------------------------------------------------------------------------- state


async def test_the_dialog_survives_a_restart_between_every_turn(engine):
    chat = Chat(engine)
    replies = await chat.start(text="linjenätet")
    assert card_lines(replies.cards[0])[:2] == [STATUS_QUESTION, LINJENAT]

    with session_scope(engine) as session:
        [row] = session.exec(select(BotStateItem)).all()  # the conversation's state, as JSON
        stack = row.data["DialogState"]["attrs"]["_dialog_stack"]
    [outer] = stack
    assert outer["attrs"]["id"] == DIALOG_ID
    inner = outer["attrs"]["state"]["dialogs"]["attrs"]["_dialog_stack"]
    assert [entry["attrs"]["id"] for entry in inner] == ["ask_status", "steps"]

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
    saved = history(engine, LINJENAT)[0]
    assert (saved.category, saved.author) == (StatusCategory.AT_RISK, "Anna Andersson")
    assert saved.comment.startswith(LINJENAT_COMMENT)  # the previous comment, kept across processes
    assert report_rows(engine)[-1][2] == ANNA["user_id"]  # the reporter from the first turn's options

    chat.restart()
    replies = await chat.say("ja")  # the dialog ended: a new one begins, with the same options
    assert card_lines(replies.cards[0])[0] == STATUS_QUESTION and replies.texts == []
    assert len(report_rows(engine)) == DEMO_REPORTS + 1


async def test_two_conversations_do_not_share_a_dialog(engine):
    anna, bertil = Chat(engine), Chat(engine)
    bertil.adapter.template.conversation.id = "Convo2"
    await anna.start(assignment_id=assignment_id(engine, LINJENAT))
    await bertil.start(assignment_id=assignment_id(engine, TRYGGHET),
                       reporter={"user_id": "b", "name": "Bertil Berg", "principals": ["b"]})
    await anna.say("genomfört")
    assert COMMENT_QUESTION in (await bertil.say("på väg")).shown
    await anna.say("Anna skriver.")
    await bertil.say("Bertil skriver.")
    await anna.say("ja")
    await bertil.say("ja")
    assert (current(engine, LINJENAT).comment, current(engine, LINJENAT).author) == ("Anna skriver.", "Anna Andersson")
    assert (current(engine, TRYGGHET).comment, current(engine, TRYGGHET).author) == ("Bertil skriver.", "Bertil Berg")
