"""The language table: messages as staff type them in Teams, and the answer each should get.

Data only, shared by tests/dialogs/test_language_table.py (which checks every row on a database
with the demo data) and bench/language.py (which times ``understand`` over the same messages).

The demo data is storage/demo/uppdrag-T1-2022.txt: eight assignments of T1 2022, numbered
1–8 in file order:

    1  stadsrumsanalys Torvalla-Odensala, segregation          KS    bedöms bli genomfört
    2  polisen, restauranger och krogar, överservering          SAN   bedöms bli genomfört
    3  strategi för fredstida kriser och höjd beredskap         KS    bedöms bli genomfört
    4  effektiv samordning för trygghet, EST                    KS    genomfört
    5  nytt linjenät för stadstrafiken                          MSN   bedöms bli genomfört
    6  dagvattenhantering i gatumiljön                          MSN, TN  bedöms bli genomfört
    7  tryggheten i stadskärnan, Purple Flag                    KS, TN   bedöms bli genomfört
    8  trygghetsvandring (polisens och kommunens lägesbild)     TN    bedöms bli genomfört

The messages are asked on ``TODAY`` (the tests' fixed day, tests.factories.AT): the period with
data, T1 2022, is then the default period, "T1" alone is T1 2026 and "förra tertialen" T2 2026.

Each row is (message, expected). What is expected is written as a user expects it, not as
the bot answers today; the forms:

* ``show(1, 3, period="T1 2022")``: a status question's answer (``Answers._status``): the
  assignments the card shows, by number, and the period it is about; ``show(period=...)``
  with no numbers: an answer that shows none ("har inga uppdrag", "hittade inget").
* the other intents by kind and key fields, compared with what ``understand`` gives:
  ``shared(...)`` (only the assignments both committees have), ``update(...)`` (the assignment
  the update dialog would pick), ``history(n)``, ``subscribe(...)``, ``unsubscribe(...)``,
  ``subscriptions()``, ``export(...)``, ``overview(...)``, ``move(...)``, ``offtopic(...)``,
  ``unknown_status(...)``, ``HELP``, ``GREETING``, ``THANKS``.
"""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 11, 27)  # tests.factories.AT: in T3 2026, no reporting window open
DEFAULT = "T1 2022"  # the period a question without one is about, on the demo data

Expected = tuple

# The demo data's assignments by committee and status (numbers as above).
ALL = (1, 2, 3, 4, 5, 6, 7, 8)
KS, SAN, MSN, TN = (1, 3, 4, 7), (2,), (5, 6), (6, 7, 8)
DONE = (4,)
NOT_DONE = (1, 2, 3, 5, 6, 7, 8)  # everything not done: on track, at risk, not done, not reported
ON_TRACK = NOT_DONE


def show(*numbers: int | tuple[int, ...], period: str = DEFAULT) -> Expected:
    """A status answer showing these assignments (tuples are flattened) for ``period``."""
    flat = [n for item in numbers for n in (item if isinstance(item, tuple) else (item,))]
    return ("show", period, frozenset(flat))


def shared(*committees: str) -> Expected:
    return ("shared", committees)


def update(target: int | frozenset[int] | None = None, category: str | None = None,
           period: str | None = None) -> Expected:
    """The update dialog, opened on assignment ``target`` (None: the message names none; a
    frozenset: the choice it offers, empty when it finds none)."""
    return ("update", target, category, period)


def history(target: int) -> Expected:
    return ("history", target)


def subscribe(*committees: str, text: str | None = None) -> Expected:
    return ("subscribe", committees, text)


def unsubscribe(*committees: str) -> Expected:
    return ("unsubscribe", committees, None)


def subscriptions() -> Expected:
    return ("subscriptions", (), None)


def export(fmt: str | None = None, *committees: str, period: str | None = None) -> Expected:
    return ("export", fmt, committees, period)


def overview(*committees: str, period: str | None = None) -> Expected:
    return ("overview", committees, period)


def move(kind: str, *committees: str, period: str | None = None) -> Expected:
    """A committee report's move: "ready", "approve", "send_back", "reopen"."""
    return ("move", kind, committees, period)


def offtopic(topic: str, *committees: str) -> Expected:
    return ("offtopic", topic, committees)


def unknown_status(word: str, *committees: str) -> Expected:
    return ("unknown-status", word, committees)


HELP, GREETING, THANKS = ("help",), ("greeting",), ("thanks",)

