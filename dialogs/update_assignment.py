"""The status update dialog: assignment → status → comment → confirm → save.

Every step accepts a typed answer or a card button (Teams sends Action.Submit as a message
with empty text and the button's data in ``activity.value``). Whatever the opening message
already said (assignment, period, status, comment) is filled in and its step skipped.
"avbryt", "hjälp" and questions asked meanwhile are handled by the base dialog.

What the dialog knows so far is one typed ``Update``, kept in the waterfall's values and
stored with the dialog state (dialogs/state.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.dialogs import DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.prompts import (
    Prompt,
    PromptOptions,
    PromptRecognizerResult,
    PromptValidatorContext,
)
from botbuilder.schema import ActivityTypes

from dialogs import cards, lookup
from dialogs.actions import DialogAnswer, Origin
from dialogs.actions import parse as parse_action
from dialogs.cancel_and_help import AnswerQuestion, CancelAndHelpDialog, Understand
from dialogs.copy import (
    CANCELLED,
    HOW_TO_BECOME_REPORTER,
    NOT_A_REPORTER,
    OTHER_DIALOG_BUTTON,
    literal,
)
from dialogs.language.understand import AboutShown, Intent, StatusQuery, UpdateRequest
from dialogs.state import register_state_class
from domain import rules
from domain.clock import today
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.statuses import StatusCategory, parse_category
from domain.text import fold
from dialogs.closing import update_refusal
from storage import approvals, queries, reporters
from storage.gateway import Database

DIALOG_ID = "update_assignment"
ASK_ASSIGNMENT, ASK_STATUS, ASK_COMMENT, ASK_CONFIRM = "ask_assignment", "ask_status", "ask_comment", "ask_confirm"

STEP_HELP = {
    ASK_ASSIGNMENT: "Skriv några ord ur titeln på uppdraget du vill uppdatera, till exempel "
    "”trygghetsvandring”, eller välj ett uppdrag i listan. Skriv ”avbryt” för att avsluta.",
    ASK_STATUS: "Välj den status som bäst beskriver uppdraget, eller skriv den, till exempel "
    "”genomfört” eller ”bedöms bli genomfört”. ”Ej genomfört” används bara i bokslutet (T3).",
    ASK_COMMENT: "Skriv en kort kommentar om hur arbetet går (högst 4 000 tecken). "
    "Skriv ”behåll” för att använda den tidigare kommentaren.",
    ASK_CONFIRM: "Svara ”ja” eller tryck Spara för att spara uppdateringen, eller ”nej” för att avbryta.",
}
GONE = "Jag hittar inte det uppdraget längre. Inget sparades."
_YES = {"ja", "japp", "jajamen", "spara", "ok", "okej", "stämmer", "ja tack", "ja, spara"}
_NO = {"nej", "nej tack", "avbryt", "spara inte", "stopp"}
_KEEP = {"behåll", "behåll kommentaren", "behåll tidigare kommentar", "samma", "samma som förut"}
CLEAR_WINNER = 25  # search score lead that makes one title the answer


@register_state_class
@dataclass(frozen=True)
class Reporter:
    """Who is talking: the Teams user's Entra object id, name, and ids to check rights with."""

    user_id: str | None
    name: str | None
    principals: tuple[str, ...] = field(default=())


@register_state_class
@dataclass
class Update:
    """What the dialog knows so far; also what an opening message or a button starts it with."""

    reporter: Reporter
    period: Period | None = None
    text: str | None = None  # words naming the assignment
    assignment_id: int | None = None
    category: StatusCategory | None = None
    comment: str | None = None
    origin: Origin | None = None  # the list the button was on, to redraw it after saving
    card_activity_id: str | None = None  # the message holding that card
    token: str | None = None  # ties the dialog's buttons to this run
    title: str | None = None
    previous: str | None = None  # the comment "behåll" keeps
    baseline: int | None = None  # the current report when the dialog started
    committees: list[str] | None = None  # "uppdatera MSN:s uppdrag": offer these committees' assignments


