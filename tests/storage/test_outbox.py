"""The notification outbox: exactly one row per (period, kind, recipient), claims, retries, log."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from domain.periods import Period
from storage import outbox
from tests.factories import clock_at, only_postgres

T1 = Period(2024, 1)
NOW = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    """These tests' clock (and so their databases' transaction time) starts at NOW."""
    return clock_at(NOW)


def card(n) -> dict:
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "n": n}]}


def enqueue(db, ids, kind="opening", period=T1, now=None) -> int:
    with db.session() as session:
        return outbox.enqueue(
            session=session, period=period, kind=kind, items=[(i, card(i)) for i in ids], now=now
        )


def claim(db, worker="w1", limit=10, now=None, **kwargs) -> list[outbox.ClaimedNotification]:
    with db.session() as session:
        return outbox.claim(session=session, worker=worker, limit=limit, now=now, **kwargs)


def mark(db, how, notification_id, worker="w1", **kwargs) -> bool:
    with db.session() as session:
        return getattr(outbox, how)(session=session, notification_id=notification_id, worker=worker, **kwargs)


def report(db, period=T1) -> dict[str, tuple]:
    with db.session() as session:
        rows = outbox.report(session=session, period=period)
    return {(r.kind, r.conversation_id): (r.status, r.attempts, r.last_error, r.sent_at) for r in rows}


def log_of(db, notification_id) -> list[tuple[str, str | None]]:
    with db.session() as session:
        return [(event, detail) for event, detail, _ in outbox.log_of(session=session, notification_id=notification_id)]


def counts(db, period=T1) -> dict[str, int]:
    with db.session() as session:
        return outbox.counts(session=session, period=period)


def test_enqueue_twice_adds_nothing(prepared_db):
    assert enqueue(prepared_db, ["a:1", "a:2", "a:1"]) == 2  # a duplicate item counts once
    assert enqueue(prepared_db, ["a:1", "a:2"]) == 0
    assert enqueue(prepared_db, ["a:2", "a:3"]) == 1
    assert enqueue(prepared_db, ["a:1"], kind="reminder") == 1  # another kind is another message
    assert enqueue(prepared_db, ["a:1"], period=Period(2024, 2)) == 1  # another period too
    assert enqueue(prepared_db, []) == 0
    with pytest.raises(ValueError, match="kind"):
        enqueue(prepared_db, ["a:9"], kind="spam")

    assert counts(prepared_db) == {"queued": 4, "sending": 0, "sent": 0, "failed": 0}
    assert sorted(report(prepared_db)) == [
        ("opening", "a:1"), ("opening", "a:2"), ("opening", "a:3"), ("reminder", "a:1"),
    ]
    claimed = claim(prepared_db, limit=100)
    assert len(claimed) == 5  # every period
    first = next(c for c in claimed if c.conversation_id == "a:1" and c.kind == "opening" and c.term == 1)
    assert first.payload == card("a:1")  # the first payload: a re-enqueue does not replace it
    assert first.period == T1 and first.attempts == 0
    assert log_of(prepared_db, first.id) == [("queued", None), ("claimed", "by w1")]


def test_many_items_in_one_enqueue(prepared_db):
    ids = [f"a:{i}" for i in range(1200)]
    assert enqueue(prepared_db, ids) == 1200
    assert enqueue(prepared_db, ids + ["a:new"]) == 1
    assert counts(prepared_db)["queued"] == 1201


def test_claim_and_mark_sent(prepared_db):
    enqueue(prepared_db, ["a:1", "a:2", "a:3"])
    first = claim(prepared_db, limit=2)
    assert [c.conversation_id for c in first] == ["a:1", "a:2"]  # oldest first
    second = claim(prepared_db, worker="w2", limit=10)
    assert [c.conversation_id for c in second] == ["a:3"]
    assert claim(prepared_db, worker="w3") == []  # everything is claimed
    assert counts(prepared_db) == {"queued": 0, "sending": 3, "sent": 0, "failed": 0}

    sent_at = NOW + timedelta(seconds=2)
    assert mark(prepared_db, "mark_sent", first[0].id, now=sent_at) is True
    assert mark(prepared_db, "mark_sent", first[0].id) is False  # sent already
    assert mark(prepared_db, "mark_sent", second[0].id, worker="w2") is True
    assert report(prepared_db)[("opening", "a:1")] == ("sent", 0, None, sent_at)
    assert counts(prepared_db) == {"queued": 0, "sending": 1, "sent": 2, "failed": 0}
    # Sent ones are never claimed again, however late it is (only the unfinished one is).
    late = claim(prepared_db, worker="w3", now=NOW + timedelta(days=1))
    assert [c.conversation_id for c in late] == ["a:2"]
    assert log_of(prepared_db, first[0].id) == [("queued", None), ("claimed", "by w1"), ("sent", "by w1")]


def test_not_yet_due_is_not_claimed(prepared_db):
    enqueue(prepared_db, ["a:1"], now=NOW + timedelta(minutes=1))
    assert claim(prepared_db, now=NOW) == []
    assert len(claim(prepared_db, now=NOW + timedelta(minutes=1))) == 1


def test_retry_is_claimable_only_from_next_attempt_at(prepared_db):
    enqueue(prepared_db, ["a:1"])
    [item] = claim(prepared_db)
    later = NOW + timedelta(seconds=30)
    assert mark(prepared_db, "mark_retry", item.id, error="429 Too Many Requests", next_attempt_at=later) is True
    assert mark(prepared_db, "mark_sent", item.id) is False  # no longer claimed
    assert report(prepared_db)[("opening", "a:1")] == ("queued", 1, "429 Too Many Requests", None)

    assert claim(prepared_db, worker="w2", now=NOW + timedelta(seconds=29)) == []
    [again] = claim(prepared_db, worker="w2", now=later)
    assert (again.id, again.attempts) == (item.id, 1)
    assert mark(prepared_db, "mark_retry", item.id, worker="w2", error="503", next_attempt_at=later) is True
    [third] = claim(prepared_db, worker="w3", now=later)
    assert third.attempts == 2
    assert mark(prepared_db, "mark_sent", item.id, worker="w3", now=later) is True
    assert report(prepared_db)[("opening", "a:1")] == ("sent", 2, "503", later)

    events = log_of(prepared_db, item.id)
    assert [event for event, _ in events] == ["queued", "claimed", "retry", "claimed", "retry", "claimed", "sent"]
    assert events[2][1] == f"attempt 1 by w1: 429 Too Many Requests; next at {later.isoformat()}"


def test_failed_is_final(prepared_db):
    enqueue(prepared_db, ["a:1"])
    [item] = claim(prepared_db)
    assert mark(prepared_db, "mark_failed", item.id, error="403 BotNotInConversationRoster") is True
    assert mark(prepared_db, "mark_failed", item.id, error="again") is False
    assert claim(prepared_db, now=NOW + timedelta(days=1)) == []
    assert report(prepared_db)[("opening", "a:1")] == ("failed", 1, "403 BotNotInConversationRoster", None)
    assert log_of(prepared_db, item.id)[-1] == ("failed", "attempt 1 by w1: 403 BotNotInConversationRoster")
    assert counts(prepared_db) == {"queued": 0, "sending": 0, "sent": 0, "failed": 1}
    assert enqueue(prepared_db, ["a:1"]) == 0  # and not queued again


def test_stale_sending_is_reclaimed_after_the_lease(prepared_db):
    enqueue(prepared_db, ["a:1"])
    [item] = claim(prepared_db, worker="dead")
    lease = outbox.DEFAULT_LEASE  # a minute: a live sender renews its claims well before
    assert lease == timedelta(seconds=60)
    assert claim(prepared_db, worker="w2", now=NOW + lease - timedelta(seconds=1)) == []
    assert claim(prepared_db, worker="w2", now=NOW + lease) == []  # older than the lease, not as old
    [taken] = claim(prepared_db, worker="w2", now=NOW + lease + timedelta(seconds=1))
    assert taken.id == item.id
    assert mark(prepared_db, "mark_sent", item.id, worker="dead") is False  # too late
    assert mark(prepared_db, "mark_sent", item.id, worker="w2") is True
    assert log_of(prepared_db, item.id) == [
        ("queued", None),
        ("claimed", "by dead"),
        ("claimed", "by w2; lease of dead expired"),
        ("sent", "by w2"),
    ]
    # A shorter lease, as given.
    enqueue(prepared_db, ["a:2"])
    claim(prepared_db, worker="dead")
    assert len(claim(prepared_db, worker="w3", now=NOW + timedelta(seconds=11), lease=timedelta(seconds=10))) == 1


def test_only_the_claiming_worker_can_mark(prepared_db):
    enqueue(prepared_db, ["a:1", "a:2"])
    [item] = claim(prepared_db, limit=1)
    unclaimed = item.id + 1
    later = NOW + timedelta(minutes=1)
    for worker, notification_id in (("w2", item.id), ("w1", unclaimed), ("w1", 999_999)):
        assert mark(prepared_db, "mark_sent", notification_id, worker=worker) is False
        assert mark(prepared_db, "mark_retry", notification_id, worker=worker, error="x",
                    next_attempt_at=later) is False
        assert mark(prepared_db, "mark_failed", notification_id, worker=worker, error="x") is False
    assert report(prepared_db) == {
        ("opening", "a:1"): ("sending", 0, None, None),
        ("opening", "a:2"): ("queued", 0, None, None),
    }
    assert log_of(prepared_db, item.id) == [("queued", None), ("claimed", "by w1")]
    assert log_of(prepared_db, unclaimed) == [("queued", None)]


def test_times_in_any_zone(prepared_db):
    """A time with another offset is the same instant (SQLite keeps only the wall-clock time)."""
    stockholm = ZoneInfo("Europe/Stockholm")
    enqueue(prepared_db, ["a:1"], now=NOW.astimezone(stockholm))  # 08:00 in Stockholm
    assert claim(prepared_db, now=(NOW - timedelta(seconds=1)).astimezone(stockholm)) == []
    [item] = claim(prepared_db, now=NOW.astimezone(stockholm))
    mark(prepared_db, "mark_sent", item.id, now=NOW.astimezone(stockholm))
    sent_at = report(prepared_db)[("opening", "a:1")][3]
    assert sent_at == NOW and sent_at.tzinfo is not None
    with prepared_db.session() as session:
        [(_, _, created_at), *_] = outbox.log_of(session=session, notification_id=item.id)
    assert created_at == NOW


def test_times_default_to_the_transactions_time(prepared_db, clock):
    """Without ``now``, due times, claims, leases and stamps follow the database's clock."""
    assert enqueue(prepared_db, ["a:1"]) == 1  # due at once
    [item] = claim(prepared_db, worker="dead")
    clock.advance(seconds=60)
    assert claim(prepared_db, worker="w2") == []  # the lease is not over yet
    clock.advance(seconds=1)
    [taken] = claim(prepared_db, worker="w2")
    assert taken.id == item.id
    retry_at = clock.now() + timedelta(seconds=30)
    assert mark(prepared_db, "mark_retry", item.id, worker="w2", error="503", next_attempt_at=retry_at) is True
    clock.advance(seconds=29)
    assert claim(prepared_db, worker="w3") == []  # not due yet
    clock.advance(seconds=1)
    [again] = claim(prepared_db, worker="w3")
    assert (again.id, again.attempts) == (item.id, 1)
    clock.advance(seconds=2)
    assert mark(prepared_db, "mark_sent", item.id, worker="w3") is True
    assert report(prepared_db)[("opening", "a:1")] == ("sent", 1, "503", NOW + timedelta(minutes=1, seconds=33))
    with prepared_db.session() as session:
        events = [(event, at) for event, _, at in outbox.log_of(session=session, notification_id=item.id)]
    assert events == [
        ("queued", NOW),
        ("claimed", NOW),
        ("claimed", NOW + timedelta(minutes=1, seconds=1)),
        ("retry", NOW + timedelta(minutes=1, seconds=1)),
        ("claimed", NOW + timedelta(minutes=1, seconds=31)),
        ("sent", NOW + timedelta(minutes=1, seconds=33)),
    ]


