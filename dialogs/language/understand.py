"""What a chat message asks for (pure).

``understand`` cleans the message (Teams mentions, HTML, control characters), splits it
into words and consumes recognised phrases in a fixed order: thanks, help and greeting
phrases, status filters, periods, committees, then filler words (with typos) and question
verbs. The words left over are free-text search words, kept as the user wrote them.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from dialogs.language.chat import MENTION
from dialogs.language.update import HistoryRequest, UpdateRequest, parse_update
from domain.approval import Move
from domain.committees import Committee
from domain.periods import (
    Period,
    PeriodError,
    full_year,
    latest_period,
    period_containing,
)
from domain.statuses import (
    BECOME,
    DONE_WORD,
    JUDGED_DONE,
    NOT,
    NOT_DONE_PHRASE,
    ORDER,
    WILL,
    WILL_NOT_BE_DONE,
    StatusCategory,
)
from domain.text import clean, fold
from domain.words import STOP_WORDS

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

# Status filters, checked in this order: a later phrase may be part of an earlier one
# ("som inte bedöms bli genomförda" contains "bli genomförda").
CATEGORY_PHRASES: tuple[tuple[str, frozenset[StatusCategory]], ...] = (
    (  # "bedöms inte bli genomförda", "riskerar att inte bli klara", "släpar efter", "hänger inte med"
        rf"(?:som )?(?:{WILL_NOT_BE_DONE})|(?:i )?riskzon\w*|riskerar|försen\w*"
        r"|(?:som )?(?:släpar|ligger|halkar|halkat|hamnat) efter|släpar|hänger (?:inte|ej) med"
        r"|(?:är |blir )?(?:sena|sen|efter i tid)",
        frozenset({_AT_RISK, _NOT_DONE}),
    ),
    (  # "rullar på enligt plan", "går enligt plan", "löper på": on track, not the finished ones
        rf"(?:som )?{JUDGED_DONE}|på (?:väg|rätt spår|gång)|(?:går |löper |rullar (?:på )?)?enligt plan"
        r"|rullar på|löper på|flyter på|går bra|går som planerat",
        frozenset({_ON_TRACK}),
    ),
    (rf"(?:som )?{WILL}?{BECOME} {DONE_WORD}", frozenset({_DONE, _ON_TRACK})),  # "blir klara"
    (
        rf"(?:som )?(?:är |har )?{NOT} (?:är |har )?(?:ännu |blivit )*(?:in)?rapporter\w*"
        r"|orapporter\w*|saknar (?:en )?(?:rapport|status|kommentar)\w*|utan (?:rapport|status)\w*",
        frozenset({_NOT_REPORTED}),
    ),
    (  # "inte klara", "ej genomförda": everything not done
        rf"(?:som )?(?:{NOT_DONE_PHRASE})|återstående|kvarstående|pågående|pågår",
        frozenset({_ON_TRACK, _AT_RISK, _NOT_DONE, _NOT_REPORTED}),
    ),
    (DONE_WORD, frozenset({_DONE})),
    # English, as some write: "vilka ks uppdrag är done", "completed uppdrag för ks"
    (r"not done|not completed|unfinished", frozenset({_ON_TRACK, _AT_RISK, _NOT_DONE, _NOT_REPORTED})),
    (r"at risk|delayed|behind|late", frozenset({_AT_RISK, _NOT_DONE})),
    (r"on track", frozenset({_ON_TRACK})),
    (r"done|completed|finished|complete", frozenset({_DONE})),
)

# Periods. A term phrase takes the year written right after it ("T1 2022", "delår -22"),
# else one written anywhere, else "förra året"/"i år", else its latest period (latest_period).
_TERM_NUMBERS = {"1": 1, "2": 2, "3": 3, "första": 1, "andra": 2, "tredje": 3}
TERM_PHRASES: tuple[tuple[str, int | None], ...] = (  # None: the term is the phrase's group
    (r"t ?([123])", None),
    (r"tertial(?:en|et)? ([123])|(första|andra|tredje) tertial\w*", None),
    (r"delår\w*", 2),
    (r"(?:bokslut|helår|årsredovisning|årsbokslut|årsrapport)\w*", 3),
    # Months and seasons, by the tertial they fall in: January–April T1, May–August T2 (delår),
    # September–December T3 (helår). "efter sommaren" before "sommaren".
    (r"september|oktober|november|december|sept?|okt|nov|dec|efter sommaren|i höstas|hösten|höstens"
     r"|(?:vid|runt|kring) (?:års|nyårs)skiftet|årsskiftet|vid årets slut", 3),
    (r"maj|juni|juli|augusti|jun|jul|aug|i somras|sommaren|sommarens|under sommaren", 2),
    (r"januari|februari|mars|april|jan|feb|apr|i våras|våren|vårens|under våren|i vintras", 1),
)
_TERM_YEAR = r"(?: ((?:19|20)?\d\d))?"  # after a term phrase a two-digit year is a year
NOT_A_TERM = r"t[04-9]"  # "T4 2022": ignored, the year still counts
RELATIVE_PHRASES: tuple[tuple[str, Callable[[Period], Period]], ...] = (  # from the current period
    (r"(?:förra|föregående|tidigare) (?:tertial|period)\w*", lambda current: current.previous()),
    (
        r"(?:denna|detta|nuvarande|aktuella?|innevarande|den här|det här) (?:tertial|period)\w*",
        lambda current: current,
    ),
)
LAST_YEAR = r"(?:förra|föregående) år\w*|i fjol|fjolårets"
THIS_YEAR = r"i år|årets|(?:detta|det här|innevarande) år\w*"
_YEAR = r"(?:19|20)\d\d"

HELP_PHRASES = (
    r"hjälp\w*|help|instruktion\w*|kommandon|manual\w*|meny\w*"
    r"|vad kan (?:du|jag|man)(?: göra| fråga(?: om)?| hjälpa till med)?(?: dig)?"
    r"|hur (?:funkar|fungerar) (?:det|du|boten|detta|det här)"
    r"|hur (?:använder|gör) (?:jag|man)(?: dig| boten)?"
)
THANKS_PHRASES = (
    r"(?:tusen |stort |varmt )?(?:jätte)?tack\w*(?: (?:så )?(?:mycket|jättemycket|mkt))?"
    r"(?: för (?:hjälpen|svaret|svaren|infon|informationen|det|sist|senast))?|thanks|thank you|thx|tnx"
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
    ok okej bra ja nej snälla kul dig ni bot boten uppdragsboten info information
    berätta kolla se få ge typ angående gällande rörande kring ang idag förvaltning
    förvaltningen förvaltningens tertial tertialen tertialet period perioden senaste senast
    aktuell aktuella just hittills ännu redan
    """.split()
)
# Question verbs and adverbs ("vad jobbar TN med", "hur ligger KS till"): never search words.
# Matched exactly, without typos, so that they do not swallow misspelt content words.
QUESTION_WORDS = frozenset(
    """
    få får fick fått ligger ligga låg legat jobbar jobba jobbat jobbade sysslar syssla pysslar
    håller hålla höll hållit finns fanns funnits står stå stod stått ser såg sett hittat
    ansvarar ansvara ansvarig ansvariga tilldelats tilldelat tilldelade gett givit getts
    egentligen fortfarande numera också även ens väl alltså liksom nog sen varför vem vems
    tror undrar undra veta vet kunna kunde måste borde behöver mina mitt vårt era ert
    år året ny nytt nya kf kommunfullmäktige fullmäktige
    skrevs skriver skrev skrivit sades sägs sagt säger nämns nämnde nämnts handlar gäller
    ärenden ärende ärendet frågor frågorna kommentar kommentaren kommentarer kommentarerna
    rapporterade rapporterat rapporterats senast igen
    for of the a an what whats is are any news list all show me my about please committee committees
    assignment assignments how going with get give
    """.split()
)
FILLER_PHRASES = r"i (?:rätt )?tid|i dag|under (?:året|perioden)"
# Vocabulary for typos ("uppdarg", "statsu"): only long words, so that short ones stay exact.
_TYPO_VOCABULARY = sorted(w for w in QUERY_WORDS | FILLER_WORDS if len(w) >= 5)

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
    year: int | None = None  # with period None: the newest period of this year with data
    # Written as a follow-up ("och MSN då?", "visa bara de genomförda"): it refines the
    # conversation's last answer where it says nothing of its own (dialogs/context.py).
    follow_up: bool = field(default=False, compare=False)
    # The period is a term without a year ("och för T2?"): a follow-up takes the year of the last answer.
    term_only: bool = field(default=False, compare=False)
    # "gemensamma uppdrag för MSN och TN": only the assignments every one of ``committees`` has.
    shared: bool = False

    def to_data(self) -> dict[str, Any]:
        """A JSON-able form for card button payloads."""
        return {
            "committees": list(self.committees),
            "categories": [c.value for c in ORDER if c in self.categories],
            "period": self.period.label if self.period else None,
            "text": self.text,
            "year": self.year,
            **({"shared": True} if self.shared else {}),
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
        year = data.get("year")
        return cls(
            committees=tuple(dict.fromkeys(c for c in committees if len(c) <= 20)),
            categories=frozenset(categories[c] for c in _strings(data.get("categories")) if c in categories),
            period=period,
            text=text or None,
            year=year if type(year) is int and 1900 <= year <= 2100 and period is None else None,
            shared=data.get("shared") is True and len(committees) > 1,
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
class Thanks:
    pass


@dataclass(frozen=True)
class SubscriptionRequest:
    """Notifications for committees: action "add", "remove" or "list"."""

    action: str
    committees: tuple[str, ...] = ()
    text: str | None = None  # words naming an assignment ("håll koll på dagvattnet"): its committees

@dataclass(frozen=True)
class ExportRequest:
    """The follow-up report as a file: "rapport T1 2022", "exportera KS-uppdragen till word"."""

    period: Period | None = None  # None: the period a status question would show
    committees: tuple[str, ...] = ()  # empty: every committee
    format: str | None = None  # "docx", "md", "text"; None: the user chooses on the card


@dataclass(frozen=True)
class OverviewRequest:
    """Counts per committee and status: "översikt", "hur går det för TN totalt?"."""

    period: Period | None = None
    committees: tuple[str, ...] = ()  # empty: every committee


@dataclass(frozen=True)
class MoveRequest:
    """A move of a committee's report (domain.approval): "TN är klar för T2 2023", "godkänn TN",
    "skicka tillbaka TN: …", "öppna TN igen: …". ``text``: what follows the colon (a send-back's
    comment, a reopening's reason), as written."""

    move: Move
    committees: tuple[str, ...] = ()
    period: Period | None = None
    text: str | None = None


@dataclass(frozen=True)
class AboutShown:
    """"vad står det om den?", "vem rapporterade det?", "uppdatera den": about the assignment
    the conversation showed last (dialogs/context.py). ``otherwise``: what the message means
    when nothing was shown."""

    what: str  # "show", "who", "update" or "history"
    otherwise: "Intent | None" = None
    category: StatusCategory | None = None  # "uppdatera den till genomfört"
    comment: str | None = None


@dataclass(frozen=True)
class UnknownStatus:
    """A status-like word the bot does not know ("pausade"): say so, and name the statuses."""

    word: str
    committees: tuple[str, ...] = ()


@dataclass(frozen=True)
class OffTopic:
    """A question that is not about assignments ("vem leder tekniska nämnden", "när sammanträder
    KS", "vad heter du"): say what the bot knows, offer the nearest thing it can do."""

    topic: str  # "who" (people, leaders), "when" (meetings), "bot" (the bot itself)
    committees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unknown:
    text: str


Intent = (StatusQuery | Help | Greeting | Thanks | Unknown | UpdateRequest | HistoryRequest | SubscriptionRequest
          | ExportRequest | OverviewRequest | MoveRequest | AboutShown | UnknownStatus | OffTopic)


@dataclass
class _Word:
    text: str  # as written
    key: str  # folded
    token: int  # index of the whitespace/punctuation-separated token it is part of
    marked: bool = False  # the token is "SAN:s" or "san-uppdrag": an abbreviation for sure
    used: bool = False


def understand(text: str, committees: Sequence[Committee], *, today: date) -> Intent:
    """The intent of a chat message. Never raises: odd input gives ``Unknown``."""
    message = ""
    try:
        text = text if isinstance(text, str) else ""
        message = _clean_message(text)
        # An update request keeps its comment as written (line breaks, links): read it unclean.
        written = MENTION.sub(" ", text[: MAX_LENGTH * 20]).strip()
        return _understand(message, written, tuple(committees), today)
    except Exception:  # a chat message must never crash the bot
        log.exception("could not understand %r", message)
        return Unknown(message)


def _understand(message: str, written: str, committees: tuple[Committee, ...], today: date) -> Intent:
    subscription = _subscription(message, committees)
    if subscription is not None:
        return subscription
    request = parse_update(written, today=today)
    if request is not None:
        if _REFERS_TO_SHOWN.search(fold(message)) and not (request.text and fold(request.text) not in _PRONOUNS):
            what = "history" if isinstance(request, HistoryRequest) else "update"
            return AboutShown(what, request, getattr(request, "category", None), getattr(request, "comment", None))
        if isinstance(request, UpdateRequest) and request.text:
            tokens, words = _split(request.text)
            named = _find_committees(words, committees)
            if named and not _leftover_text(tokens, [w for w in words if not _vocabulary_word(w.key)]):
                return replace(request, text=None, committees=named)  # "uppdatera MSN:s uppdrag"
        return request
    off = _off_topic(message, committees)
    if off is not None:
        return off
    moved = _move_request(message, committees, today)
    if moved is not None:
        return moved
    report = _report_request(message, committees, today)
    if report is not None:
        return report
    if message and not message.strip("?¿ "):
        return Help()
    tokens, words = _split(message)
    thanks = bool(_take(words, THANKS_PHRASES))
    asks_help = bool(_take(words, HELP_PHRASES))
    greets = bool(_take(words, GREETING_PHRASES))
    categories = frozenset().union(*(cats for pattern, cats in CATEGORY_PHRASES if _take(words, pattern)))
    if _correct_status_typos(words):  # "genomfröda": once more, with the typos corrected
        categories |= frozenset().union(*(cats for pattern, cats in CATEGORY_PHRASES if _take(words, pattern)))
    _take(words, FILLER_PHRASES)
    period, year, named_period = _find_period(words, today)
    found_committees = _find_committees(words, committees)
    says_shared = bool(_take(words, _SHARED.pattern))
    asks_status = _take_filler(words)
    text = _leftover_text(tokens, words)

    unknown_status = next((w for w in (text or "").split() if _STATUS_LIKE.fullmatch(fold(w))), None)
    if unknown_status and not categories:
        return UnknownStatus(unknown_status, found_committees)
    shared = len(found_committees) > 1 and says_shared
    follow_up = bool(_FOLLOW_UP.search(fold(message)))
    if not (found_committees or categories or period or year) and _REFERS_TO_SHOWN.search(fold(message)) and (
            text is None or all(fold(w) in _PRONOUNS for w in text.split())):
        asked = StatusQuery(text=text) if text else (StatusQuery() if asks_status else Unknown(message))
        return AboutShown("who" if re.search(r"(?<!\w)vem(?!\w)", fold(message)) else "show", asked)
    if found_committees or categories or period or year or text:
        term_only = period is not None and not re.search(r"(?<!\d)(?:19|20)?\d\d(?!\d)|år|fjol|förra|föregående|denna|detta|nuvarande|aktuell|innevarande", fold(message))
        return StatusQuery(found_committees, categories, period, text, year, follow_up=follow_up, shared=shared,
                           term_only=term_only)
    if asks_help:
        return Help()
    if asks_status or named_period:
        return StatusQuery()
    if thanks:
        return Thanks()
    if greets:
        return Greeting()
    return Unknown(message)


_SUBSCRIPTION_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), action)
    for pattern, action in (
        (r"^(?:visa |lista )?(?:mina|våra) (?:prenumerationer|bevakningar)\b", "list"),
        (r"^(?:vad|vilka nämnder) (?:prenumererar|bevakar) (?:jag|vi)\b", "list"),
        (r"^(?:jag vill |vi vill )?(?:avsluta|avbryt|stoppa|säg upp|ta bort) (?:min |mina |vår |våra )?"
         r"(?:prenumeration(?:en|er|erna)?|bevakning(?:en|ar|arna)?)\b|^(?:sluta|slutar) (?:följa|bevaka|prenumerera)\b",
         "remove"),
        (r"^(?:jag vill |vi vill )?(?:prenumerera|bevaka|följ|följa|starta prenumeration)\b", "add"),
        (r"^(?:unsubscribe|stop following)\b", "remove"),
        (r"^(?:my subscriptions|list subscriptions)\b", "list"),
        (r"^(?:subscribe|follow)(?: to)?\b", "add"),
        (r"^(?:vilka|vad för|hur många) (?:bevakningar|prenumerationer) har (?:jag|vi)\b", "list"),
        (r"^(?:kan du |snälla )?(?:håll|hålla) (?:koll|ögonen|ett öga) på\b", "add"),
        (r"^(?:kan du |snälla )?(?:säg|meddela|tala om|berätta) (?:till |för mig |mig )?(?:när|om|så fort)\b", "add"),
        (r"^(?:jag vill |vi vill )?(?:få|ha) (?:besked|notiser|aviseringar|meddelanden?) (?:om|när|för)\b", "add"),
    )
)


