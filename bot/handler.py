"""The activity handler: the turn's bookkeeping around the router.

What the user is shown is what is saved, and nothing is lost or doubled when a process dies:

1. The incoming activity is claimed, with a lease (TURN_LEASE_SECONDS). A resend while the turn
   runs is acknowledged and dropped; a resend after the claiming process died mid-turn (its
   lease ran out) is handled again from the saved state.
2. The turn runs with its replies held back (nothing reaches the user yet). If another
   instance changed the dialog state meanwhile, the held replies are dropped and the turn runs
   again on fresh state.
3. The dialog state is saved; then the claim is completed with the held replies stored.
4. The replies are sent and the claim marked delivered. A resend that finds replies stored
   but not delivered (the process died while sending) gets them sent again.

So a crash before 3 leaves the previous state and no replies; after 3, the saved state and
its replies, delivered at least once. Turns in one conversation run one at a time in this
process. What a turn means is the router's business (bot/router.py).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import asdict
from datetime import timedelta
from http import HTTPStatus

from botbuilder.core import ActivityHandler, BotState, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot import logs
from bot.adapter import HeldReplies, acknowledge
from bot.replies import activity_json
from bot.router import Router, installed_in, reply_to
from dialogs.answers import Answers, InstalledIn
from dialogs.state import SqlStorage, StateConflictError, TurnUnit
from storage import bot_state, conversations
from storage.gateway import Database

log = logging.getLogger(__name__)
TURN_ATTEMPTS = 3


class UppdragsBot(ActivityHandler):
    def __init__(self, answers: Answers, router: Router, db: Database, *, dialog_state: BotState,
                 lease: timedelta):
        self._answers = answers
        self._lease = lease
        self._db = db
        self._router = router
        self._state = dialog_state
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._delivered = DeliveredMarks(db)

    async def on_turn(self, turn_context: TurnContext) -> None:
        """The turn, logged as one line (bot/logs.py) however it ends."""
        record = logs.begin(turn_context.activity.conversation.id, turn_context.activity.type or "")
        try:
            record.outcome = await self._turn(turn_context)
        except BaseException:
            record.outcome = "failed"
            raise
        finally:
            logs.end(record)

    async def _turn(self, turn_context: TurnContext) -> str:
        activity = turn_context.activity
        key = activity.conversation.id
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            claimed = activity.type in (ActivityTypes.message, ActivityTypes.invoke) and bool(activity.id)
            state_key = _storage_key(self._state, turn_context)
            claim, preloaded = await self._db.run(
                _begin, conversation_id=key, activity_id=activity.id if claimed else None, lease=self._lease,
                installed=installed_in(turn_context) if activity.type == ActivityTypes.message else None,
                state_keys=[state_key] if state_key else [])
            if claim.outcome == "replay" and self._delivered.pending(key, activity.id):
                claim = bot_state.Claim("done")  # delivered by this process a moment ago
            if claim.outcome == "replay":
                log.info("Activity %s sent again in %s: sending its replies again", activity.id, key)
                await self._deliver(turn_context, [Activity().deserialize(r) for r in claim.replies], claimed)
            if claim.outcome != "handle":
                log.info("Ignoring activity %s sent again in %s (%s)", activity.id, key, claim.outcome)
                await acknowledge(turn_context)
                return "replayed" if claim.outcome == "replay" else "ignored"
            held = HeldReplies(turn_context)

            def complete(*, session) -> None:  # with the replies held when it runs
                bot_state.complete_activity(session=session, conversation_id=key, activity_id=activity.id,
                                            replies=[activity_json(r) for r in held.activities])

            unit = TurnUnit(preloaded=preloaded, with_write=complete if claimed else None)
            try:
                with SqlStorage.turn(unit):
                    await self._run(turn_context, held)
            finally:
                replies = held.release()  # from here on (e.g. an error message) sends go out at once
            if claimed and not unit.written:  # the turn saved no state: completed on its own
                await self._db.run(complete)
            await self._deliver(turn_context, replies, claimed)
            return "answered"

    async def _run(self, turn_context: TurnContext, held: HeldReplies) -> None:
        """The turn, then its state saved; again on fresh state if another instance saved first."""
        for attempt in range(1, TURN_ATTEMPTS + 1):
            try:
                await super().on_turn(turn_context)
                await self._state.save_changes(turn_context)
                return
            except StateConflictError:
                if attempt == TURN_ATTEMPTS:
                    raise
                log.info("Dialog state of %s changed meanwhile; running the turn again",
                         turn_context.activity.conversation.id)
                held.drop()
                await self._state.load(turn_context, force=True)

    async def _deliver(self, turn_context: TurnContext, replies: list[Activity], claimed: bool) -> None:
        """Send a turn's replies; a claimed activity's stored replies are then marked delivered
        (a claim completed without replies is delivered already)."""
        if not replies:
            return
        await turn_context.adapter.send_activities(turn_context, replies)
        logs.sent(len(replies))
        if claimed:
            self._delivered.add(turn_context.activity.conversation.id, turn_context.activity.id)

    async def close(self) -> None:
        await self._delivered.close()

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


class DeliveredMarks:
    """Marks sent replies delivered after the turn has answered, many turns' in one statement.

    Off the turn's path: Teams sends an activity again only when it got no answer, and a turn
    answers after its replies went out, so a mark that is a moment late changes nothing. If
    the process dies before the mark is written, a resend gets the replies again (at least
    once, as when it dies while sending). A resend that reaches this process before its mark is
    written is recognised here. A mark that fails is logged; the next ones go on.
    """

    DELAY = 0.05  # seconds marks are gathered before they are written

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[str, str]] = []
        self._writing: frozenset[tuple[str, str]] = frozenset()
        self._writer: asyncio.Task | None = None

    def pending(self, conversation_id: str, activity_id: str) -> bool:
        return (conversation_id, activity_id) in self._pending or (conversation_id, activity_id) in self._writing

    def add(self, conversation_id: str, activity_id: str) -> None:
        self._pending.append((conversation_id, activity_id))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        await asyncio.sleep(self.DELAY)
        while self._pending:
            keys, self._pending = self._pending, []
            self._writing = frozenset(keys)
            try:
                await self._db.run(bot_state.mark_all_delivered, keys=keys)
            except Exception:  # noqa: BLE001 - logged; a resend would only get the replies again
                log.exception("Could not mark %d turns' replies delivered", len(keys))
            finally:
                self._writing = frozenset()

    async def close(self) -> None:
        """Write what is pending (on shutdown)."""
        if self._writer is not None:
            await self._writer


def _begin(*, session, conversation_id: str, activity_id: str | None, lease: timedelta,
           installed: InstalledIn | None, state_keys: list[str]):
    """A turn's bookkeeping before it runs, in one transaction: claim the activity (when it has
    an id), keep the conversation's reference fresh (its serviceUrl can change) and read the
    dialog state the turn will need."""
    claim = (bot_state.claim_activity(session=session, conversation_id=conversation_id,
                                      activity_id=activity_id, lease=lease)
             if activity_id else bot_state.Claim("handle"))
    if claim.outcome != "handle":
        return claim, {}
    if installed is not None:
        conversations.refresh(session=session, **asdict(installed))
    found = bot_state.read_items(session=session, keys=state_keys)
    return claim, {key: found.get(key) for key in state_keys}


def _storage_key(state: BotState, turn_context: TurnContext) -> str | None:
    try:
        return state.get_storage_key(turn_context)
    except Exception:  # noqa: BLE001 - an activity the state has no key for (no sender)
        return None
