"""Understanding status updates (pure): the opening message and typed answers in the dialog.

The status vocabulary (negations, "bli/blir ... genomförda", the words for done) is shared
with ``understand``, which reads the same phrases as filters ("uppdrag som inte blir klara").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.periods import Period, full_year, latest_period
from domain.statuses import (
    DONE_WORD,
    JUDGED_DONE,
    NOT_DONE_PHRASE,
    WILL_NOT_BE_DONE,
    StatusCategory,
    parse_category,
)
from domain.text import clean

# A status written anywhere in an update request ("sätt status bedöms inte bli genomfört på
# purple flag"): only phrases with a word for done, never "risk" that may be part of a title.
_STATUS_IN_REQUEST = re.compile(
    rf"(?<!\w)(?:(?:till|som|med) )?(?:uppdraget |status(?:en)? )?(?:är |till )?"
    rf"(?:{WILL_NOT_BE_DONE}|{JUDGED_DONE}|{NOT_DONE_PHRASE}|{DONE_WORD})(?!\w)",
    re.IGNORECASE,
)

_UPDATE_START = re.compile(
    r"^(?:(?:jag|vi) (?:vill|ska|skulle vilja|behöver|måste) |(?:kan|får|ska) (?:jag|vi|du|ni) "
    r"|hur (?:kan|gör|ska) (?:jag|vi|man) (?:för att )?|(?:vill|ska) )?"
    r"(?:uppdatera|rapportera|ändra|sätt|sätta|ange|lägg till|skriv(?! ut\b)|update)\b",
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
    r"|uppdatera|rapportera|ändra|sätt|sätta|ange|lägg|till|skriv|in|status(?:en)?|update"
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
    committees: tuple[str, ...] = ()  # "uppdatera MSN:s uppdrag": choose among these committees' assignments


@dataclass(frozen=True)
class HistoryRequest:
    """"historik för linjenätet"."""

    text: str


def parse_update(message: str, *, today: date | None = None) -> UpdateRequest | HistoryRequest | None:
    """An update or history request, or None when the message is something else.

    ``today`` gives the year of a period written without one ("uppdatera linjenätet för T1").
    """
    written = (message or "").strip()
    message = clean(written)
    history = _HISTORY_START.match(message)
    if history and message[history.end():].strip(" ?"):
        return HistoryRequest(message[history.end():].strip(" ?"))
    if not _UPDATE_START.match(message):
        return None
    comment = None
    match = _COMMENT.search(written)  # the comment as written: line breaks and all
    if match:
        comment = match.group("comment").strip()
        message = clean(written[: match.start()] + " " + match.group("target"))
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
