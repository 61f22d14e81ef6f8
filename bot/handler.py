"""The activity handler: turns Teams activities into calls on ``Answers``."""

from __future__ import annotations

import logging
import re

from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount

from bot.language.understand import Greeting, Help, StatusQuery, Unknown, understand
from bot.adapter import tenant_of
from bot.routes import Answers, InstalledIn, Reply

log = logging.getLogger(__name__)
_TAGS = re.compile(r"<[^>]{0,200}>")


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


def _as_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class UppdragsBot(ActivityHandler):
    def __init__(self, answers: Answers):
        self._answers = answers

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        reply = reply_to(turn_context)
        activity = turn_context.activity
        text = TurnContext.remove_recipient_mention(activity) if activity.entities else activity.text
        text = _TAGS.sub(" ", text or "").strip()
        value = activity.value if isinstance(activity.value, dict) else None
        if not text and value is not None:
            if await self._card_action(reply, value):
                return
            text = str(value.get("text") or "").strip()
        intent = understand(text, await self._answers.committees(), today=self._answers.today())
        if isinstance(intent, StatusQuery):
            await self._answers.status(reply, intent)
        elif isinstance(intent, Help):
            await self._answers.help(reply)
        elif isinstance(intent, Greeting):
            await self._answers.greeting(reply)
        else:
            assert isinstance(intent, Unknown)
            await self._answers.not_understood(reply)

    async def _card_action(self, reply: Reply, value: dict) -> bool:
        """Handle a button press (Action.Submit data); False when it is not one of ours."""
        action = value.get("action")
        if action == "show_status":
            query = StatusQuery.from_data(value.get("query") if isinstance(value.get("query"), dict) else {})
            await self._answers.status(reply, query, page=_as_int(value.get("page")) or 1)
            return True
        if action == "show_assignment":
            assignment_id = _as_int(value.get("assignment_id"))
            if assignment_id is None:
                return False
            period = value.get("period") if isinstance(value.get("period"), str) else None
            await self._answers.assignment(reply, assignment_id, period)
            return True
        return False

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
