"""From a Teams message to an answer: two tables, one for what was written, one for buttons.

A message is either a button press (``activity.value``, parsed into a typed action from
dialogs/actions.py) or text (understood into an intent by dialogs/language). Each table maps
the type to one handler; while the update dialog waits for an answer, text goes to the
dialog, which handles "avbryt", "hjälp" and questions itself (dialogs/cancel_and_help.py).

Adding a question: its intent in dialogs/language, its answer in dialogs/answers.py, a row
in ``intents``. Adding a button: its class in dialogs/actions.py, a row in ``actions``.

Follow-ups ("visa bara de genomförda", "vem rapporterade det?") use what the last answer showed:
answers that show assignments return it (``Shown``), and it is kept per person and conversation
in the bot state, for 30 minutes by the bot's clock (dialogs/context.py has the rules).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import BotState, CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.dialogs import (
    DialogContext,
    DialogSet,
    DialogTurnResult,
    DialogTurnStatus,
)
from botbuilder.schema import Activity

from bot import logs
from bot.adapter import tenant_of
from dialogs import context as follow_ups
from dialogs.actions import (
    Ask,
    DialogAnswer,
    ExportFile,
    MoveReport,
    ReviewReport,
    ShowAssignment,
    ShowStatus,
    Unreadable,
    UpdateStatus,
)
from dialogs.actions import parse as parse_action
from dialogs.answers import Answers, InstalledIn, Reply
from dialogs.cancel_and_help import Interrupted
from dialogs.closing import Actor, Closing
from dialogs.copy import DIALOG_ENDED_BUTTON, NOTHING_TO_CANCEL, UPDATE_REPLACED
from dialogs.language.chat import as_written, is_cancel
from dialogs.language.understand import (
    AboutShown,
    ExportRequest,
    Greeting,
    Help,
    HistoryRequest,
    Intent,
    MoveRequest,
    OffTopic,
    UnknownStatus,
    OverviewRequest,
    StatusQuery,
    SubscriptionRequest,
    Thanks,
    Unknown,
    UpdateRequest,
    understand,
)
from dialogs.update_assignment import (
    DIALOG_ID,
    Reporter,
    Saved,
    Update,
    UpdateAssignmentDialog,
)
from domain.clock import local
from storage.gateway import Database

log = logging.getLogger(__name__)


def reply_to(context: TurnContext) -> Reply:
    """A ``reply`` bound to the conversation, for text or an Adaptive Card."""

    async def reply(message: str | dict) -> None:
        if isinstance(message, dict):
            await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(message)))
        else:
            await context.send_activity(MessageFactory.text(message))

    return reply


def installed_in(context: TurnContext) -> InstalledIn:
    activity = context.activity
    reference = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)  # a later message starts its own thread, it answers none
    return InstalledIn(
        conversation_id=activity.conversation.id,
        service_url=activity.service_url,
        reference=reference,
        tenant_id=tenant_of(activity),
        conversation_type=activity.conversation.conversation_type,
    )


@dataclass(frozen=True)
class Turn:
    """One message: the botbuilder context, the dialog context, and ``reply``."""

    context: TurnContext
    dc: DialogContext | None  # None for a question answered from inside the dialog
    reply: Reply

    @property
    def activity(self) -> Activity:
        return self.context.activity


Handler = Callable[[Turn, Any], Awaitable[None]]


class Router:
    def __init__(self, answers: Answers, db: Database, *, dialog_state: BotState, open_reporting: bool,
                 closing: Closing, send_notices: Callable[[], None] = lambda: None):
        self._answers = answers
        self._closing = closing
        self._send_notices = send_notices  # after a move: the messages it queued go out now
        self._clock = db.clock
        self._dialogs = DialogSet(dialog_state.create_property("DialogState"))
        # What the last answer showed (dialogs/context.py), as plain JSON: per person, since the
        # state is PrivateConversationState.
        self._last_shown = dialog_state.create_property("LastShown")
        self._dialogs.add(UpdateAssignmentDialog(
            db, open_reporting=open_reporting, understand=self.understand, answer_question=self._answer_in_dialog,
        ))
        self.intents: dict[type, Handler] = {
            StatusQuery: self._status,
            HistoryRequest: lambda turn, r: self._remember(turn, answers.history(turn.reply, r.text)),
            AboutShown: self._about_shown,
            UpdateRequest: lambda turn, r: self._start_update(
                turn, text=r.text, category=r.category, comment=r.comment, period=r.period,
                committees=list(r.committees) or None),
            SubscriptionRequest: self._subscription,
            ExportRequest: lambda turn, r: self._export(turn, r.period, r.committees, r.format),
            OverviewRequest: lambda turn, r: answers.overview(turn.reply, r.period, r.committees),
            MoveRequest: self._move_request,
            Help: lambda turn, _: answers.help(turn.reply),
            Greeting: lambda turn, _: answers.greeting(turn.reply),
            Thanks: lambda turn, _: answers.thanks(turn.reply),
            Unknown: lambda turn, _: answers.not_understood(turn.reply),
            OffTopic: lambda turn, r: answers.off_topic(turn.reply, r.topic, r.committees),
            UnknownStatus: lambda turn, r: answers.unknown_status(turn.reply, r.word, r.committees),
        }
        self.actions: dict[type, Handler] = {
            ShowStatus: lambda turn, a: self._then_reprompt(
                turn, self._remember(turn, answers.status(turn.reply, a.query, page=a.page))),
            ShowAssignment: lambda turn, a: self._then_reprompt(
                turn, self._remember(turn, answers.assignment(turn.reply, a.assignment_id, a.period))),
            UpdateStatus: lambda turn, a: self._start_update(
                turn, assignment_id=a.assignment_id, period=a.period, origin=a.origin,
                card_activity_id=turn.activity.reply_to_id),  # the message holding the card, to refresh it
            DialogAnswer: self._dialog_answer,
            ExportFile: lambda turn, a: self._then_reprompt(
                turn, self._export(turn, a.period, (a.committee,) if a.committee else (), a.format)),
            MoveReport: lambda turn, a: self._then_reprompt(turn, self._move_button(turn, a)),
            ReviewReport: lambda turn, a: self._then_reprompt(turn, self._move_button(turn, a)),
            Unreadable: lambda turn, _: self._then_reprompt(turn, answers.unreadable_button(turn.reply)),
        }

    async def understand(self, text: str) -> Intent:
        return understand(text, await self._answers.committees(), today=self._answers.today())

    # --- the turn ----------------------------------------------------------------------------

    async def message(self, context: TurnContext) -> None:
        activity = context.activity
        # In channels every message starts with <at>Uppdragsboten</at>: answers are read without.
        text = activity.text = as_written(activity.text, _bot_names(activity))
        turn = Turn(context, await self._dialogs.create_context(context), reply_to(context))
        if activity.value is not None and not text:
            action = parse_action(activity.value)
            if not isinstance(action, Ask):
                logs.understood(action)
                await self.actions[type(action)](turn, action)
                return
            # A suggestion button: as if the user had written its text (for the dialog too).
            text = activity.text = action.text
            activity.value = None
        if turn.dc.active_dialog:
            logs.understood(f"dialog:{turn.dc.active_dialog.id}")
            await self._after(turn, await turn.dc.continue_dialog())
        elif is_cancel(text):
            logs.understood("cancel")
            await turn.reply(NOTHING_TO_CANCEL)
        else:
            intent = await self.understand(text)
            logs.understood(intent)
            await self.intents[type(intent)](turn, intent)

    async def _then_reprompt(self, turn: Turn, answered: Awaitable[None]) -> None:
        """Answer a button press; an update waiting for an answer asks its question again."""
        await answered
        if turn.dc.active_dialog:
            await turn.dc.reprompt_dialog()

    async def _dialog_answer(self, turn: Turn, _answer: DialogAnswer) -> None:
        if turn.dc.active_dialog:
            await self._after(turn, await turn.dc.continue_dialog())
        else:
            await turn.reply(DIALOG_ENDED_BUTTON)

    async def _answer_in_dialog(self, context: TurnContext, intent: Intent) -> None:
        """A question asked while the update dialog waits for an answer."""
        await self.intents[type(intent)](Turn(context, None, reply_to(context)), intent)

    async def _subscription(self, turn: Turn, request: SubscriptionRequest) -> None:
        sender = turn.activity.from_property
        await self._answers.subscription(turn.reply, installed_in(turn.context), request.action,
                                         request.committees, sender.aad_object_id if sender else None,
                                         request.text)

    async def _move_request(self, turn: Turn, request: MoveRequest) -> None:
        await self._closing.request(turn.reply, request.move, request.committees, request.period, request.text,
                                    await _actor(turn.context))
        self._send_notices()

    async def _move_button(self, turn: Turn, action: MoveReport | ReviewReport) -> None:
        await self._closing.button(turn.reply, action, await _actor(turn.context))
        self._send_notices()

    async def _export(self, turn: Turn, period, committees, fmt) -> None:
        sender = turn.activity.from_property
        conversation = turn.activity.conversation
        await self._answers.export(
            turn.reply, period=period, committees=committees, fmt=fmt,
            owner=sender.aad_object_id if sender else None,
            personal=(conversation.conversation_type or "personal") == "personal" if conversation else False)

    # --- follow-ups: what the last answer showed ---------------------------------------------------

    async def _status(self, turn: Turn, query: StatusQuery) -> None:
        """A status question; a follow-up ("och MSN då?") refines the last answer's question."""
        if query.follow_up:
            query = follow_ups.refine(query, await self._context(turn))
        await self._remember(turn, self._answers.status(turn.reply, query))

    async def _about_shown(self, turn: Turn, about: AboutShown) -> None:
        """"vad står det om den?", "vem rapporterade det?", "uppdatera den", "historik för den"."""
        target = follow_ups.referent(await self._context(turn))
        if target is None:  # nothing shown lately: what the message means alone
            if about.what == "update" and about.otherwise is not None and turn.dc is not None:
                await self.intents[type(about.otherwise)](turn, about.otherwise)  # the dialog asks which
            else:
                await self._answers.nothing_shown(turn.reply, about.what)
        elif isinstance(target, follow_ups.Several):
            await self._answers.which_one(turn.reply, target, update=about.what == "update" and turn.dc is not None)
        elif about.what == "update" and turn.dc is not None:
            await self._start_update(turn, assignment_id=target.assignment_id,
                                     period=getattr(about.otherwise, "period", None) or target.period,
                                     category=about.category, comment=about.comment)
        elif about.what == "who":
            await self._remember(turn, self._answers.reported_by(turn.reply, target.assignment_id, target.period))
        elif about.what == "history":
            await self._remember(turn, self._answers.history(turn.reply, assignment_id=target.assignment_id,
                                                             period=target.period))
        else:  # "show" (and "update" asked inside the update dialog: the card, with its button)
            await self._remember(turn, self._answers.assignment(turn.reply, target.assignment_id, target.period))

    async def _context(self, turn: Turn) -> follow_ups.Context | None:
        """The conversation's context for this person, unless there is none or it has expired."""
        stored = await self._last_shown.get(turn.context)
        return follow_ups.current(follow_ups.Context.from_data(stored), self._clock.now())

    async def _remember(self, turn: Turn, answered: Awaitable[follow_ups.Shown | None]) -> None:
        """Answer, and keep what the answer showed."""
        await self._keep(turn, await answered)

    async def _keep(self, turn: Turn, shown: follow_ups.Shown | None) -> None:
        """Keep what an answer showed (None: nothing), saved with the turn's state."""
        if shown is not None:
            context = follow_ups.remember(shown, self._clock.now(), await self._context(turn))
            await self._last_shown.set(turn.context, context.to_data())

    # --- the update dialog -----------------------------------------------------------------------

    async def _start_update(self, turn: Turn, **options: Any) -> None:
        """The update dialog, with what the message or the button already said (``Update``'s fields)."""
        if turn.dc.active_dialog:
            await turn.dc.cancel_all_dialogs()
            await turn.reply(UPDATE_REPLACED)
        update = Update(reporter=await _reporter(turn.context), **options)
        await self._after(turn, await turn.dc.begin_dialog(DIALOG_ID, update))

    async def _after(self, turn: Turn, result: DialogTurnResult | None) -> None:
        """After a dialog turn: start over on a new request; refresh the card a saved update came from."""
        done = result.result if result and result.status == DialogTurnStatus.Complete else None
        if isinstance(done, Interrupted):
            await turn.reply(UPDATE_REPLACED)
            await self.intents[type(done.intent)](turn, done.intent)
        elif isinstance(done, Saved):
            # "vem rapporterade det?" now means the assignment just saved.
            await self._keep(turn, follow_ups.Shown.one(done.assignment_id, done.period))
            if done.card_activity_id:
                await self._refresh(turn, done)

    async def _refresh(self, turn: Turn, saved: Saved) -> None:
        when = " " + local(saved.reported_at).strftime("%H:%M") if saved.reported_at else ""
        note = f"Uppdaterad av {saved.author or 'en rapportör'}{when}"
        card = await self._answers.refreshed_card(saved.origin, saved.assignment_id, saved.period, note)
        activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
        activity.id = saved.card_activity_id
        try:
            await turn.context.update_activity(activity)
        except Exception as exc:  # noqa: BLE001 - the update is saved; a stale card is cosmetic
            log.warning("Could not refresh the card %s: %s", activity.id, exc)


