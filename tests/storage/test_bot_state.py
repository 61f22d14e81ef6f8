"""Bot state e-tags and once-only activities, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from storage import bot_state
from storage.bot_state import ETagConflict
from storage.db import session_scope
from tests.factories import AT, CLOCK, clock_at


def write(engine, key, data, expected_etag=None) -> str:
    with session_scope(engine, CLOCK) as session:
        return bot_state.write_item(session=session, key=key, data=data, expected_etag=expected_etag)


def read(engine, *keys):
    with session_scope(engine, CLOCK) as session:
        return bot_state.read_items(session=session, keys=keys)


def test_write_read_delete_round_trip(prepared_engine):
    data = {"DialogState": {"stack": [{"id": "update", "step": 2}]}, "namn": "Åsa Öberg"}
    etag = write(prepared_engine, "msteams/conversations/a:1", data)
    user_etag = write(prepared_engine, "msteams/users/u1", {"n": 1})

    assert read(prepared_engine, "msteams/conversations/a:1", "missing") == {
        "msteams/conversations/a:1": (data, etag)
    }
    with session_scope(prepared_engine, CLOCK) as session:
        bot_state.delete_items(session=session, keys=["msteams/conversations/a:1"])
    assert read(prepared_engine, "msteams/conversations/a:1", "msteams/users/u1") == {
        "msteams/users/u1": ({"n": 1}, user_etag)
    }
    assert read(prepared_engine) == {}


def test_matching_etag_writes_and_changes_the_etag(prepared_engine):
    first = write(prepared_engine, "k", {"v": 1})
    second = write(prepared_engine, "k", {"v": 2}, expected_etag=first)
    assert second != first
    assert read(prepared_engine, "k") == {"k": ({"v": 2}, second)}


def test_stale_etag_conflicts_and_writes_nothing(prepared_engine):
    first = write(prepared_engine, "k", {"v": 1})
    current = write(prepared_engine, "k", {"v": 2}, expected_etag=first)
    with pytest.raises(ETagConflict) as raised:
        write(prepared_engine, "k", {"v": 3}, expected_etag=first)
    assert raised.value.key == "k"
    assert read(prepared_engine, "k") == {"k": ({"v": 2}, current)}


def test_etag_for_a_missing_item_conflicts(prepared_engine):
    with pytest.raises(ETagConflict):
        write(prepared_engine, "gone", {"v": 1}, expected_etag="0123")
    assert read(prepared_engine, "gone") == {}


@pytest.mark.parametrize("expected_etag", [None, "*"])
def test_none_and_star_overwrite(prepared_engine, expected_etag):
    write(prepared_engine, "k", {"v": 1})
    etag = write(prepared_engine, "k", {"v": 2}, expected_etag=expected_etag)
    assert read(prepared_engine, "k") == {"k": ({"v": 2}, etag)}


def test_unconditional_write_is_rolled_back_with_its_transaction(prepared_engine):
    with pytest.raises(ETagConflict):
        with session_scope(prepared_engine, CLOCK) as session:
            bot_state.write_item(session=session, key="new", data={"v": 1}, expected_etag=None)
            bot_state.write_item(session=session, key="other", data={}, expected_etag="stale")
    assert read(prepared_engine, "new") == {}


def test_two_sessions_with_the_same_etag_only_one_wins(prepared_engine):
    etag = write(prepared_engine, "k", {"v": 0})
    with session_scope(prepared_engine, CLOCK) as first, session_scope(prepared_engine, CLOCK) as second:
        # Both read the same version before either writes.
        # Reads and writes are separate transactions in SqlStorage, as here.
        assert bot_state.read_items(session=first, keys=["k"])["k"][1] == etag
        first.commit()
        assert bot_state.read_items(session=second, keys=["k"])["k"][1] == etag
        second.commit()
        winner = bot_state.write_item(session=first, key="k", data={"v": 1}, expected_etag=etag)
        first.commit()
        with pytest.raises(ETagConflict):
            bot_state.write_item(session=second, key="k", data={"v": 2}, expected_etag=etag)
        second.rollback()
    assert read(prepared_engine, "k") == {"k": ({"v": 1}, winner)}


def test_two_threads_with_the_same_etag_only_one_wins(prepared_engine):
    etag = write(prepared_engine, "k", {"v": 0})
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def writer(n: int) -> None:
        start.wait(timeout=10)
        try:
            with session_scope(prepared_engine, CLOCK) as session:
                bot_state.write_item(session=session, key="k", data={"v": n}, expected_etag=etag)
                threading.Event().wait(0.2)  # hold the row so the other writer has to wait
            outcomes[n] = "won"
        except ETagConflict:
            outcomes[n] = "conflict"

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "won"]
    winner = next(n for n, outcome in outcomes.items() if outcome == "won")
    assert read(prepared_engine, "k")["k"][0] == {"v": winner}


def test_key_length_is_checked_on_every_database(prepared_engine):
    with pytest.raises(ValueError):
        write(prepared_engine, "k" * 501, {})


LEASE = timedelta(seconds=12)


def claim(engine, activity_id, conversation_id="a:1", clock=CLOCK) -> str:
    with session_scope(engine, clock) as session:
        return bot_state.claim_activity(
            session=session, conversation_id=conversation_id, activity_id=activity_id, lease=LEASE
        ).outcome


def handled(engine, activity_id, conversation_id="a:1", clock=CLOCK, replies=()) -> None:
    """A claimed activity whose turn completed, with ``replies`` kept until delivered."""
    assert claim(engine, activity_id, conversation_id, clock) == "handle"
    with session_scope(engine, clock) as session:
        bot_state.complete_activity(session=session, conversation_id=conversation_id, activity_id=activity_id,
                                    replies=list(replies))


def test_an_activity_is_claimed_once(prepared_engine):
    assert claim(prepared_engine, "act-1") == "handle"
    assert claim(prepared_engine, "act-1") == "busy"  # a resend while the first turn runs
    assert claim(prepared_engine, "act-1", conversation_id="a:2") == "handle"
    assert claim(prepared_engine, "act-2") == "handle"


def test_a_failed_turn_does_not_keep_its_claim(prepared_engine):
    with pytest.raises(RuntimeError):
        with session_scope(prepared_engine, CLOCK) as session:
            assert bot_state.claim_activity(session=session, conversation_id="a:1", activity_id="x",
                                            lease=LEASE).outcome == "handle"
            raise RuntimeError("turn failed")
    assert claim(prepared_engine, "x") == "handle"


def test_the_claim_of_a_turn_that_died_is_taken_over_after_its_lease(prepared_engine):
    clock = clock_at(AT)
    assert claim(prepared_engine, "x", clock=clock) == "handle"  # and the process dies mid-turn
    clock.advance(seconds=11)
    assert claim(prepared_engine, "x", clock=clock) == "busy"
    clock.advance(seconds=2)
    assert claim(prepared_engine, "x", clock=clock) == "handle"  # the lease ran out: handled again
    assert claim(prepared_engine, "x", clock=clock) == "busy"  # and now that turn holds it


def test_replies_are_replayed_until_delivered(prepared_engine):
    replies = [{"type": "message", "text": "Sparat!"}, {"type": "message", "text": "Nästa fråga"}]
    handled(prepared_engine, "x", replies=replies)
    with session_scope(prepared_engine, CLOCK) as session:
        again = bot_state.claim_activity(session=session, conversation_id="a:1", activity_id="x", lease=LEASE)
    assert (again.outcome, list(again.replies)) == ("replay", replies)
    with session_scope(prepared_engine, CLOCK) as session:
        bot_state.mark_delivered(session=session, conversation_id="a:1", activity_id="x")
    assert claim(prepared_engine, "x", clock=clock_at(AT + timedelta(hours=1))) == "done"


def test_a_turn_with_nothing_to_say_is_done_at_once(prepared_engine):
    handled(prepared_engine, "x")
    assert claim(prepared_engine, "x", clock=clock_at(AT + timedelta(hours=1))) == "done"


def prune(engine, clock, older_than) -> int:
    with session_scope(engine, clock) as session:
        return bot_state.prune_activities(session=session, older_than=older_than)


def test_prune_forgets_claims_older_than_the_retention_only(prepared_engine):
    retention = timedelta(days=1)
    claims = clock_at(AT)  # when the activities arrive
    handled(prepared_engine, "old", clock=claims)
    claims.advance(days=1)
    handled(prepared_engine, "edge", clock=claims)  # exactly as old as the retention at pruning
    claims.advance(hours=12)
    handled(prepared_engine, "new", clock=claims)

    pruner = clock_at(AT + timedelta(hours=23))  # the scheduler's clock
    assert prune(prepared_engine, pruner, retention) == 0  # nothing is a day old yet
    pruner.set(AT + 2 * retention)
    assert prune(prepared_engine, pruner, retention) == 1  # only "old" is older than a day
    assert prune(prepared_engine, pruner, retention) == 0

    later = clock_at(AT + 2 * retention)
    assert claim(prepared_engine, "old", clock=later) == "handle"  # forgotten: claimable again
    assert claim(prepared_engine, "edge", clock=later) == "done"
    assert claim(prepared_engine, "new", clock=later) == "done"
