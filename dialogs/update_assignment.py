"""The status update dialog: assignment → status → comment → confirm → save.

Every step accepts a typed answer or a card button (Teams sends Action.Submit as a message
with empty text and the button's data in ``activity.value``). Whatever the opening message
already said (assignment, period, status, comment) is filled in and its step skipped.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogContext,
    DialogTurnResult,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import (
    Prompt,
    PromptOptions,
    PromptRecognizerResult,
    PromptValidatorContext,
)
from botbuilder.schema import ActivityTypes
from sqlalchemy.engine import Engine

from bot import cards
from bot.language.search import Document, rank
from bot.language.update import parse_category
from storage import calendar, queries, reporters
from storage.db import session_scope
from storage.periods import Period, PeriodError, period_containing
from storage.records import AssignmentStatus
from storage.statuses import StatusCategory
from storage.text import fold

DIALOG_ID = "update_assignment"
HELP_REQUESTED = "uppdragsboten.help_requested"  # turn_state flag set by the handler
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
CANCELLED = "Uppdateringen avbröts. Inget sparades."
NOT_A_REPORTER = (
    "Du är inte rapportör för någon nämnd, så du kan inte uppdatera uppdrag. Inget sparades. "
    "Vill du bli rapportör? Be nämndens sekreterare eller Uppdragsbotens administratör lägga "
    "till dig (uppdragsbot reporters add <din e-post> <nämnd>)."
)
STALE_BUTTON = (
    "Den knappen hör till en annan uppdatering än den du håller på med nu. "
    "Svara på frågan nedan, eller skriv ”avbryt”."
)
_YES = {"ja", "japp", "jajamen", "spara", "ok", "okej", "stämmer", "ja tack", "ja, spara"}
_NO = {"nej", "nej tack", "avbryt", "spara inte", "stopp"}
_KEEP = {"behåll", "behåll kommentaren", "behåll tidigare kommentar", "samma", "samma som förut"}


@dataclass(frozen=True)
class Reporter:
    """Who is talking: the Teams user's Entra object id, name, and ids to check rights with."""

    user_id: str | None
    name: str | None
    principals: tuple[str, ...] = field(default=())

    def to_data(self) -> dict:
        return {"user_id": self.user_id, "name": self.name, "principals": list(self.principals)}

    @classmethod
    def from_data(cls, data: dict | None) -> "Reporter":
        data = data or {}
        return cls(data.get("user_id"), data.get("name"), tuple(data.get("principals") or ()))


class AnswerPrompt(Prompt):
    """A prompt that recognises both typed text and card button data."""

    async def on_prompt(self, turn_context: TurnContext, state, options: PromptOptions, is_retry: bool):
        prompt = options.retry_prompt if is_retry and options.retry_prompt else options.prompt
        if prompt is not None:
            await turn_context.send_activity(prompt)

    async def on_recognize(self, turn_context: TurnContext, state, options) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        activity = turn_context.activity
        if activity.type == ActivityTypes.message:
            # Always an answer, possibly empty (an image alone): the validators ask again.
            result.succeeded = True
            result.value = {
                "text": (activity.text or "").strip(),
                "value": activity.value if isinstance(activity.value, dict) else {},
            }
        return result


def _card(card: dict):
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


def allowed_categories(period: Period) -> list[StatusCategory]:
    """"Ej genomfört" only at the year end (T3)."""
    chosen = [StatusCategory.DONE, StatusCategory.ON_TRACK, StatusCategory.AT_RISK]
    return chosen + [StatusCategory.NOT_DONE] if period.is_year_end else chosen


