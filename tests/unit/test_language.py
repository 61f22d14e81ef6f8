"""understand(): real Swedish messages and the intents they should give."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.language.understand import (
    AboutShown,
    ExportRequest,
    Greeting,
    MoveRequest,
    OffTopic,
    SubscriptionRequest,
    UnknownStatus,
    Help,
    OverviewRequest,
    StatusQuery,
    Thanks,
    Unknown,
    understand,
)
from domain.approval import Move
from domain.committees import Committee, load_committees
from domain.periods import Period
from domain.statuses import StatusCategory

TODAY = date(2026, 11, 27)  # in T3 2026; the previous period is T2 2026
COMMITTEES = load_committees()

DONE = frozenset({StatusCategory.DONE})
ON_TRACK = frozenset({StatusCategory.ON_TRACK})
AT_RISK = frozenset({StatusCategory.AT_RISK, StatusCategory.NOT_DONE})
NOT_REPORTED = frozenset({StatusCategory.NOT_REPORTED})
NOT_DONE = frozenset(StatusCategory) - DONE


def Q(
    *committees: str,
    categories=frozenset(),
    period: str | None = None,
    text: str | None = None,
    year: int | None = None,
) -> StatusQuery:
    return StatusQuery(
        committees=committees,
        categories=categories,
        period=Period.parse(period) if period else None,
        text=text,
        year=year,
    )


CASES = [
    # Status for committees: abbreviations, names, aliases, genitive, hyphen, case.
    ("status för TN-uppdrag", Q("TN")),
    ("vilka uppdrag har KS?", Q("KS")),
    ("visa SAN:s uppdrag", Q("SAN")),
    ("tn uppdrag", Q("TN")),
    ("KS uppdrag", Q("KS")),
    ("Visa MSN", Q("MSN")),
    ("TNs uppdrag", Q("TN")),
    ("**TN** uppdrag", Q("TN")),
    ("tekniska nämnden", Q("TN")),
    ("Tekniska Nämndens uppdrag", Q("TN")),
    ("social och arbetsmarknadsnämnden", Q("SAN")),
    ("Social- och arbetsmarknadsnämnden", Q("SAN")),
    ("kommunstyrelsens uppdrag", Q("KS")),
    ("vad har valnämnden för uppdrag?", Q("VN")),
    # Committee questions with question verbs are no searches.
    ("Vilka uppdrag har tekniska nämnden fått?", Q("TN")),
    ("Hur ligger KS till?", Q("KS")),
    ("vad jobbar TN med", Q("TN")),
    ("hur ser det ut för KS?", Q("KS")),
    ("Hur går det för tekniska nämnden egentligen?", Q("TN")),
    ("vad har KS för uppdrag från kommunfullmäktige", Q("KS")),
    ("vilka uppdrag har KF gett TN", Q("TN")),
    ("vad ansvarar BUN för?", Q("BUN")),
    # Aliases.
    ("vård och omsorg", Q("VON")),
    ("kultur och fritid", Q("KFN")),
    ("barn och utbildning", Q("BUN")),
    ("kulturnämnden", Q("KFN")),
    ("Vilka uppdrag har socialtjänsten?", Q("SAN")),
    ("skolans uppdrag", Q("BUN")),
    # A lowercase abbreviation that is also a word needs context.
    ("SAN", Q("SAN")),
    ("san", Q("SAN")),
    ("san uppdrag", Q("SAN")),
    ("visa san", Q("SAN")),
    ("status för san", Q("SAN")),
    ("san-uppdrag", Q("SAN")),
    ("san:s uppdrag", Q("SAN")),
    ("san francisco", Q(text="san francisco")),
    ("San Francisco", Q(text="San Francisco")),
    ("von sydow", Q(text="von sydow")),
    ("KSB", Q(text="KSB")),
    ("KS och TN", Q("KS", "TN")),
    ("uppdrag för tekniska nämnden och socialnämnden", Q("TN", "SAN")),
    ("miljö- och samhällsnämndens ej rapporterade uppdrag förra tertialen",
     Q("MSN", categories=NOT_REPORTED, period="T2 2026")),
    # Typos in committee names and in filler words.
    ("tekniska nämden", Q("TN")),
    ("socialnämden", Q("SAN")),
    ("barn och utbildningsnämden", Q("BUN")),
    ("uppdarg för TN", Q("TN")),
    ("visa uppdrgen", Q()),
    ("statsu", Q()),
    # Ordinary words are not committees.
    ("samhället", Q(text="samhället")),
    ("teknik", Q(text="teknik")),
    ("kultur", Q(text="kultur")),
    ("utbildning i skolan", Q("BUN", text="utbildning")),  # "skolan" is an alias of BUN
    # All assignments.
    ("lista alla uppdrag", Q()),
    ("uppdrag", Q()),
    ("UPPDRAG!", Q()),
    ("hur går det?", Q()),
    # Status filters.
    ("visa ej genomförda uppdrag", Q(categories=NOT_DONE)),
    ("inte genomförda", Q(categories=NOT_DONE)),
    ("ogenomförda uppdrag", Q(categories=NOT_DONE)),
    ("uppdrag som inte är genomförda", Q(categories=NOT_DONE)),
    ("genomförda uppdrag", Q(categories=DONE)),
    ("vilka är klara?", Q(categories=DONE)),
    ("färdiga uppdrag för KS", Q("KS", categories=DONE)),
    ("uppdrag som bedöms bli genomförda", Q(categories=ON_TRACK)),
    ("vilka är på väg", Q(categories=ON_TRACK)),
    ("TN-uppdrag enligt plan", Q("TN", categories=ON_TRACK)),
    ("uppdrag som inte bedöms bli genomförda", Q(categories=AT_RISK)),
    ("bedöms inte bli genomförda", Q(categories=AT_RISK)),
    ("uppdrag i riskzonen", Q(categories=AT_RISK)),
    ("försenade uppdrag", Q(categories=AT_RISK)),
    ("ej rapporterade", Q(categories=NOT_REPORTED)),
    ("inte rapporterade uppdrag", Q(categories=NOT_REPORTED)),
    ("orapporterade", Q(categories=NOT_REPORTED)),
    ("vilka saknar rapport?", Q(categories=NOT_REPORTED)),
    ("genomförda och på väg", Q(categories=DONE | ON_TRACK)),
    # Negation counts across "bli/blir/att bli/kommer att bli": those are at risk.
    ("uppdrag som riskerar att inte bli klara", Q(categories=AT_RISK)),
    ("uppdrag som inte blir klara i tid", Q(categories=AT_RISK)),
    ("uppdrag som inte bli genomförda", Q(categories=AT_RISK)),
    ("vilka blir inte färdiga?", Q(categories=AT_RISK)),
    ("TN-uppdrag som kommer inte att bli klara", Q("TN", categories=AT_RISK)),
    ("uppdrag som inte hinner bli klara i år", Q(categories=AT_RISK)),
    ("riskerar att bli försenade", Q(categories=AT_RISK)),
    ("Finns det några försenade uppdrag?", Q(categories=AT_RISK)),
    # ... while "inte klara"/"ej genomförda" is everything not done.
    ("inte klara", Q(categories=NOT_DONE)),
    ("Vilka uppdrag är inte klara än?", Q(categories=NOT_DONE)),
    ("uppdrag som har inte blivit genomförda", Q(categories=NOT_DONE)),
    ("visa uppdrag som ej är genomförda i tid", Q(categories=NOT_DONE)),
    ("pågående uppdrag", Q(categories=NOT_DONE)),
    ("vilka uppdrag blir klara i tid?", Q(categories=DONE | ON_TRACK)),
    # Periods.
    ("ks uppdrag t1 2022", Q("KS", period="T1 2022")),
    ("T1 2022", Q(period="T1 2022")),
    ("t1-2022", Q(period="T1 2022")),
    ("uppdrag T1", Q(period="T1 2026")),
    ("delår 2022", Q(period="T2 2022")),
    ("delårsrapporten 2022", Q(period="T2 2022")),
    ("TN i delåret", Q("TN", period="T2 2026")),
    ("bokslut 2022", Q(period="T3 2022")),
    ("bokslutet", Q(period="T3 2026")),
    ("helår", Q(period="T3 2026")),
    ("årsredovisningen 2022", Q(period="T3 2022")),
    ("tertial 1 2022", Q(period="T1 2022")),
    ("förra tertialen", Q(period="T2 2026")),
    ("status föregående period", Q(period="T2 2026")),
    ("denna tertial", Q(period="T3 2026")),
    ("nuvarande period", Q(period="T3 2026")),
    # Two-digit years after a term.
    ("T1-22", Q(period="T1 2022")),
    ("T1 22", Q(period="T1 2022")),
    ("t1/22", Q(period="T1 2022")),
    ("delår -22", Q(period="T2 2022")),
    ("bokslut 21", Q(period="T3 2021")),
    ("status T1 22 för KS", Q("KS", period="T1 2022")),
    ("TN:s uppdrag delår '22", Q("TN", period="T2 2022")),
    ("T2 förra året", Q(period="T2 2025")),
    ("årets delår", Q(period="T2 2026")),
    ("fjolårets bokslut", Q(period="T3 2025")),
    # A year alone: the newest period of that year with data (the caller decides).
    ("TN 2022", Q("TN", year=2022)),
    ("ks 2022", Q("KS", year=2022)),
    ("uppdrag 2022", Q(year=2022)),
    ("förra året", Q(year=2025)),
    ("i fjol", Q(year=2025)),
    # Not a period: no period, no search text.
    ("T4 2022", Q(year=2022)),
    ("KS T4", Q("KS")),
    ("T0", Q()),
    # "i år" and "i tid" are filler.
    ("KS uppdrag i år", Q("KS")),
    ("hur går det för TN i år?", Q("TN")),
    # Free-text questions keep the user's words, casing and order.
    ("hur går det med stadsrumsanalysen i Torvalla-Odensala?", Q(text="stadsrumsanalysen Torvalla-Odensala")),
    ("hur går det med linjenätet?", Q(text="linjenätet")),
    ("något om purple flag?", Q(text="purple flag")),
    ("vad händer med trygghetsvandringen", Q(text="trygghetsvandringen")),
    ("HUR GÅR DET MED DAGVATTNET", Q(text="DAGVATTNET")),
    ("KS dagvatten", Q("KS", text="dagvatten")),
    ("tn dagvatten", Q("TN", text="dagvatten")),
    ("KS EU-uppdrag", Q("KS", text="EU")),
    ("e det nåt nytt om linjenätet", Q(text="linjenätet")),
    ("KS uppdrag om trygghet", Q("KS", text="trygghet")),
    ("asdf qwerty", Q(text="asdf qwerty")),
    # Everything at once, with a Teams mention.
    (
        "<at>Uppdragsboten</at> Hej! Kan du visa KS:s och TN:s uppdrag som inte är genomförda "
        "för delåret 2022?",
        Q("KS", "TN", categories=NOT_DONE, period="T2 2022"),
    ),
    ("<at>Uppdragsboten</at> status för TN", Q("TN")),
    # Mentions of colleagues are removed as well as the bot's.
    ("<at>Anna Andersson</at> status för TN", Q("TN")),
    ('<at id="1">Uppdragsboten</at> <at id="2">Anna Andersson</at> visa KS', Q("KS")),
    ("Kan du visa SAN:s uppdrag <at>Per Persson</at>?", Q("SAN")),
    ("hej, status för TN", Q("TN")),
    # Help and greetings.
    ("hjälp", Help()),
    ("Help", Help()),
    ("vad kan du?", Help()),
    ("?", Help()),
    ("hur funkar det", Help()),
    ("<at>Uppdragsboten</at>&nbsp;hjälp", Help()),
    ("hej", Greeting()),
    ("Hallå!", Greeting()),
    ("god morgon", Greeting()),
    ("tjena 👋", Greeting()),
    # Thanks.
    ("tack", Thanks()),
    ("tack så mycket", Thanks()),
    ("Tackar!", Thanks()),
    ("tusen tack för hjälpen", Thanks()),
    ("ok tack", Thanks()),
    ("hej och tack", Thanks()),
    ("hjälp tack", Help()),  # "tack" as "please"
    ("visa TN tack", Q("TN")),
    # Nothing to go on.
    ("", Unknown("")),
    ("   \n\t ", Unknown("")),
    ("👍", Unknown("👍")),
    ("...!!!", Unknown("...!!!")),
    ("12345", Unknown("12345")),
    ("<at>Uppdragsboten</at> <at>Anna Andersson</at>", Unknown("")),
    ("<at>Uppdragsboten</at>", Unknown("")),
]


@pytest.mark.parametrize(("message", "expected"), CASES, ids=[message for message, _ in CASES])
def test_understand(message: str, expected: object) -> None:
    assert understand(message, COMMITTEES, today=TODAY) == expected


ANOTHER_TODAY = date(2027, 2, 10)  # in T1 2027; the previous period is T3 2026


@pytest.mark.parametrize(
    ("message", "period"),
    [
        ("T1", "T1 2027"),
        ("delåret", "T2 2026"),  # T2 2027 has not begun: the latest delår
        ("T2", "T2 2026"),
        ("bokslutet", "T3 2026"),
        ("årsredovisningen", "T3 2026"),
        ("T3", "T3 2026"),
        ("årets delår", "T2 2027"),  # asked for explicitly
        ("förra tertialen", "T3 2026"),
        ("denna tertial", "T1 2027"),
        ("bokslut 2025", "T3 2025"),
    ],
)
def test_relative_periods_follow_today(message: str, period: str) -> None:
    assert understand(message, COMMITTEES, today=ANOTHER_TODAY) == Q(period=period)


@pytest.mark.parametrize(
    ("today", "periods"),
    [  # the periods of "T1", "delåret" and "bokslutet"
        (date(2027, 1, 1), ("T1 2027", "T2 2026", "T3 2026")),
        (date(2027, 4, 30), ("T1 2027", "T2 2026", "T3 2026")),
        (date(2027, 5, 1), ("T1 2027", "T2 2027", "T3 2026")),
        (date(2027, 8, 31), ("T1 2027", "T2 2027", "T3 2026")),
        (date(2027, 9, 1), ("T1 2027", "T2 2027", "T3 2027")),
        (date(2027, 12, 31), ("T1 2027", "T2 2027", "T3 2027")),
    ],
)
def test_a_term_without_a_year_is_the_latest_that_has_begun(today: date, periods: tuple[str, ...]) -> None:
    for message, period in zip(("T1", "delåret", "bokslutet"), periods, strict=True):
        assert understand(message, COMMITTEES, today=today) == Q(period=period), message


def test_committees_are_data_not_code() -> None:
    other = [Committee("BN", "Byggnadsnämnden", ("bygglovsnämnden",))]
    assert understand("byggnadsnämndens uppdrag", other, today=TODAY) == Q("BN")
    assert understand("bn uppdrag", other, today=TODAY) == Q("BN")
    assert understand("TN uppdrag", other, today=TODAY) == Q(text="TN")


@pytest.mark.parametrize(
    "message",
    [
        "\x00\x07\x1b status\ud800 för TN \u200b",
        "<script>alert('x')</script> <b>TN</b>",
        "[länk](https://example.com/a?b=c) `code` > citat",
        "🙂" * 1000,
        "a-b-c-d:e'f " * 200,
        "t t t 1 1 2022 2022 delår bokslut förra tertialen",
        "\u00a0\u00a0KS\u00a0uppdrag\u00a0",
    ],
)
def test_odd_input_never_raises(message: str) -> None:
    assert isinstance(understand(message, COMMITTEES, today=TODAY), (StatusQuery, Help, Greeting, Thanks, Unknown))


def test_long_input_is_truncated() -> None:
    result = understand("status för TN " + "linjenätet dagvatten " * 5000, COMMITTEES, today=TODAY)
    assert isinstance(result, StatusQuery)
    assert result.committees == ("TN",)
    assert result.text == "linjenätet dagvatten"


def test_status_query_round_trips_through_data() -> None:
    query = Q("KS", "TN", categories=AT_RISK, period="T2 2022", text="purple flag")
    data = query.to_data()
    assert data == {
        "committees": ["KS", "TN"],
        "categories": ["bedöms inte bli genomfört", "ej genomfört"],
        "period": "T2 2022",
        "text": "purple flag",
        "year": None,
    }
    assert StatusQuery.from_data(data) == query
    assert StatusQuery.from_data(StatusQuery().to_data()) == StatusQuery()


def test_year_round_trips_and_old_payloads_still_work() -> None:
    query = Q("TN", year=2022)
    assert query.to_data()["year"] == 2022
    assert StatusQuery.from_data(query.to_data()) == query
    old = {"committees": ["TN"], "categories": [], "period": None, "text": None}  # before "year"
    assert StatusQuery.from_data(old) == Q("TN")
    for bad in ("2022", 22.0, True, 99999, -1):
        assert StatusQuery.from_data({"year": bad}) == StatusQuery()


@pytest.mark.parametrize(
    "data",
    [None, [], "TN", 42, {}, {"committees": None, "categories": "DONE", "period": 2022, "text": 7}],
)
def test_from_data_with_garbage_gives_all_assignments(data: object) -> None:
    assert StatusQuery.from_data(data) == StatusQuery()


def test_from_data_keeps_good_values_and_drops_bad_ones() -> None:
    data = {
        "committees": ["tn", "", 3, None, "KS", "TN"],
        "categories": ["genomfört", "nonsense", None, "ej rapporterat"],
        "period": "T9 2022",
        "text": "  linjenätet  ",
        "extra": "ignored",
    }
    assert StatusQuery.from_data(data) == Q(
        "TN", "KS", categories=DONE | NOT_REPORTED, text="linjenätet"
    )


T1_2022 = Period(2022, 1)


@pytest.mark.parametrize("message, expected", [
    ("rapport T1 2022", ExportRequest(T1_2022)),
    ("Rapporten för T1 2022", ExportRequest(T1_2022)),
    ("exportera KS-uppdragen för T1 2022 till word", ExportRequest(T1_2022, ("KS",), "docx")),
    ("hela rapporten som markdown", ExportRequest(format="md")),
    ("kan jag få rapporten för KS som text?", ExportRequest(committees=("KS",), format="text")),
    ("ladda ner tn:s uppdrag i word", ExportRequest(committees=("TN",), format="docx")),
    ("Exportera till Word!", ExportRequest(format="docx")),
    ("uppföljningsrapport delår 2022", ExportRequest(Period(2022, 2))),
    ("översikt", OverviewRequest()),
    ("sammanfattning T1 2022", OverviewRequest(T1_2022)),
    ("hur går det för TN totalt?", OverviewRequest(committees=("TN",))),
    ("visa översikten, tack", OverviewRequest()),
    ("statistik för ks och san t2 2022", OverviewRequest(Period(2022, 2), ("KS", "SAN"))),
])
def test_the_report_and_the_overview(message: str, expected: object) -> None:
    assert understand(message, COMMITTEES, today=TODAY) == expected


@pytest.mark.parametrize("message", [
    "rapporten om dagvatten", "delårsrapporten 2022", "visa rapporter för TN", "vem rapporterade dagvatten",
    "rapportera dagvatten som genomfört",
])
def test_report_words_in_other_questions_are_no_export(message: str) -> None:
    assert not isinstance(understand(message, COMMITTEES, today=TODAY), ExportRequest | OverviewRequest)


@pytest.mark.parametrize("message, expected", [
    ("TN är klar för T1 2022", MoveRequest(Move.READY, ("TN",), T1_2022)),
    ("markera TN som klar", MoveRequest(Move.READY, ("TN",))),
    ("tekniska nämnden är klar", MoveRequest(Move.READY, ("TN",))),
    ("TN:s rapport är klar för delår 2022", MoveRequest(Move.READY, ("TN",), Period(2022, 2))),
    ("klarmarkera KS", MoveRequest(Move.READY, ("KS",))),
    ("godkänn TN T1 2022", MoveRequest(Move.APPROVE, ("TN",), T1_2022)),
    ("Godkänn TN:s rapport", MoveRequest(Move.APPROVE, ("TN",))),
    ("godkänn", MoveRequest(Move.APPROVE)),
    ("skicka tillbaka TN: Komplettera dagvattnet, tack.", MoveRequest(Move.SEND_BACK, ("TN",), None,
                                                                      "Komplettera dagvattnet, tack.")),
    ("öppna TN igen för T1 2022: fel status", MoveRequest(Move.REOPEN, ("TN",), T1_2022, "fel status")),
])
def test_moves_of_a_committees_report(message: str, expected: object) -> None:
    assert understand(message, COMMITTEES, today=TODAY) == expected


@pytest.mark.parametrize("message", [
    "uppdragen är klara", "vilka uppdrag är klara för TN", "visa klara uppdrag", "öppna rapporten",
    "är TN klar?",
])
def test_ready_words_in_questions_are_no_move(message: str) -> None:
    assert not isinstance(understand(message, COMMITTEES, today=TODAY), MoveRequest)


# --- issue 14: Swedish as staff write it -------------------------------------------------------

@pytest.mark.parametrize("message, expected", [
    # Question verbs and nouns are no search words.
    ("vad skrevs om dagvatten", Q(text="dagvatten")),
    ("vad står det om linjenätet", Q(text="linjenätet")),
    ("vilka ärenden har KS", Q("KS")),
    ("vad sades i TN", Q("TN")),
    # Status words as staff write them.
    ("vilka uppdrag släpar efter", Q(categories=AT_RISK)),
    ("KS uppdrag som hänger inte med", Q("KS", categories=AT_RISK)),
    ("avklarade uppdrag", Q(categories=DONE)),
    ("klarade uppdrag för TN", Q("TN", categories=DONE)),
    ("färdigställda", Q(categories=DONE)),
    ("uppdrag som rullar på enligt plan", Q(categories=ON_TRACK)),
    ("vilka går enligt plan", Q(categories=ON_TRACK)),
    # Months and seasons are periods, never a year and a search for the month.
    ("status för TN mars 2022", Q("TN", period="T1 2022")),
    ("visa KS uppdrag aug 2022", Q("KS", period="T2 2022")),
    ("KS i juni", Q("KS", period="T2 2026")),
    ("vad hände i våras med KS", Q("KS", period="T1 2026")),
    ("hur gick det efter sommaren", Q(period="T3 2026")),
    ("TN i höstas 2022", Q("TN", period="T3 2022")),
    ("KS uppdrag vid årsskiftet", Q("KS", period="T3 2026")),
    # Two committees: both lists, or what they share.
    ("MSN eller TN", Q("MSN", "TN")),
    ("MSN och TN:s uppdrag", Q("MSN", "TN")),
    ("gemensamma uppdrag för MSN och TN", StatusQuery(("MSN", "TN"), shared=True)),
    ("uppdrag som både KS och TN har", StatusQuery(("KS", "TN"), shared=True)),
    # Subscribing as people say it.
    ("håll koll på dagvattnet åt mig", SubscriptionRequest("add", text="dagvattnet")),
    ("säg till när TN-uppdragen ändras", SubscriptionRequest("add", ("TN",))),
    ("vilka bevakningar har jag", SubscriptionRequest("list")),
    # Not about assignments.
    ("vem leder tekniska nämnden", OffTopic("who", ("TN",))),
    ("när sammanträder KS", OffTopic("when", ("KS",))),
    ("vad heter du", OffTopic("bot")),
    # Status words the bot has no status for.
    ("vilka är pausade", UnknownStatus("pausade")),
    ("stoppade uppdrag för TN", UnknownStatus("stoppade", ("TN",))),
])
def test_swedish_as_staff_write_it(message: str, expected: object) -> None:
    got = understand(message, COMMITTEES, today=TODAY)
    assert got == expected
    if isinstance(expected, StatusQuery):
        assert got.shared == expected.shared


@pytest.mark.parametrize("message, what", [
    ("vad står det om den?", "show"), ("vem rapporterade det?", "who"), ("uppdatera den", "update"),
    ("historik för den", "history"), ("visa den igen", "show"), ("hur går det med uppdraget?", "show"),
])
def test_pronouns_refer_to_what_was_shown(message: str, what: str) -> None:
    got = understand(message, COMMITTEES, today=TODAY)
    assert isinstance(got, AboutShown) and got.what == what


@pytest.mark.parametrize("message, follow_up", [
    ("visa bara de genomförda", True), ("och för T2?", True), ("och MSN då?", True),
    ("status för TN-uppdrag", False), ("genomförda uppdrag för KS", False),
])
def test_follow_ups_are_marked(message: str, follow_up: bool) -> None:
    assert understand(message, COMMITTEES, today=TODAY).follow_up is follow_up


def test_shared_survives_a_button() -> None:
    query = StatusQuery(("MSN", "TN"), shared=True)
    assert StatusQuery.from_data(query.to_data()).shared is True
