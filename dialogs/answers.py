"""What the bot answers: one method per kind of question, each with a bound ``reply``.

Independent of botbuilder and aiohttp: ``reply`` sends text or an Adaptive Card to the
conversation the question came from (bot/router.py binds it, like Bolt's ``say``). The
database is reached through ``storage.gateway.Database``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

from dialogs import cards, lookup
from dialogs.actions import Origin, ShowAssignment, ShowStatus, UpdateStatus
from dialogs.context import Several, Shown, ShownAssignment
from dialogs.copy import (
    ASSIGNMENT_GONE,
    EXAMPLES,
    GREETING,
    NOT_UNDERSTOOD,
    THANKS,
    UNREADABLE_BUTTON,
    literal,
)
from dialogs.language.understand import StatusQuery
from domain import rules
from domain.clock import Clock, local, today
from domain.committees import Committee
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.statuses import StatusCategory
from dialogs.closing import lock_text
from domain.approval import CommitteeReport
from storage import approvals, conversations, exports, queries, subscriptions
from storage.gateway import Database

Reply = Callable[[str | dict], Awaitable[None]]  # plain text, or an Adaptive Card (dict)


@dataclass(frozen=True)
class InstalledIn:
    """Where the bot was installed, with the reference needed to write there later."""

    conversation_id: str
    service_url: str
    reference: dict
    tenant_id: str | None = None
    conversation_type: str | None = None



_NOT_DONE = frozenset(set(StatusCategory) - {StatusCategory.DONE})
_FILTER_WORDS: dict[frozenset[StatusCategory], str] = {
    frozenset({StatusCategory.DONE}): "genomförda",
    _NOT_DONE: "ej genomförda",
    frozenset({StatusCategory.ON_TRACK}): "som bedöms bli genomförda",
    frozenset({StatusCategory.AT_RISK, StatusCategory.NOT_DONE}): "som inte bedöms bli genomförda",
    frozenset({StatusCategory.AT_RISK}): "som inte bedöms bli genomförda",
    frozenset({StatusCategory.NOT_DONE}): "som inte är genomförda",
    frozenset({StatusCategory.NOT_REPORTED}): "som saknar rapport",
}


def describe_filter(categories: frozenset[StatusCategory]) -> str | None:
    if not categories:
        return None
    known = _FILTER_WORDS.get(categories)
    if known:
        return known
    return "med status " + " eller ".join(c.label.lower() for c in StatusCategory if c in categories)


@dataclass(frozen=True)
class ExportOptions:
    """How exported reports are handed out: the municipality's name on them, the address the
    bot is reached at from a browser (``https://uppdrag.kommun.se``), and the links' lifetime."""

    municipality: str = "Östersunds kommun"
    base_url: str = "http://localhost:3978"
    minutes: int = 15


PRIVATE_ONLY = (
    "Filen får du i vår personliga chatt, så att länken bara når dig: skriv ”{request}” till mig där."
)


class Answers:
    """The bot's answers to understood intents and pressed buttons."""

    def __init__(self, db: Database, clock: Clock, exports: ExportOptions | None = None):
        self._db = db
        self._clock = clock
        self._exports = exports or ExportOptions()
        self._committees: tuple[Committee, ...] = ()

    def today(self) -> date:
        return today(self._clock)

    async def committees(self) -> list[Committee]:
        """The committees: configuration (COMMITTEES_FILE, synced when a process starts), so
        read once per process."""
        if not self._committees:
            self._committees = tuple(await self._db.run(queries.list_committees))
        return list(self._committees)

    async def _known(self) -> dict[str, Committee]:
        return {c.abbreviation: c for c in await self.committees()}

    # --- fixed answers ------------------------------------------------------------------------

    async def help(self, reply: Reply) -> None:
        await reply(cards.help_card(EXAMPLES))

    async def greeting(self, reply: Reply) -> None:
        await reply(cards.suggestions_card(GREETING, EXAMPLES))

    async def thanks(self, reply: Reply) -> None:
        await reply(THANKS)

    async def not_understood(self, reply: Reply) -> None:
        await reply(cards.suggestions_card(NOT_UNDERSTOOD, EXAMPLES))

    async def off_topic(self, reply: Reply, topic: str, committees: Sequence[str]) -> None:
        """Not about assignments: say what the bot knows about, and offer the nearest thing."""
        known = await self._known()
        names = _names([c for c in committees if c in known], known) if committees else ""
        if topic == "bot":
            text = ("Jag är Uppdragsboten. Jag vet hur det går med kommunfullmäktiges uppdrag till nämnderna, "
                    "period för period, och tar emot nämndernas rapporter.")
        else:
            about = "vem som leder eller sitter i nämnderna" if topic == "who" else "när nämnderna sammanträder"
            text = (f"Det vet jag inte – jag vet inte {about}. Jag vet hur det går med kommunfullmäktiges uppdrag "
                    "till nämnderna" + (f", till exempel {names}s uppdrag." if names else "."))
        offers = [f"status för {c}-uppdrag" for c in committees if c in known][:3] or list(EXAMPLES)
        await reply(cards.suggestions_card(text, offers))

    async def unknown_status(self, reply: Reply, word: str, committees: Sequence[str]) -> None:
        """A status-like word with no status of ours: say so and name the statuses, never list everything."""
        statuses = ", ".join(f"”{c.label.lower()}”" for c in StatusCategory)
        who = f"{committees[0]}:s " if len(committees) == 1 else ""
        await reply(cards.suggestions_card(
            f"Statusen ”{word}” känner jag inte till. Ett uppdrag har någon av statusarna {statuses}.",
            [f"visa {who}ej genomförda uppdrag", f"visa {who}uppdrag som inte bedöms bli genomförda",
             f"visa {who}ej rapporterade uppdrag"]))

    async def unreadable_button(self, reply: Reply) -> None:
        await reply(cards.suggestions_card(UNREADABLE_BUTTON, EXAMPLES))

    # --- where the bot is installed -------------------------------------------------------------

    async def welcome(self, reply: Reply, installed: InstalledIn) -> None:
        """Greet a new conversation once, however many install events Teams sends."""

        def claim(*, session) -> bool:
            _remember(session=session, installed=installed)
            return conversations.claim_welcome(session=session, conversation_id=installed.conversation_id)

        if await self._db.run(claim):
            await reply(cards.welcome_card(EXAMPLES))

    async def uninstalled(self, conversation_id: str) -> None:
        await self._db.run(conversations.deactivate, conversation_id=conversation_id)

    async def subscription(self, reply: Reply, installed: InstalledIn, action: str,
                           committees: Sequence[str], user_id: str | None, text: str | None = None) -> None:
        """Subscribing by an assignment ("håll koll på dagvattnet") subscribes to its committees:
        notifications are per committee and period."""
        note = ""
        if text and not committees:
            def assignment_committees(*, session) -> tuple[str, ...]:
                period = queries.default_period(session=session, today=self.today())
                found = lookup.find(session, text, period, limit=1)
                return tuple(c.abbreviation for c in found[0][0].committees) if found else ()

            committees = await self._db.run(assignment_committees)
            if not committees:
                await reply(f"Jag hittade inget uppdrag som handlar om ”{literal(text)}”. Skriv till exempel "
                            "”prenumerera på TN”.")
                return
            note = (f" Besked ges per nämnd, så du följer ”{literal(text)}” genom "
                    f"{'dess nämnder' if len(committees) > 1 else 'dess nämnd'}.")
        answer = await self._db.run(_subscription, installed=installed, action=action, wanted=committees,
                                    user_id=user_id)
        await reply(answer + note)

    # --- status, one assignment, history ---------------------------------------------------------

    # Each returns what it showed (dialogs/context.py), for follow-ups; None: no assignment.

    async def status(self, reply: Reply, query: StatusQuery, *, page: int = 1) -> Shown:
        message, shown = await self._db.run(self._status, query=query, page=max(1, page),
                                            committees=await self._known())
        await reply(message)
        return shown

    async def assignment(self, reply: Reply, assignment_id: int, period: Period | None) -> Shown | None:
        message, shown = await self._db.run(self._assignment, assignment_id=assignment_id, period=period)
        await reply(message)
        return shown

    async def history(self, reply: Reply, text: str | None = None, *, assignment_id: int | None = None,
                      period: Period | None = None) -> Shown | None:
        """The history of the assignment ``text`` finds, or of ``assignment_id`` (shown in ``period``)."""
        message, shown = await self._db.run(self._history, text=text, assignment_id=assignment_id, period=period)
        await reply(message)
        return shown

    # --- about the assignment shown last (dialogs/context.py) ------------------------------------

    async def reported_by(self, reply: Reply, assignment_id: int, period: Period) -> Shown | None:
        """"vem rapporterade det?": who reported the assignment for ``period``, and when."""
        message, shown = await self._db.run(self._reported_by, assignment_id=assignment_id, period=period)
        await reply(message)
        return shown

    async def which_one(self, reply: Reply, several: Several, *, update: bool = False) -> None:
        """"den" after a list of several: unclear; a button per assignment on it (to update it,
        with ``update``)."""
        body = [cards.plain("Jag vet inte vilket av uppdragen du menar. Välj ett:", weight="bolder")]
        for item in several.assignments:
            action = (UpdateStatus(item.assignment_id, several.period) if update
                      else ShowAssignment(item.assignment_id, several.period))
            body.append(cards.container([
                cards.plain(cards.shorten(cards.safe_line(item.title) or "Uppdrag", cards.PREVIEW_CHARS)),
                cards.action_set([cards.submit("Uppdatera status" if update else "Visa uppdraget", action)],
                                 spacing="small"),
            ], separator=True))
        await reply(cards.adaptive_card(body))

    async def nothing_shown(self, reply: Reply, what: str) -> None:
        """"vad står det om den?" when no assignment was shown lately."""
        example = "historik för linjenätet" if what == "history" else "hur går det med linjenätet?"
        await reply(cards.suggestions_card(
            "Jag vet inte vilket uppdrag du menar – jag har inte visat dig något uppdrag på sistone. "
            f"Fråga om ett uppdrag först, till exempel ”{example}”.",
            (example, "status för TN-uppdrag", "hjälp")))

    async def refreshed_card(self, origin: Origin | None, assignment_id: int, period: Period, note: str) -> dict:
        """The card a saved update came from, drawn again with the new status."""
        if origin is not None:
            card, _ = await self._db.run(self._status, query=origin.query, page=origin.page,
                                         committees=await self._known())
        else:
            card, _ = await self._db.run(self._assignment, assignment_id=assignment_id, period=period)
        if isinstance(card, str):
            card = cards.suggestions_card(card, EXAMPLES)
        return cards.with_note(card, note)

    # --- the report to the council, the overview -------------------------------------------------

    async def export(self, reply: Reply, *, period: Period | None, committees: Sequence[str], fmt: str | None,
                     owner: str | None, personal: bool) -> None:
        """The report summarised, with a file: a link for ``owner`` when a format is chosen (in a
        personal chat only: a link is for the one who asked), else a button per format."""
        await reply(await self._db.run(self._export, period=period, committees=tuple(committees), fmt=fmt,
                                       owner=owner, personal=personal))

    async def overview(self, reply: Reply, period: Period | None, committees: Sequence[str]) -> None:
        await reply(await self._db.run(self._overview, period=period, committees=tuple(committees)))

    def _export(self, *, session, period: Period | None, committees: tuple[str, ...], fmt: str | None,
                owner: str | None, personal: bool) -> str | dict:
        if len(committees) > 1:
            return cards.suggestions_card(
                "Rapporten gör jag för en nämnd i taget, eller för alla nämnder. Skriv till exempel "
                "”rapport TN” eller ”rapport”.", ("rapport", *(f"rapport {c}" for c in committees)))
        period = period or queries.default_period(session=session, today=self.today())
        committee = committees[0] if committees else None
        report = exports.exported_report(session=session, period=period, committee=committee,
                                         municipality=self._exports.municipality)
        if not report.statuses:
            who = f" för {committee}" if committee else ""
            return cards.suggestions_card(f"Det finns inga uppdrag{who} i {period.label}.", EXAMPLES)
        link = note = None
        asked = f"rapport {committee + ' ' if committee else ''}{period.label}"
        if fmt and personal and owner:
            token = exports.create_link(session=session, owner=owner, period=period, committee=committee, fmt=fmt,
                                        lifetime=timedelta(minutes=self._exports.minutes))
            link = cards.DownloadLink(f"{self._exports.base_url.rstrip('/')}/exports/{token}", fmt,
                                      self._exports.minutes)
        elif not personal:
            note = PRIVATE_ONLY.format(request=asked)
        elif fmt:  # a personal chat without the user's Entra id: the Bot Framework Emulator
            note = "Jag kan inte se vem du är, så jag kan inte göra en länk åt dig."
        return cards.report_card(title=report.title, period=period, counts=report.counts(), committee=committee,
                                 link=link, note=note)

    def _overview(self, *, session, period: Period | None, committees: tuple[str, ...]) -> str | dict:
        period = period or queries.default_period(session=session, today=self.today())
        rows = queries.committee_counts(session=session, period=period, committees=committees)
        if not rows:
            who = f" för {', '.join(committees)}" if committees else ""
            return cards.suggestions_card(f"Det finns inga uppdrag{who} i {period.label}.", EXAMPLES)
        totals = queries.list_statuses(session=session, period=period, committees=committees, limit=0).counts
        return cards.overview_card(period, rows, totals)

    # --- the work, in one transaction each --------------------------------------------------------

    def _status(self, *, session, query: StatusQuery, page: int,
                committees: dict[str, Committee]) -> tuple[str | dict, Shown]:
        facts = queries.period_facts(session=session, today=self.today())
        period = query.period or rules.default_period(facts, year=query.year)
        awaiting = rules.awaits_reports(period, facts)

        def shown(statuses: Sequence[AssignmentStatus] = ()) -> Shown:  # the question as answered
            return Shown(period, replace(query, period=period, year=None, follow_up=False),
                         tuple(ShownAssignment(s.assignment_id, s.title) for s in statuses[: cards.PAGE_SIZE]))

        if query.text:
            found = [s for s, _ in lookup.find(session, query.text, period, committees=query.committees,
                                               categories=query.categories)]
            if not found and (query.committees or query.categories) and queries.list_statuses(
                    session=session, period=period, committees=query.committees,
                    categories=query.categories, limit=0).total:
                # "KS dagvatten" without a match: the committee's list is the better answer.
                query = replace(query, text=None)
            elif not found:
                return cards.suggestions_card(
                    f"Jag hittade inget uppdrag i {period.label} som handlar om ”{query.text}”. "
                    "Prova med andra ord eller fråga efter en nämnd.",
                    EXAMPLES,
                ), shown()
            elif len(found) == 1:
                return _assignment_card(session, found[0]), shown(found)
            elif awaiting and StatusCategory.NOT_REPORTED not in query.categories:
                return _nothing_found(query, period, committees, list(facts.reported), awaiting), shown()
            else:
                return _list_card(query, period, found, len(found), Counter(s.category for s in found),
                                  committees, page=1), shown(found)
        if awaiting and StatusCategory.NOT_REPORTED not in query.categories:
            return _nothing_found(query, period, committees, list(facts.reported), awaiting), shown()
        def page_of(number: int) -> queries.StatusList:
            return queries.list_statuses(session=session, period=period, committees=query.committees,
                                         categories=query.categories, offset=(number - 1) * cards.PAGE_SIZE,
                                         limit=cards.PAGE_SIZE, shared=query.shared)

        page = max(1, page)
        listed = page_of(page)
        if not listed.total:
            return _nothing_found(query, period, committees, list(facts.reported), awaiting), shown()
        if not listed.statuses:  # a page past the end (the list shrank): its last page
            page = -(-listed.total // cards.PAGE_SIZE)
            listed = page_of(page)
        closing = (approvals.report_of(session=session, committee=query.committees[0], period=period)
                   if len(query.committees) == 1 and query.committees[0] in committees else None)
        return (_list_card(query, period, listed.statuses, listed.total, listed.counts, committees, page, closing),
                shown(listed.statuses))

    def _assignment(self, *, session, assignment_id: int,
                    period: Period | None) -> tuple[str | dict, Shown | None]:
        period = period or queries.default_period(session=session, today=self.today())
        status = queries.get_status(session=session, assignment_id=assignment_id, period=period)
        if status is None:
            return ASSIGNMENT_GONE, None
        return _assignment_card(session, status), Shown.one(status.assignment_id, status.period, status.title)

    def _history(self, *, session, text: str | None, assignment_id: int | None = None,
                 period: Period | None = None) -> tuple[str | dict, Shown | None]:
        period = period or queries.default_period(session=session, today=self.today())
        if assignment_id is not None:
            first = queries.get_status(session=session, assignment_id=assignment_id, period=period)
            if first is None:
                return ASSIGNMENT_GONE, None
        else:
            found = lookup.find(session, text or "", period, limit=1)
            if not found:
                return cards.suggestions_card(f"Jag hittade inget uppdrag som handlar om ”{text}”.", EXAMPLES), None
            first = found[0][0]
        shown = Shown.one(first.assignment_id, period, first.title)
        reports = queries.history(session=session, assignment_id=first.assignment_id)
        if not reports:
            return f"Det finns inga rapporter för ”{literal(first.title)}” ännu.", shown
        return cards.history_card(reports), shown

    def _reported_by(self, *, session, assignment_id: int, period: Period) -> tuple[str, Shown | None]:
        status = queries.get_status(session=session, assignment_id=assignment_id, period=period)
        if status is None:
            return ASSIGNMENT_GONE, None
        title, shown = literal(status.title), Shown.one(status.assignment_id, period, status.title)
        if status.category is StatusCategory.NOT_REPORTED:
            return f"”{title}” har ingen rapport för {period.label} än.", shown
        when = local(status.reported_at).strftime("%Y-%m-%d") if status.reported_at else None
        what = f"{period.label}: {cards.status_text(status.category)}"
        if status.author:
            return f"{literal(status.author)} rapporterade ”{title}”{' ' + when if when else ''} ({what}).", shown
        return (f"Rapporten för ”{title}” ({what}) har inget namn: den lästes in från den publicerade "
                f"uppföljningen{' ' + when if when else ''}."), shown


def _assignment_card(session, status: AssignmentStatus) -> dict:
    past = [h for h in queries.history(session=session, assignment_id=status.assignment_id)
            if h.period != status.period]
    reports = approvals.reports(session=session, period=status.period,
                                committees=[c.abbreviation for c in status.committees])
    return cards.assignment_card(status, history=past, closing=lock_text(status, reports))


def _remember(*, session, installed: InstalledIn) -> None:
    conversations.save(session=session, **asdict(installed))


def _subscription(*, session, installed: InstalledIn, action: str, wanted: Sequence[str],
                  user_id: str | None) -> str:
    who = {"personal": "Du", "channel": "Kanalen", "groupChat": "Chatten"}.get(
        installed.conversation_type or "personal", "Du")
    known = {c.abbreviation: c for c in queries.list_committees(session=session)}
    if action == "list":
        mine = subscriptions.subscriptions_of(session=session, conversation_id=installed.conversation_id)
        if not mine:
            return (f"{who} prenumererar inte på någon nämnd. Skriv till exempel "
                    "”prenumerera på TN” för att få besked när rapporteringen öppnar.")
        return f"{who} prenumererar på: {_text_names(mine, known)}."
    if not wanted:
        verb = "prenumerera på" if action == "add" else "sluta prenumerera på"
        return f"Vilken nämnd vill du {verb}? Skriv till exempel ”{verb} TN”."
    changed, unchanged = [], []
    for committee in wanted:
        if action == "add":
            done = subscriptions.subscribe(session=session, conversation_id=installed.conversation_id,
                                           committee=committee, created_by=user_id)
        else:
            done = subscriptions.unsubscribe(session=session, conversation_id=installed.conversation_id,
                                             committee=committee)
        (changed if done else unchanged).append(committee)
    if action == "add":
        parts = [f"Klart! {who} får nu besked när rapporteringen öppnar och en påminnelse "
                 f"före sista dag för {_text_names(changed, known)}."] if changed else []
        if unchanged:
            parts.append(f"{who} prenumererade redan på {_text_names(unchanged, known)}.")
    else:
        parts = [f"Prenumerationen på {_text_names(changed, known)} är avslutad."] if changed else []
        if unchanged:
            parts.append(f"{who} prenumererade inte på {_text_names(unchanged, known)}.")
    return " ".join(parts)


def _text_names(abbreviations: Sequence[str], known: dict[str, Committee]) -> str:
    """``_names`` for a text message (markdown escaped)."""
    return literal(_names(abbreviations, known))


def _names(abbreviations: Sequence[str], known: dict[str, Committee]) -> str:
    names = [known[a].display if a in known else a for a in abbreviations]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _heading(query: StatusQuery, committees: dict[str, Committee]) -> str:
    if query.text:
        return f"Sökresultat för ”{query.text}”"
    if query.shared and len(query.committees) > 1:
        return "Gemensamma uppdrag för " + _names(query.committees, committees)
    return _names(query.committees, committees) if query.committees else "Alla nämnder"


def _list_card(
    query: StatusQuery,
    period: Period,
    statuses: list[AssignmentStatus],
    total: int,
    counts: Counter | dict,
    committees: dict[str, Committee],
    page: int,
    closing: CommitteeReport | None = None,
) -> dict:
    """One page of a list (``statuses``: that page, or a whole search result on page 1);
    ``closing``: the committee's report, for a list of one committee's assignments."""
    pages = max(1, -(-total // cards.PAGE_SIZE))
    page = min(page, pages)
    fixed = replace(query, period=period, year=None)  # the same list, whatever today is
    more = ShowStatus(fixed, page + 1) if page < pages else None
    origin = Origin(fixed, page)
    return cards.status_list_card(
        statuses[: cards.PAGE_SIZE],
        title=_heading(query, committees),
        period=period,
        total=total,
        counts=Counter(counts),
        page=page,
        more=more,
        filter_text=describe_filter(query.categories),
        origin=origin,
        closing=closing,
    )


def _nothing_found(
    query: StatusQuery, period: Period, committees: dict[str, Committee], reported: list[Period],
    awaiting: bool,
) -> str:
    if awaiting:
        return (
            f"Det finns inga rapporter för {period.label} ({period.name}) ännu. "
            f"Rapporterade perioder: {', '.join(p.label for p in reported[:6])}."
        )
    who = _text_names(query.committees, committees) if query.committees else "Nämnderna"
    what = describe_filter(query.categories)
    return f"{who} har inga uppdrag{' ' + what if what else ''} i {period.label}."
