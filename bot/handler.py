"""The activity handler: turns Teams activities into answers and dialog turns.

Turns in one conversation run one at a time (a lock per conversation in this process); a
turn whose dialog state was changed by another instance meanwhile is run again on fresh
state; an activity Teams sends twice (it retries after 15 s) is handled once.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import datetime
from http import HTTPStatus

from botbuilder.core import (
    ActivityHandler,
    CardFactory,
    BotState,
    InvokeResponse,
    MessageFactory,
    TurnContext,
)
from botbuilder.core.teams import TeamsInfo
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import ActivityTypes, ChannelAccount

from bot.adapter import tenant_of
from bot.language.understand import (
    Greeting,
    Help,
    HistoryRequest,
    StatusQuery,
    SubscriptionRequest,
    Thanks,
    UpdateRequest,
    understand,
)
from bot.language.update import is_cancel, is_status_question, strip_mentions
from bot.routes import Answers, InstalledIn, Reply
from bot.services import TIME_ZONE
from dialogs.state import StateConflictError
from dialogs.update_assignment import (
    ASK_COMMENT,
    CANCELLED,
    DIALOG_ID,
    HELP_REQUESTED,
    Reporter,
    UpdateAssignmentDialog,
    current_step,
    positive_int,
)

log = logging.getLogger(__name__)
TURN_ATTEMPTS = 3


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
    reference = TurnContext.get_conversation_reference(activity)
    return InstalledIn(
        conversation_id=activity.conversation.id,
        service_url=activity.service_url,
        reference=reference.serialize(),
        tenant_id=tenant_of(activity),
        conversation_type=activity.conversation.conversation_type,
    )


def _update_options(intent: UpdateRequest) -> dict:
    """What an opening message such as "sätt linjenätet till genomfört" already answers."""
    return {
        "text": intent.text,
        "category": intent.category.value if intent.category else None,
        "comment": intent.comment,
        "period": intent.period.label if intent.period else None,
    }


class UppdragsBot(ActivityHandler):
    def __init__(
        self,
        answers: Answers,
        *,
        dialog_state: BotState,
        dialog: UpdateAssignmentDialog,
    ):
        self._answers = answers
        self._state = dialog_state
        self._dialogs = DialogSet(dialog_state.create_property("DialogState"))
        self._dialogs.add(dialog)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # --- the turn ------------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        key = activity.conversation.id
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            if activity.type in (ActivityTypes.message, ActivityTypes.invoke) and activity.id:
                if not await self._answers.claim_activity(key, activity.id):
                    log.info("Ignoring activity %s sent again in %s", activity.id, key)
                    return
            if activity.type == ActivityTypes.message:
                await self._answers.remember(installed_in(turn_context))
            for attempt in range(1, TURN_ATTEMPTS + 1):
                try:
                    await super().on_turn(turn_context)
                    await self._state.save_changes(turn_context)
                    return
                except StateConflictError:
                    if attempt == TURN_ATTEMPTS:
                        raise
                    log.info("Dialog state of %s changed meanwhile; running the turn again", key)
                    await self._state.load(turn_context, force=True)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        reply = reply_to(turn_context)
        activity = turn_context.activity
        # In channels every message starts with <at>Uppdragsboten</at>: answers are read without.
        text = activity.text = strip_mentions(activity.text)
        value = activity.value if isinstance(activity.value, dict) else None
        dc = await self._dialogs.create_context(turn_context)

        if value is not None and not text:
            if value.get("action") == "update_status":
                await self._start_update(turn_context, dc, {
                    "assignment_id": positive_int(value.get("assignment_id")),
                    "period": value.get("period") if isinstance(value.get("period"), str) else None,
                    "origin": value.get("origin") if isinstance(value.get("origin"), dict) else None,
                    # The message holding the card, to refresh it in place after saving.
                    "card_activity_id": activity.reply_to_id,
                })
                return
            if value.get("action") == "dialog":
                if dc.active_dialog:
                    await self._after(turn_context, await dc.continue_dialog())
                else:
                    await turn_context.send_activity(
                        "Den knappen hör till en uppdatering som redan är avslutad. "
                        "Skriv ”uppdatera uppdrag” eller tryck Uppdatera status för att börja en ny."
                    )
                return
            if await self._card_action(reply, value):
                if dc.active_dialog:
                    await dc.reprompt_dialog()
                return
            text = str(value.get("text") or "").strip()

        intent = understand(text, await self._answers.committees(), today=self._answers.today())
        if dc.active_dialog:
            await self._in_dialog(turn_context, dc, text, intent)
            return
        if is_cancel(text):
            await turn_context.send_activity("Det finns ingen pågående uppdatering att avbryta.")
            return
        if isinstance(intent, UpdateRequest):
            await self._start_update(turn_context, dc, _update_options(intent))
            return
        await self._answer(turn_context, intent)

    async def _in_dialog(self, turn_context: TurnContext, dc, text: str, intent) -> None:
        """A message while a dialog waits for an answer: cancel, help, a question, or the answer."""
        if text and is_cancel(text):
            await dc.cancel_all_dialogs()
            await turn_context.send_activity(CANCELLED)
        elif current_step(dc) == ASK_COMMENT and not (isinstance(intent, Help) and len(text) < 20):
            # Free text is the comment, even "Status: upphandlingen är klar" or "Sätt in fler …".
            await self._after(turn_context, await dc.continue_dialog())
        elif isinstance(intent, Help):
            turn_context.turn_state[HELP_REQUESTED] = True
            await self._after(turn_context, await dc.continue_dialog())
        elif isinstance(intent, UpdateRequest):
            await self._start_update(turn_context, dc, _update_options(intent))
        elif isinstance(intent, StatusQuery | HistoryRequest) and is_status_question(text):
            await self._answer(turn_context, intent)
            await dc.reprompt_dialog()
        else:
            await self._after(turn_context, await dc.continue_dialog())

    async def _after(self, turn_context: TurnContext, result) -> None:
        """When an update started from a card button is saved, redraw that card for everyone."""
        saved = result.result if result and result.status == DialogTurnStatus.Complete else None
        if not isinstance(saved, dict) or not saved.get("card_activity_id"):
            return
        when = ""
        if saved.get("reported_at"):
            when = " " + datetime.fromisoformat(saved["reported_at"]).astimezone(TIME_ZONE).strftime("%H:%M")
        note = f"Uppdaterad av {saved.get('author') or 'en rapportör'}{when}"
        card = await self._answers.refreshed_card(
            saved.get("origin"), saved["assignment_id"], saved["period"], note
        )
        activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
        activity.id = saved["card_activity_id"]
        try:
            await turn_context.update_activity(activity)
        except Exception as exc:  # noqa: BLE001 - the update is saved; a stale card is cosmetic
            log.warning("Could not refresh the card %s: %s", activity.id, exc)

    async def _start_update(self, turn_context: TurnContext, dc, options: dict) -> None:
        if dc.active_dialog:
            await dc.cancel_all_dialogs()
            await turn_context.send_activity("Den uppdatering du höll på med avbröts, inget sparades där.")
        options = {k: v for k, v in options.items() if v}
        options["reporter"] = (await self._reporter(turn_context)).to_data()
        await self._after(turn_context, await dc.begin_dialog(DIALOG_ID, options))

    async def _reporter(self, turn_context: TurnContext) -> Reporter:
        sender = turn_context.activity.from_property
        principals = [sender.aad_object_id] if sender and sender.aad_object_id else []
        if turn_context.activity.channel_id == "msteams" and sender and sender.id:
            try:
                member = await TeamsInfo.get_member(turn_context, sender.id)
                principals += [p for p in (member.user_principal_name, member.email) if p]
            except Exception as exc:  # noqa: BLE001 - the UPN is a bonus; the object id suffices
                log.info("Could not look up the member's UPN: %s", exc)
        return Reporter(
            user_id=sender.aad_object_id if sender else None,
            name=sender.name if sender else None,
            principals=tuple(dict.fromkeys(p.lower() for p in principals)),
        )

    async def _answer(self, turn_context: TurnContext, intent) -> None:
        reply = reply_to(turn_context)
        if isinstance(intent, StatusQuery):
            await self._answers.status(reply, intent)
        elif isinstance(intent, Help):
            await self._answers.help(reply)
        elif isinstance(intent, Greeting):
            await self._answers.greeting(reply)
        elif isinstance(intent, Thanks):
            await reply("Varsågod! Fråga gärna igen när du vill veta hur det går med ett uppdrag.")
        elif isinstance(intent, HistoryRequest):
            await self._answers.history(reply, intent.text)
        elif isinstance(intent, SubscriptionRequest):
            sender = turn_context.activity.from_property
            await self._answers.subscription(
                reply, installed_in(turn_context), intent.action, intent.committees,
                sender.aad_object_id if sender else None,
            )
        else:
            await self._answers.not_understood(reply)

    async def _card_action(self, reply: Reply, value: dict) -> bool:
        """Handle a button press (Action.Submit data); False when it is not one of ours."""
        action = value.get("action")
        if action == "show_status":
            query = StatusQuery.from_data(value.get("query") if isinstance(value.get("query"), dict) else {})
            await self._answers.status(reply, query, page=positive_int(value.get("page")) or 1)
            return True
        if action == "show_assignment":
            assignment_id = positive_int(value.get("assignment_id"))
            if assignment_id is None:
                return False
            period = value.get("period") if isinstance(value.get("period"), str) else None
            await self._answers.assignment(reply, assignment_id, period)
            return True
        return False

    # --- other activities ------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Invokes we do not handle are acknowledged, not answered with the SDK's 501."""
        response = await super().on_invoke_activity(turn_context)
        if response is not None and response.status == HTTPStatus.NOT_IMPLEMENTED:
            log.info("Ignoring unsupported invoke %r", turn_context.activity.name)
            return InvokeResponse(status=HTTPStatus.OK)
        return response

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added or []):
            await self._answers.welcome(reply_to(turn_context), installed_in(turn_context))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._answers.welcome(reply_to(turn_context), installed_in(turn_context))

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._answers.uninstalled(turn_context.activity.conversation.id)
