"""The status vocabulary: categories and the sentences reporters write (pure)."""

from __future__ import annotations

import re
from enum import Enum

from storage.text import fold


class StatusCategory(str, Enum):
    """The category of a status sentence. The value is the Swedish name."""

    DONE = "genomfört"
    ON_TRACK = "bedöms bli genomfört"
    AT_RISK = "bedöms inte bli genomfört"
    NOT_DONE = "ej genomfört"
    NOT_REPORTED = "ej rapporterat"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def icon(self) -> str:
        return _ICONS[self]

    @property
    def color(self) -> str:
        """An Adaptive Card text colour."""
        return _COLORS[self]

    @property
    def sentence(self) -> str:
        """The standard sentence for this category, as the reports write it."""
        return _SENTENCES[self]


_LABELS = {
    StatusCategory.DONE: "Genomfört",
    StatusCategory.ON_TRACK: "Bedöms bli genomfört",
    StatusCategory.AT_RISK: "Bedöms inte bli genomfört",
    StatusCategory.NOT_DONE: "Ej genomfört",
    StatusCategory.NOT_REPORTED: "Ej rapporterat",
}
_ICONS = {
    StatusCategory.DONE: "✅",
    StatusCategory.ON_TRACK: "🔵",
    StatusCategory.AT_RISK: "🟠",
    StatusCategory.NOT_DONE: "🔴",
    StatusCategory.NOT_REPORTED: "⚪",
}
_COLORS = {
    StatusCategory.DONE: "Good",
    StatusCategory.ON_TRACK: "Accent",
    StatusCategory.AT_RISK: "Warning",
    StatusCategory.NOT_DONE: "Attention",
    StatusCategory.NOT_REPORTED: "Default",
}
_SENTENCES = {
    StatusCategory.DONE: "Uppdraget är genomfört.",
    StatusCategory.ON_TRACK: "Uppdraget bedöms bli genomfört under året.",
    StatusCategory.AT_RISK: "Uppdraget bedöms inte bli genomfört under året.",
    StatusCategory.NOT_DONE: "Uppdraget är inte genomfört under året.",
    StatusCategory.NOT_REPORTED: "",
}

# Display order: the order categories are counted and listed in.
ORDER: tuple[StatusCategory, ...] = (
    StatusCategory.DONE,
    StatusCategory.ON_TRACK,
    StatusCategory.AT_RISK,
    StatusCategory.NOT_DONE,
    StatusCategory.NOT_REPORTED,
)

_SUBJECT = r"(?:uppdrag(?:et)?\s+)?"
_DONE_WORD = r"genomför(?:t|d|da)"
_TAIL = r"(?:\s+under\s+året)?"
_PATTERNS: tuple[tuple[re.Pattern[str], StatusCategory], ...] = tuple(
    (re.compile(rf"^{_SUBJECT}{body}{_TAIL}$"), category)
    for body, category in (
        (rf"bedöms\s+(?:inte|ej)\s+bli\s+{_DONE_WORD}", StatusCategory.AT_RISK),
        (rf"bedöms\s+bli\s+{_DONE_WORD}", StatusCategory.ON_TRACK),
        (rf"(?:är\s+)?(?:inte|ej)\s+{_DONE_WORD}", StatusCategory.NOT_DONE),
        (rf"(?:är\s+)?{_DONE_WORD}", StatusCategory.DONE),
        (r"(?:är\s+)?(?:inte|ej)\s+rapporter(?:at|ad)", StatusCategory.NOT_REPORTED),
    )
)


def classify(sentence: str) -> StatusCategory | None:
    """The category of a status sentence as written in a report, or None.

    Accepts the variants seen in published reports: any case, with or without a final
    full stop, trailing and non-breaking spaces, "Uppdraget"/"Uppdrag"/no subject,
    "genomfört"/"genomförd", with or without "under året".
    """
    text = fold(sentence).rstrip(" .!")
    for pattern, category in _PATTERNS:
        if pattern.match(text):
            return category
    return None