@dataclass(frozen=True)
class Saved:
    """What the dialog ends with: enough for the bot to refresh the card it started from."""

    assignment_id: int
    period: Period
    author: str | None
    reported_at: datetime | None
    origin: Origin | None
    card_activity_id: str | None


@dataclass(frozen=True)
class Answer:
    """One message given to a question: its text and the dialog button pressed, if any."""

    text: str
    button: DialogAnswer | None

    @property
    def empty(self) -> bool:
        return not self.text and (self.button is None or self.button.is_empty)


for _cls in (Period, StatusCategory, Origin, StatusQuery):  # what an Update holds
    register_state_class(_cls)


class AnswerPrompt(Prompt):
    """A prompt that takes typed text and this run's card buttons; another run's button is refused."""

    async def on_prompt(self, turn_context: TurnContext, state, options: PromptOptions, is_retry: bool):
        prompt = options.retry_prompt if is_retry and options.retry_prompt else options.prompt
        if prompt is not None:
            await turn_context.send_activity(prompt)

    async def on_recognize(self, turn_context: TurnContext, state, options: PromptOptions) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        activity = turn_context.activity
        if activity.type != ActivityTypes.message:
            return result
        button = parse_action(activity.value) if isinstance(activity.value, dict) else None
        button = button if isinstance(button, DialogAnswer) else None
        asked: Update = options.validations
        if button is not None and button.token and button.token != asked.token:
            # A button from another run of the dialog (an old card, or someone else's).
            await turn_context.send_activity(OTHER_DIALOG_BUTTON)
            await turn_context.send_activity(options.prompt)
            return result
        # Always an answer, possibly empty (an image alone): the validators ask again.
        result.succeeded = True
        result.value = Answer((activity.text or "").strip(), button)
        return result


def _card(card: dict):
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


