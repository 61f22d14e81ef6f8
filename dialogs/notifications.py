"""What the bot tells people without being asked, and to whom (the cards are dialogs/cards.py's).

- **Reporting opens** (``plan``, NotificationKind.OPENING): every subscriber of a committee
  (storage.subscriptions: explicit subscriptions and reporters' own personal chats) gets one
  message with the assignments of the committees it follows.
- **The deadline is near** (``plan``, REMINDER): only what is missing. A subscriber hears
  about the committees it follows whose report for the period is still open (not marked
  ready, not approved), and only about their assignments without a report; a subscriber whose
  committees are all ready or approved, or fully reported, gets nothing.
- **A report is marked ready** (``queue_ready``, READY): every approver of the committee
  (its approvers, every committee's approvers and the admins) in a personal chat with the bot
  gets the committee's counts per status and a button to review and approve it.
- **A report is sent back** (``queue_returned``, RETURNED): the committee's reporters (not
  the admins) in a personal chat with the bot get the approver's comment and a button to the
  committee's assignments.
- **Each morning** (``plan_digest``, DIGEST; queued by bot/notify.py from the scheduler):
  every approver in a personal chat gets one message listing the reports waiting for
  approval that they may approve, each with its own button; nobody with nothing to approve
  gets anything.

``queue_ready`` and ``queue_returned`` write to the outbox (storage.outbox) in the caller's
transaction, the one that made the move, so a message is queued exactly when the move is
saved; the bot delivers the outbox afterwards (bot.notify.drain). A person is reached in
their personal chat when their principal is the Entra object id of that chat's user (as for
reporters' default subscriptions); a principal given as a UPN is not reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from botbuilder.core import CardFactory, MessageFactory

from dialogs import cards
from dialogs.cards import Card
from domain.approval import CommitteeReport, ReportState
from domain.periods import Period
from domain.rules import PERIOD_KINDS, NotificationKind
from domain.statuses import StatusCategory
from storage import approvals, calendar, outbox, queries, reporters, subscriptions


@dataclass(frozen=True)
class Planned:
    conversation_id: str
    activity: dict  # the serialised message
    assignments: int  # how many assignments it lists (in a digest: how many reports)


def _message(card: Card) -> dict:
    return MessageFactory.attachment(CardFactory.adaptive_card(card)).serialize()


# --- reporting opens, the deadline is near ---------------------------------------------------

def plan(*, session, period: Period, kind: NotificationKind) -> list[Planned]:
    """One message for each subscriber with something to say (a storage-gateway function).

    OPENING: the assignments of every committee the subscriber follows. REMINDER: only the
    assignments without a report, of the followed committees whose report is still open.
    """
    kind = NotificationKind(kind)
    if kind not in PERIOD_KINDS:
        raise ValueError(f"{kind.value!r} is not a period notification; those are "
                         f"{', '.join(k.value for k in PERIOD_KINDS)}")
    settled: set[str] = set()  # committees (casefolded) whose report is ready or approved
    if kind is NotificationKind.REMINDER:
        reports = approvals.reports(session=session, period=period)
        settled = {committee.casefold() for committee, report in reports.items()
                   if report.state is not ReportState.OPEN}
    planned = []
    dates = calendar.get_period_dates(session=session, period=period)
    for recipient in subscriptions.recipients(session=session):
        committees = recipient.committees
        if kind is NotificationKind.REMINDER:
            committees = tuple(c for c in committees if c.casefold() not in settled)
            if not committees:
                continue
        statuses = queries.find_statuses(session=session, period=period, committees=committees)
        if kind is NotificationKind.REMINDER:
            statuses = [s for s in statuses if s.category is StatusCategory.NOT_REPORTED]
        if not statuses:
            continue
        card = cards.notification_card(kind, period, dates.deadline, ", ".join(committees), statuses)
        planned.append(Planned(recipient.conversation_id, _message(card), len(statuses)))
    return planned


# --- a report marked ready, a report sent back -----------------------------------------------

def queue_ready(*, session, report: CommitteeReport) -> int:
    """Queue "TN:s rapport för T1 2022 är klar för godkännande" to every approver of the
    committee in a personal chat with the bot; how many messages were new.

    Call it in the transaction that marked the report ready, with the report the move returned
    (``storage.approvals.move(...).report``). Queuing the same move again adds nothing.
    """
    _expect(report, ReportState.READY, "queue_ready")
    principals = reporters.approvers(session=session, committee=report.committee)

    def message() -> dict:
        counted = queries.committee_counts(session=session, period=report.period, committees=[report.committee])
        name, counts = (counted[0][0].display, counted[0][1]) if counted else (report.committee, {})
        return _message(cards.ready_card(report, committee_name=name, counts=counts))

    return _queue_move(session, report, NotificationKind.READY, principals, message)


def queue_returned(*, session, report: CommitteeReport) -> int:
    """Queue "TN:s rapport för T1 2022 skickades tillbaka av Bo Berg", with the comment, to
    the committee's reporters (not the admins) in a personal chat with the bot; how many
    messages were new.

    Call it in the transaction that sent the report back, with the report the move returned.
    Queuing the same move again adds nothing.
    """
    _expect(report, ReportState.OPEN, "queue_returned")
    principals = [r.principal for r in reporters.list_reporters(session=session, committee=report.committee)
                  if r.role == reporters.REPORTER and r.committee != reporters.ALL_COMMITTEES]
    return _queue_move(session, report, NotificationKind.RETURNED, principals,
                       lambda: _message(cards.returned_card(report)))


def _queue_move(session, report: CommitteeReport, kind: NotificationKind, principals: Iterable[str],
                message: Callable[[], dict]) -> int:
    """``message()`` queued to the personal chats of ``principals``, under the move's topic."""
    chats = subscriptions.personal_conversations(session=session, principals=principals)
    conversations = sorted({c for found in chats.values() for c in found})
    if not conversations:
        return 0
    made = message()
    return outbox.enqueue(session=session, period=report.period, kind=kind, topic=_move_topic(session, report),
                          items=[(c, made) for c in conversations])