class UpdateAssignmentDialog(ComponentDialog):
    def __init__(self, engine: Engine, *, today: Callable[[], date], open_reporting: bool):
        super().__init__(DIALOG_ID)
        self._engine = engine
        self._today = today
        self._open_reporting = open_reporting
        self.add_dialog(AnswerPrompt(ASK_ASSIGNMENT, self._valid_assignment))
        self.add_dialog(AnswerPrompt(ASK_STATUS, self._valid_status))
        self.add_dialog(AnswerPrompt(ASK_COMMENT, self._valid_comment))
        self.add_dialog(AnswerPrompt(ASK_CONFIRM, self._valid_confirm))
        self.add_dialog(WaterfallDialog("steps", [self._assignment, self._status, self._comment,
                                                  self._confirm, self._save]))
        self.initial_dialog_id = "steps"

    # --- interruptions ---------------------------------------------------------------------

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        """A button from another run of the dialog (an old card, or someone else's) is refused."""
        value = dialog_context.context.activity.value
        if isinstance(value, dict) and value.get("action") == "dialog" and value.get("dialog"):
            if value["dialog"] != _values(dialog_context).get("token"):
                await dialog_context.context.send_activity(STALE_BUTTON)
                await self.reprompt_dialog(dialog_context.context, dialog_context.active_dialog)
                return DialogTurnResult(status=DialogTurnStatus.Waiting)
        return await super().continue_dialog(dialog_context)

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        if inner_dc.context.turn_state.get(HELP_REQUESTED) and inner_dc.active_dialog:
            help_text = STEP_HELP.get(inner_dc.active_dialog.id)
            if help_text:
                await inner_dc.context.send_activity(help_text)
                await inner_dc.reprompt_dialog()
                return DialogTurnResult(status=DialogTurnStatus.Waiting)
        return await super().on_continue_dialog(inner_dc)

    # --- steps -------------------------------------------------------------------------------

    async def _assignment(self, step: WaterfallStepContext) -> DialogTurnResult:
        values = step.values
        values.update(step.options or {})
        values.setdefault("token", uuid.uuid4().hex[:12])
        if not _valid_period(values.get("period")):
            values["period"] = await asyncio.to_thread(self._default_period)
        if not await asyncio.to_thread(self._period_has_assignments, values["period"]):
            await step.context.send_activity(
                f"Det finns inga uppdrag för {values['period']} att uppdatera. Uppdateringen avbröts. "
                "Ange en annan period, till exempel ”uppdatera linjenätet T1 2022”."
            )
            return await step.end_dialog()
        if not self._open_reporting and not await asyncio.to_thread(self._reports_for_anything, values):
            await step.context.send_activity(NOT_A_REPORTER)
            return await step.end_dialog()
        if values.get("assignment_id"):
            return await step.next(values["assignment_id"])
        text = values.get("text")
        found = await asyncio.to_thread(self._search, text, values["period"]) if text else []
        if len(found) == 1:
            return await step.next(found[0].assignment_id)
        if found:
            message = f"Jag hittade flera uppdrag som matchar ”{text}”. Vilket vill du uppdatera?"
        else:
            found = await asyncio.to_thread(self._own_assignments, values)
            message = (f"Jag hittade inget uppdrag som matchar ”{text}”. " if text else "") + (
                "Vilket uppdrag vill du uppdatera? Välj nedan eller skriv några ord ur titeln."
            )
        return await step.prompt(ASK_ASSIGNMENT, PromptOptions(
            prompt=_card(cards.choose_assignment_card(message, found, token=values["token"])),
            validations={"period": values["period"], "token": values["token"]}))

    async def _status(self, step: WaterfallStepContext) -> DialogTurnResult:
        values = step.values
        values["assignment_id"] = step.result
        status, allowed = await asyncio.to_thread(self._load, values)
        if status is None:
            await step.context.send_activity("Jag hittar inte det uppdraget längre. Inget sparades.")
            return await step.end_dialog()
        if not allowed:
            await step.context.send_activity(_refusal(status))
            return await step.end_dialog()
        values["title"] = status.title
        period = Period.parse(values["period"])
        category = values.get("category")
        if category and StatusCategory(category) in allowed_categories(period):
            return await step.next(category)
        return await step.prompt(ASK_STATUS, PromptOptions(
            prompt=_card(cards.choose_status_card(status.title, period, allowed_categories(period),
                                                  token=values["token"])),
            validations={"period": values["period"], "token": values["token"]}))

    async def _comment(self, step: WaterfallStepContext) -> DialogTurnResult:
        values = step.values
        values["category"] = step.result
        given = (values.pop("comment", None) or "").strip()
        if given and len(given) <= cards.COMMENT_LIMIT:
            return await step.next(given)
        if given:
            await step.context.send_activity(_too_long(given))
        previous, label = await asyncio.to_thread(self._previous_comment, values)
        values["previous"] = previous
        return await step.prompt(ASK_COMMENT, PromptOptions(
            prompt=_card(cards.comment_card(values["title"], Period.parse(values["period"]), previous, label,
                                            token=values["token"])),
            validations={"previous": previous, "token": values["token"]}))

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        values = step.values
        values["comment"] = step.result
        preview = await asyncio.to_thread(self._preview, values)
        return await step.prompt(ASK_CONFIRM, PromptOptions(
            prompt=_card(cards.confirm_card(preview, token=values["token"]))))

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        values = step.values
        if not step.result:
            await step.context.send_activity(CANCELLED)
            return await step.end_dialog()
        saved, other = await asyncio.to_thread(self._store, values)
        if saved is None and other is None:
            await step.context.send_activity("Du har inte längre rätt att uppdatera det här uppdraget. Inget sparades.")
            return await step.end_dialog()
        if not saved:
            # Someone saved a report for the same assignment and period after we started.
            values["baseline"] = other.baseline
            await step.context.send_activity(_card(cards.assignment_card(other.status)))
            await step.context.send_activity(
                f"Någon annan hann före: {other.status.author or 'en kollega'} uppdaterade just "
                "det här uppdraget (se ovan). Vill du ändå spara din uppdatering? Båda finns kvar "
                "i historiken, och den som sparas sist gäller."
            )
            return await step.replace_dialog("steps", _carry(values))
        await step.context.send_activity("Sparat! Så här ser uppdraget ut nu:")
        await step.context.send_activity(_card(cards.assignment_card(saved)))
        return await step.end_dialog(Saved(
            assignment_id=saved.assignment_id,
            period=values["period"],
            author=saved.author,
            reported_at=saved.reported_at.isoformat() if saved.reported_at else None,
            origin=values.get("origin"),
            card_activity_id=values.get("card_activity_id"),
        ).__dict__)

    # --- validators: typed text or card data -------------------------------------------------

    async def _valid_assignment(self, prompt: PromptValidatorContext) -> bool:
        answer = prompt.recognized.value
        if _empty(answer):
            return False
        chosen = positive_int(answer["value"].get("assignment_id"))
        if chosen:
            prompt.recognized.value = chosen
            return True
        text = answer["text"]
        if not text:
            return False
        period = _context(prompt).get("period") or await asyncio.to_thread(self._default_period)
        found = await asyncio.to_thread(self._search, text, period)
        if len(found) == 1:
            prompt.recognized.value = found[0].assignment_id
            return True
        message = (f"Flera uppdrag matchar ”{text}”. Vilket menar du?" if found
                   else f"Jag hittade inget uppdrag som matchar ”{text}”. Prova med andra ord ur titeln.")
        await prompt.context.send_activity(_card(cards.choose_assignment_card(
            message, found, token=_context(prompt).get("token"))))
        return False

    async def _valid_status(self, prompt: PromptValidatorContext) -> bool:
        answer = prompt.recognized.value
        if _empty(answer):
            return False  # e.g. a picture alone: the question is asked again
        raw = answer["value"].get("category")
        category = None
        if isinstance(raw, str) and raw in {c.value for c in StatusCategory}:
            category = StatusCategory(raw)
        elif answer["text"]:
            category = parse_category(answer["text"])
        period = _period_of(prompt)
        if category is not None and (period is None or category in allowed_categories(period)):
            prompt.recognized.value = category.value
            return True
        choices = ", ".join(f"”{c.label.lower()}”" for c in allowed_categories(period or Period(2000, 1)))
        await prompt.context.send_activity(f"Jag förstod inte vilken status du menar. Välj en av: {choices}.")
        return False

    async def _valid_comment(self, prompt: PromptValidatorContext) -> bool:
        answer = prompt.recognized.value
        if _empty(answer):
            return False  # e.g. a picture alone: the question is asked again
        value, text = answer["value"], answer["text"]
        previous = _context(prompt).get("previous")
        if value.get("keep") is True or fold(text) in _KEEP:
            if previous:
                prompt.recognized.value = previous
                return True
            await prompt.context.send_activity("Det finns ingen tidigare kommentar att behålla. Skriv en kommentar.")
            return False
        comment = value.get("comment") if isinstance(value.get("comment"), str) else text
        comment = (comment or "").strip()
        if not comment:
            await prompt.context.send_activity("Kommentaren behövs. Skriv några meningar om hur arbetet går.")
            return False
        if len(comment) > cards.COMMENT_LIMIT:
            await prompt.context.send_activity(_too_long(comment))
            return False
        prompt.recognized.value = comment
        return True

    async def _valid_confirm(self, prompt: PromptValidatorContext) -> bool:
        answer = prompt.recognized.value
        if _empty(answer):
            return False  # e.g. a picture alone: the question is asked again
        confirm = answer["value"].get("confirm")
        if isinstance(confirm, bool):
            prompt.recognized.value = confirm
            return True
        said = fold(answer["text"]).strip(" .!")
        if said in _YES or said in _NO:
            prompt.recognized.value = said in _YES
            return True
        await prompt.context.send_activity("Svara ”ja” för att spara eller ”nej” för att avbryta.")
        return False

    # --- the database work (in worker threads) ------------------------------------------------

    def _default_period(self) -> str:
        """The period open for reporting now (the configured calendar), else the newest
        reported one, else the current one."""
        today = self._today()
        with session_scope(self._engine) as session:
            period = (calendar.open_for_reporting(session=session, today=today)
                      or queries.latest_reported_period(session=session)
                      or period_containing(today))
        return period.label

    def _period_has_assignments(self, period_label: str) -> bool:
        with session_scope(self._engine) as session:
            return bool(queries.find_statuses(session=session, period=Period.parse(period_label)))

    def _search(self, text: str, period_label: str) -> list[AssignmentStatus]:
        with session_scope(self._engine) as session:
            statuses = queries.find_statuses(session=session, period=Period.parse(period_label))
        by_id = {s.assignment_id: s for s in statuses}
        ranked = rank(text, [Document(s.assignment_id, s.title, "") for s in statuses])
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] >= 25:
            ranked = ranked[:1]  # one clearly best title
        return [by_id[key] for key, _ in ranked]

    def _reports_for_anything(self, values: dict) -> bool:
        reporter = Reporter.from_data(values.get("reporter"))
        with session_scope(self._engine) as session:
            return bool(reporters.committees_of(session=session, principals=reporter.principals))

    def _own_assignments(self, values: dict) -> list[AssignmentStatus]:
        reporter = Reporter.from_data(values.get("reporter"))
        with session_scope(self._engine) as session:
            mine = reporters.committees_of(session=session, principals=reporter.principals)
            period = Period.parse(values["period"])
            if mine:
                return queries.find_statuses(session=session, period=period, committees=mine)
            everything = queries.find_statuses(session=session, period=period)
            return everything if len(everything) <= cards.CHOICES_MAX else []

    def _load(self, values: dict) -> tuple[AssignmentStatus | None, bool]:
        period = Period.parse(values["period"])
        reporter = Reporter.from_data(values.get("reporter"))
        with session_scope(self._engine) as session:
            status = queries.get_status(session=session, assignment_id=values["assignment_id"], period=period)
            if status is None:
                return None, False
            allowed = self._open_reporting or reporters.may_update(
                session=session,
                principals=reporter.principals,
                committees=[c.abbreviation for c in status.committees],
            )
            values.setdefault("baseline", queries.current_report_id(
                session=session, assignment_id=status.assignment_id, period=period))
        return status, allowed

    def _previous_comment(self, values: dict) -> tuple[str | None, str | None]:
        period = Period.parse(values["period"])
        with session_scope(self._engine) as session:
            for candidate in (period, period.previous()):
                status = queries.get_status(session=session, assignment_id=values["assignment_id"], period=candidate)
                if status and status.comment:
                    return status.comment, candidate.label
        return None, None

    def _preview(self, values: dict) -> AssignmentStatus:
        period = Period.parse(values["period"])
        reporter = Reporter.from_data(values.get("reporter"))
        with session_scope(self._engine) as session:
            status = queries.get_status(session=session, assignment_id=values["assignment_id"], period=period)
        category = StatusCategory(values["category"])
        return replace(status, category=category, sentence=category.sentence, comment=values["comment"],
                       author=reporter.name, reported_at=None)

    def _store(self, values: dict) -> tuple[AssignmentStatus | None, "_Conflict | None"]:
        period = Period.parse(values["period"])
        reporter = Reporter.from_data(values.get("reporter"))
        category = StatusCategory(values["category"])
        with session_scope(self._engine) as session:
            # Serialises saves of one assignment across instances (and takes SQLite's write lock).
            queries.lock_assignment(session=session, assignment_id=values["assignment_id"])
            status = queries.get_status(session=session, assignment_id=values["assignment_id"], period=period)
            if not self._open_reporting and not reporters.may_update(
                session=session, principals=reporter.principals,
                committees=[c.abbreviation for c in status.committees],
            ):
                return None, None
            current = queries.current_report_id(session=session, assignment_id=values["assignment_id"], period=period)
            if current != values.get("baseline", 0):
                if (status.author, status.category.value, status.comment) == (
                        reporter.name, category.value, values["comment"]):
                    return status, None  # the same save twice (a double click on two instances)
                return None, _Conflict(current, status)
            queries.add_status_report(
                session=session,
                assignment_id=values["assignment_id"],
                period=period,
                category=category,
                sentence=category.sentence,
                comment=values["comment"],
                author_id=reporter.user_id,
                author_name=reporter.name,
                source="teams",
            )
            return queries.get_status(session=session, assignment_id=values["assignment_id"], period=period), None