class UpdateAssignmentDialog(CancelAndHelpDialog):
    def __init__(self, db: Database, *, open_reporting: bool, understand: Understand,
                 answer_question: AnswerQuestion):
        super().__init__(DIALOG_ID, step_help=STEP_HELP, free_text_steps=frozenset({ASK_COMMENT}),
                         understand=understand, answer_question=answer_question)
        self._db = db
        self._open_reporting = open_reporting
        self.add_dialog(AnswerPrompt(ASK_ASSIGNMENT, self._valid_assignment))
        self.add_dialog(AnswerPrompt(ASK_STATUS, self._valid_status))
        self.add_dialog(AnswerPrompt(ASK_COMMENT, self._valid_comment))
        self.add_dialog(AnswerPrompt(ASK_CONFIRM, self._valid_confirm))
        self.add_dialog(WaterfallDialog("steps", [self._assignment, self._status, self._comment,
                                                  self._confirm, self._save]))
        self.initial_dialog_id = "steps"

    def is_new_request(self, intent: Intent) -> bool:
        return isinstance(intent, UpdateRequest) or (isinstance(intent, AboutShown) and intent.what == "update")

    # --- steps -------------------------------------------------------------------------------

    async def _assignment(self, step: WaterfallStepContext) -> DialogTurnResult:
        update: Update = step.values.setdefault("update", replace(step.options))
        update.token = update.token or uuid.uuid4().hex[:12]
        if update.period is None:
            update.period = await self._db.run(queries.default_period, today=today(self._db.clock))
        if not await self._db.run(queries.count_statuses, period=update.period):
            await step.context.send_activity(
                f"Det finns inga uppdrag för {update.period.label} att uppdatera. Uppdateringen avbröts. "
                "Ange en annan period, till exempel ”uppdatera linjenätet T1 2022”."
            )
            return await step.end_dialog()
        if not self._open_reporting and not await self._db.run(self._reports_for_anything, update=update):
            await step.context.send_activity(NOT_A_REPORTER)
            return await step.end_dialog()
        if update.assignment_id:
            return await step.next(update.assignment_id)
        if update.committees and not update.text:
            found = await self._db.run(queries.find_statuses, period=update.period, committees=update.committees)
            if found:
                names = ", ".join(update.committees)
                return await self._ask(step, ASK_ASSIGNMENT, cards.choose_assignment_card(
                    f"Vilket av {names}:s uppdrag vill du uppdatera? Välj nedan eller skriv några ord ur titeln.",
                    found, token=update.token))
        found = await self._db.run(self._search, text=update.text, period=update.period) if update.text else []
        if len(found) == 1:
            return await step.next(found[0].assignment_id)
        if found:
            message = f"Jag hittade flera uppdrag som matchar ”{update.text}”. Vilket vill du uppdatera?"
        else:
            found = await self._db.run(self._own_assignments, update=update)
            message = (f"Jag hittade inget uppdrag som matchar ”{update.text}”. " if update.text else "") + (
                "Vilket uppdrag vill du uppdatera? Välj nedan eller skriv några ord ur titeln."
            )
        return await self._ask(step, ASK_ASSIGNMENT, cards.choose_assignment_card(message, found, token=update.token))

    async def _status(self, step: WaterfallStepContext) -> DialogTurnResult:
        update: Update = step.values["update"]
        update.assignment_id = step.result
        status, allowed, locked = await self._db.run(self._load, update=update)
        if status is None:
            await step.context.send_activity(GONE)
            return await step.end_dialog()
        if not allowed:
            await step.context.send_activity(_refusal(status))
            return await step.end_dialog()
        if locked:
            await step.context.send_activity(locked)
            return await step.end_dialog()
        update.title = status.title
        choices = rules.allowed_categories(update.period)
        if update.category in choices:
            return await step.next(update.category)
        return await self._ask(step, ASK_STATUS, cards.choose_status_card(
            status.title, update.period, choices, token=update.token))

    async def _comment(self, step: WaterfallStepContext) -> DialogTurnResult:
        update: Update = step.values["update"]
        update.category = step.result
        given, update.comment = (update.comment or "").strip(), None
        if given and len(given) <= rules.COMMENT_LIMIT:
            return await step.next(given)
        if given:
            await step.context.send_activity(_too_long(given))
        previous, label = await self._db.run(self._previous_comment, update=update)
        update.previous = previous
        return await self._ask(step, ASK_COMMENT, cards.comment_card(
            update.title, update.period, previous, label, token=update.token))

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        update: Update = step.values["update"]
        update.comment = step.result
        preview = await self._db.run(self._preview, update=update)
        return await self._ask(step, ASK_CONFIRM, cards.confirm_card(preview, token=update.token))

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        update: Update = step.values["update"]
        if not step.result:
            await step.context.send_activity(CANCELLED)
            return await step.end_dialog()
        stored = await self._db.run(self._store, update=update)
        saved, other = stored.status, stored.conflict
        if stored.refused:
            await step.context.send_activity(stored.refused)
            return await step.end_dialog()
        if not saved:
            # Someone saved a report for the same assignment and period after we started.
            await step.context.send_activity(_card(cards.assignment_card(other.status)))
            await step.context.send_activity(
                f"Någon annan hann före: {literal(other.status.author) or 'en kollega'} uppdaterade just "
                "det här uppdraget (se ovan). Vill du ändå spara din uppdatering? Båda finns kvar "
                "i historiken, och den som sparas sist gäller."
            )
            return await step.replace_dialog("steps", replace(update, baseline=other.baseline))
        await step.context.send_activity("Sparat! Så här ser uppdraget ut nu:")
        await step.context.send_activity(_card(cards.assignment_card(saved)))
        return await step.end_dialog(Saved(
            assignment_id=saved.assignment_id,
            period=update.period,
            author=saved.author,
            reported_at=saved.reported_at,
            origin=update.origin,
            card_activity_id=update.card_activity_id,
        ))

    @staticmethod
    async def _ask(step: WaterfallStepContext, prompt_id: str, card: dict) -> DialogTurnResult:
        update: Update = step.values["update"]
        # The validators see the run as it was asked (token, period, previous comment).
        return await step.prompt(prompt_id, PromptOptions(prompt=_card(card), validations=replace(update)))

    # --- validators: typed text or card data -------------------------------------------------

    async def _valid_assignment(self, prompt: PromptValidatorContext) -> bool:
        answer: Answer | None = prompt.recognized.value
        if answer is None or answer.empty:
            return False
        if answer.button and answer.button.assignment_id:
            prompt.recognized.value = answer.button.assignment_id
            return True
        if not answer.text:
            return False
        asked: Update = prompt.options.validations
        found = await self._db.run(self._search, text=answer.text, period=asked.period)
        if len(found) == 1:
            prompt.recognized.value = found[0].assignment_id
            return True
        message = (f"Flera uppdrag matchar ”{answer.text}”. Vilket menar du?" if found
                   else f"Jag hittade inget uppdrag som matchar ”{answer.text}”. Prova med andra ord ur titeln.")
        await prompt.context.send_activity(_card(cards.choose_assignment_card(message, found, token=asked.token)))
        return False

    async def _valid_status(self, prompt: PromptValidatorContext) -> bool:
        answer: Answer | None = prompt.recognized.value
        if answer is None or answer.empty:
            return False  # e.g. a picture alone: the question is asked again
        choices = rules.allowed_categories(prompt.options.validations.period)
        category = answer.button.category if answer.button and answer.button.category else parse_category(answer.text)
        if category in choices:
            prompt.recognized.value = category
            return True
        names = ", ".join(f"”{c.label.lower()}”" for c in choices)
        await prompt.context.send_activity(f"Jag förstod inte vilken status du menar. Välj en av: {names}.")
        return False

    async def _valid_comment(self, prompt: PromptValidatorContext) -> bool:
        answer: Answer | None = prompt.recognized.value
        if answer is None or answer.empty:
            return False  # e.g. a picture alone: the question is asked again
        previous = prompt.options.validations.previous
        if (answer.button and answer.button.keep) or fold(answer.text) in _KEEP:
            if previous:
                prompt.recognized.value = previous
                return True
            await prompt.context.send_activity("Det finns ingen tidigare kommentar att behålla. Skriv en kommentar.")
            return False
        typed = answer.button.comment if answer.button and answer.button.comment is not None else answer.text
        comment = (typed or "").strip()
        if not comment:
            await prompt.context.send_activity("Kommentaren behövs. Skriv några meningar om hur arbetet går.")
            return False
        if len(comment) > rules.COMMENT_LIMIT:
            await prompt.context.send_activity(_too_long(comment))
            return False
        prompt.recognized.value = comment
        return True

    async def _valid_confirm(self, prompt: PromptValidatorContext) -> bool:
        answer: Answer | None = prompt.recognized.value
        if answer is None or answer.empty:
            return False  # e.g. a picture alone: the question is asked again
        if answer.button and answer.button.confirm is not None:
            prompt.recognized.value = answer.button.confirm
            return True
        said = fold(answer.text).strip(" .!")
        if said in _YES or said in _NO:
            prompt.recognized.value = said in _YES
            return True
        await prompt.context.send_activity("Svara ”ja” för att spara eller ”nej” för att avbryta.")
        return False

    # --- the database work, one transaction each ------------------------------------------------

    @staticmethod
    def _search(*, session, text: str, period: Period) -> list[AssignmentStatus]:
        ranked = lookup.find(session, text, period, comments=False)
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] >= CLEAR_WINNER:
            ranked = ranked[:1]  # one clearly best title
        return [status for status, _ in ranked]

    @staticmethod
    def _reports_for_anything(*, session, update: Update) -> bool:
        return bool(reporters.committees_of(session=session, principals=update.reporter.principals))

    @staticmethod
    def _own_assignments(*, session, update: Update) -> list[AssignmentStatus]:
        mine = reporters.committees_of(session=session, principals=update.reporter.principals)
        if mine:
            return queries.find_statuses(session=session, period=update.period, committees=mine)
        everything = queries.list_statuses(session=session, period=update.period, limit=cards.CHOICES_MAX + 1)
        return everything.statuses if everything.total <= cards.CHOICES_MAX else []

    def _may_update(self, session, update: Update, status: AssignmentStatus) -> bool:
        return self._open_reporting or reporters.may_update(
            session=session, principals=update.reporter.principals,
            committees=[c.abbreviation for c in status.committees],
        )

    def _load(self, *, session, update: Update) -> tuple[AssignmentStatus | None, bool, str | None]:
        """The assignment's status, whether the user may update it, and why its approved
        report locks it (None: it does not)."""
        status = queries.get_status(session=session, assignment_id=update.assignment_id, period=update.period)
        if status is None:
            return None, False, None
        if update.baseline is None:
            update.baseline = queries.current_report_id(
                session=session, assignment_id=status.assignment_id, period=update.period)
        return status, self._may_update(session, update, status), _locked(session, status)

    @staticmethod
    def _previous_comment(*, session, update: Update) -> tuple[str | None, str | None]:
        for candidate in (update.period, update.period.previous()):
            status = queries.get_status(session=session, assignment_id=update.assignment_id, period=candidate)
            if status and status.comment:
                return status.comment, candidate.label
        return None, None

    @staticmethod
    def _preview(*, session, update: Update) -> AssignmentStatus:
        status = queries.get_status(session=session, assignment_id=update.assignment_id, period=update.period)
        return replace(status, category=update.category, sentence=update.category.sentence,
                       comment=update.comment, author=update.reporter.name, reported_at=None)

    def _store(self, *, session, update: Update) -> "_Stored":
        # Serialises saves of one assignment across instances (and takes SQLite's write lock).
        queries.lock_assignment(session=session, assignment_id=update.assignment_id)
        status = queries.get_status(session=session, assignment_id=update.assignment_id, period=update.period)
        if status is None:
            return _Stored(refused=GONE)
        if not self._may_update(session, update, status):
            return _Stored(refused="Du har inte längre rätt att uppdatera det här uppdraget. Inget sparades.")
        if locked := _locked(session, status):  # approved while the dialog ran
            return _Stored(refused=locked)
        current = queries.current_report_id(session=session, assignment_id=update.assignment_id,
                                            period=update.period)
        if current != (update.baseline or 0):
            if (status.author, status.category, status.comment) == (
                    update.reporter.name, update.category, update.comment):
                return _Stored(status)  # the same save twice (a double click on two instances)
            return _Stored(conflict=_Conflict(current, status))
        queries.add_status_report(
            session=session,
            assignment_id=update.assignment_id,
            period=update.period,
            category=update.category,
            sentence=update.category.sentence,
            comment=update.comment,
            author_id=update.reporter.user_id,
            author_name=update.reporter.name,
            source="teams",
        )
        return _Stored(queries.get_status(session=session, assignment_id=update.assignment_id, period=update.period))


@dataclass(frozen=True)
class _Conflict:
    baseline: int
    status: AssignmentStatus


@dataclass(frozen=True)
class _Stored:
    """What saving came to: the saved status, someone else's newer report, or why nothing was saved."""

    status: AssignmentStatus | None = None
    conflict: _Conflict | None = None
    refused: str | None = None


def _locked(session, status: AssignmentStatus) -> str | None:
    reports = approvals.reports(session=session, period=status.period,
                                committees=[c.abbreviation for c in status.committees])
    return update_refusal(status, reports)


def _too_long(comment: str) -> str:
    length = f"{len(comment):,}".replace(",", " ")
    return f"Kommentaren får vara högst 4 000 tecken, din har {length} tecken. Korta den och skicka igen."


def _refusal(status: AssignmentStatus) -> str:
    names = " eller ".join(literal(c.display) for c in status.committees) or "nämnden"
    return (
        f"Du kan inte uppdatera ”{literal(status.title)}”: bara rapportörer för {names} och administratörer "
        f"får göra det. Inget sparades. {HOW_TO_BECOME_REPORTER}"
    )
