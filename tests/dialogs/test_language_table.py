"""The language table (tests/language_table.py): every message answered as a user expects it.

Each message is read by ``understand`` as the router reads it (the stored committee list, today
from the database's clock) on a database with the demo data. A status question is answered by
``Answers._status`` and the answer is read as the user reads it: the assignments on the card
(by title, numbered 1–8 in the demo file's order) and the period it names. The other intents
are compared by kind and key fields; an update's or history's assignment is the one the update
dialog and the history answer would pick. Intents still being wired into the answers (shared
committee lists, subscribing by an assignment's name, off-topic questions, unknown status words)
are compared as ``understand`` gives them.

The accuracy per kind is printed (``pytest -s``) and is in the failure message, with every
miss and what came instead. bench/language.py times ``understand`` over the same messages.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from dialogs import lookup
from dialogs.answers import Answers
from dialogs.language.understand import (
    AboutShown,
    ExportRequest,
    Greeting,
    Help,
    HistoryRequest,
    Intent,
    MoveRequest,
    OffTopic,
    OverviewRequest,
    StatusQuery,
    SubscriptionRequest,
    Thanks,
    Unknown,
    UnknownStatus,
    UpdateRequest,
    understand,
)
from dialogs.update_assignment import UpdateAssignmentDialog
from domain.clock import today
from domain.periods import Period
from domain.records import AssignmentStatus
from storage import queries
from storage.gateway import Database
from storage.importer import load_demo_data
from tests.conftest import SEED_FILE
from tests.language_table import TABLE, TODAY, Expected
from tests.seen import lines

MIN_UTTERANCES = 150
_PERIOD = re.compile(r"\bT[123] \d{4}\b")
_SUBSCRIPTION_KINDS = {"add": "subscribe", "remove": "unsubscribe", "list": "subscriptions"}


def demo_titles() -> list[str]:
    """The demo report's assignment titles in file order (assignment n is index n - 1)."""
    blocks = SEED_FILE.read_text("utf-8").split("\n.\n")[1:]
    firsts = [next(line.strip() for line in block.splitlines() if line.strip()) for block in blocks]
    return [re.sub(r"\s*\([^()]*\)$", "", title) for title in firsts]


TITLES = demo_titles()
PREFIXES = [title[:40] for title in TITLES]


def number_of(title: str) -> int:
    [number] = [n for n, prefix in enumerate(PREFIXES, start=1) if title.startswith(prefix)]
    return number


@pytest.fixture
def demo_db(prepared_db: Database) -> Database:
    """The real database (SQLite and PostgreSQL) with the demo T1 2022 report, at the tests' clock."""
    load_demo_data(prepared_db)
    return prepared_db


