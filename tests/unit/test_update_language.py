"""parse_update() and parse_category(): update and history requests, typed status answers; and the
conversation's control words (dialogs/language/chat.py)."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.language.chat import as_written, is_cancel, is_status_question
from dialogs.language.understand import StatusQuery, understand
from dialogs.language.update import HistoryRequest, UpdateRequest, parse_update
from domain.committees import load_committees
from domain.periods import Period, full_year, latest_period
from domain.statuses import StatusCategory, parse_category

TODAY = date(2027, 2, 10)  # in T1 2027: "delåret" is T2 2026
DONE, ON_TRACK, AT_RISK, NOT_DONE = (
    StatusCategory.DONE,
    StatusCategory.ON_TRACK,
    StatusCategory.AT_RISK,
    StatusCategory.NOT_DONE,
)


def U(text=None, category=None, comment=None, period: str | None = None) -> UpdateRequest:
    return UpdateRequest(text, category, comment, Period.parse(period) if period else None)


REQUESTS = [
    # Starting an update, with or without naming the assignment.
    ("uppdatera uppdrag", U()),
    ("uppdatera", U()),
    ("Uppdatera uppdraget", U()),
    ("uppdatera trygghetsvandringen", U("trygghetsvandringen")),
    ("uppdatera stadsrumsanalysen i Torvalla-Odensala", U("stadsrumsanalysen Torvalla-Odensala")),
    ("jag vill uppdatera status för dagvattnet", U("dagvattnet")),
    ("kan du uppdatera linjenätet?", U("linjenätet")),
    ("ändra status på linjenätet", U("linjenätet")),
    ("ska jag rapportera något?", U()),
    ("hur gör jag för att rapportera?", U()),
    # With a status.
    ("sätt uppdraget om linjenätet till genomfört", U("linjenätet", DONE)),
    ("Uppdatera Purple Flag till GENOMFÖRT", U("Purple Flag", DONE)),
    ("sätt linjenätet till klar", U("linjenätet", DONE)),
    ("sätt linjenätet till uppdraget är genomfört under året", U("linjenätet", DONE)),
    ("lägg till status genomfört för linjenätet", U("linjenätet", DONE)),
    ("sätt purple flag som bedöms bli genomfört", U("purple flag", ON_TRACK)),
    ("uppdatera linjenätet till på väg", U("linjenätet", ON_TRACK)),
    ("sätt status bedöms inte bli genomfört på purple flag", U("purple flag", AT_RISK)),
    ("sätt dagvattnet till kommer inte bli klart i tid", U("dagvattnet", AT_RISK)),
    ("sätt risk- och sårbarhetsanalysen till risk", U("risk- och sårbarhetsanalysen", AT_RISK)),
    ("sätt linjenätet till ej genomfört", U("linjenätet", NOT_DONE)),
    ("sätt uppdraget om linjenätet till inte genomfört", U("linjenätet", NOT_DONE)),
    # "risk" in a title is not a status.
    ("uppdatera risk- och sårbarhetsanalysen", U("risk- och sårbarhetsanalysen")),
    # With a comment.
    (
        "lägg till kommentar på dagvattenuppdraget: Nu är programvaran upphandlad.",
        U("dagvatten", comment="Nu är programvaran upphandlad."),
    ),
    ("ändra kommentaren för linjenätet: Upphandling pågår.", U("linjenätet", comment="Upphandling pågår.")),
    (
        "skriv kommentar för purple flag: Certifieringen är klar.",
        U("purple flag", comment="Certifieringen är klar."),
    ),
    # With a period: two- or four-digit years, or the latest such period.
    ("rapportera T1 2022 för purple flag", U("purple flag", period="T1 2022")),
    ("rapportera in status för T1-22", U(period="T1 2022")),
    ("uppdatera linjenätet T1", U("linjenätet", period="T1 2027")),
    ("uppdatera delåret för linjenätet", U("linjenätet", period="T2 2026")),
    ("uppdatera bokslut 2025 för dagvattnet", U("dagvattnet", period="T3 2025")),
    # History.
    ("historik för linjenätet", HistoryRequest("linjenätet")),
    ("visa historiken för dagvatten", HistoryRequest("dagvatten")),
    ("Historik om purple flag?", HistoryRequest("purple flag")),
    # Not updates.
    ("status för TN", None),
    ("visa uppdrag", None),
    ("hur går det med linjenätet", None),
    ("vilka uppdrag är genomförda?", None),
    ("skriv ut rapporten", None),
    ("historik", None),
    ("hej", None),
    ("", None),
]


@pytest.mark.parametrize(("message", "expected"), REQUESTS, ids=[m for m, _ in REQUESTS])
def test_parse_update(message: str, expected: object) -> None:
    assert parse_update(message, today=TODAY) == expected


def test_a_period_without_a_year_needs_today() -> None:
    assert parse_update("uppdatera linjenätet T1") == U("linjenätet")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("<at>Uppdragsboten</at> uppdatera uppdrag", U()),
        ("<at>Anna Andersson</at> sätt linjenätet till genomfört", U("linjenätet", DONE)),
        ("historik för linjenätet", HistoryRequest("linjenätet")),
        ("status för TN", StatusQuery(committees=("TN",))),
        ("visa uppdrag", StatusQuery()),
        ("uppdrag som inte blir klara", StatusQuery(categories=frozenset({AT_RISK, NOT_DONE}))),
    ],
)
def test_understand_routes_updates(message: str, expected: object) -> None:
    assert understand(message, load_committees(), today=TODAY) == expected


ANSWERS = [
    ("genomfört", DONE),
    ("Genomförd", DONE),
    ("klart", DONE),
    ("Uppdraget är genomfört.", DONE),
    ("Uppdraget\u00a0är genomfört under året ", DONE),
    ("UPPDRAGET ÄR GENOMFÖRT", DONE),
    ("bedöms bli genomfört", ON_TRACK),
    ("Bedöms bli genomförd", ON_TRACK),
    ("Uppdraget bedöms bli genomfört under året.", ON_TRACK),
    ("blir klart i år", ON_TRACK),
    ("på väg", ON_TRACK),
    ("enligt plan", ON_TRACK),
    ("pågår", ON_TRACK),
    ("bedöms inte bli genomfört", AT_RISK),
    ("Uppdraget bedöms inte bli genomfört under året.", AT_RISK),
    ("inte bli klart", AT_RISK),
    ("blir inte klart", AT_RISK),
    ("kommer inte bli klart i tid", AT_RISK),
    ("riskerar att inte bli färdigt", AT_RISK),
    ("risk", AT_RISK),
    ("försenat", AT_RISK),
    ("ej genomfört", NOT_DONE),
    ("inte klart", NOT_DONE),
    ("Uppdraget är inte genomfört under året.", NOT_DONE),
    ("ogenomfört", NOT_DONE),
    ("ej rapporterat", None),
    ("hmm", None),
    ("", None),
]


@pytest.mark.parametrize(("answer", "expected"), ANSWERS, ids=[a for a, _ in ANSWERS])
def test_parse_category(answer: str, expected: StatusCategory | None) -> None:
    assert parse_category(answer) == expected


@pytest.mark.parametrize(
    ("today", "term", "period"),
    [
        (date(2027, 2, 10), 1, "T1 2027"),
        (date(2027, 2, 10), 2, "T2 2026"),
        (date(2027, 2, 10), 3, "T3 2026"),
        (date(2027, 5, 1), 2, "T2 2027"),
        (date(2027, 8, 31), 3, "T3 2026"),
        (date(2027, 9, 1), 3, "T3 2027"),
    ],
)
def test_latest_period(today: date, term: int, period: str) -> None:
    assert latest_period(term, today) == Period.parse(period)


@pytest.mark.parametrize(("written", "year"), [("2022", 2022), ("22", 2022), ("09", 2009), ("1999", 1999)])
def test_full_year(written: str, year: int) -> None:
    assert full_year(written) == year


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("<at>Uppdragsboten</at> status för TN", "status för TN"),
        ('<at id="0">Uppdragsboten</at>  uppdatera <AT>Anna Andersson</AT> linjenätet ',
         "uppdatera Anna Andersson linjenätet"),
        ("<at>Uppdragsboten</at>", ""),
        ("utan omnämnande", "utan omnämnande"),
        ("Rad ett.\r\n\r\nRad  två:\n- punkt", "Rad ett.\n\nRad  två:\n- punkt"),
        ("<at>Bertil Berg</at> har svaret", "Bertil Berg har svaret"),
        (None, ""),
    ],
)
def test_as_written_drops_only_the_bots_mention(message: str | None, expected: str) -> None:
    assert as_written(message, ["Uppdragsboten"]) == expected


def test_a_comment_in_the_opening_message_is_kept_as_written() -> None:
    request = parse_update("lägg till kommentar på linjenätet: Rad ett.\n\nRad två:\n- punkt  ", today=TODAY)
    assert request == U("linjenätet", comment="Rad ett.\n\nRad två:\n- punkt")


@pytest.mark.parametrize("message", ["avbryt", "Avbryt!", " AVBRYT. ", "glöm det", "stopp", "avbryt uppdateringen"])
def test_cancel_words(message: str) -> None:
    assert is_cancel(message)


@pytest.mark.parametrize("message", ["avbryt inte", "genomfört", "uppdatera linjenätet", ""])
def test_not_cancel(message: str) -> None:
    assert not is_cancel(message)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("status för TN", True),
        ("Visa SAN:s uppdrag", True),
        ("vilka uppdrag är genomförda?", True),
        ("hur går det med linjenätet", True),
        ("historik för dagvatten", True),
        ("genomfört", False),
        ("Upphandlingen pågår, status oklar.", False),
        ("bedöms bli genomfört", False),
    ],
)
def test_is_status_question(message: str, expected: bool) -> None:
    assert is_status_question(message) is expected
