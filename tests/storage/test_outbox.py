"""The notification outbox: exactly one row per (period, kind, recipient), claims, retries, log."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import Session

from storage import outbox
from storage.db import session_scope
from storage.periods import Period

T1 = Period(2024, 1)
NOW = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)


def card(n) -> dict:
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "n": n}]}


def enqueue(engine, ids, kind="opening", period=T1, now=NOW) -> int:
    with session_scope(engine) as session:
        return outbox.enqueue(
            session=session, period=period, kind=kind, items=[(i, card(i)) for i in ids], now=now
        )


def claim(engine, worker="w1", limit=10, now=NOW, **kwargs) -> list[outbox.ClaimedNotification]:
    with session_scope(engine) as session:
        return outbox.claim(session=session, worker=worker, limit=limit, now=now, **kwargs)


def mark(engine, how, notification_id, worker="w1", **kwargs) -> bool:
    with session_scope(engine) as session:
        return getattr(outbox, how)(session=session, notification_id=notification_id, worker=worker, **kwargs)


def report(engine, period=T1) -> dict[str, tuple]:
    with session_scope(engine) as session:
        rows = outbox.report(session=session, period=period)
    return {(r.kind, r.conversation_id): (r.status, r.attempts, r.last_error, r.sent_at) for r in rows}


def log_of(engine, notification_id) -> list[tuple[str, str | None]]:
    with session_scope(engine) as session:
        return [(event, detail) for event, detail, _ in outbox.log_of(session=session, notification_id=notification_id)]


def counts(engine, period=T1) -> dict[str, int]:
    with session_scope(engine) as session:
        return outbox.counts(session=session, period=period)


def test_enqueue_twice_adds_nothing(prepared_engine):
    assert enqueue(prepared_engine, ["a:1", "a:2", "a:1"]) == 2  # a duplicate item counts once
    assert enqueue(prepared_engine, ["a:1", "a:2"]) == 0
    assert enqueue(prepared_engine, ["a:2", "a:3"]) == 1
    assert enqueue(prepared_engine, ["a:1"], kind="reminder") == 1  # another kind is another message
    assert enqueue(prepared_engine, ["a:1"], period=Period(2024, 2)) == 1  # another period too
    assert enqueue(prepared_engine, []) == 0
    with pytest.raises(ValueError, match="kind"):
        enqueue(prepared_engine, ["a:9"], kind="spam")

    assert counts(prepared_engine) == {"queued": 4, "sending": 0, "sent": 0, "failed": 0}
    assert sorted(report(prepared_engine)) == [
        ("opening", "a:1"), ("opening", "a:2"), ("opening", "a:3"), ("reminder", "a:1"),
    ]
    claimed = claim(prepared_engine, limit=100)
    assert len(claimed) == 5  # every period
    first = next(c for c in claimed if c.conversation_id == "a:1" and c.kind == "opening" and c.term == 1)
    assert first.payload == card("a:1")  # the first payload: a re-enqueue does not replace it
    assert first.period == T1 and first.attempts == 0
    assert log_of(prepared_engine, first.id) == [("queued", None), ("claimed", "by w1")]


def test_many_items_in_one_enqueue(prepared_engine):
    ids = [f"a:{i}" for i in range(1200)]
    assert enqueue(prepared_engine, ids) == 1200
    assert enqueue(prepared_engine, ids + ["a:new"]) == 1
    assert counts(prepared_engine)["queued"] == 1201


def test_claim_and_mark_sent(prepared_engine):
    enqueue(prepared_engine, ["a:1", "a:2", "a:3"])
    first = claim(prepared_engine, limit=2)
    assert [c.conversation_id for c in first] == ["a:1", "a:2"]  # oldest first
    second = claim(prepared_engine, worker="w2", limit=10)
    assert [c.conversation_id for c in second] == ["a:3"]
    assert claim(prepared_engine, worker="w3") == []  # everything is claimed
    assert counts(prepared_engine) == {"queued": 0, "sending": 3, "sent": 0, "failed": 0}

    sent_at = NOW + timedelta(seconds=2)
    assert mark(prepared_engine, "mark_sent", first[0].id, now=sent_at) is True
    assert mark(prepared_engine, "mark_sent", first[0].id) is False  # sent already
    assert mark(prepared_engine, "mark_sent", second[0].id, worker="w2") is True
    assert report(prepared_engine)[("opening", "a:1")] == ("sent", 0, None, sent_at)
    assert counts(prepared_engine) == {"queued": 0, "sending": 1, "sent": 2, "failed": 0}
    # Sent ones are never claimed again, however late it is (only the unfinished one is).
    late = claim(prepared_engine, worker="w3", now=NOW + timedelta(days=1))
    assert [c.conversation_id for c in late] == ["a:2"]
    assert log_of(prepared_engine, first[0].id) == [("queued", None), ("claimed", "by w1"), ("sent", "by w1")]


def test_not_yet_due_is_not_claimed(prepared_engine):
    enqueue(prepared_engine, ["a:1"], now=NOW + timedelta(minutes=1))
    assert claim(prepared_engine, now=NOW) == []
    assert len(claim(prepared_engine, now=NOW + timedelta(minutes=1))) == 1


def test_retry_is_claimable_only_from_next_attempt_at(prepared_engine):
    enqueue(prepared_engine, ["a:1"])
    [item] = claim(prepared_engine)
    later = NOW + timedelta(seconds=30)
    assert mark(prepared_engine, "mark_retry", item.id, error="429 Too Many Requests", next_attempt_at=later) is True
    assert mark(prepared_engine, "mark_sent", item.id) is False  # no longer claimed
    assert report(prepared_engine)[("opening", "a:1")] == ("queued", 1, "429 Too Many Requests", None)

    assert claim(prepared_engine, worker="w2", now=NOW + timedelta(seconds=29)) == []
    [again] = claim(prepared_engine, worker="w2", now=later)
    assert (again.id, again.attempts) == (item.id, 1)
    assert mark(prepared_engine, "mark_retry", item.id, worker="w2", error="503", next_attempt_at=later) is True
    [third] = claim(prepared_engine, worker="w3", now=later)
    assert third.attempts == 2
    assert mark(prepared_engine, "mark_sent", item.id, worker="w3", now=later) is True
    assert report(prepared_engine)[("opening", "a:1")] == ("sent", 2, "503", later)

    events = log_of(prepared_engine, item.id)
    assert [event for event, _ in events] == ["queued", "claimed", "retry", "claimed", "retry", "claimed", "sent"]
    assert events[2][1] == f"attempt 1 by w1: 429 Too Many Requests; next at {later.isoformat()}"


def test_failed_is_final(prepared_engine):
    enqueue(prepared_engine, ["a:1"])
    [item] = claim(prepared_engine)
    assert mark(prepared_engine, "mark_failed", item.id, error="403 BotNotInConversationRoster") is True
    assert mark(prepared_engine, "mark_failed", item.id, error="again") is False
    assert claim(prepared_engine, now=NOW + timedelta(days=1)) == []
    assert report(prepared_engine)[("opening", "a:1")] == ("failed", 1, "403 BotNotInConversationRoster", None)
    assert log_of(prepared_engine, item.id)[-1] == ("failed", "attempt 1 by w1: 403 BotNotInConversationRoster")
    assert counts(prepared_engine) == {"queued": 0, "sending": 0, "sent": 0, "failed": 1}
    assert enqueue(prepared_engine, ["a:1"]) == 0  # and not queued again


def test_stale_sending_is_reclaimed_after_the_lease(prepared_engine):
    enqueue(prepared_engine, ["a:1"])
    [item] = claim(prepared_engine, worker="dead")
    lease = timedelta(minutes=5)
    assert claim(prepared_engine, worker="w2", now=NOW + lease - timedelta(seconds=1)) == []
    assert claim(prepared_engine, worker="w2", now=NOW + lease) == []  # older than the lease, not as old
    [taken] = claim(prepared_engine, worker="w2", now=NOW + lease + timedelta(seconds=1))
    assert taken.id == item.id
    assert mark(prepared_engine, "mark_sent", item.id, worker="dead") is False  # too late
    assert mark(prepared_engine, "mark_sent", item.id, worker="w2") is True
    assert log_of(prepared_engine, item.id) == [
        ("queued", None),
        ("claimed", "by dead"),
        ("claimed", "by w2; lease of dead expired"),
        ("sent", "by w2"),
    ]
    # A shorter lease, as given.
    enqueue(prepared_engine, ["a:2"])
    claim(prepared_engine, worker="dead")
    assert len(claim(prepared_engine, worker="w3", now=NOW + timedelta(seconds=11), lease=timedelta(seconds=10))) == 1


def test_only_the_claiming_worker_can_mark(prepared_engine):
    enqueue(prepared_engine, ["a:1", "a:2"])
    [item] = claim(prepared_engine, limit=1)
    unclaimed = item.id + 1
    later = NOW + timedelta(minutes=1)
    for worker, notification_id in (("w2", item.id), ("w1", unclaimed), ("w1", 999_999)):
        assert mark(prepared_engine, "mark_sent", notification_id, worker=worker) is False
        assert mark(prepared_engine, "mark_retry", notification_id, worker=worker, error="x", next_attempt_at=later) is False
        assert mark(prepared_engine, "mark_failed", notification_id, worker=worker, error="x") is False
    assert report(prepared_engine) == {
        ("opening", "a:1"): ("sending", 0, None, None),
        ("opening", "a:2"): ("queued", 0, None, None),
    }
    assert log_of(prepared_engine, item.id) == [("queued", None), ("claimed", "by w1")]
    assert log_of(prepared_engine, unclaimed) == [("queued", None)]


def test_times_in_any_zone(prepared_engine):
    """A time with another offset is the same instant (SQLite keeps only the wall-clock time)."""
    stockholm = ZoneInfo("Europe/Stockholm")
    enqueue(prepared_engine, ["a:1"], now=NOW.astimezone(stockholm))  # 08:00 in Stockholm
    assert claim(prepared_engine, now=(NOW - timedelta(seconds=1)).astimezone(stockholm)) == []
    [item] = claim(prepared_engine, now=NOW.astimezone(stockholm))
    mark(prepared_engine, "mark_sent", item.id, now=NOW.astimezone(stockholm))
    sent_at = report(prepared_engine)[("opening", "a:1")][3]
    assert sent_at == NOW and sent_at.tzinfo is not None
    with session_scope(prepared_engine) as session:
        [(_, _, created_at), *_] = outbox.log_of(session=session, notification_id=item.id)
    assert created_at == NOW


def test_report_and_counts_are_per_period(prepared_engine):
    enqueue(prepared_engine, ["a:1", "a:2"])
    enqueue(prepared_engine, ["a:1"], kind="reminder")
    enqueue(prepared_engine, ["a:9"], period=Period(2024, 2))
    for item in claim(prepared_engine, limit=100):
        if item.term == 1 and item.kind == "opening" and item.conversation_id == "a:1":
            mark(prepared_engine, "mark_sent", item.id)
        elif item.term == 1 and item.kind == "opening":
            mark(prepared_engine, "mark_retry", item.id, error="502 Bad Gateway", next_attempt_at=NOW)
    with session_scope(prepared_engine) as session:
        rows = outbox.report(session=session, period=T1)
        reminders = outbox.report(session=session, period=T1, kind="reminder")
    assert [(r.kind, r.conversation_id, r.status, r.attempts, r.last_error) for r in rows] == [
        ("opening", "a:1", "sent", 0, None),
        ("opening", "a:2", "queued", 1, "502 Bad Gateway"),
        ("reminder", "a:1", "sending", 0, None),
    ]
    assert [r.conversation_id for r in reminders] == ["a:1"]
    assert counts(prepared_engine) == {"queued": 1, "sending": 1, "sent": 1, "failed": 0}
    assert counts(prepared_engine, Period(2024, 2)) == {"queued": 0, "sending": 1, "sent": 0, "failed": 0}
    assert counts(prepared_engine, Period(2023, 3)) == {"queued": 0, "sending": 0, "sent": 0, "failed": 0}
    assert report(prepared_engine, Period(2023, 3)) == {}


# --- several workers claiming at once (on PostgreSQL: several instances) ----------------------

only_postgres = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_concurrent_claims_never_share_a_row(prepared_engine):
    """Two threads with their own sessions claim from 200 rows: no row twice, none left over."""
    assert enqueue(prepared_engine, [f"a:{i}" for i in range(200)]) == 200
    claimed: dict[str, list[int]] = {"w1": [], "w2": []}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        try:
            start.wait(timeout=10)
            while True:
                with Session(prepared_engine, expire_on_commit=False) as session:
                    batch = outbox.claim(session=session, worker=worker, limit=7, now=NOW)
                    time.sleep(0.005)  # hold the locks a little, so the claims overlap
                    session.commit()
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
    if prepared_engine.dialect.name == "postgresql":  # SQLite's lock may go to one thread throughout
        assert claimed["w1"] and claimed["w2"], "both workers should have got rows"
    everything = claimed["w1"] + claimed["w2"]
    assert len(everything) == len(set(everything)) == 200
    assert counts(prepared_engine) == {"queued": 0, "sending": 200, "sent": 0, "failed": 0}


@pytest.mark.postgres
@only_postgres
def test_a_claim_skips_rows_locked_by_an_open_claim(prepared_engine):
    """While one instance's claim is uncommitted, another gets other rows at once (no waiting)."""
    enqueue(prepared_engine, [f"a:{i}" for i in range(20)])
    with Session(prepared_engine) as first, Session(prepared_engine) as second:
        mine = outbox.claim(session=first, worker="w1", limit=5, now=NOW)
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        theirs = outbox.claim(session=second, worker="w2", limit=5, now=NOW)
        assert len(mine) == len(theirs) == 5
        assert not {c.id for c in mine} & {c.id for c in theirs}
        first.commit()
        second.commit()
    assert counts(prepared_engine)["sending"] == 10