class Reader:
    """What the bot does with a message, as the table writes it (tests/language_table.py)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.today = today(db.clock)
        self.answers = Answers(db, db.clock)
        self.committees = db.run_sync(queries.list_committees)
        self.known = {c.abbreviation: c for c in self.committees}

    def understand(self, message: str) -> Intent:
        return understand(message, self.committees, today=self.today)

    def observe(self, intent: Intent) -> Expected:
        if isinstance(intent, StatusQuery):
            if intent.shared:  # still being wired into the answers: as understood
                return ("shared", intent.committees)
            return self.shown(self.db.run_sync(self.answers._status, query=intent, page=1, committees=self.known))
        if isinstance(intent, UpdateRequest):
            target = self.db.run_sync(self._update_target, text=intent.text, period=intent.period)
            return ("update", target, intent.category.value if intent.category else None, _label(intent.period))
        if isinstance(intent, HistoryRequest):
            return ("history", self.db.run_sync(self._history_target, text=intent.text))
        if isinstance(intent, SubscriptionRequest):
            return (_SUBSCRIPTION_KINDS.get(intent.action, intent.action), intent.committees, intent.text)
        if isinstance(intent, ExportRequest):
            return ("export", intent.format, intent.committees, _label(intent.period))
        if isinstance(intent, OverviewRequest):
            return ("overview", intent.committees, _label(intent.period))
        if isinstance(intent, MoveRequest):
            return ("move", intent.move.value, intent.committees, _label(intent.period))
        if isinstance(intent, OffTopic):
            return ("offtopic", intent.topic, intent.committees)
        if isinstance(intent, UnknownStatus):
            return ("unknown-status", intent.word, intent.committees)
        if isinstance(intent, AboutShown):
            return ("about-shown", intent.what)
        simple: dict[type, Expected] = {Help: ("help",), Greeting: ("greeting",), Thanks: ("thanks",),
                                        Unknown: ("unknown",)}
        return simple.get(type(intent), (type(intent).__name__,))

    @staticmethod
    def shown(answer: str | dict | tuple) -> Expected:
        """The assignments an answer shows and the period it names, as a user reads them.
        ``answer``: a card or a text, or (card or text, what it showed) as ``_status`` gives now."""
        if isinstance(answer, tuple):
            answer = answer[0]
        read = [answer] if isinstance(answer, str) else lines(answer)
        numbers = frozenset(number_of(line) for line in read if any(line.startswith(p) for p in PREFIXES))
        period = next((m.group() for line in read if (m := _PERIOD.search(line))), None)
        return ("show", period, numbers)

    def _update_target(self, *, session, text: str | None, period: Period | None) -> int | frozenset[int] | None:
        """The assignment the update dialog picks for ``text``: one, or the choice it offers."""
        if not text:
            return None
        period = period or queries.default_period(session=session, today=self.today)
        found = UpdateAssignmentDialog._search(session=session, text=text, period=period)
        return _one_or_all(found)

    def _history_target(self, *, session, text: str) -> int | None:
        """The assignment ``Answers._history`` shows for ``text``."""
        period = queries.default_period(session=session, today=self.today)
        found = lookup.find(session, text, period, limit=1)
        return number_of(found[0][0].title) if found else None


def _one_or_all(found: list[AssignmentStatus]) -> int | frozenset[int]:
    numbers = [number_of(status.title) for status in found]
    return numbers[0] if len(numbers) == 1 else frozenset(numbers)


def _label(period: Period | None) -> str | None:
    return period.label if period else None


def _fmt(value: object) -> str:
    """An expected or observed answer, short: frozensets as sorted sets."""
    if isinstance(value, frozenset):
        return "{" + ", ".join(str(v) for v in sorted(value)) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _said(intent: Intent) -> str:
    """An intent, short: its kind and the fields that differ from their defaults."""
    if not dataclasses.is_dataclass(intent):
        return repr(intent)
    parts = []
    for f in dataclasses.fields(intent):
        value = getattr(intent, f.name)
        default = (f.default if f.default is not dataclasses.MISSING else
                   f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING)
        if value == default:
            continue
        if isinstance(value, frozenset):
            value = sorted(getattr(item, "value", item) for item in value)
        elif isinstance(value, Period):
            value = value.label
        elif dataclasses.is_dataclass(value):
            value = _said(value)
        else:
            value = getattr(value, "value", value)  # enums by their value
        parts.append(f"{f.name}={value if isinstance(value, str) and value.endswith(')') else repr(value)}")
    return f"{type(intent).__name__}({', '.join(parts)})"


def accuracy_table(results: dict[str, tuple[int, int]]) -> str:
    width = max(len(kind) for kind in [*results, "all"])
    rows = [f"{'kind':<{width}}  correct/total"]
    for kind, (correct, total) in results.items():
        rows.append(f"{kind:<{width}}  {correct:>3}/{total:<3} {100 * correct / total:5.1f} %")
    correct, total = (sum(c for c, _ in results.values()), sum(t for _, t in results.values()))
    rows.append(f"{'all':<{width}}  {correct:>3}/{total:<3} {100 * correct / total:5.1f} %")
    return "\n".join(rows)


def run_table(reader: Reader, table: dict[str, list[tuple[str, Expected]]]
              ) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Correct and total per kind, and every miss as a line."""
    results: dict[str, tuple[int, int]] = {}
    misses: list[str] = []
    for kind, rows in table.items():
        correct = 0
        for message, expected in rows:
            intent = reader.understand(message)
            got = reader.observe(intent)
            if got == expected:
                correct += 1
            else:
                misses.append(f"[{kind}] {message!r}: expected {_fmt(expected)}, got {_fmt(got)}"
                              f"  (understood as {_said(intent)})")
        results[kind] = (correct, len(rows))
    return results, misses


def test_the_table_is_big_enough_and_each_message_is_once() -> None:
    messages = [message for rows in TABLE.values() for message, _ in rows]
    assert len(messages) >= MIN_UTTERANCES
    assert len(set(messages)) == len(messages), [m for m in set(messages) if messages.count(m) > 1]
    assert len(TITLES) == 8


def test_every_message_is_answered_as_a_user_expects(demo_db: Database) -> None:
    reader = Reader(demo_db)
    assert reader.today == TODAY, "the table's expectations are written for TODAY"
    results, misses = run_table(reader, TABLE)
    table = accuracy_table(results)
    print(f"\nLanguage table on the demo data:\n{table}")
    if misses:
        print(f"\n{len(misses)} misses:\n" + "\n".join(misses))
    assert not misses, f"\n{table}\n\n{len(misses)} misses:\n" + "\n".join(misses)