def _subscription(message: str, committees: tuple[Committee, ...]) -> SubscriptionRequest | None:
    """"prenumerera på TN", "avsluta prenumeration på TN", "mina prenumerationer"."""
    first, _, rest = message.partition(" ")
    if len(first) >= 8 and DamerauLevenshtein.distance(fold(first), "prenumerera", score_cutoff=2) <= 2:
        message = f"prenumerera {rest}"  # "prenumerea på tn": a typo in the verb
    for pattern, action in _SUBSCRIPTION_PHRASES:
        match = pattern.match(message)
        if match:
            tokens, words = _split(message[match.end():])
            found = _find_committees(words, committees)
            _take(words, r"ändras|ändrar|uppdateras|rapporteras|händer|något|nytt|åt mig|åt oss|mig|oss|in")
            _take_filler(words)
            return SubscriptionRequest(action, found, None if found else _leftover_text(tokens, words))
    return None


# Two committees' shared assignments, not both lists: "gemensamma uppdrag för MSN och TN", "uppdrag
# som både KS och TN har".
_SHARED = re.compile(r"gemensam\w*|både|delade?|delar|tillsammans|samma uppdrag|shared|in common")

# Words that say something of a status the bot has none for: it says so instead of listing all.
_STATUS_LIKE = re.compile(
    r"pausad[et]?|stoppad[et]?|avbrut(?:na|et|en)|strandade?|vilande|nedprioriterad[et]?|inställd[at]?"
    r"|skrinlagd[at]?|uppskjutn[at]|framskjutn[at]|fryst[a]?|avförd[a]?|struken|strukna")
