"""What the bot answers: one function per kind of question, each with a bound ``reply``.

The database work runs in a worker thread so that the event loop keeps serving turns.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.engine import Engine

from bot import cards
from bot.language.search import Document, rank
from bot.language.understand import StatusQuery
from storage import bot_state, conversations, queries, subscriptions
from storage.committees import Committee
from storage.db import session_scope
from storage.periods import Period, PeriodError, period_containing
from storage.records import AssignmentStatus
from storage.statuses import StatusCategory

Reply = Callable[[str | dict], Awaitable[None]]  # plain text, or an Adaptive Card (dict)


@dataclass(frozen=True)
class InstalledIn:
    """Where the bot was installed, with the reference needed to write there later."""

    conversation_id: str
    service_url: str
    reference: dict
    tenant_id: str | None = None
    conversation_type: str | None = None


EXAMPLES: tuple[str, ...] = (
    "status för TN-uppdrag",
    "visa ej genomförda uppdrag",
    "KS uppdrag T1 2022",
    "hur går det med linjenätet?",
    "hjälp",
)
NOT_UNDERSTOOD = (
    "Jag förstod inte riktigt. Jag kan visa status för nämndernas uppdrag – "
    "prova något av förslagen nedan, eller skriv ”hjälp”."
)
GREETING = "Hej! Jag är Uppdragsboten. Fråga mig om status för nämndernas uppdrag."

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


class Answers:
    """The bot's answers to understood intents, independent of botbuilder."""

    def __init__(self, engine: Engine, *, today: Callable[[], date]):
        self._engine = engine
        self._today = today

    def today(self) -> date:
        return self._today()

    async def committees(self) -> list[Committee]:
        return await asyncio.to_thread(self._committees)

    def _committees(self) -> list[Committee]:
        with session_scope(self._engine) as session:
            return queries.list_committees(session=session)

    async def help(self, reply: Reply) -> None:
        await reply(cards.help_card(EXAMPLES))

    async def welcome(self, reply: Reply, installed: InstalledIn) -> None:
        """Greet a new conversation once, however many install events Teams sends."""
        if await asyncio.to_thread(self._claim_welcome, installed):
            await reply(cards.welcome_card(EXAMPLES))

    def _claim_welcome(self, installed: InstalledIn) -> bool:
        with session_scope(self._engine) as session:
            self._remember_in(session, installed)
            return conversations.claim_welcome(session=session, conversation_id=installed.conversation_id)

    async def claim_activity(self, conversation_id: str, activity_id: str) -> bool:
        """False when this activity was handled already (Teams resends after 15 s)."""
        return await asyncio.to_thread(self._claim_activity, conversation_id, activity_id)

    def _claim_activity(self, conversation_id: str, activity_id: str) -> bool:
        with session_scope(self._engine) as session:
            return bot_state.claim_activity(
                session=session, conversation_id=conversation_id, activity_id=activity_id
            )

    async def remember(self, installed: InstalledIn) -> None:
        """Keep the conversation's reference fresh: its serviceUrl can change."""
        await asyncio.to_thread(self._remember, installed)

    def _remember(self, installed: InstalledIn) -> None:
        with session_scope(self._engine) as session:
            self._remember_in(session, installed)

    async def subscription(self, reply: Reply, installed: InstalledIn, action: str,
                           committees: Sequence[str], user_id: str | None) -> None:
        await reply(await asyncio.to_thread(self._subscription, installed, action, committees, user_id))

    def _subscription(self, installed: InstalledIn, action: str, wanted: Sequence[str],
                      user_id: str | None) -> str:
        who = {"personal": "Du", "channel": "Kanalen", "groupChat": "Chatten"}.get(
            installed.conversation_type or "personal", "Du")
        with session_scope(self._engine) as session:
            known = {c.abbreviation: c for c in queries.list_committees(session=session)}
            if action == "list":
                mine = subscriptions.subscriptions_of(session=session, conversation_id=installed.conversation_id)
                if not mine:
                    return (f"{who} prenumererar inte på någon nämnd. Skriv till exempel "
                            "”prenumerera på TN” för att få besked när rapporteringen öppnar.")
                return f"{who} prenumererar på: {_names(mine, known)}."
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
                     f"före sista dag för {_names(changed, known)}."] if changed else []
            if unchanged:
                parts.append(f"{who} prenumererade redan på {_names(unchanged, known)}.")
        else:
            parts = [f"Prenumerationen på {_names(changed, known)} är avslutad."] if changed else []
            if unchanged:
                parts.append(f"{who} prenumererade inte på {_names(unchanged, known)}.")
        return " ".join(parts)

    def _remember_in(self, session, installed: InstalledIn) -> None:
        conversations.save(
            session=session,
            conversation_id=installed.conversation_id,
            service_url=installed.service_url,
            reference=installed.reference,
            tenant_id=installed.tenant_id,
            conversation_type=installed.conversation_type,
        )

    async def uninstalled(self, conversation_id: str) -> None:
        await asyncio.to_thread(self._uninstalled, conversation_id)

    def _uninstalled(self, conversation_id: str) -> None:
        with session_scope(self._engine) as session:
            conversations.deactivate(session=session, conversation_id=conversation_id)

    async def greeting(self, reply: Reply) -> None:
        await reply(cards.suggestions_card(GREETING, EXAMPLES))

    async def not_understood(self, reply: Reply) -> None:
        await reply(cards.suggestions_card(NOT_UNDERSTOOD, EXAMPLES))

    async def history(self, reply: Reply, text: str) -> None:
        await reply(await asyncio.to_thread(self._history, text))

    def _latest_period(self, session) -> Period:
        """Without a period asked for: the newest period with reports, else the current one."""
        return queries.latest_reported_period(session=session) or period_containing(self.today())

    def _history(self, text: str) -> str | dict:
        with session_scope(self._engine) as session:
            period = self._latest_period(session)
            found = _search(queries.find_statuses(session=session, period=period), text)
            if not found:
                return cards.suggestions_card(
                    f"Jag hittade inget uppdrag som handlar om ”{text}”.", EXAMPLES
                )
            reports = queries.history(session=session, assignment_id=found[0].assignment_id)
        if not reports:
            return f"Det finns inga rapporter för ”{found[0].title}” ännu."
        return cards.history_card(reports)

    async def refreshed_card(self, origin: dict | None, assignment_id: int, period_label: str, note: str) -> dict:
        """The card a saved update came from, drawn again with the new status."""
        if isinstance(origin, dict) and isinstance(origin.get("query"), dict):
            query = StatusQuery.from_data(origin["query"])
            page = origin.get("page") if isinstance(origin.get("page"), int) else 1
            card = await asyncio.to_thread(self._status, query, max(1, page))
        else:
            card = await asyncio.to_thread(self._assignment, assignment_id, period_label)
        if isinstance(card, str):
            card = cards.suggestions_card(card, EXAMPLES)
        return cards.with_note(card, note)

    async def status(self, reply: Reply, query: StatusQuery, *, page: int = 1) -> None:
        await reply(await asyncio.to_thread(self._status, query, max(1, page)))

    async def assignment(self, reply: Reply, assignment_id: int, period_label: str | None) -> None:
        await reply(await asyncio.to_thread(self._assignment, assignment_id, period_label))

    # --- the work, in a worker thread -----------------------------------------------------

    def _status(self, query: StatusQuery, page: int) -> str | dict:
        with session_scope(self._engine) as session:
            committees = {c.abbreviation: c for c in queries.list_committees(session=session)}
            reported = queries.reported_periods(session=session)
            in_year = [p for p in reported if query.year is None or p.year == query.year]
            period = query.period or (
                in_year[0] if in_year
                else Period(query.year, 3) if query.year
                else period_containing(self.today())
            )
            statuses = queries.find_statuses(
                session=session,
                period=period,
                committees=query.committees,
                categories=query.categories,
            )
        if query.text:
            found = _search(statuses, query.text)
            if not found and (query.committees or query.categories) and statuses:
                # "KS dagvatten" without a match: the committee's list is the better answer.
                query = replace(query, text=None)
                found = statuses
            statuses = found
            if not statuses:
                return cards.suggestions_card(
                    f"Jag hittade inget uppdrag i {period.label} som handlar om ”{query.text}”. "
                    "Prova med andra ord eller fråga efter en nämnd.",
                    EXAMPLES,
                )
            if len(statuses) == 1:
                return self._assignment_card(statuses[0])
        no_reports_yet = reported and period not in reported
        if not statuses or (no_reports_yet and StatusCategory.NOT_REPORTED not in query.categories):
            return _nothing_found(query, period, committees, reported)
        return _list_card(query, period, statuses, committees, page)

    def _assignment(self, assignment_id: int, period_label: str | None) -> str | dict:
        try:
            period = Period.parse(period_label) if period_label else None
        except PeriodError:
            period = None
        with session_scope(self._engine) as session:
            if period is None:
                period = self._latest_period(session)
            status = queries.get_status(session=session, assignment_id=assignment_id, period=period)
        if status is None:
            return "Jag hittar inte det uppdraget längre. Fråga gärna igen, till exempel ”status för KS-uppdrag”."
        return self._assignment_card(status)

    def _assignment_card(self, status: AssignmentStatus) -> dict:
        with session_scope(self._engine) as session:
            past = [
                h
                for h in queries.history(session=session, assignment_id=status.assignment_id)
                if h.period != status.period
            ]
        return cards.assignment_card(status, history=past)