def test_report_and_counts_are_per_period(prepared_db):
    enqueue(prepared_db, ["a:1", "a:2"])
    enqueue(prepared_db, ["a:1"], kind="reminder")
    enqueue(prepared_db, ["a:9"], period=Period(2024, 2))
    for item in claim(prepared_db, limit=100):
        if item.term == 1 and item.kind == "opening" and item.conversation_id == "a:1":
            mark(prepared_db, "mark_sent", item.id)
        elif item.term == 1 and item.kind == "opening":
            mark(prepared_db, "mark_retry", item.id, error="502 Bad Gateway", next_attempt_at=NOW)
    with prepared_db.session() as session:
        rows = outbox.report(session=session, period=T1)
        reminders = outbox.report(session=session, period=T1, kind="reminder")
    assert [(r.kind, r.conversation_id, r.status, r.attempts, r.last_error) for r in rows] == [
        ("opening", "a:1", "sent", 0, None),
        ("opening", "a:2", "queued", 1, "502 Bad Gateway"),
        ("reminder", "a:1", "sending", 0, None),
    ]
    assert [r.conversation_id for r in reminders] == ["a:1"]
    assert counts(prepared_db) == {"queued": 1, "sending": 1, "sent": 1, "failed": 0}
    assert counts(prepared_db, Period(2024, 2)) == {"queued": 0, "sending": 1, "sent": 0, "failed": 0}
    assert counts(prepared_db, Period(2023, 3)) == {"queued": 0, "sending": 0, "sent": 0, "failed": 0}
    assert report(prepared_db, Period(2023, 3)) == {}


