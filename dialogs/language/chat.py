"""The conversation's control words (pure): mentions, "avbryt", and questions asked mid-dialog."""

from __future__ import annotations

import re

from domain.text import clean

#: A Teams @mention as it arrives in a message: ``<at>Uppdragsboten</at>``.
MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_STATUS_QUESTION = re.compile(
    r"^(?:status|visa|vilka|vilket|lista|hur går|hur ligger|hur är läget|vad händer|historik)\b", re.IGNORECASE
)
_CANCEL = {"avbryt", "avsluta", "stopp", "stop", "cancel", "glöm det", "strunta i det", "avbryt uppdateringen"}


def strip_mentions(message: str | None) -> str:
    """The message without @mentions (in channels every message starts with one)."""
    return clean(MENTION.sub(" ", message or ""))


def is_status_question(message: str) -> bool:
    """Shaped like a question about assignments (answered in the middle of a dialog)."""
    return bool(_STATUS_QUESTION.match(clean(message)))


def is_cancel(message: str) -> bool:
    return clean(message).casefold().strip(" .!") in _CANCEL
