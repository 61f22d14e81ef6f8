"""What a chat message asks for (pure).

``understand`` cleans the message (Teams mentions, HTML, control characters), splits it
into words and consumes recognised phrases in a fixed order: help and greeting phrases,
status filters, periods, committees, then filler words (with typos). The words left over
are free-text search words, kept as the user wrote them.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.language.search import STOP_WORDS
from storage.committees import Committee
from storage.periods import Period, PeriodError, period_containing
from storage.statuses import ORDER, StatusCategory
from storage.text import clean, fold

log = logging.getLogger(__name__)

MAX_LENGTH = 500  # characters of a message that are looked at
COMMITTEE_CUTOFF = 88  # rapidfuzz ratio for a committee name or alias with a typo

_DONE, _ON_TRACK, _AT_RISK, _NOT_DONE, _NOT_REPORTED = (
    StatusCategory.DONE,
    StatusCategory.ON_TRACK,
    StatusCategory.AT_RISK,
    StatusCategory.NOT_DONE,
    StatusCategory.NOT_REPORTED,
)
_NOT = r"(?:inte|ej|icke)"
_DONE_WORD = r"(?:genomför(?:d|da|t|ts)|klar[at]?|färdig[at]?|avklara(?:d|de|t)|slutför(?:d|da|t))"

# Status filters, checked in this order: a later phrase may be part of an earlier one
# ("som inte bedöms bli genomförda" contains "bli genomförda").
CATEGORY_PHRASES: tuple[tuple[str, frozenset[StatusCategory]], ...] = (
    (
        rf"(?:som )?(?:{_NOT} bedöms|bedöms {_NOT}) (?:att )?bli genomför\w*"
        r"|(?:i )?riskzon\w*|riskerar|försen\w*",
        frozenset({_AT_RISK, _NOT_DONE}),
    ),
    (
        r"(?:som )?bedöms (?:att )?bli genomför\w*|på (?:väg|rätt spår)|enligt plan",
        frozenset({_ON_TRACK}),
    ),
    (
        rf"(?:som )?(?:är |har )?{_NOT} (?:är |har )?(?:ännu |blivit )*(?:in)?rapporter\w*"
        r"|orapporter\w*|saknar (?:en )?(?:rapport|status|kommentar)\w*|utan (?:rapport|status)\w*",
        frozenset({_NOT_REPORTED}),
    ),
    (
        rf"(?:som )?(?:är )?{_NOT} (?:är )?(?:ännu )?{_DONE_WORD}|ogenomför\w*|ofärdig\w*"
        r"|återstående|kvarstående",
        frozenset({_ON_TRACK, _AT_RISK, _NOT_DONE, _NOT_REPORTED}),
    ),
    (_DONE_WORD, frozenset({_DONE})),
)

# Periods. A term phrase takes the year written anywhere in the message, else this year.
_TERM_NUMBERS = {"1": 1, "2": 2, "3": 3, "första": 1, "andra": 2, "tredje": 3}
TERM_PHRASES: tuple[tuple[str, int | None], ...] = (  # None: the term is the phrase's group
    (r"t ?([123])", None),
    (r"tertial(?:en|et)? ([123])|(första|andra|tredje) tertial\w*", None),
    (r"delår\w*", 2),
    (r"(?:bokslut|helår|årsredovisning|årsbokslut|årsrapport)\w*", 3),
)
RELATIVE_PHRASES: tuple[tuple[str, Callable[[Period], Period]], ...] = (  # from the current period
    (r"(?:förra|föregående|tidigare) (?:tertial|period)\w*", lambda current: current.previous()),
    (
        r"(?:denna|detta|nuvarande|aktuella?|innevarande|den här|det här) (?:tertial|period)\w*",
        lambda current: current,
    ),
    (r"(?:förra|föregående) år\w*|i fjol", lambda current: Period(current.year - 1, 3)),
)
_YEAR = r"(?:19|20)\d\d"

HELP_PHRASES = (
    r"hjälp\w*|help|instruktion\w*|kommandon|manual\w*|meny\w*"
    r"|vad kan (?:du|jag|man)(?: göra| fråga(?: om)?| hjälpa till med)?(?: dig)?"
    r"|hur (?:funkar|fungerar) (?:det|du|boten|detta|det här)"
    r"|hur (?:använder|gör) (?:jag|man)(?: dig| boten)?"
)
GREETING_PHRASES = (
    r"hej\w*|hallå\w*|halloj|tjena\w*|tja|tjabba|morsning|mors|hello|hi|hey"
    r"|god (?:morgon|dag|middag|eftermiddag|kväll)|godmorgon|goddag|hur mår (?:du|ni)"
)

# Words that make a message a status question even when nothing else is recognised.
QUERY_WORDS = frozenset(
    """
    uppdrag uppdraget uppdragen uppdragens uppdragets status statusen statusar läge läget
    visa visar lista listan listor alla allt samtliga vilka översikt översikten
    sammanställning sammanställningen rapport rapporten rapporter uppföljning uppföljningen
    går gick händer hänt hände nämnd nämnden nämnder nämnderna nämndens
    """.split()
)
# Words that carry no meaning of their own here.
FILLER_WORDS = STOP_WORDS | frozenset(
    """
    tack ok okej bra ja nej snälla kul dig ni bot boten uppdragsboten info information
    berätta kolla se få ge typ angående gällande rörande kring ang idag förvaltning
    förvaltningen förvaltningens tertial tertialen tertialet period perioden senaste senast
    aktuell aktuella just hittills ännu redan
    """.split()
)
# Vocabulary for typos ("uppdarg", "statsu"): only long words, so that short ones stay exact.
_TYPO_VOCABULARY = sorted(w for w in QUERY_WORDS | FILLER_WORDS if len(w) >= 5)

_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,300}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+(?:[-:'’][^\W_]+)*")
_GENITIVE = re.compile(r"[:'’]s$", re.IGNORECASE)
_PART_SEPARATOR = re.compile(r"[-:'’]")


@dataclass(frozen=True)
class StatusQuery:
    """Show assignments; every empty field means "no restriction"."""

    committees: tuple[str, ...] = ()  # abbreviations, e.g. ("TN",)
    categories: frozenset[StatusCategory] = frozenset()  # empty = all
    period: Period | None = None  # None = the latest period with data (caller decides)
    text: str | None = None  # free-text search words, or None

    def to_data(self) -> dict[str, Any]:
        """A JSON-able form for card button payloads."""
        return {
            "committees": list(self.committees),
            "categories": [c.value for c in ORDER if c in self.categories],
            "period": self.period.label if self.period else None,
            "text": self.text,
        }

    @classmethod
    def from_data(cls, data: Any) -> "StatusQuery":
        """The inverse of ``to_data``; ignores missing keys and bad values."""
        if not isinstance(data, dict):
            return cls()
        committees = [c.strip().upper() for c in _strings(data.get("committees")) if c.strip()]
        categories = {c.value: c for c in StatusCategory}
        try:
            period = Period.parse(data["period"]) if isinstance(data.get("period"), str) else None
        except PeriodError:
            period = None
        text = clean(data["text"])[:MAX_LENGTH] if isinstance(data.get("text"), str) else ""
        return cls(
            committees=tuple(dict.fromkeys(c for c in committees if len(c) <= 20)),
            categories=frozenset(categories[c] for c in _strings(data.get("categories")) if c in categories),
            period=period,
            text=text or None,
        )


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Greeting:
    pass


@dataclass(frozen=True)
class Unknown:
    text: str


Intent = StatusQuery | Help | Greeting | Unknown


@dataclass
class _Word:
    text: str  # as written
    key: str  # folded
    token: int  # index of the whitespace/punctuation-separated token it is part of
    used: bool = False


def understand(text: str, committees: Sequence[Committee], *, today: date) -> Intent:
    """The intent of a chat message. Never raises: odd input gives ``Unknown``."""
    message = ""
    try:
        message = _clean_message(text) if isinstance(text, str) else ""
        return _understand(message, tuple(committees), today)
    except Exception:  # a chat message must never crash the bot
        log.exception("could not understand %r", message)
        return Unknown(message)


def _understand(message: str, committees: tuple[Committee, ...], today: date) -> Intent:
    if message and not message.strip("?¿ "):
        return Help()
    tokens, words = _split(message)
    asks_help = bool(_take(words, HELP_PHRASES))
    greets = bool(_take(words, GREETING_PHRASES))
    categories = frozenset().union(*(cats for pattern, cats in CATEGORY_PHRASES if _take(words, pattern)))
    period = _find_period(words, today)
    found_committees = _find_committees(words, committees)
    asks_status = _take_filler(words)
    text = _leftover_text(tokens, words)

    if found_committees or categories or period or text:
        return StatusQuery(found_committees, categories, period, text)
    if asks_help:
        return Help()
    if asks_status:
        return StatusQuery()
    if greets:
        return Greeting()
    return Unknown(message)


def _clean_message(text: str) -> str:
    text = _MENTION.sub(" ", text[: MAX_LENGTH * 20])
    text = html.unescape(_TAG.sub(" ", text))
    text = _URL.sub(" ", text)
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    text = clean(text)
    if len(text) > MAX_LENGTH:  # cut at a space, not inside a word
        text = text[: MAX_LENGTH + 1].rsplit(" ", 1)[0] if " " in text[:MAX_LENGTH] else text[:MAX_LENGTH]
    return text


def _split(message: str) -> tuple[list[str], list[_Word]]:
    """Tokens ("Torvalla-Odensala", "SAN:s" → "SAN") and their parts as words."""
    tokens, words = [], []
    for match in _TOKEN.finditer(message):
        token = _GENITIVE.sub("", match.group())
        tokens.append(token)
        words += [_Word(p, fold(p), len(tokens) - 1) for p in _PART_SEPARATOR.split(token) if p]
    return tokens, words


def _take(words: list[_Word], pattern: str) -> list[re.Match[str]]:
    """Find ``pattern`` as whole words among the unused words and mark them used."""
    keys = [w.key if not w.used else "\0" for w in words]
    starts, offset = [], 0
    for key in keys:
        starts.append(offset)
        offset += len(key) + 1
    matches = list(_whole_words(pattern).finditer(" ".join(keys)))
    for match in matches:
        first, last = bisect_right(starts, match.start()) - 1, bisect_right(starts, match.end() - 1) - 1
        for word in words[first : last + 1]:
            word.used = True
    return matches


@lru_cache(maxsize=64)
def _whole_words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\S)(?:{pattern})(?!\S)")


def _find_period(words: list[_Word], today: date) -> Period | None:
    current = period_containing(today)
    relative = [shift for pattern, shift in RELATIVE_PHRASES if _take(words, pattern)]
    terms = [
        term or _TERM_NUMBERS[next(g for g in match.groups() if g)]
        for pattern, term in TERM_PHRASES
        for match in _take(words, pattern)
    ]
    years = [int(match.group()) for match in _take(words, _YEAR)]
    if relative:
        return relative[0](current)
    if terms:
        return Period(years[0] if years else today.year, terms[0])
    if years:  # a year alone: its year-end report, or the current period this year
        return current if years[0] == today.year else Period(years[0], 3)
    return None


def _find_committees(words: list[_Word], committees: tuple[Committee, ...]) -> tuple[str, ...]:
    abbreviations, phrases = _committee_vocabulary(committees)
    found: list[tuple[int, str]] = []  # (position, abbreviation)
    for i, word in enumerate(words):
        # Abbreviations only exactly ("tn", "SAN"), or as "TNs" written in capitals.
        key = word.key
        if key not in abbreviations and word.text.endswith("s") and word.text[:-1].isupper():
            key = key[:-1]
        if not word.used and key in abbreviations:
            word.used = True
            found.append((i, abbreviations[key]))

    # Names and aliases, with small typos; longer phrases first, then better scores.
    candidates = []  # (words in the phrase, score, position, abbreviation)
    for phrase, abbreviation in phrases:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            if any(w.used for w in window) or (n == 1 and len(window[0].key) < 5):
                continue
            written = " ".join(w.key for w in window)
            score = fuzz.ratio(written, " ".join(phrase), score_cutoff=COMMITTEE_CUTOFF)
            if score:
                candidates.append((n, score, i, abbreviation))
    for n, _, i, abbreviation in sorted(candidates, key=lambda c: (-c[0], -c[1], c[2])):
        window = words[i : i + n]
        if not any(w.used for w in window):
            for w in window:
                w.used = True
            found.append((i, abbreviation))
    return tuple(dict.fromkeys(abbreviation for _, abbreviation in sorted(found)))


def _committee_vocabulary(
    committees: tuple[Committee, ...],
) -> tuple[dict[str, str], tuple[tuple[tuple[str, ...], str], ...]]:
    """Folded abbreviations, and names/aliases as folded word tuples (min. 6 letters)."""
    names = tuple((c.abbreviation, (c.name, *c.aliases)) for c in committees)  # hashable
    return _vocabulary(names)


@lru_cache(maxsize=8)
def _vocabulary(
    names: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[dict[str, str], tuple[tuple[tuple[str, ...], str], ...]]:
    abbreviations = {fold(abbreviation): abbreviation for abbreviation, _ in names}
    phrases: dict[tuple[str, ...], str] = {}
    for abbreviation, written in names:
        for name in written:
            phrase = tuple(w.key for w in _split(clean(name))[1])
            if phrase and len("".join(phrase)) >= 6 and " ".join(phrase) not in abbreviations:
                phrases.setdefault(phrase, abbreviation)
    return abbreviations, tuple(phrases.items())


def _take_filler(words: list[_Word]) -> bool:
    """Mark filler words used, tolerating a typo in long ones; True if one asks for status."""
    asks_status = False
    for word in words:
        if word.used:
            continue
        key = word.key
        if key not in QUERY_WORDS and key not in FILLER_WORDS and len(key) >= 5:
            edits = 1 if len(key) < 9 else 2
            match = process.extractOne(
                key, _TYPO_VOCABULARY, scorer=DamerauLevenshtein.distance, score_cutoff=edits
            )
            key = match[0] if match else key
        if key in QUERY_WORDS or key in FILLER_WORDS:
            word.used = True
            asks_status = asks_status or key in QUERY_WORDS
    return asks_status


def _leftover_text(tokens: list[str], words: list[_Word]) -> str | None:
    """The unused words as written, once each; a token whose parts are all unused stays whole."""
    pieces = []
    for index, token in enumerate(tokens):
        parts = [w for w in words if w.token == index]
        content = [w for w in parts if not w.used and len(w.key) > 1 and any(ch.isalpha() for ch in w.key)]
        if content and len(content) == len(parts):
            pieces.append(token)
        else:
            pieces += [w.text for w in content]
    return " ".join(dict.fromkeys(pieces)) or None