# Questions about other things than assignments.
_OFF_TOPICS: tuple[tuple[str, str], ...] = (
    ("bot", r"^(?:vad|vem) (?:heter|är) du|^vem (?:har )?(?:gjort|skapat|byggt) dig|^är du (?:en )?(?:bot|robot|människa)"),
    ("who", r"(?<!\w)(?:vem|vilka) (?:leder|styr|basar över|är (?:ordförande|chef|ledamöter|ledamot))|ordförande"
            r"|förvaltningschef\w*|ledamöter(?:na)?(?!\w)"),
    ("when", r"(?<!\w)(?:när|var) (?:sammanträder|träffas|möts|har .{0,30}möte)|sammanträde\w*|nämndmöte\w*"
             r"|mötesdag\w*|sammanträdesdag\w*"),
)


def _off_topic(message: str, committees: tuple[Committee, ...]) -> OffTopic | None:
    folded = fold(message)
    for topic, pattern in _OFF_TOPICS:
        if re.search(pattern, folded):
            _, words = _split(message)
            return OffTopic(topic, _find_committees(words, committees))
    return None


# A message about the assignment shown last: a pronoun, and nothing of its own.
_PRONOUNS = frozenset({"den", "det", "dess", "detta", "denna", "uppdraget", "det här", "den här"})
_REFERS_TO_SHOWN = re.compile(
    r"(?<!\w)(?:om|med|för|på|av|i|visa|rapporterade|rapporterat|skrev|skrivit|uppdaterade|uppdatera|ändra|"
    r"rapportera|sätt|historik(?:en)?(?: för)?) (?:den|det|dess|detta|denna|uppdraget|det här|den här)(?!\w)")
