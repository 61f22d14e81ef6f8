"""The status vocabulary: categories, the sentences reporters write, and the one grammar
that reads them (pure)."""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from domain.text import fold


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

# --- the status grammar: the one place the Swedish words for the statuses are written ---
# Patterns over fold()ed text (lowercase, single spaces). Report sentences (``classify``),
# typed answers in the update dialog (``parse_category``) and the status filters in
# questions (dialogs.language) are all built from these pieces.

NOT = r"(?:inte|ej|icke)"
COMPLETED = r"genomför(?:d|da|t|ts)"  # the reports' own word
DONE_WORD = (rf"(?:{COMPLETED}|klar[at]?|klarade|färdig[at]?|avklara(?:d|de|t)|slutför(?:d|da|t)"
             r"|färdigställ(?:d|da|t|ts)|fullbordad?e?|fullföljd[a]?|levererad[e]?)")
WILL = r"(?:(?:kommer|hinner|hinna|ska) (?:att )?)"  # "kommer att", "hinner"
BECOME = r"(?:att )?(?:bli|blir)"
# "bedöms inte bli genomförda", "riskerar att inte bli klara", "kommer inte att bli klara",
# "inte hinner bli färdiga", "blir inte klara": at risk.
WILL_NOT_BE_DONE = (
    rf"(?:{NOT} bedöms|bedöms {NOT}) {BECOME} {DONE_WORD}"
    rf"|(?:riskerar (?:att )?)?{WILL}?{NOT} {WILL}?{BECOME} {DONE_WORD}"
    rf"|(?:blir|{WILL}bli) {NOT} {DONE_WORD}"
)
# "bedöms bli genomförda": on track.
JUDGED_DONE = rf"bedöms {BECOME} {DONE_WORD}"
# "inte klara", "är ej genomförda", "har inte blivit färdiga": not done.
NOT_DONE_PHRASE = (
    rf"(?:är |har )?{NOT} (?:är |har )?(?:ännu |blivit |hunnit )*{DONE_WORD}|ogenomför\w*|ofärdig\w*"
)

_SUBJECT = r"(?:uppdrag(?:et)? )?"
_TAIL = r"(?: under året)?"
_SENTENCES_READ: tuple[tuple[re.Pattern[str], StatusCategory], ...] = tuple(
    (re.compile(rf"^{_SUBJECT}{body}{_TAIL}$"), category)
    for body, category in (
        (rf"bedöms {NOT} bli {COMPLETED}", StatusCategory.AT_RISK),
        (rf"bedöms bli {COMPLETED}", StatusCategory.ON_TRACK),
        (rf"(?:är )?{NOT} {COMPLETED}", StatusCategory.NOT_DONE),
        (rf"(?:är )?{COMPLETED}", StatusCategory.DONE),
        (rf"(?:är )?{NOT} rapporter(?:at|ad)", StatusCategory.NOT_REPORTED),
    )
)
# Typed answers, checked in order (a later pattern may be part of an earlier one).
_ANSWERS: tuple[tuple[re.Pattern[str], StatusCategory], ...] = tuple(
    (re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), category)
    for pattern, category in (
        (rf"{WILL_NOT_BE_DONE}|risk\w*|försen\w*", StatusCategory.AT_RISK),
        (rf"{JUDGED_DONE}|{WILL}?{BECOME} {DONE_WORD}|på (?:väg|rätt spår)|enligt plan|pågå\w*",
         StatusCategory.ON_TRACK),
        (NOT_DONE_PHRASE, StatusCategory.NOT_DONE),
        (DONE_WORD, StatusCategory.DONE),
    )
)


@lru_cache(maxsize=4096)  # a report asks of every line, and most lines are asked twice
def classify(sentence: str) -> StatusCategory | None:
    """The category of a status sentence as written in a report, or None.

    Accepts the variants seen in published reports: any case, with or without a final
    full stop, trailing and non-breaking spaces, "Uppdraget"/"Uppdrag"/no subject,
    "genomfört"/"genomförd", with or without "under året".
    """
    text = fold(sentence).rstrip(" .!")
    for pattern, category in _SENTENCES_READ:
        if pattern.match(text):
            return category
    return None


def parse_category(text: str) -> StatusCategory | None:
    """A typed status answer: "genomfört", "bedöms bli genomfört", "på väg", "risk", …"""
    folded = fold(text or "")
    for pattern, category in _ANSWERS:
        if pattern.search(folded):
            return category
    return None
