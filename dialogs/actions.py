"""Card buttons as typed actions: one class per button, with its data.

The card that makes a button calls ``submit(title, Action(...))``; when the user presses it,
Teams sends the data back as ``activity.value`` and ``parse`` turns it into the same class
for the router's table (bot/router.py). Data that does not parse is ``Unreadable``, which
gets a clear Swedish answer, never silence.

Adding a button: a class here with ``NAME``, its fields, ``to_data`` and ``from_data``;
the card that makes it; a row in the router's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from dialogs.language.understand import StatusQuery
from domain.approval import Move
from domain.periods import Period, PeriodError
from domain.report_export import FORMATS
from domain.statuses import StatusCategory

MAX_ID = 2**31


class BadPayload(ValueError):
    """Button data that is not what the button sends (an old client, or crafted)."""


def positive_int(value: object) -> int | None:
    """A database id or page number from a card payload; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < MAX_ID else None


def _period(value: object) -> Period | None:
    """A period label from a payload; None when missing or not a period."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return Period.parse(value)
    except PeriodError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Origin:
    """Which list a card was (a query and a page), to draw it again after an update."""

    query: StatusQuery
    page: int = 1

    def to_data(self) -> dict[str, Any]:
        return {"query": self.query.to_data(), "page": self.page}

    @classmethod
    def from_data(cls, data: object) -> "Origin | None":
        if not isinstance(data, dict) or not isinstance(data.get("query"), dict):
            return None
        return cls(StatusQuery.from_data(data["query"]), positive_int(data.get("page")) or 1)


class Action:
    NAME: ClassVar[str]

    def to_data(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Action":
        raise NotImplementedError


@dataclass(frozen=True)
class Ask(Action):
    """A suggestion button: behaves as if the user had written ``text`` (Teams imBack)."""

    NAME: ClassVar[str] = "ask"
    text: str

    def to_data(self) -> dict[str, Any]:
        return {"action": self.NAME, "text": self.text, "msteams": {"type": "imBack", "value": self.text}}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Ask":
        text = _text(data.get("text"))
        if not text or not text.strip():
            raise BadPayload("ask without text")
        return cls(text.strip())


@dataclass(frozen=True)
class ShowStatus(Action):
    """A list of assignments (a query) at a page: "Visa fler"."""

    NAME: ClassVar[str] = "show_status"
    query: StatusQuery
    page: int = 1

    def to_data(self) -> dict[str, Any]:
        return {"action": self.NAME, "query": self.query.to_data(), "page": self.page}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "ShowStatus":
        return cls(StatusQuery.from_data(data.get("query")), positive_int(data.get("page")) or 1)


@dataclass(frozen=True)
class ShowAssignment(Action):
    """One assignment in full: "Visa hela", "Visa detaljer"."""

    NAME: ClassVar[str] = "show_assignment"
    assignment_id: int
    period: Period | None = None

    def to_data(self) -> dict[str, Any]:
        return {"action": self.NAME, "assignment_id": self.assignment_id,
                "period": self.period.label if self.period else None}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "ShowAssignment":
        assignment_id = positive_int(data.get("assignment_id"))
        if assignment_id is None:
            raise BadPayload("show_assignment without an assignment id")
        return cls(assignment_id, _period(data.get("period")))


@dataclass(frozen=True)
class UpdateStatus(Action):
    """"Uppdatera status": the update dialog for an assignment and period.

    ``origin`` is the list the card showed, to draw it again once the update is saved.
    """

    NAME: ClassVar[str] = "update_status"
    assignment_id: int | None
    period: Period | None = None
    origin: Origin | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.NAME, "assignment_id": self.assignment_id,
                                "period": self.period.label if self.period else None}
        if self.origin:
            data["origin"] = self.origin.to_data()
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "UpdateStatus":
        # Without a usable id the dialog asks which assignment: the press is not lost.
        return cls(positive_int(data.get("assignment_id")), _period(data.get("period")),
                   Origin.from_data(data.get("origin")))


@dataclass(frozen=True)
class DialogAnswer(Action):
    """A button (or the comment field) on one of the update dialog's cards.

    ``token`` ties it to one run of the dialog, so that an old card's button is refused.
    """

    NAME: ClassVar[str] = "dialog"
    token: str | None = None
    assignment_id: int | None = None
    category: StatusCategory | None = None
    comment: str | None = None
    keep: bool = False
    confirm: bool | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.NAME}
        if self.token:
            data["dialog"] = self.token
        if self.assignment_id is not None:
            data["assignment_id"] = self.assignment_id
        if self.category is not None:
            data["category"] = self.category.value
        if self.keep:
            data["keep"] = True
        if self.confirm is not None:
            data["confirm"] = self.confirm
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "DialogAnswer":
        token = data.get("dialog")
        category = data.get("category")
        known = {c.value: c for c in StatusCategory}
        confirm = data.get("confirm")
        return cls(
            token=token if isinstance(token, str) and token else None,
            assignment_id=positive_int(data.get("assignment_id")),
            category=known.get(category) if isinstance(category, str) else None,
            comment=_text(data.get("comment")),  # the card's Input.Text "comment"
            keep=data.get("keep") is True,
            confirm=confirm if isinstance(confirm, bool) else None,
        )

    @property
    def is_empty(self) -> bool:
        return (self.assignment_id, self.category, self.comment, self.keep, self.confirm) == (
            None, None, None, False, None)


@dataclass(frozen=True)
class ExportFile(Action):
    """"Word", "Markdown", "Text" on the report card: a download link for the one who pressed."""

    NAME: ClassVar[str] = "export"
    period: Period
    committee: str | None
    format: str

    def to_data(self) -> dict[str, Any]:
        return {"action": self.NAME, "period": self.period.label, "committee": self.committee,
                "format": self.format}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "ExportFile":
        period = _period(data.get("period"))
        fmt = data.get("format")
        committee = data.get("committee")
        if period is None or fmt not in FORMATS:
            raise BadPayload("export without a period or a known format")
        if committee is not None and (not isinstance(committee, str) or not 0 < len(committee) <= 16):
            raise BadPayload("export with a committee that is not an abbreviation")
        return cls(period, committee.strip().upper() if committee else None, fmt)


@dataclass(frozen=True)
class ReviewReport(Action):
    """"Granska": a committee's report for a period as a card, to approve or send back."""

    NAME: ClassVar[str] = "review_report"
    committee: str
    period: Period

    def to_data(self) -> dict[str, Any]:
        return {"action": self.NAME, "committee": self.committee, "period": self.period.label}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "ReviewReport":
        committee, period = _committee(data.get("committee")), _period(data.get("period"))
        if committee is None or period is None:
            raise BadPayload("review_report without a committee or a period")
        return cls(committee, period)


