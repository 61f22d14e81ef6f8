"""Understanding status updates (pure): the opening message and typed answers in the dialog.

The status vocabulary (negations, "bli/blir ... genomförda", the words for done) is shared
with ``understand``, which reads the same phrases as filters ("uppdrag som inte blir klara").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from storage.periods import Period, period_containing
from storage.statuses import StatusCategory
from storage.text import clean, fold

# Status phrases, on folded text with single spaces (see ``understand._take``).
NOT = r"(?:inte|ej|icke)"
DONE_WORD = r"(?:genomför(?:d|da|t|ts)|klar[at]?|färdig[at]?|avklara(?:d|de|t)|slutför(?:d|da|t))"
WILL = r"(?:(?:kommer|hinner|hinna|ska) (?:att )?)"  # "kommer att", "hinner"
BECOME = r"(?:att )?(?:bli|blir)"
# "bedöms inte bli genomförda", "riskerar att inte bli klara", "kommer inte att bli klara",
# "inte hinner bli färdiga", "blir inte klara": at risk.
WILL_NOT_BE_DONE = (
    rf"(?:{NOT} bedöms|bedöms {NOT}) {BECOME} {DONE_WORD}"
    rf"|(?:riskerar (?:att )?)?{WILL}?{NOT} {WILL}?{BECOME} {DONE_WORD}"
    rf"|(?:blir|{WILL}bli) {NOT} {DONE_WORD}"
)
# "inte klara", "är ej genomförda", "har inte blivit färdiga": not done.
NOT_DONE_PHRASE = rf"(?:är |har )?{NOT} (?:är |har )?(?:ännu |blivit |hunnit )*{DONE_WORD}|ogenomför\w*|ofärdig\w*"

# Typed status answers, checked in order (a later pattern may be part of an earlier one).
_CATEGORY_ANSWERS: tuple[tuple[re.Pattern[str], StatusCategory], ...] = tuple(
    (re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), category)
    for pattern, category in (
        (rf"{WILL_NOT_BE_DONE}|risk\w*|försen\w*", StatusCategory.AT_RISK),
        (rf"bedöms {BECOME} {DONE_WORD}|{WILL}?{BECOME} {DONE_WORD}|på (?:väg|rätt spår)|enligt plan|pågå\w*", StatusCategory.ON_TRACK),
        (NOT_DONE_PHRASE, StatusCategory.NOT_DONE),
        (DONE_WORD, StatusCategory.DONE),
    )
)
# A status written anywhere in an update request ("sätt status bedöms inte bli genomfört på
# purple flag"): only phrases with a word for done, never "risk" that may be part of a title.
_STATUS_IN_REQUEST = re.compile(
    rf"(?<!\w)(?:(?:till|som|med) )?(?:uppdraget |status(?:en)? )?(?:är |till )?"
    rf"(?:{WILL_NOT_BE_DONE}|bedöms {BECOME} {DONE_WORD}|{NOT_DONE_PHRASE}|{DONE_WORD})(?!\w)",
    re.IGNORECASE,
)

_UPDATE_START = re.compile(
    r"^(?:(?:jag|vi) (?:vill|ska|skulle vilja|behöver|måste) |(?:kan|får|ska) (?:jag|vi|du|ni) "
    r"|hur (?:kan|gör|ska) (?:jag|vi|man) (?:för att )?|(?:vill|ska) )?"
    r"(?:uppdatera|rapportera|ändra|sätt|sätta|ange|lägg till|skriv(?! ut\b))\b",
    re.IGNORECASE,
)
_HISTORY_START = re.compile(r"^(?:visa )?historik(?:en)? ?(?:för|om|över|på)? ?", re.IGNORECASE)
_PERIOD = re.compile(
    r"\b(?:för |i )?(?:t ?(?P<term>[123])|(?P<t2>delår)\w*|(?P<t3>bokslut|helår)\w*)"
    r"(?: ?[-/' ] ?(?P<year>(?:19|20)?\d\d))?\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"\bkommentar(?:en)?\b(?P<target>[^:]*):\s*(?P<comment>.+)$", re.IGNORECASE | re.DOTALL)
_TO_STATUS = re.compile(r"\s+(?:till|som|med\s+status)\s+(?P<status>.+)$", re.IGNORECASE)
# Words that only frame the request; what is left names the assignment.
_FRAME_WORDS = re.compile(
    r"\b(?:jag|vi|du|ni|man|vill|ska|skulle|vilja|kan|får|behöver|måste|hur|gör|för att"
    r"|uppdatera|rapportera|ändra|sätt|sätta|ange|lägg|till|skriv|in|status(?:en)?"
    r"|för|på|om|i|en|ett|ny|nytt|något|nåt|mitt|mina|vårt|våra|kommentar(?:en)?"
    r"|uppdrag(?:et|en)?|det|den|att|med|under|året|tid)\b",
    re.IGNORECASE,
)
_ASSIGNMENT_SUFFIX = re.compile(r"(?<=\w)-?uppdrag(?:et|en)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class UpdateRequest:
    """"uppdatera trygghetsvandringen", "sätt uppdraget om linjenätet till genomfört"."""

    text: str | None = None  # words naming the assignment
    category: StatusCategory | None = None
    comment: str | None = None
    period: Period | None = None


@dataclass(frozen=True)
class HistoryRequest:
    """"historik för linjenätet"."""

    text: str


def full_year(written: str) -> int:
    """"2022" → 2022, "22" → 2022."""
    return int(written) if len(written) == 4 else 2000 + int(written)


def latest_period(term: int, today: date) -> Period:
    """A term named without a year: the most recent one that has ended or is current.

    In February 2027 "T1" is T1 2027 (current), "delåret" T2 2026 and "bokslutet" T3 2026.
    """
    period = Period(today.year, term)
    return period if period <= period_containing(today) else Period(today.year - 1, term)


def parse_category(text: str) -> StatusCategory | None:
    """A typed status answer: "genomfört", "bedöms bli genomfört", "på väg", "risk", …"""
    folded = fold(text or "")
    for pattern, category in _CATEGORY_ANSWERS:
        if pattern.search(folded):
            return category
    return None


def parse_update(message: str, *, today: date | None = None) -> UpdateRequest | HistoryRequest | None:
    """An update or history request, or None when the message is something else.

    ``today`` gives the year of a period written without one ("uppdatera linjenätet för T1").
    """
    message = clean(message)
    history = _HISTORY_START.match(message)
    if history and message[history.end():].strip(" ?"):
        return HistoryRequest(message[history.end():].strip(" ?"))
    if not _UPDATE_START.match(message):
        return None
    comment = None
    match = _COMMENT.search(message)
    if match:
        comment = match.group("comment").strip()
        message = message[: match.start()] + " " + match.group("target")
    category = None
    if match := _STATUS_IN_REQUEST.search(message):  # "... till genomfört", "status ej genomfört på ..."
        category = parse_category(match.group())
        message = message[: match.start()] + " " + message[match.end():]
    elif (match := _TO_STATUS.search(message)) and parse_category(match.group("status")):  # "till på väg"
        category = parse_category(match.group("status"))
        message = message[: match.start()]
    period = None
    match = _PERIOD.search(message)
    if match:
        term = int(match.group("term") or (2 if match.group("t2") else 3))
        if match.group("year"):
            period = Period(full_year(match.group("year")), term)
        elif today is not None:
            period = latest_period(term, today)
        message = message[: match.start()] + " " + message[match.end():]
    words = _FRAME_WORDS.sub(" ", _ASSIGNMENT_SUFFIX.sub("", message))
    text = clean(re.sub(r"[^\w\s-]", " ", words)).strip(" -")
    return UpdateRequest(text or None, category, comment, period)


_STATUS_QUESTION = re.compile(
    r"^(?:status|visa|vilka|vilket|lista|hur går|hur ligger|hur är läget|vad händer|historik)\b", re.IGNORECASE
)
_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)


def strip_mentions(message: str | None) -> str:
    """The message without @mentions (Teams writes them as <at>Name</at>)."""
    return clean(_MENTION.sub(" ", message or ""))
_CANCEL = {"avbryt", "avsluta", "stopp", "stop", "cancel", "glöm det", "strunta i det", "avbryt uppdateringen"}


def is_status_question(message: str) -> bool:
    """Shaped like a question about assignments (answered in the middle of a dialog)."""
    return bool(_STATUS_QUESTION.match(clean(message)))


def is_cancel(message: str) -> bool:
    return clean(message).casefold().strip(" .!") in _CANCEL
