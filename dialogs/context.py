"""The conversation's context for follow-ups (pure): what the last answer showed, how a
follow-up question refines it, and which assignment "den", "det" or "uppdraget" means.

People refine in chat: after "status för TN-uppdrag", "visa bara de genomförda" means TN's
finished ones, "och för T2?" the same list for T2, "och MSN då?" MSN's finished ones; after an
assignment was shown, "vem rapporterade det?" is about that assignment.

What is kept (``Context``, per person and conversation, in the bot state; bot/router.py): what
the last answer that showed assignments showed (``Shown``: the assignments on it and their
period), the last status question answered (its period resolved), and when. An answer about
one assignment (its card, who reported it, its history, a saved update) keeps the question
before it. It all expires ``EXPIRES_AFTER`` (30 minutes) after that answer, by the bot's clock.

The merge (``refine``): only a question that understand marks as a follow-up
(``StatusQuery.follow_up``) uses the context; any other question stands alone, whatever it
names. A follow-up takes from the last status question what it does not say itself, field
by field:

- committees (with ``shared``): the follow-up's when it names any, else the last ones;
- categories (the status filter): the follow-up's when it names any, else the last ones;
- period: the follow-up's period or year when it names one (a year alone means, as always,
  that year's newest period with reports), else the last question's (resolved) period;
- text (search words): the follow-up's when it has any, else the last ones.

Without a question to refine (only one assignment was opened, by a button or "uppdatera …"),
a follow-up keeps only that assignment's period.

Which assignment a pronoun means (``referent``): the last answer's, when it showed exactly one
assignment (its card, a list or search result of one, its history, the update just saved);
when it showed several, it is unclear (``Several``: the caller asks which); when it showed none,
or the context is gone, there is none.

No botbuilder here: the router reads and writes ``Context.to_data()`` in the bot state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from dialogs.language.understand import StatusQuery
from domain.clock import aware
from domain.periods import Period, PeriodError

EXPIRES_AFTER = timedelta(minutes=30)
VERSION = 1  # of the stored form; another version is not read (the context is then gone)
MAX_TITLE = 300  # characters of a title kept (the buttons of an unclear reference show it)


@dataclass(frozen=True)
class ShownAssignment:
    assignment_id: int
    title: str = ""


@dataclass(frozen=True)
class Shown:
    """What an answer showed: ``assignments`` (those on the card, in order: at most a page of a
    list; none when nothing matched) in ``period``.

    ``query``: the status question it answered, its period resolved (``year`` None); None for
    an answer about one assignment (then ``remember`` keeps the question before it).
    """

    period: Period
    query: StatusQuery | None = None
    assignments: tuple[ShownAssignment, ...] = ()

    @classmethod
    def one(cls, assignment_id: int, period: Period, title: str = "",
            query: StatusQuery | None = None) -> "Shown":
        return cls(period, query, (ShownAssignment(assignment_id, title),))


@dataclass(frozen=True)
class Context:
    """The last answer that showed assignments, and when (the bot's clock, aware)."""

    shown: Shown
    at: datetime

    def is_current(self, now: datetime) -> bool:
        return aware(now) - self.at <= EXPIRES_AFTER

    def to_data(self) -> dict[str, Any]:
        """JSON-native, for the bot state."""
        shown = self.shown
        return {
            "v": VERSION,
            "at": self.at.isoformat(),
            "period": shown.period.label,
            "query": shown.query.to_data() if shown.query is not None else None,
            "assignments": [[a.assignment_id, a.title[:MAX_TITLE]] for a in shown.assignments],
        }

    @classmethod
    def from_data(cls, data: Any) -> "Context | None":
        """The inverse of ``to_data``; None for anything else (an old or damaged item)."""
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return None
        try:
            at = aware(datetime.fromisoformat(data["at"]))
            period = Period.parse(data["period"])
        except (KeyError, TypeError, ValueError, PeriodError):
            return None
        query = data.get("query")
        assignments = data.get("assignments")
        if not isinstance(assignments, list) or not (query is None or isinstance(query, dict)):
            return None
        shown_assignments = []
        for item in assignments:
            if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int and item[0] > 0
                    and isinstance(item[1], str)):
                return None
            shown_assignments.append(ShownAssignment(item[0], item[1]))
        resolved = None if query is None else StatusQuery.from_data(query)
        if resolved is not None and resolved.period is None:
            resolved = replace(resolved, period=period, year=None)
        return cls(Shown(period, resolved, tuple(shown_assignments)), at)


def remember(shown: Shown, now: datetime, previous: Context | None = None) -> Context:
    """The context after an answer that showed ``shown``; one without a question of its own
    keeps the question of the ``previous`` context, while that is current."""
    if shown.query is None and previous is not None and previous.is_current(now):
        shown = replace(shown, query=previous.shown.query)
    return Context(shown, aware(now))


def current(context: Context | None, now: datetime) -> Context | None:
    """The context, or None when there is none or it has expired."""
    return context if context is not None and context.is_current(now) else None


def refine(asked: StatusQuery, context: Context | None) -> StatusQuery:
    """The question a message asks, given the conversation's (current) context: a follow-up
    completed from the last answer (module docstring), anything else as it is."""
    if not asked.follow_up or context is None:
        return asked
    last = context.shown.query or StatusQuery(period=context.shown.period)  # its period resolved
    names_period = asked.period is not None or asked.year is not None
    return StatusQuery(
        committees=asked.committees or last.committees,
        categories=asked.categories or last.categories,
        period=(Period(last.period.year, asked.period.term) if asked.term_only and asked.period and last.period
                else asked.period if names_period else last.period),
        text=asked.text or last.text,
        year=asked.year if names_period else None,
        shared=asked.shared if asked.committees else last.shared,
    )


@dataclass(frozen=True)
class One:
    """The assignment a pronoun means, in the period it was shown for."""

    assignment_id: int
    period: Period
    title: str = ""


@dataclass(frozen=True)
class Several:
    """The last answer showed several assignments: which one is meant is unclear."""

    assignments: tuple[ShownAssignment, ...]
    period: Period


def referent(context: Context | None) -> One | Several | None:
    """What "den", "det" or "uppdraget" refers to (module docstring)."""
    if context is None or not context.shown.assignments:
        return None
    shown = context.shown
    if len(shown.assignments) == 1:
        [only] = shown.assignments
        return One(only.assignment_id, shown.period, only.title)
    return Several(shown.assignments, shown.period)
