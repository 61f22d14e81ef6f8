"""Logging: one structured line per turn (what happened, never what was said), and the format.

The line carries the conversation, the activity's type, what the bot made of it (the intent,
the button or the dialog step: a class name), the outcome, how many replies it sent and how
long it took. Never the message's text, a comment or a person's name: those are personal data,
kept in the database where retention applies, not in logs that are copied and kept elsewhere.

``LOG_FORMAT=json`` writes every log record as one JSON object (python-json-logger), the turn's
fields as keys; the default text format puts them in the message.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from pythonjsonlogger.json import JsonFormatter

log = logging.getLogger("uppdragsboten.turn")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass
class TurnRecord:
    conversation: str
    activity_type: str
    intent: str | None = None  # a class name (dialogs/language, dialogs/actions) or a dialog step
    outcome: str = "answered"  # answered, replayed (a resend's stored replies sent again), ignored, failed
    replies: int = 0
    started: float = field(default_factory=time.monotonic)

    def fields(self) -> dict:
        return {"conversation": self.conversation, "activity_type": self.activity_type, "intent": self.intent,
                "outcome": self.outcome, "replies": self.replies,
                "latency_ms": round((time.monotonic() - self.started) * 1000, 1)}


_current: ContextVar[TurnRecord | None] = ContextVar("uppdragsboten_turn", default=None)


def begin(conversation: str, activity_type: str) -> TurnRecord:
    record = TurnRecord(conversation, activity_type)
    _current.set(record)
    return record


def understood(intent: object | str) -> None:
    """What the turn was taken to be: an intent, an action (their class) or a dialog step."""
    record = _current.get()
    if record is not None:
        record.intent = intent if isinstance(intent, str) else type(intent).__name__


def sent(replies: int) -> None:
    record = _current.get()
    if record is not None:
        record.replies += replies


def end(record: TurnRecord) -> None:
    fields = record.fields()
    log.info("turn %s", " ".join(f"{key}={value}" for key, value in fields.items()), extra=fields)
    _current.set(None)


HANDLER = "uppdragsboten"  # the name of the handler this module installs


def configure_logging(log_format: str) -> None:
    """The root logger on stderr, as text or as JSON lines; again with another format replaces
    the handler installed here. Logging that a host set up (a test runner) is left alone."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if h.get_name() == HANDLER]
    if root.handlers and not ours:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER)
    if log_format == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                                           rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    for old in ours:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
