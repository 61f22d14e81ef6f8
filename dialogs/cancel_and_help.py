"""A dialog that owns its interruptions (after BotBuilder's core-bot ``CancelAndHelpDialog``).

While one of its questions waits for an answer, a message may instead be
- "avbryt" (or "stopp", …): the dialog ends and says that nothing was saved;
- "hjälp": the current question is explained and asked again;
- a question about assignments ("status för KS"): it is answered and the question asked again;
- a new request of the dialog's own kind (``is_new_request``): the dialog ends with
  ``Interrupted(intent)`` as its result, for the caller to start over with it.

Steps listed in ``free_text_steps`` take any text as the answer (a comment may well start with
"Status:"), so there only "avbryt" and a short "hjälp" interrupt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogContext,
    DialogTurnResult,
    DialogTurnStatus,
)
from botbuilder.schema import ActivityTypes

from dialogs.copy import CANCELLED
from dialogs.language.chat import is_cancel, is_status_question
from dialogs.language.understand import Help, HistoryRequest, Intent, StatusQuery

#: Reads a message (the router's ``understand``, with the committee list and today's date).
Understand = Callable[[str], Awaitable[Intent]]
#: Answers a question in the conversation of ``TurnContext``.
AnswerQuestion = Callable[[TurnContext, Intent], Awaitable[None]]
SHORT_HELP = 20  # on a free-text step, only a message shorter than this can ask for help


@dataclass(frozen=True)
class Interrupted:
    """The result of a dialog that a new request ended."""

    intent: Intent


class CancelAndHelpDialog(ComponentDialog):
    def __init__(
        self,
        dialog_id: str,
        *,
        step_help: Mapping[str, str],
        free_text_steps: frozenset[str] = frozenset(),
        understand: Understand,
        answer_question: AnswerQuestion,
    ) -> None:
        super().__init__(dialog_id)
        self._step_help = dict(step_help)
        self._free_text_steps = free_text_steps
        self._understand = understand
        self._answer_question = answer_question

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        interrupted = await self.interrupt(inner_dc)
        if interrupted is not None:
            return interrupted
        return await super().on_continue_dialog(inner_dc)

    async def interrupt(self, inner_dc: DialogContext) -> DialogTurnResult | None:
        """The turn's result when the message interrupts the current question, else None."""
        activity = inner_dc.context.activity
        text = (activity.text or "").strip() if activity.type == ActivityTypes.message else ""
        if not text:
            return None  # a button press, or no text: the question's own answer
        if is_cancel(text):
            await inner_dc.context.send_activity(CANCELLED)
            return await inner_dc.cancel_all_dialogs()
        step = inner_dc.active_dialog.id if inner_dc.active_dialog else None
        free_text = step in self._free_text_steps
        if free_text and len(text) >= SHORT_HELP:
            return None
        intent = await self._understand(text)
        if isinstance(intent, Help) and step in self._step_help:
            await inner_dc.context.send_activity(self._step_help[step])
            return await self._ask_again(inner_dc)
        if free_text:
            return None
        if self.is_new_request(intent):
            await inner_dc.cancel_all_dialogs()
            return DialogTurnResult(DialogTurnStatus.Complete, Interrupted(intent))
        if isinstance(intent, StatusQuery | HistoryRequest) and is_status_question(text):
            await self._answer_question(inner_dc.context, intent)
            return await self._ask_again(inner_dc)
        return None

    def is_new_request(self, intent: Intent) -> bool:
        """A message that starts this dialog over (e.g. another update request)."""
        return False

    @staticmethod
    async def _ask_again(inner_dc: DialogContext) -> DialogTurnResult:
        await inner_dc.reprompt_dialog()
        return DialogTurnResult(DialogTurnStatus.Waiting)