TABLE: dict[str, list[tuple[str, Expected]]] = {
    "committee": [
        ("status för tn", show(TN)),
        ("tn uppdrag", show(TN)),
        ("ks uppdrag", show(KS)),
        ("visa ks:s uppdrag", show(KS)),
        ("vilka uppdrag har ks", show(KS)),
        ("san", show(SAN)),
        ("sans uppdrag", show(SAN)),
        ("san-uppdragen", show(SAN)),
        ("msn uppdrag", show(MSN)),
        ("miljö och samhällsnämnden", show(MSN)),
        ("miljö- och samhällsnämndens uppdrag", show(MSN)),
        ("tekniska nämndens uppdrag", show(TN)),
        ("kommunstyrelsen", show(KS)),
        ("kommunstyrelsens uppdrag", show(KS)),
        ("social och arbetsmarknadsnämnden", show(SAN)),
        ("socialnämnden", show(SAN)),
        ("hur går det för tn", show(TN)),
        ("vad jobbar msn med", show(MSN)),
        ("hur ligger ks till", show(KS)),
        ("vilka ärenden har tn", show(TN)),
        ("visa TN", show(TN)),
        ("tn:s uppdrag", show(TN)),
        ("TNs uppdrag", show(TN)),
        ("bun uppdrag", show()),
        ("vad har valnämnden för uppdrag", show()),
        ("vård och omsorg", show()),
    ],
    "status filter": [
        ("genomförda uppdrag", show(DONE)),
        ("vilka är klara", show(DONE)),
        ("klara", show(DONE)),
        ("avklarade", show(DONE)),
        ("ej genomförda", show(NOT_DONE)),
        ("visa ej genomförda uppdrag", show(NOT_DONE)),
        ("inte klara", show(NOT_DONE)),
        ("pågående uppdrag", show(NOT_DONE)),
        ("uppdrag som bedöms bli genomförda", show(ON_TRACK)),
        ("vilka är på väg", show(ON_TRACK)),
        ("uppdrag som inte bedöms bli genomförda", show()),
        ("försenade uppdrag", show()),
        ("vilka släpar efter", show()),
        ("ej rapporterade", show()),
        ("vilka saknar rapport", show()),
        ("ks genomförda", show(DONE)),
        ("färdiga uppdrag för ks", show(DONE)),
        ("tn uppdrag som inte är klara", show(TN)),
        ("ks uppdrag som bedöms bli genomförda", show(1, 3, 7)),
        ("msn uppdrag i riskzonen", show()),
        ("vilka uppdrag är klara för tn", show()),
    ],
    "period": [
        ("ks uppdrag t1 2022", show(KS)),
        ("t1 2022", show(ALL)),
        ("t1-22", show(ALL)),
        ("tertial 1 2022", show(ALL)),
        ("första tertialen 2022", show(ALL)),
        ("mars 2022", show(ALL)),
        ("januari 2022", show(ALL)),
        ("feb 22", show(ALL)),
        ("våren 2022", show(ALL)),
        ("status för tn mars 2022", show(TN)),
        ("ks i april 2022", show(KS)),
        ("vad hände i mars 2022 med ks", show(KS)),
        ("tn 2022", show(TN)),
        ("uppdrag 2022", show(ALL)),
        ("maj 2022", show(period="T2 2022")),
        ("juni 2022", show(period="T2 2022")),
        ("visa ks uppdrag aug 2022", show(period="T2 2022")),
        ("ks uppdrag sommaren 2022", show(period="T2 2022")),
        ("delår 2022", show(period="T2 2022")),
        ("delårsrapporten 2022", show(period="T2 2022")),
        ("tn t2 2022", show(period="T2 2022")),
        ("sept 2022", show(period="T3 2022")),
        ("oktober 2022", show(period="T3 2022")),
        ("hösten 2022", show(period="T3 2022")),
        ("bokslutet 2022", show(period="T3 2022")),
        ("t1", show(period="T1 2026")),
        ("i våras", show(period="T1 2026")),
        ("förra tertialen", show(period="T2 2026")),
    ],
    "free text": [
        ("stadsrumsuppdraget", show(1)),
        ("hur går det med stadsrumsanalysen", show(1)),
        ("torvalla", show(1)),
        ("segregation", show(1)),
        ("överserveringsfrågan", show(2)),
        ("överservering", show(2)),
        ("vad händer med krogarna", show(2)),
        ("beredskapsarbetet", show(3)),
        ("höjd beredskap", show(3)),
        ("vad skrevs om beredskapen", show(3)),
        ("krisstrategin", show(3)),
        ("något nytt om pandemin", show(3)),
        ("vad står det om samordningen", show(4)),
        ("upphandlingen av verksamhetssystem", show(4)),
        ("vad står det om linjenätet", show(5)),
        ("linjenätet", show(5)),
        ("stadstrafiken", show(5)),
        ("stadsbussarna", show(5)),
        ("vad skrevs om dagvatten", show(6)),
        ("dagvattnet", show(6)),
        ("dagvattenfrågan", show(6)),
        ("tn dagvatten", show(6)),
        ("något om purple flag", show(7)),
        ("purple flag certifieringen", show(7)),
        ("vad står det om belysningen", show(7)),
        ("trygghetsvandringen", show(8)),
        ("hur går det med trygghetsvandringarna", show(8)),
        ("vad skrevs om polisen", show(2, 8)),
        ("vilka ärenden handlar om trygghet", show(4, 7, 8)),
    ],
    "two committees": [
        ("ks och tn", show(KS, TN)),
        ("msn och tn", show(MSN, TN)),
        ("msn eller tn", show(MSN, TN)),
        ("visa ks och sans uppdrag", show(KS, SAN)),
        ("tn:s och msn:s uppdrag", show(MSN, TN)),
        ("uppdrag för ks samt san", show(KS, SAN)),
        ("gemensamma uppdrag för msn och tn", shared("MSN", "TN")),
        ("uppdrag som både ks och tn har", shared("KS", "TN")),
        ("vilka uppdrag delar ks och tn", shared("KS", "TN")),
        ("msn och tn gemensamt", shared("MSN", "TN")),
    ],
    "update": [
        ("uppdatera uppdrag", update()),
        ("uppdatera", update()),
        ("uppdatera trygghetsvandringen", update(8)),
        ("uppdatera linjenätet", update(5)),
        ("jag vill uppdatera stadsrumsanalysen", update(1)),
        ("uppdatera överserveringen", update(2)),
        ("uppdatera purple flag", update(7)),
        ("uppdatera beredskapsstrategin", update(3)),
        ("sätt linjenätet till genomfört", update(5, "genomfört")),
        ("sätt uppdraget om linjenätet till genomfört", update(5, "genomfört")),
        ("rapportera dagvatten som genomfört", update(6, "genomfört")),
        ("ändra status på est till bedöms bli genomfört", update(4, "bedöms bli genomfört")),
        ("lägg till kommentar på dagvattenuppdraget: programvaran är inköpt", update(6)),
        ("uppdatera linjenätet för t1 2022", update(5, period="T1 2022")),
        ("historik för linjenätet", history(5)),
        ("historik dagvatten", history(6)),
    ],
    "subscribe": [
        ("prenumerera på tn", subscribe("TN")),
        ("prenumerera på ks och tn", subscribe("KS", "TN")),
        ("bevaka san", subscribe("SAN")),
        ("följ msn:s uppdrag", subscribe("MSN")),
        ("jag vill få notiser om tekniska nämnden", subscribe("TN")),
        ("säg till när tn-uppdragen ändras", subscribe("TN")),
        ("håll koll på dagvattnet åt mig", subscribe(text="dagvattnet")),
        ("prenumerera på linjenätet", subscribe(text="linjenätet")),
        ("avsluta prenumeration på tn", unsubscribe("TN")),
        ("sluta bevaka ks", unsubscribe("KS")),
        ("mina prenumerationer", subscriptions()),
        ("vilka bevakningar har jag", subscriptions()),
    ],
    "export": [
        ("rapport", export()),
        ("rapport t1 2022", export(period="T1 2022")),
        ("exportera ks-uppdragen för t1 2022 till word", export("docx", "KS", period="T1 2022")),
        ("ladda ner tn:s uppdrag i word", export("docx", "TN")),
        ("hela rapporten som markdown", export("md")),
        ("kan jag få rapporten för ks som text", export("text", "KS")),
        ("rapporten för msn t1 2022 i word", export("docx", "MSN", period="T1 2022")),
        ("exportera till word", export("docx")),
        ("ladda hem rapporten som docx", export("docx")),
        ("skapa rapport för delår 2022", export(period="T2 2022")),
    ],
    "overview": [
        ("översikt", overview()),
        ("översikt t1 2022", overview(period="T1 2022")),
        ("sammanfattning för tn", overview("TN")),
        ("hur går det för tn totalt", overview("TN")),
        ("statistik för ks och san t1 2022", overview("KS", "SAN", period="T1 2022")),
        ("ge mig en översikt över ks", overview("KS")),
        ("summering delår 2022", overview(period="T2 2022")),
        ("sammanställning av alla nämnder", overview()),
    ],
    "closing": [
        ("tn är klar för t1 2022", move("ready", "TN", period="T1 2022")),
        ("markera tn som klar", move("ready", "TN")),
        ("ks är klara", move("ready", "KS")),
        ("klarmarkera msn", move("ready", "MSN")),
        ("tekniska nämnden är klar med rapporteringen", move("ready", "TN")),
        ("godkänn tn t1 2022", move("approve", "TN", period="T1 2022")),
        ("godkänn ks:s rapport", move("approve", "KS")),
        ("godkänn san", move("approve", "SAN")),
        ("skicka tillbaka tn: komplettera dagvattnet", move("send_back", "TN")),
        ("öppna tn igen för t1 2022: fel status på linjenätet", move("reopen", "TN", period="T1 2022")),
    ],
    "help, greeting, thanks": [
        ("hjälp", HELP),
        ("help", HELP),
        ("vad kan du", HELP),
        ("vad kan jag fråga om", HELP),
        ("hur funkar det", HELP),
        ("hur använder jag boten", HELP),
        ("hjälp tack", HELP),
        ("hej", GREETING),
        ("hejsan", GREETING),
        ("hallå", GREETING),
        ("god morgon", GREETING),
        ("tjena", GREETING),
        ("tack", THANKS),
        ("tack så mycket", THANKS),
        ("tusen tack för hjälpen", THANKS),
        ("tackar", THANKS),
        ("ok tack", THANKS),
    ],
    "off-topic": [
        ("vem leder tekniska nämnden", offtopic("who", "TN")),
        ("vem är ordförande i san", offtopic("who", "SAN")),
        ("vilka är ledamöter i tn", offtopic("who", "TN")),
        ("vem är förvaltningschef för ks", offtopic("who", "KS")),
        ("när sammanträder ks", offtopic("when", "KS")),
        ("när har msn nästa möte", offtopic("when", "MSN")),
        ("när är nästa nämndmöte för tn", offtopic("when", "TN")),
        ("vad heter du", offtopic("bot")),
        ("vem är du", offtopic("bot")),
        ("är du en robot", offtopic("bot")),
        ("vem har gjort dig", offtopic("bot")),
    ],
    "unknown status": [
        ("vilka är pausade", unknown_status("pausade")),
        ("pausade uppdrag", unknown_status("pausade")),
        ("stoppade uppdrag för tn", unknown_status("stoppade", "TN")),
        ("visa avbrutna uppdrag", unknown_status("avbrutna")),
        ("vilka ks uppdrag är vilande", unknown_status("vilande", "KS")),
        ("nedprioriterade uppdrag", unknown_status("nedprioriterade")),
        ("uppskjutna uppdrag för msn", unknown_status("uppskjutna", "MSN")),
        ("strukna uppdrag", unknown_status("strukna")),
    ],
    "English mixed in": [
        ("status for TN", show(TN)),
        ("show KS assignments", show(KS)),
        ("show me tn", show(TN)),
        ("ks status please", show(KS)),
        ("tn uppdrag pls", show(TN)),
        ("list all uppdrag", show(ALL)),
        ("status for all committees", show(ALL)),
        ("tn assignments t1 2022", show(TN)),
        ("vilka ks uppdrag är done", show(DONE)),
        ("completed uppdrag för ks", show(DONE)),
        ("any news om dagvatten", show(6)),
        ("what's the status of linjenätet", show(5)),
        ("help me", HELP),
        ("hi", GREETING),
        ("thx", THANKS),
        ("thanks", THANKS),
        ("overview", overview()),
        ("report t1 2022", export(period="T1 2022")),
        ("export ks to word", export("docx", "KS")),
        ("subscribe to tn", subscribe("TN")),
        ("update linjenätet", update(5)),
    ],
    "typos": [
        ("stauts för tn", show(TN)),
        ("statsu för ks", show(KS)),
        ("uppdarg för ks", show(KS)),
        ("visa uppdrgen", show(ALL)),
        ("tekniska nämden", show(TN)),
        ("tekniska nämdnen", show(TN)),
        ("kommunstyrlesen", show(KS)),
        ("socialnämden", show(SAN)),
        ("genomförd uppdrag", show(DONE)),
        ("genomfröda uppdrag", show(DONE)),
        ("linjenätte", show(5)),
        ("dagvaten", show(6)),
        ("trygghetsvandirngen", show(8)),
        ("purpel flag", show(7)),
        ("överservring", show(2)),
        ("stadsrumsanalysn", show(1)),
        ("tertail 1 2022", show(ALL)),
        ("hjälpp", HELP),
        ("uppdatera linjentät", update(5)),
        ("prenumerea på tn", subscribe("TN")),
        ("exportrea ks till word", export("docx", "KS")),
    ],
}


def utterances() -> list[str]:
    """Every message of the table, in table order."""
    return [message for rows in TABLE.values() for message, _ in rows]
