"""dialogs/context.py: how a follow-up refines the last answer, when the context expires, and
which assignment "den" means."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from dialogs.context import (
    EXPIRES_AFTER,
    Context,
    One,
    Several,
    Shown,
    ShownAssignment,
    current,
    referent,
    refine,
    remember,
)
from dialogs.language.understand import StatusQuery, understand
from dialogs.state import from_json, to_json
from domain.committees import load_committees
from domain.periods import Period
from domain.statuses import StatusCategory

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 27)
T1, T2 = Period(2022, 1), Period(2022, 2)
DONE = frozenset({StatusCategory.DONE})
ON_TRACK = frozenset({StatusCategory.ON_TRACK})
COMMITTEES = load_committees()


def after(query: StatusQuery, *assignments: ShownAssignment) -> Context:
    """The context after an answer to ``query`` (its period resolved) that showed ``assignments``."""
    return remember(Shown(query.period, query, assignments), NOW)


def follow_up(**fields) -> StatusQuery:
    return StatusQuery(**fields, follow_up=True)


TN_LIST = after(StatusQuery(("TN",), period=T1), ShownAssignment(1, "Dagvatten"), ShownAssignment(2, "Purple Flag"))


# --- the merge ------------------------------------------------------------------------------

def test_a_filter_narrows_the_last_list():
    assert refine(follow_up(categories=DONE), TN_LIST) == StatusQuery(("TN",), DONE, T1)


def test_a_period_changes_the_period_and_keeps_committee_and_filter():
    last = after(StatusQuery(("TN",), DONE, T1))
    assert refine(follow_up(period=T2), last) == StatusQuery(("TN",), DONE, T2)


def test_a_year_alone_replaces_the_period():
    last = after(StatusQuery(("TN",), DONE, T1))
    assert refine(follow_up(year=2023), last) == StatusQuery(("TN",), DONE, None, year=2023)


def test_a_committee_switches_the_committee_and_keeps_filter_and_period():
    last = after(StatusQuery(("TN",), DONE, T2))
    assert refine(follow_up(committees=("MSN",)), last) == StatusQuery(("MSN",), DONE, T2)


def test_a_new_filter_replaces_the_old_one():
    last = after(StatusQuery(("KS",), DONE, T1))
    assert refine(follow_up(categories=ON_TRACK), last) == StatusQuery(("KS",), ON_TRACK, T1)


def test_search_words_are_kept_or_replaced():
    last = after(StatusQuery(text="linjenätet", period=T1), ShownAssignment(5, "Linjenätet"))
    assert refine(follow_up(period=T2), last) == StatusQuery(text="linjenätet", period=T2)
    assert refine(follow_up(committees=("MSN",)), last) == StatusQuery(("MSN",), text="linjenätet", period=T1)
    assert refine(follow_up(text="dagvatten"), last) == StatusQuery(text="dagvatten", period=T1)
    assert refine(follow_up(text="dagvatten"), TN_LIST) == StatusQuery(("TN",), text="dagvatten", period=T1)


def test_what_the_follow_up_says_itself_wins_field_by_field():
    last = after(StatusQuery(("TN",), DONE, T1, text="dagvatten"))
    asked = follow_up(committees=("KS",), categories=ON_TRACK, period=T2, text="trygghet")
    assert refine(asked, last) == StatusQuery(("KS",), ON_TRACK, T2, "trygghet")


def test_shared_goes_with_the_committees():
    last = after(StatusQuery(("MSN", "TN"), period=T1, shared=True))
    assert refine(follow_up(categories=DONE), last) == StatusQuery(("MSN", "TN"), DONE, T1, shared=True)
    assert refine(follow_up(committees=("KS",)), last) == StatusQuery(("KS",), period=T1)


def test_the_refined_question_is_no_follow_up_any_more():
    assert refine(follow_up(categories=DONE), TN_LIST).follow_up is False


def test_after_only_one_assignment_was_opened_a_follow_up_keeps_its_period():
    last = remember(Shown.one(7, T2, "Linjenätet"), NOW)
    assert refine(follow_up(categories=DONE), last) == StatusQuery(categories=DONE, period=T2)


def test_a_follow_up_without_context_stands_alone():
    asked = follow_up(categories=DONE)
    assert refine(asked, None) is asked


@pytest.mark.parametrize("asked", [
    StatusQuery(("KS",)),  # names its own committee
    StatusQuery(period=T2),  # its own period
    StatusQuery(text="dagvatten"),  # its own assignment
    StatusQuery(categories=DONE),  # not marked as a follow-up: stands alone too
    StatusQuery(),
])
def test_a_question_not_marked_as_a_follow_up_never_uses_the_context(asked):
    assert refine(asked, after(StatusQuery(("TN",), ON_TRACK, T1, "dagvatten"))) is asked


@pytest.mark.parametrize("message, expected", [
    ("visa bara de genomförda", StatusQuery(("TN",), DONE, T1)),
    ("och MSN då?", StatusQuery(("MSN",), period=T1)),
    ("men för T2 2022?", StatusQuery(("TN",), period=T2)),
    ("status för KS-uppdrag", StatusQuery(("KS",))),  # a question of its own
    ("visa genomförda uppdrag", StatusQuery(categories=DONE)),
])
def test_messages_as_understood(message, expected):
    asked = understand(message, COMMITTEES, today=TODAY)
    assert refine(asked, TN_LIST) == expected


# --- expiry -----------------------------------------------------------------------------------

def test_the_context_lasts_thirty_minutes_by_the_bots_clock():
    assert current(TN_LIST, NOW) is TN_LIST
    assert current(TN_LIST, NOW + timedelta(minutes=29)) is TN_LIST
    assert current(TN_LIST, NOW + EXPIRES_AFTER) is TN_LIST
    assert current(TN_LIST, NOW + EXPIRES_AFTER + timedelta(seconds=1)) is None
    assert current(TN_LIST, NOW + timedelta(minutes=31)) is None
    assert current(None, NOW) is None


def test_an_expired_context_is_neither_merged_nor_referred_to():
    gone = current(TN_LIST, NOW + timedelta(minutes=31))
    asked = follow_up(categories=DONE)
    assert refine(asked, gone) is asked
    assert referent(gone) is None


def test_a_new_answer_starts_the_thirty_minutes_again():
    later = NOW + timedelta(minutes=25)
    renewed = remember(TN_LIST.shown, later)
    assert current(renewed, NOW + timedelta(minutes=50)) is renewed


# --- "den", "det", "uppdraget" --------------------------------------------------------------

def test_one_assignment_shown_is_the_one_meant():
    context = remember(Shown.one(5, T1, "Linjenätet", query=StatusQuery(text="linjenätet", period=T1)), NOW)
    assert referent(context) == One(5, T1, "Linjenätet")


def test_a_list_of_one_is_the_one_meant():
    context = after(StatusQuery(categories=DONE, period=T1), ShownAssignment(4, "EST"))
    assert referent(context) == One(4, T1, "EST")


def test_a_list_of_several_is_unclear_and_offers_them_all():
    assert referent(TN_LIST) == Several((ShownAssignment(1, "Dagvatten"), ShownAssignment(2, "Purple Flag")), T1)


def test_an_answer_that_showed_no_assignment_gives_nothing_to_refer_to():
    context = after(StatusQuery(("BUN",), period=T1))
    assert referent(context) is None
    assert referent(None) is None


def test_a_saved_update_is_the_one_meant():
    assert referent(remember(Shown.one(8, T2), NOW)) == One(8, T2)


# --- stored in the bot state ----------------------------------------------------------------

@pytest.mark.parametrize("context", [
    TN_LIST,
    after(StatusQuery(("MSN", "TN"), DONE | ON_TRACK, T2, "dagvatten", shared=True), ShownAssignment(3, "D")),
    remember(Shown.one(8, T2), NOW),
])
def test_the_context_is_plain_json_and_reads_back(context):
    data = context.to_data()
    assert json.loads(json.dumps(data)) == data
    assert from_json(json.loads(json.dumps(to_json(data)))) == data  # as SqlStorage keeps it
    assert Context.from_data(data) == context


@pytest.mark.parametrize("data", [
    None, "x", [], {}, {"v": 99, "at": NOW.isoformat(), "period": "T1 2022", "query": None, "assignments": []},
    {"v": 1, "at": "yesterday", "period": "T1 2022", "query": None, "assignments": []},
    {"v": 1, "at": NOW.isoformat(), "period": "T9", "query": None, "assignments": []},
    {"v": 1, "at": NOW.isoformat(), "period": "T1 2022", "query": None, "assignments": [["1", "x"]]},
    {"v": 1, "at": NOW.isoformat(), "period": "T1 2022", "query": "TN", "assignments": []},
])
def test_an_unreadable_stored_context_is_no_context(data):
    assert Context.from_data(data) is None


# --- an answer about one assignment keeps the question before it ----------------------------

def test_opening_one_assignment_keeps_the_last_question_to_refine():
    shown = Shown.one(5, T1, "Linjenätet")  # "Visa hela" on MSN's list, or "vad står det om den?"
    context = remember(shown, NOW + timedelta(minutes=5), after(StatusQuery(("MSN",), period=T1)))
    assert referent(context) == One(5, T1, "Linjenätet")
    assert refine(follow_up(period=T2), context) == StatusQuery(("MSN",), period=T2)
    assert Context.from_data(context.to_data()) == context


def test_an_expired_question_is_not_kept():
    context = remember(Shown.one(5, T1), NOW + timedelta(minutes=31), TN_LIST)
    assert context.shown.query is None
    assert refine(follow_up(categories=DONE), context) == StatusQuery(categories=DONE, period=T1)


def test_a_new_question_replaces_the_old_one():
    question = StatusQuery(("KS",), DONE, T1)
    context = remember(Shown(T1, question, (ShownAssignment(4, "EST"),)), NOW, TN_LIST)
    assert context.shown.query == question