# A follow-up to the last answer: "och MSN då?", "visa bara de genomförda", "men för T2?".
_FOLLOW_UP = re.compile(r"^(?:och|men|samt|bara|endast|enbart|än|visa bara|visa endast|visa enbart|samma)(?!\w)"
                        r"|(?<!\w)då\W*$")

# Moves of a committee's report. Each needs a committee named; a comment or reason follows ": ".
_MOVE_STARTS: tuple[tuple[str, Move], ...] = (
    (r"^(?:jag |vi )?(?:godkänn\w*|attestera\w*)\b", Move.APPROVE),
    (r"^(?:skicka tillbaka|returnera|underkänn\w*)\b", Move.SEND_BACK),
    (r"^(?:öppna|lås upp)\b", Move.REOPEN),
    (r"^(?:markera|sätt)\b(?=.*\bklar\w*)|^klarmarkera\w*\b", Move.READY),
)
_IS_READY = re.compile(r"^(?P<who>.+?) (?:är|e) (?:nu |helt )?klara?(?: med (?:rapporteringen|rapporten|rapport))?"
                       r"(?P<rest>(?: (?:för|i|till) .*)?)$")
_COMMENT = re.compile(r":\s+")


def _move_request(message: str, committees: tuple[Committee, ...], today: date) -> MoveRequest | None:
    """A move of a committee's report, or None. "TN är klar" counts only when what is said to be
    ready is a committee and nothing else ("uppdragen är klara" is a status question)."""
    parts = _COMMENT.split(message, maxsplit=1)
    head, comment = parts[0], (parts[1] if len(parts) > 1 else "")
    folded = fold(head)
    move = next((m for pattern, m in _MOVE_STARTS if re.search(pattern, folded)), None)
    if move is None:
        ready = _IS_READY.match(folded)
        if ready is None:
            return None
        _, who = _split(ready["who"])
        if not _find_committees(who, committees) or any(
                not w.used and w.key not in ("nu", "vi", "rapport", "rapporten", "rapporteringen") for w in who):
            return None
        move = Move.READY
    _, words = _split(head)
    period, year, _ = _find_period(words, today)
    found = _find_committees(words, committees)
    if not found and move is Move.REOPEN:  # "öppna" alone is an ordinary word
        return None
    return MoveRequest(move, found, period, comment.strip() or None)


