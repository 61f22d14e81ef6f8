"""Closing a period in chat: a committee's report marked ready, approved or sent back, reopened.

The rules are domain.approval's; the state is stored by storage.approvals (of two approvers at
once one wins, and the other is told who did what). Rights are checked on every step, from the
reporter table (also for crafted button data); in local mode everyone may do everything, so
that the bot can be tried out. Messages to approvers and reporters go through the outbox
(dialogs/notifications.py), queued in the move's own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from dialogs import cards, notifications
from dialogs.actions import MoveReport, ReviewReport
from dialogs.copy import literal
from domain.approval import CommitteeReport, Move, Refusal, ReportState, Role, locked, refusal
from domain.clock import Clock, local, today
from domain.committees import Committee
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.statuses import StatusCategory
from storage import approvals, queries, reporters
from storage.gateway import Database

Reply = Callable[[str | dict], Awaitable[None]]

EXAMPLES = {
    Move.READY: "TN är klar för T1 2022",
    Move.APPROVE: "godkänn TN T1 2022",
    Move.SEND_BACK: "skicka tillbaka TN: kommentaren om dagvatten saknas",
    Move.REOPEN: "öppna TN igen för T1 2022: fel status på linjenätet",
}


@dataclass(frozen=True)
class Actor:
    """Who asks: the Entra object id, the name, and every id their roles may be registered under."""

    user_id: str | None
    name: str | None
    principals: tuple[str, ...]


class Closing:
    def __init__(self, db: Database, clock: Clock, *, open_reporting: bool,
                 committees: Callable[[], Awaitable[list[Committee]]]) -> None:
        self._db = db
        self._clock = clock
        self._open = open_reporting
        self._committees = committees

    async def request(self, reply: Reply, move: Move, committees: Sequence[str], period: Period | None,
                      text: str | None, actor: Actor) -> None:
        """A typed request: "TN är klar", "godkänn TN", "skicka tillbaka TN: …", "öppna TN igen: …"."""
        known = {c.abbreviation: c for c in await self._committees()}
        if len(committees) != 1 or committees[0] not in known:
            await reply(cards.suggestions_card(
                f"Vilken nämnds rapport menar du? Skriv till exempel ”{EXAMPLES[move]}”.", [EXAMPLES[move]]))
            return
        committee = known[committees[0]]
        if move is Move.READY:
            await reply(await self._db.run(self._ready, committee=committee, period=period, actor=actor,
                                           confirmed=False))
        elif move is Move.APPROVE or (move is Move.SEND_BACK and not text):
            await reply(await self._db.run(self._review, committee=committee, period=period, actor=actor))
        else:
            await reply(await self._db.run(self._move, committee=committee, period=period, move=move, text=text,
                                           actor=actor))

    async def button(self, reply: Reply, action: MoveReport | ReviewReport, actor: Actor) -> None:
        """A pressed button; its data may be crafted, so everything is checked again."""
        committee = next((c for c in await self._committees() if c.abbreviation == action.committee), None)
        if committee is None:
            await reply(f"Jag känner inte till nämnden ”{literal(action.committee)}”. Inget ändrades.")
        elif isinstance(action, ReviewReport):
            await reply(await self._db.run(self._review, committee=committee, period=action.period, actor=actor))
        elif action.move is Move.READY:
            await reply(await self._db.run(self._ready, committee=committee, period=action.period, actor=actor,
                                           confirmed=action.confirmed))
        else:
            await reply(await self._db.run(self._move, committee=committee, period=action.period, move=action.move,
                                           text=action.comment, actor=actor))

    # --- in one transaction each ------------------------------------------------------------

    def _period(self, session, period: Period | None) -> Period:
        return period or queries.default_period(session=session, today=today(self._clock))

    def _roles(self, session, actor: Actor, committee: Committee) -> set[Role]:
        if self._open:
            return {Role.ADMIN}
        return reporters.roles(session=session, principals=actor.principals, committee=committee.abbreviation)

    def _ready(self, *, session, committee: Committee, period: Period | None, actor: Actor,
               confirmed: bool) -> str | dict:
        period = self._period(session, period)
        current = approvals.report_of(session=session, committee=committee.abbreviation, period=period)
        refused = refusal(Move.READY, current.state, self._roles(session, actor, committee), None)
        if refused is not None:
            return refused_text(Move.READY, refused, committee, current)
        if not confirmed:
            missing = queries.find_statuses(session=session, period=period, committees=[committee.abbreviation],
                                            categories=[StatusCategory.NOT_REPORTED])
            if missing:
                return cards.ready_confirm_card(committee, period, missing)
        return self._move(session=session, committee=committee, period=period, move=Move.READY, text=None,
                          actor=actor)

    def _review(self, *, session, committee: Committee, period: Period | None, actor: Actor) -> str | dict:
        period = self._period(session, period)
        if not {Role.APPROVER, Role.ADMIN} & self._roles(session, actor, committee):
            return refused_text(Move.APPROVE, Refusal.NOT_ALLOWED, committee, None)
        report = approvals.report_of(session=session, committee=committee.abbreviation, period=period)
        listed = queries.list_statuses(session=session, period=period, committees=[committee.abbreviation])
        card = cards.review_card(committee, report, listed.statuses, listed.counts)
        if report.state is not ReportState.READY:
            return cards.with_note(card, refused_text(Move.APPROVE, Refusal.WRONG_STATE, committee, report))
        return card

    def _move(self, *, session, committee: Committee, period: Period | None, move: Move, text: str | None,
              actor: Actor) -> str:
        period = self._period(session, period)
        moved = approvals.move(session=session, committee=committee.abbreviation, period=period, move=move,
                               roles=self._roles(session, actor, committee), actor_id=actor.user_id,
                               actor=actor.name, comment=text)
        if moved.refused is not None:
            return refused_text(move, moved.refused, committee, moved.report)
        if move is Move.READY:
            notifications.queue_ready(session=session, report=moved.report)
        elif move is Move.SEND_BACK:
            notifications.queue_returned(session=session, report=moved.report)
        return done_text(move, committee, period)


def _whose(committee: Committee) -> str:
    name = committee.name
    return f"{name}s" if not name.endswith("s") else name


def done_text(move: Move, committee: Committee, period: Period) -> str:
    report = f"{literal(_whose(committee))} rapport för {period.label}"
    return {
        Move.READY: f"Klart! {report} är markerad som klar för godkännande. Godkännarna har fått besked.",
        Move.APPROVE: f"Godkänt! {report} är godkänd, och nämndens uppdrag är låsta för {period.label}.",
        Move.SEND_BACK: f"{report} skickades tillbaka till rapportörerna, med din kommentar.",
        Move.REOPEN: f"{report} är öppen igen för rapportering. Skälet finns i historiken.",
    }[move]


def refused_text(move: Move, why: Refusal, committee: Committee, current: CommitteeReport | None) -> str:
    """Why a move was not made, in Swedish; nothing was changed."""
    if why is Refusal.NOT_ALLOWED:
        who = {
            Move.READY: f"Bara rapportörer för {literal(committee.display)} och administratörer kan markera "
                        "rapporten som klar.",
            Move.APPROVE: f"Bara godkännare för {literal(committee.display)} och administratörer kan granska, "
                          "godkänna eller skicka tillbaka rapporten.",
            Move.SEND_BACK: f"Bara godkännare för {literal(committee.display)} och administratörer kan skicka "
                            "tillbaka rapporten.",
            Move.REOPEN: "Bara en administratör kan öppna en godkänd rapport igen.",
        }[move]
        return f"{who} Inget ändrades."
    if why is Refusal.NEEDS_TEXT:
        return {
            Move.SEND_BACK: "Skriv en kommentar till rapportörerna i rutan och tryck Skicka tillbaka igen, eller "
                            f"skriv till exempel ”{EXAMPLES[Move.SEND_BACK]}”. Inget ändrades.",
            Move.REOPEN: f"Skriv varför rapporten ska öppnas igen, till exempel ”{EXAMPLES[Move.REOPEN]}”. "
                         "Inget ändrades.",
        }.get(move, "Inget ändrades.")
    assert current is not None
    report = f"{literal(_whose(committee))} rapport för {current.period.label}"
    if current.state is ReportState.APPROVED:
        return f"{report} är redan godkänd{_by(current)}. Inget ändrades."
    if current.state is ReportState.READY:
        return f"{report} är redan markerad som klar{_by(current)} och väntar på godkännande. Inget ändrades."
    return f"{report} är inte markerad som klar än, så den kan inte godkännas eller skickas tillbaka. Inget ändrades."


def lock_text(status: AssignmentStatus, reports: Mapping[str, CommitteeReport]) -> str | None:
    """Where an assignment's committees' reports for its period stand, for its card; None when
    every one is simply open. Locked only when every committee has approved."""
    codes = [c.abbreviation for c in status.committees]
    approved = [reports[c] for c in codes if c in reports and reports[c].state is ReportState.APPROVED]
    if locked(codes, reports):
        last = max(approved, key=lambda r: r.at) if approved else None
        return f"🔒 Låst för {status.period.label}: godkänd{_by(last)}. En administratör kan öppna rapporten igen."
    if approved:
        waiting = [c for c in codes if c not in {r.committee for r in approved}]
        return (f"Godkänd för {', '.join(r.committee for r in approved)}; {', '.join(waiting)} har inte godkänt "
                f"{status.period.label} än, så uppdraget kan fortfarande uppdateras.")
    ready = [reports[c].committee for c in codes if c in reports and reports[c].state is ReportState.READY]
    if ready:
        return f"{', '.join(ready)}: rapporten för {status.period.label} är klar för godkännande."
    return None


def update_refusal(status: AssignmentStatus, reports: Mapping[str, CommitteeReport]) -> str | None:
    """Why an update of ``status`` is refused because its committees' reports are approved."""
    codes = [c.abbreviation for c in status.committees]
    if not locked(codes, reports):
        return None
    last = max((reports[c] for c in codes), key=lambda r: r.at)
    return (f"”{literal(status.title)}” kan inte uppdateras för {status.period.label}: rapporten är "
            f"godkänd{_by(last)}. En administratör kan öppna den igen (”öppna {last.committee} igen för "
            f"{status.period.label}: skäl”). Inget sparades.")


def _by(report: CommitteeReport | None) -> str:
    if report is None:
        return ""
    by = f" av {literal(report.by)}" if report.by else ""
    when = f" den {local(report.at).strftime('%Y-%m-%d')}" if report.at else ""
    return by + when