def _names(abbreviations: Sequence[str], known: dict[str, Committee]) -> str:
    names = [known[a].display if a in known else a for a in abbreviations]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _search(statuses: Sequence[AssignmentStatus], text: str) -> list[AssignmentStatus]:
    by_id = {s.assignment_id: s for s in statuses}
    documents = [Document(s.assignment_id, s.title, s.comment or "") for s in statuses]
    return [by_id[key] for key, _score in rank(text, documents)]


def _heading(query: StatusQuery, committees: dict[str, Committee]) -> str:
    if query.text:
        return f"Sökresultat för ”{query.text}”"
    return _names(query.committees, committees) if query.committees else "Alla nämnder"


def _list_card(
    query: StatusQuery,
    period: Period,
    statuses: list[AssignmentStatus],
    committees: dict[str, Committee],
    page: int,
) -> dict:
    pages = max(1, -(-len(statuses) // cards.PAGE_SIZE))
    page = min(page, pages)
    start = (page - 1) * cards.PAGE_SIZE
    fixed = replace(query, period=period, year=None).to_data()  # the same list, whatever today is
    more = {"action": "show_status", "query": fixed, "page": page + 1} if page < pages else None
    origin = {"query": fixed, "page": page}
    return cards.status_list_card(
        statuses[start : start + cards.PAGE_SIZE],
        title=_heading(query, committees),
        period=period,
        total=len(statuses),
        counts=Counter(s.category for s in statuses),
        page=page,
        more_action_data=more,
        filter_text=describe_filter(query.categories),
        origin=origin,
    )


def _nothing_found(
    query: StatusQuery, period: Period, committees: dict[str, Committee], reported: list[Period]
) -> str:
    if reported and period not in reported:
        return (
            f"Det finns inga rapporter för {period.label} ({period.name}) ännu. "
            f"Rapporterade perioder: {', '.join(p.label for p in reported[:6])}."
        )
    who = _names(query.committees, committees) if query.committees else "Nämnderna"
    what = describe_filter(query.categories)
    return f"{who} har inga uppdrag{' ' + what if what else ''} i {period.label}."