# The report as a file: a message that starts with "rapport(en)" ("rapport T1 2022", "visa hela
# rapporten för KS"), or has a verb of exporting ("exportera", "ladda ner"), or names a file format
# after "till", "som" or "i" ("…till word"). "rapporten om dagvatten" is a question, not a file.
_REPORT_START = (r"^(?:(?:visa|ge mig|skapa|ta fram|gör|jag vill ha|kan jag få) )?(?:hela )?"
                 r"(?:uppföljnings|tertial)?(?:rapport(?:en)?|report)(?!\w)(?! om)")
_EXPORT_VERBS = r"exportera\w*|export|download|ladda (?:ner|hem)|(?:hämta|spara|skicka) (?:hela )?(?:uppföljnings)?rapport(?:en)?"
EXPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("docx", r"word\w*|docx"),
    ("md", r"markdown|md"),
    ("text", r"text(?:fil(?:en)?)?|txt"),
)
_FORMAT_AFTER = rf"(?:till|som|i|en|ett|to|as|in) (?:{'|'.join(pattern for _, pattern in EXPORT_FORMATS)})(?!\w)"
_OVERVIEW_WORDS = (r"översikt\w*|sammanfattning\w*|sammanställning\w*|summering\w*|totalt|statistik|overview"
                   r"|summary|dashboard")