# --- several workers claiming at once (on PostgreSQL: several instances) ----------------------

def test_concurrent_claims_never_share_a_row(prepared_db):
    """Two threads with their own sessions claim from 200 rows: no row twice, none left over."""
    assert enqueue(prepared_db, [f"a:{i}" for i in range(200)]) == 200
    claimed: dict[str, list[int]] = {"w1": [], "w2": []}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        try:
            start.wait(timeout=10)
            while True:
                with prepared_db.session() as session:  # committed at the end of the block
                    batch = outbox.claim(session=session, worker=worker, limit=7)
                    time.sleep(0.005)  # hold the locks a little, so the claims overlap
                if not batch:
                    return
                claimed[worker].extend(item.id for item in batch)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors  # on SQLite: no "database is locked"
    if prepared_db.dialect == "postgresql":  # SQLite's lock may go to one thread throughout
        assert claimed["w1"] and claimed["w2"], "both workers should have got rows"
    everything = claimed["w1"] + claimed["w2"]
    assert len(everything) == len(set(everything)) == 200
    assert counts(prepared_db) == {"queued": 0, "sending": 200, "sent": 0, "failed": 0}


@only_postgres
def test_a_claim_skips_rows_locked_by_an_open_claim(prepared_db):
    """While one instance's claim is uncommitted, another gets other rows at once (no waiting)."""
    enqueue(prepared_db, [f"a:{i}" for i in range(20)])
    with prepared_db.session() as first, prepared_db.session() as second:
        mine = outbox.claim(session=first, worker="w1", limit=5)
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        theirs = outbox.claim(session=second, worker="w2", limit=5)
        assert len(mine) == len(theirs) == 5
        assert not {c.id for c in mine} & {c.id for c in theirs}
        first.commit()
        second.commit()
    assert counts(prepared_db)["sending"] == 10


def test_a_live_sender_keeps_its_claims_and_a_dead_ones_are_counted(prepared_db, clock):
    enqueue(prepared_db, ["a:1", "a:2"])
    first, second = claim(prepared_db, worker="alive")
    clock.advance(seconds=50)
    assert prepared_db.run_sync(outbox.renew, worker="alive", ids=[first.id]) == 1
    assert prepared_db.run_sync(outbox.renew, worker="someone else", ids=[second.id]) == 0
    clock.advance(seconds=20)  # 70 s after the claim: only the renewed one is still held
    [taken] = claim(prepared_db, worker="w2")
    assert taken.id == second.id
    assert prepared_db.run_sync(outbox.retaken, period=T1) == 1
    assert prepared_db.run_sync(outbox.retaken, period=Period(2024, 2)) == 0
