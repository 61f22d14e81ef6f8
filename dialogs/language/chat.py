"""The conversation's control words (pure): mentions, "avbryt", and questions asked mid-dialog."""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.text import clean

#: A Teams @mention as it arrives in a message: ``<at>Uppdragsboten</at>``.
MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_MENTION_NAME = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_STATUS_QUESTION = re.compile(
    r"^(?:status|visa|vilka|vilket|lista|hur går|hur ligger|hur är läget|vad händer|historik)\b", re.IGNORECASE
)
_CANCEL = {"avbryt", "avsluta", "stopp", "stop", "cancel", "glöm det", "strunta i det", "avbryt uppdateringen"}


def as_written(message: str | None, bot_names: Iterable[str] = ()) -> str:
    """The message as the user wrote it, for the bot to read and to keep (a comment is saved
    exactly so): the bot's own @mention removed (in channels every message starts with one),
    other mentions kept as the name they show, line breaks and spacing kept, ends trimmed."""
    names = {clean(name).casefold() for name in bot_names if name}

    def mention(match: re.Match[str]) -> str:
        shown = clean(match.group(1))
        return "" if shown.casefold() in names else shown

    text = _MENTION_NAME.sub(mention, (message or "").replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


def is_status_question(message: str) -> bool:
    """Shaped like a question about assignments (answered in the middle of a dialog)."""
    return bool(_STATUS_QUESTION.match(clean(message)))


def is_cancel(message: str) -> bool:
    return clean(message).casefold().strip(" .!") in _CANCEL
