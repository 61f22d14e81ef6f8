"""What the bot tells people without being asked, and to whom (the messages and their cards).

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from botbuilder.core import CardFactory, MessageFactory

from dialogs import cards
from dialogs.actions import ReviewReport, ShowStatus
from dialogs.cards import (
    Card,
    Element,
    action_set,
    adaptive_card,
    container,
    period_text,
    plain,
    rich,
    run,
    safe_line,
    safe_paragraphs,
    shorten,
    submit,
    text_block,
)
from dialogs.language.understand import StatusQuery
from domain.approval import CommitteeReport, ReportState
from domain.clock import local
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
    conversations = sorted({c for cs in subscriptions.personal_conversations(session=session, principals=principals).values() for c in cs})
    if not conversations:
        return 0
    counted = queries.committee_counts(session=session, period=report.period, committees=[report.committee])
    name, counts = (counted[0][0].display, counted[0][1]) if counted else (report.committee, {})
    message = _message(ready_card(report, committee_name=name, counts=counts))
    return outbox.enqueue(session=session, period=report.period, kind=NotificationKind.READY,
                          topic=_move_topic(session, report), items=[(c, message) for c in conversations])


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
    conversations = sorted({c for cs in subscriptions.personal_conversations(session=session, principals=principals).values() for c in cs})
    if not conversations:
        return 0
    message = _message(returned_card(report))
    return outbox.enqueue(session=session, period=report.period, kind=NotificationKind.RETURNED,
                          topic=_move_topic(session, report), items=[(c, message) for c in conversations])


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

DIGEST_ITEMS_MAX = 20  # reports listed in one digest


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
        card = digest_card(day, reports, counts)
        planned.append(Planned(conversation_id, _message(card), len(reports)))
    return planned


def _counts(session, periods: Iterable[Period]) -> dict[tuple[str, Period], Mapping[StatusCategory, int]]:
    """Each committee's counts per status, for each of ``periods``."""
    found = {}
    for period in periods:
        for committee, counts in queries.committee_counts(session=session, period=period):
            found[(committee.abbreviation, period)] = counts
    return found


# --- the cards ---------------------------------------------------------------------------------

NAME_CHARS = 100  # a committee's or a person's name on a card
RETURN_COMMENT_CHARS = 4_000  # a send-back's comment on the card


def _committee(abbreviation: str) -> str:
    return shorten(safe_line(abbreviation), 40)


def _when(report: CommitteeReport) -> str:
    return local(report.at).strftime("%Y-%m-%d %H:%M") if report.at else ""


def _by_line(prefix: str, report: CommitteeReport) -> Element | None:
    """"Markerad som klar av Anna Andersson 2022-05-20 14:02" (the name and the time if known)."""
    who = shorten(safe_line(report.by), NAME_CHARS)
    when = _when(report)
    if not who and not when:
        return None
    runs = [run(prefix, subtle=True)]
    if who:
        runs.append(run(f" av {who}", subtle=True))
    if when:
        runs.append(run(f" {when}", subtle=True))
    return rich(*runs, spacing="none")


def ready_card(report: CommitteeReport, *, committee_name: str,
               counts: Mapping[StatusCategory, int]) -> Card:
    """To an approver: the committee's report is ready for approval, with its counts."""
    committee = _committee(report.committee)
    total = sum(counts.values())
    body: list[Element] = [
        plain(f"{committee}:s rapport för {report.period.label} är klar för godkännande", size="large",
              weight="bolder"),
    ]
    if (by := _by_line("Markerad som klar", report)) is not None:
        body.append(by)
    body += [
        rich(run("Nämnd: ", weight="bolder"), run(shorten(safe_line(committee_name), NAME_CHARS)), spacing="medium"),
        text_block(f"{total} uppdrag {period_text(report.period)}", subtle=True, spacing="none"),
    ]
    if line := cards.counts_text(counts):
        body.append(text_block(line, spacing="small"))
    if counts.get(StatusCategory.NOT_REPORTED):
        body.append(text_block(f"Observera: {counts[StatusCategory.NOT_REPORTED]} uppdrag saknar rapport.",
                               color="warning", spacing="small"))
    return adaptive_card(body, [submit("Granska och godkänn", ReviewReport(report.committee, report.period))])


def returned_card(report: CommitteeReport) -> Card:
    """To a reporter: the committee's report was sent back, with the approver's comment."""
    committee = _committee(report.committee)
    who = shorten(safe_line(report.by), NAME_CHARS)
    heading = f"{committee}:s rapport för {report.period.label} skickades tillbaka"
    body: list[Element] = [
        plain(f"{heading} av {who}" if who else heading, size="large", weight="bolder"),
    ]
    if when := _when(report):
        body.append(text_block(when, subtle=True, spacing="none"))
    body.append(text_block("Rapporten är öppen för rapportering igen. Rätta det som behövs och markera den "
                           "som klar på nytt.", spacing="small"))
    body.append(text_block("Kommentar", weight="bolder", separator=True))
    paragraphs = safe_paragraphs(shorten(report.comment or "", RETURN_COMMENT_CHARS))
    body += [plain(p, spacing="small") for p in paragraphs] or [text_block("Ingen kommentar.", subtle=True)]
    show = ShowStatus(StatusQuery(committees=(report.committee,), period=report.period))
    return adaptive_card(body, [submit(f"Visa {committee}:s uppdrag", show)])


def digest_card(day: date, reports: Sequence[CommitteeReport],
                counts: Mapping[tuple[str, Period], Mapping[StatusCategory, int]]) -> Card:
    """To an approver, each morning: the reports waiting for their approval, oldest first,
    each in a container of its own with its own button (Teams shows at most six per set)."""
    heading = ("1 rapport väntar på ditt godkännande" if len(reports) == 1
               else f"{len(reports)} rapporter väntar på ditt godkännande")
    body: list[Element] = [
        text_block(heading, size="large", weight="bolder"),
        text_block(f"Sammanställning {day.isoformat()}", subtle=True, spacing="none"),
    ]
    for report in reports[:DIGEST_ITEMS_MAX]:
        committee = _committee(report.committee)
        items: list[Element] = [plain(f"{committee}:s rapport för {report.period.label}", weight="bolder")]
        if (by := _by_line("Klar", report)) is not None:
            items.append(by)
        if line := cards.counts_text(counts.get((report.committee, report.period), {})):
            items.append(text_block(line, size="small", spacing="small"))
        items.append(action_set([submit("Granska och godkänn", ReviewReport(report.committee, report.period))],
                                spacing="small"))
        body.append(container(items, separator=True, spacing="medium"))
    if len(reports) > DIGEST_ITEMS_MAX:
        body.append(text_block(f"… och {len(reports) - DIGEST_ITEMS_MAX} rapporter till.", subtle=True,
                               separator=True))
    return adaptive_card(body)