@dataclass(frozen=True)
class Saved:
    """What the dialog ends with: enough for the bot to refresh the card it started from."""

    assignment_id: int
    period: str
    author: str | None
    reported_at: str | None
    origin: dict | None
    card_activity_id: str | None


@dataclass(frozen=True)
class _Conflict:
    baseline: int
    status: AssignmentStatus


def _carry(values: dict) -> dict:
    """What a restarted waterfall needs to go straight to the confirmation."""
    keys = ("assignment_id", "period", "category", "comment", "reporter", "baseline", "origin",
            "card_activity_id", "token")
    return {k: values[k] for k in keys if k in values}


def positive_int(value: object) -> int | None:
    """A database id or page number from a card payload; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _parse_period(label: object) -> Period | None:
    try:
        return Period.parse(label) if isinstance(label, str) and label else None
    except PeriodError:
        return None


def _valid_period(label: object) -> bool:
    return _parse_period(label) is not None


def _period_of(prompt: PromptValidatorContext) -> Period | None:
    return _parse_period(_context(prompt).get("period"))


def _inner_stack(dc: DialogContext) -> list:
    """The update dialog's own stack: prompts on top, the waterfall at the bottom."""
    state = dc.active_dialog.state.get(ComponentDialog.persisted_dialog_state) if dc.active_dialog else None
    return getattr(state, "dialog_stack", None) or []