def _report_request(message: str, committees: tuple[Committee, ...], today: date) -> Intent | None:
    """An export or an overview, with the period and committees it names; None for other messages."""
    folded = fold(message)
    exports = bool(re.search(_REPORT_START, folded) or _mentions(_EXPORT_VERBS, folded)
                   or _mentions(_FORMAT_AFTER, folded))
    overview = not exports and _mentions(_OVERVIEW_WORDS, folded)
    if not (exports or overview):
        return None
    _, words = _split(message)
    fmt = None
    if exports:
        for name, pattern in EXPORT_FORMATS:
            if _take(words, pattern):
                fmt = fmt or name
    period, year, _ = _find_period(words, today)
    if period is None and year is not None:
        period = latest_period(3, date(year, 12, 31)) if year < today.year else None
    found = _find_committees(words, committees)
    if exports:
        return ExportRequest(period, found, fmt)
    return OverviewRequest(period, found)


def _mentions(pattern: str, folded: str) -> bool:
    """``pattern`` as whole words anywhere in the message, punctuation around it or not."""
    return re.search(rf"(?<!\w)(?:{pattern})(?!\w)", folded) is not None


def _clean_message(text: str) -> str:
    text = MENTION.sub(" ", text[: MAX_LENGTH * 20])
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
        parts = [p for p in _PART_SEPARATOR.split(token) if p]
        marked = len(parts) > 1 or token != match.group()
        words += [_Word(p, fold(p), len(tokens) - 1, marked) for p in parts]
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


