"""SqlStorage: botbuilder's Storage contract, and real dialogs surviving a restart."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from botbuilder.core import (
    ConversationState,
    MessageFactory,
    StoreItem,
    TurnContext,
    UserState,
)
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    DialogSet,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import Choice, ListStyle
from botbuilder.dialogs.prompts import PromptOptions, PromptValidatorContext, TextPrompt
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
)
from sqlmodel import select

from dialogs.state import SqlStorage, StateConflictError, from_json, to_json
from storage import bot_state
from storage.models import BotStateItem


def stored(db, key):
    with db.session() as session:
        return bot_state.read_items(session=session, keys=[key]).get(key)


# --- the Storage contract ----------------------------------------------------------------

async def test_write_then_read_includes_the_etag(prepared_db):
    storage = SqlStorage(prepared_db)
    await storage.write({"a": {"count": 1, "namn": "Östersund"}})
    items = await storage.read(["a", "missing"])
    assert set(items) == {"a"}
    data, etag = stored(prepared_db, "a")
    assert items["a"] == {"count": 1, "namn": "Östersund", "e_tag": etag}
    assert "e_tag" not in data


async def test_a_second_save_in_the_same_turn_works(prepared_db):
    storage = SqlStorage(prepared_db)
    state = {"count": 1}
    await storage.write({"a": state})
    first = state["e_tag"]
    state["count"] = 2
    await storage.write({"a": state})
    assert state["e_tag"] != first
    assert (await storage.read(["a"]))["a"] == {"count": 2, "e_tag": state["e_tag"]}


async def test_a_stale_etag_fails_the_whole_write(prepared_db):
    storage = SqlStorage(prepared_db)
    await storage.write({"a": {"v": 1}})
    mine = (await storage.read(["a"]))["a"]
    theirs = (await storage.read(["a"]))["a"]
    await storage.write({"a": {**theirs, "v": 2}})

    mine["v"] = 3
    other = {"v": "new"}
    with pytest.raises(StateConflictError) as raised:
        await storage.write({"b": other, "a": mine})
    assert raised.value.key == "a"
    assert stored(prepared_db, "a")[0] == {"v": 2}
    assert stored(prepared_db, "b") is None  # same transaction: rolled back too
    assert "e_tag" not in other


async def test_star_overwrites(prepared_db):
    storage = SqlStorage(prepared_db)
    await storage.write({"a": {"v": 1}})
    await storage.write({"a": {"v": 2, "e_tag": "*"}})
    assert stored(prepared_db, "a")[0] == {"v": 2}


async def test_store_items_keep_their_class(prepared_db):
    storage = SqlStorage(prepared_db)
    item = StoreItem(count=1, e_tag="*")
    await storage.write({"log": item})
    assert item.e_tag == stored(prepared_db, "log")[1]
    read = (await storage.read(["log"]))["log"]
    assert isinstance(read, StoreItem)
    assert (read.count, read.e_tag) == (1, item.e_tag)


async def test_delete(prepared_db):
    storage = SqlStorage(prepared_db)
    await storage.write({"a": {"v": 1}, "b": {"v": 2}})
    await storage.delete({"a"})  # BotState.delete passes a set
    assert set(await storage.read(["a", "b"])) == {"b"}


def turn_context(adapter: TestAdapter) -> TurnContext:
    return TurnContext(
        adapter,
        Activity(
            type=ActivityTypes.message,
            channel_id="msteams",
            conversation=ConversationAccount(id="a:1"),
            from_property=ChannelAccount(id="user"),
            recipient=ChannelAccount(id="bot"),
        ),
    )


async def test_two_turns_saving_the_same_conversation_state_conflict(prepared_db):
    storage = SqlStorage(prepared_db)
    await storage.write({"msteams/conversations/a:1": {"count": 0}})
    state = ConversationState(storage)
    count = state.create_property("count")
    adapter = TestAdapter()
    first, second = turn_context(adapter), turn_context(adapter)
    await state.load(first)
    await state.load(second)
    await count.set(first, 1)
    await count.set(second, 2)
    await state.save_changes(first)
    with pytest.raises(StateConflictError):
        await state.save_changes(second)
    assert stored(prepared_db, "msteams/conversations/a:1")[0] == {"count": 1}


# --- serialisation ------------------------------------------------------------------------

def test_dialog_values_round_trip_through_json():
    options = PromptOptions(
        prompt=MessageFactory.text("Vilken status?"),
        choices=[Choice("Genomförd"), Choice("Pågår")],
        style=ListStyle.hero_card,
    )
    value = {
        "options": options,
        "when": datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc),
        "day": date(2026, 5, 1),
        "pair": ("T1", 2022),
        "committees": frozenset({"TN", "KS", "MSN"}),
        "form": {"$type": "user data", "x": [1, None]},
    }
    restored = from_json(to_json(value))
    assert restored["options"].prompt.text == "Vilken status?"
    assert [c.value for c in restored["options"].choices] == ["Genomförd", "Pågår"]
    assert restored["options"].style is ListStyle.hero_card
    assert {k: v for k, v in restored.items() if k != "options"} == {
        k: v for k, v in value.items() if k != "options"
    }


@pytest.mark.parametrize("value", [{"s": {1, 2}}, {"o": object()}, {1: "non-string key"}])
def test_values_that_cannot_be_read_back_are_refused(value):
    with pytest.raises(TypeError):
        to_json(value)


def test_unregistered_types_are_not_restored():
    with pytest.raises(TypeError):
        from_json({"$type": "os.system", "attrs": {}})


# --- a real dialog over a restart ----------------------------------------------------------

class Bot:
    """A status-update-like dialog; each instance is a freshly started process."""

    def __init__(self, db) -> None:
        storage = SqlStorage(db)
        self.conversation_state = ConversationState(storage)
        self.user_state = UserState(storage)
        self.updates = self.user_state.create_property("updates")
        self.dialogs = DialogSet(self.conversation_state.create_property("DialogState"))
        self.dialogs.add(TextPrompt("text", self.at_least_three_characters))
        self.dialogs.add(WaterfallDialog("update", [self.ask_assignment, self.ask_comment, self.save]))
        self.adapter = TestAdapter(self.on_turn)

    @staticmethod
    async def at_least_three_characters(prompt: PromptValidatorContext) -> bool:
        return prompt.recognized.succeeded and len(prompt.recognized.value.strip()) >= 3

    async def ask_assignment(self, step: WaterfallStepContext):
        step.values["started"] = datetime(2026, 5, 1, tzinfo=timezone.utc)
        return await step.prompt("text", PromptOptions(
            prompt=MessageFactory.text("Vilket uppdrag?"),
            retry_prompt=MessageFactory.text("Skriv minst tre tecken."),
        ))

    async def ask_comment(self, step: WaterfallStepContext):
        step.values["assignment"] = step.result
        return await step.prompt("text", PromptOptions(
            prompt=MessageFactory.text(f"Ny kommentar för {step.result}?")
        ))

    async def save(self, step: WaterfallStepContext):
        updates = await self.updates.get(step.context) or 0
        await self.updates.set(step.context, updates + 1)
        started = step.values["started"].date().isoformat()
        await step.context.send_activity(
            f"Sparat: {step.values['assignment']} – {step.result} (från {started}, nr {updates + 1})"
        )
        return await step.end_dialog()

    async def on_turn(self, context: TurnContext) -> None:
        dialog_context = await self.dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("update")
        await self.conversation_state.save_changes(context)
        await self.user_state.save_changes(context)

    async def say(self, text: str) -> list[str]:
        await self.adapter.receive_activity(text)
        replies = [activity.text for activity in self.adapter.activity_buffer]
        self.adapter.activity_buffer.clear()
        return replies


async def test_a_dialog_continues_after_a_restart(prepared_db):
    assert await Bot(prepared_db).say("uppdatera status") == ["Vilket uppdrag?"]
    with prepared_db.session() as session:
        (row,) = session.exec(select(BotStateItem)).all()  # the conversation's state
    dialog_state = row.data["DialogState"]  # plain JSON: the prompt on top of the waterfall
    assert dialog_state["$type"] == "botbuilder.dialogs.dialog_state.DialogState"
    prompt, waterfall = (entry["attrs"] for entry in dialog_state["attrs"]["_dialog_stack"])
    assert (prompt["id"], waterfall["id"], waterfall["state"]["stepIndex"]) == ("text", "update", 0)

    # Every turn from here on runs in a "new process": new storage, state and dialogs.
    assert await Bot(prepared_db).say("ab") == ["Skriv minst tre tecken."]
    assert await Bot(prepared_db).say("Linjenätet") == ["Ny kommentar för Linjenätet?"]
    assert await Bot(prepared_db).say("Klart i maj") == [
        "Sparat: Linjenätet – Klart i maj (från 2026-05-01, nr 1)"
    ]
    assert await Bot(prepared_db).say("en gång till") == ["Vilket uppdrag?"]
    assert await Bot(prepared_db).say("Purple flag") == ["Ny kommentar för Purple flag?"]
    assert await Bot(prepared_db).say("Pågår") == [
        "Sparat: Purple flag – Pågår (från 2026-05-01, nr 2)"
    ]