def _values(dc: DialogContext) -> dict:
    """The waterfall's values of this dialog run."""
    stack = _inner_stack(dc)
    return stack[-1].state.get("values", {}) if stack else {}


def _context(prompt: PromptValidatorContext) -> dict:
    """What a validator needs to know about the run: period, token, previous comment."""
    return prompt.options.validations if isinstance(prompt.options.validations, dict) else {}


def current_step(dc: DialogContext) -> str | None:
    """Which question the update dialog is waiting for (ASK_COMMENT, …), if it is active."""
    if not dc.active_dialog or dc.active_dialog.id != DIALOG_ID:
        return None
    stack = _inner_stack(dc)
    return stack[0].id if stack else None


def _empty(answer: dict | None) -> bool:
    return not answer or (not answer.get("text") and not answer.get("value"))


def _too_long(comment: str) -> str:
    length = f"{len(comment):,}".replace(",", " ")
    return f"Kommentaren får vara högst 4 000 tecken, din har {length} tecken. Korta den och skicka igen."


def _refusal(status: AssignmentStatus) -> str:
    names = " eller ".join(c.display for c in status.committees) or "nämnden"
    return (
        f"Du kan inte uppdatera ”{status.title}”: bara rapportörer för {names} och administratörer "
        "får göra det. Inget sparades. Vill du bli rapportör? Be nämndens sekreterare eller "
        "Uppdragsbotens administratör lägga till dig (uppdragsbot reporters add <din e-post> <nämnd>)."
    )