def _find_period(words: list[_Word], today: date) -> tuple[Period | None, int | None, bool]:
    """The period, or a year alone (its newest period with data), and whether one was named."""
    relative = [shift for pattern, shift in RELATIVE_PHRASES if _take(words, pattern)]
    terms = [  # (term, year written right after it or None)
        (term or _TERM_NUMBERS[next(g for g in groups if g)], full_year(year) if year else None)
        for pattern, term in TERM_PHRASES
        for *groups, year in (m.groups() for m in _take(words, f"(?:{pattern}){_TERM_YEAR}"))
    ]
    not_a_term = bool(_take(words, NOT_A_TERM))
    years = [int(match.group()) for match in _take(words, _YEAR)]
    years += [today.year - 1] if _take(words, LAST_YEAR) else []
    this_year = bool(_take(words, THIS_YEAR))  # "årets delår"; "KS uppdrag i år" is no filter
    if relative:
        return relative[0](period_containing(today)), None, True
    if terms:
        term, year = terms[0]
        year = year or (years[0] if years else today.year if this_year else None)
        return (Period(year, term) if year else latest_period(term, today)), None, True
    return None, (years[0] if years else None), bool(years) or not_a_term


def _find_committees(words: list[_Word], committees: tuple[Committee, ...]) -> tuple[str, ...]:
    abbreviations, phrases = _committee_vocabulary(committees)
    found: list[tuple[int, str]] = []  # (position, abbreviation)
    for i, word in enumerate(words):
        # Abbreviations only exactly ("tn", "SAN"), or as "TNs" written in capitals.
        key = word.key
        capitals_s = word.text.endswith("s") and word.text[:-1].isupper()
        capitals = capitals_s or word.text.isupper()
        if key not in abbreviations and capitals_s:
            key = key[:-1]
        elif (key not in abbreviations and key.endswith("s") and key[:-1] in abbreviations
              and i + 1 < len(words) and words[i + 1].key.startswith("uppdrag")):
            key = key[:-1]  # "sans uppdrag": a genitive written in lowercase, before "uppdrag"
        if word.used or key not in abbreviations:
            continue
        if capitals or _lowercase_abbreviation(words, i, abbreviations):
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


