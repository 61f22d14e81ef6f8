"""What each subscriber is told when reporting opens, or before the deadline (the cards)."""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.core import CardFactory, MessageFactory

from dialogs import cards
from domain.periods import Period
from domain.rules import NotificationKind
from domain.statuses import StatusCategory
from storage import calendar, queries, subscriptions


@dataclass(frozen=True)
class Planned:
    conversation_id: str
    activity: dict  # the serialised message
    assignments: int  # how many assignments it lists


def plan(*, session, period: Period, kind: NotificationKind) -> list[Planned]:
    """One message for each subscriber with something to say (a storage-gateway function)."""
    kind = NotificationKind(kind)
    planned = []
    dates = calendar.get_period_dates(session=session, period=period)
    for recipient in subscriptions.recipients(session=session):
        statuses = queries.find_statuses(session=session, period=period, committees=recipient.committees)
        if kind is NotificationKind.REMINDER:
            statuses = [s for s in statuses if s.category is StatusCategory.NOT_REPORTED]
        if not statuses:
            continue
        card = cards.notification_card(kind, period, dates.deadline, ", ".join(recipient.committees), statuses)
        activity = MessageFactory.attachment(CardFactory.adaptive_card(card)).serialize()
        planned.append(Planned(recipient.conversation_id, activity, len(statuses)))
    return planned