@dataclass(frozen=True)
class MoveReport(Action):
    """"Markera som klar", "Godkänn", "Skicka tillbaka", "Öppna igen": a move of a committee's
    report (domain.approval). ``confirmed``: marked ready although assignments lack a report.
    ``comment``: the card's Input.Text "comment" (a send-back's comment, a reopening's reason)."""

    NAME: ClassVar[str] = "move_report"
    move: Move
    committee: str
    period: Period
    confirmed: bool = False
    comment: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.NAME, "move": self.move.value, "committee": self.committee,
                                "period": self.period.label}
        if self.confirmed:
            data["confirmed"] = True
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "MoveReport":
        committee, period = _committee(data.get("committee")), _period(data.get("period"))
        moves = {m.value: m for m in Move}
        move = moves.get(data.get("move")) if isinstance(data.get("move"), str) else None
        if committee is None or period is None or move is None:
            raise BadPayload("move_report without a move, a committee or a period")
        return cls(move, committee, period, data.get("confirmed") is True, _text(data.get("comment")))


def _committee(value: object) -> str | None:
    """A committee abbreviation from a payload (as written; the caller checks it exists)."""
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 16:
        return None
    return value.strip().upper()


@dataclass(frozen=True)
class Unreadable:
    """Button data that is not one of our buttons, or not as the button sends it."""

    reason: str


ACTIONS: dict[str, type[Action]] = {
    cls.NAME: cls for cls in (Ask, ShowStatus, ShowAssignment, UpdateStatus, DialogAnswer, ExportFile,
                              ReviewReport, MoveReport)
}


def parse(value: object) -> Action | Unreadable:
    """The action a button press carries (``activity.value``)."""
    if not isinstance(value, dict):
        return Unreadable("the button data is not an object")
    cls = ACTIONS.get(value.get("action")) if isinstance(value.get("action"), str) else None
    if cls is None:
        return Unreadable(f"unknown action {str(value.get('action'))[:40]!r}")
    try:
        return cls.from_data(value)
    except BadPayload as exc:
        return Unreadable(str(exc))