def _lowercase_abbreviation(words: list[_Word], i: int, abbreviations: dict[str, str]) -> bool:
    """"tn", "san:s", "san-uppdrag", "visa san", "san uppdrag", "status för san" – but not
    "san francisco", "von sydow": a lowercase abbreviation of three letters or more (which may
    be an ordinary word) followed by an unknown word needs a known word before it."""
    if len(words[i].key) < 3 or words[i].marked or i + 1 == len(words):
        return True
    return any(_known(w, abbreviations) for w in (words[i + 1], words[i - 1] if i else None) if w)


def _known(word: _Word, abbreviations: dict[str, str]) -> bool:
    key = word.key
    return word.used or key in abbreviations or key.isdigit() or key in QUESTION_WORDS or bool(_vocabulary_word(key))


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


_STATUS_VOCABULARY = ("genomförda", "genomförd", "genomfört", "genomförts", "rapporterade", "rapporterat",
                      "färdigställda", "avklarade", "försenade")


def _correct_status_typos(words: list[_Word]) -> bool:
    """"genomfröda" is "genomförda": a long status word with a typo or two, not yet understood, is
    read as meant. Whether any was corrected."""
    corrected = False
    for word in words:
        if not word.used and len(word.key) >= 8 and word.key not in _STATUS_VOCABULARY:
            match = process.extractOne(word.key, _STATUS_VOCABULARY, scorer=DamerauLevenshtein.distance,
                                       score_cutoff=2)
            if match:
                word.key, corrected = match[0], True
    return corrected


def _take_filler(words: list[_Word]) -> bool:
    """Mark filler and question words used; True if one asks for status."""
    asks_status = False
    for word in words:
        if word.used:
            continue
        key = word.key if word.key in QUESTION_WORDS else _vocabulary_word(word.key)
        if key:
            word.used = True
            asks_status = asks_status or key in QUERY_WORDS
    return asks_status


@lru_cache(maxsize=1024)
def _vocabulary_word(key: str) -> str | None:
    """The query or filler word ``key`` is, tolerating a typo in long words ("uppdarg")."""
    if key in QUERY_WORDS or key in FILLER_WORDS:
        return key
    if len(key) < 5:
        return None
    edits = 1 if len(key) < 9 else 2
    match = process.extractOne(key, _TYPO_VOCABULARY, scorer=DamerauLevenshtein.distance, score_cutoff=edits)
    return match[0] if match else None


def _leftover_text(tokens: list[str], words: list[_Word]) -> str | None:
    """The unused words as written, once each; a token whose parts are all unused stays whole."""
    pieces = []
    for index, token in enumerate(tokens):
        parts = [w for w in words if w.token == index]
        content = [  # no "e", "va", "ju"; "EU" stays
            w for w in parts
            if not w.used and (len(w.key) > 2 or w.text.isupper()) and any(ch.isalpha() for ch in w.key)
        ]
        if content and len(content) == len(parts):
            pieces.append(token)
        else:
            pieces += [w.text for w in content]
    return " ".join(dict.fromkeys(pieces)) or None
