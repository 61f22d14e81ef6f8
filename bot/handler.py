"""The activity handler: the turn's bookkeeping around the router.

Turns in one conversation run one at a time (a lock per conversation in this process); a
turn whose dialog state was changed by another instance meanwhile is run again on fresh
state; an activity Teams sends twice (it retries after 15 s) is handled once. What a turn
means is the router's business (bot/router.py).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from http import HTTPStatus

from botbuilder.core import ActivityHandler, BotState, InvokeResponse, TurnContext
from botbuilder.schema import ActivityTypes, ChannelAccount

from bot.adapter import acknowledge
from bot.router import Router, installed_in, reply_to
from dialogs.answers import Answers
from dialogs.state import StateConflictError
from storage import bot_state
from storage.gateway import Database

log = logging.getLogger(__name__)
TURN_ATTEMPTS = 3


class UppdragsBot(ActivityHandler):
    def __init__(self, answers: Answers, router: Router, db: Database, *, dialog_state: BotState):
        self._answers = answers
        self._db = db
        self._router = router
        self._state = dialog_state
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        key = activity.conversation.id
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            if activity.type in (ActivityTypes.message, ActivityTypes.invoke) and activity.id:
                if not await self._db.run(bot_state.claim_activity, conversation_id=key, activity_id=activity.id):
                    log.info("Ignoring activity %s sent again in %s", activity.id, key)
                    await acknowledge(turn_context)
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
        await self._router.message(turn_context)

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