def _expect(report: CommitteeReport, state: ReportState, what: str) -> None:
    if report.state is not state or report.at is None:
        raise ValueError(f"{what} takes a report just moved to {state.value!r}; "
                         f"{report.committee} {report.period.label} is {report.state.value!r}")


def _move_topic(session, report: CommitteeReport) -> str:
    """The outbox topic of the report's last move: the committee, how many moves it has had
    (so two moves in the same instant differ) and when."""
    moves = len(approvals.history(session=session, committee=report.committee, period=report.period))
    assert report.at is not None
    return f"{report.committee}:{moves}:{report.at.isoformat()}"


# --- the approvers' morning digest -----------------------------------------------------------

def plan_digest(*, session, day: date) -> list[Planned]:
    """One message per approver's personal chat listing the reports ready to approve that
    they may approve (every committee's for admins and "*" approvers), oldest first; nothing
    for an approver with nothing to approve. ``day``: the day it is for (its heading)."""
    ready = approvals.ready_to_approve(session=session)
    if not ready:
        return []
    may_approve: dict[str, list[CommitteeReport]] = defaultdict(list)  # principal -> reports
    approvers_of: dict[str, list[str]] = {}
    for report in ready:
        if report.committee not in approvers_of:
            approvers_of[report.committee] = reporters.approvers(session=session, committee=report.committee)
        for principal in approvers_of[report.committee]:
            may_approve[principal].append(report)
    conversations = subscriptions.personal_conversations(session=session, principals=may_approve)
    by_conversation: dict[str, dict[tuple[str, Period], CommitteeReport]] = defaultdict(dict)
    for principal, reports in may_approve.items():
        for conversation_id in conversations.get(principal, ()):
            for report in reports:
                by_conversation[conversation_id][(report.committee, report.period)] = report
    if not by_conversation:
        return []
    counts = _counts(session, {r.period for r in ready})
    planned = []
    for conversation_id in sorted(by_conversation):
        reports = sorted(by_conversation[conversation_id].values(),  # oldest first
                         key=lambda r: (r.at.isoformat() if r.at else "", r.period, r.committee))
        card = cards.digest_card(day, reports, counts)
        planned.append(Planned(conversation_id, _message(card), len(reports)))
    return planned


def _counts(session, periods: Iterable[Period]) -> dict[tuple[str, Period], Mapping[StatusCategory, int]]:
    """Each committee's counts per status, for each of ``periods``."""
    found = {}
    for period in periods:
        for committee, counts in queries.committee_counts(session=session, period=period):
            found[(committee.abbreviation, period)] = counts
    return found