def _bot_names(activity: Activity) -> list[str]:
    """The names the bot is @mentioned by in this message: its own, and those of mention
    entities that point at it."""
    recipient = activity.recipient
    names = [recipient.name] if recipient and recipient.name else []
    for entity in activity.entities or []:  # as sent: any shape (a null entity, no type, …)
        extra = getattr(entity, "additional_properties", None)
        mentioned = extra.get("mentioned") if isinstance(extra, dict) else None
        if (getattr(entity, "type", None) == "mention" and recipient and isinstance(mentioned, dict)
                and mentioned.get("id") == recipient.id and isinstance(mentioned.get("name"), str)):
            names.append(mentioned["name"])
    return names


async def _actor(context: TurnContext) -> Actor:
    reporter = await _reporter(context)
    return Actor(reporter.user_id, reporter.name, reporter.principals)


async def _reporter(context: TurnContext) -> Reporter:
    """Who is writing, with the ids their reporter rights may be registered under."""
    sender = context.activity.from_property
    principals = [sender.aad_object_id] if sender and sender.aad_object_id else []
    if context.activity.channel_id == "msteams" and sender and sender.id:
        try:
            member = await TeamsInfo.get_member(context, sender.id)
            principals += [p for p in (member.user_principal_name, member.email) if p]
        except Exception as exc:  # noqa: BLE001 - the UPN is a bonus; the object id suffices
            log.info("Could not look up the member's UPN: %s", exc)
    return Reporter(
        user_id=sender.aad_object_id if sender else None,
        name=sender.name if sender else None,
        principals=tuple(dict.fromkeys(p.lower() for p in principals)),
    )
