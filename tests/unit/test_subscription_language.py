"""Subscription requests in the chat."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.language.understand import StatusQuery, SubscriptionRequest, understand
from domain.committees import load_committees

COMMITTEES = load_committees()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("prenumerera på TN", SubscriptionRequest("add", ("TN",))),
        ("Prenumerera på tekniska nämnden", SubscriptionRequest("add", ("TN",))),
        ("jag vill prenumerera på KS och SAN", SubscriptionRequest("add", ("KS", "SAN"))),
        ("bevaka MSN", SubscriptionRequest("add", ("MSN",))),
        ("följ TN-uppdrag", SubscriptionRequest("add", ("TN",))),
        ("prenumerera", SubscriptionRequest("add", ())),
        ("avsluta prenumeration på TN", SubscriptionRequest("remove", ("TN",))),
        ("avsluta prenumerationen på social- och arbetsmarknadsnämnden", SubscriptionRequest("remove", ("SAN",))),
        ("sluta bevaka KS", SubscriptionRequest("remove", ("KS",))),
        ("mina prenumerationer", SubscriptionRequest("list", ())),
        ("visa mina prenumerationer", SubscriptionRequest("list", ())),
        ("vilka nämnder bevakar jag?", SubscriptionRequest("list", ())),
    ],
)
def test_subscription_requests(text, expected):
    assert understand(text, COMMITTEES, today=date(2026, 11, 27)) == expected


@pytest.mark.parametrize("text", ["status för TN", "visa KS uppdrag", "hur går det med prenumerationer?"])
def test_status_questions_are_not_subscriptions(text):
    assert isinstance(understand(text, COMMITTEES, today=date(2026, 11, 27)), StatusQuery)
